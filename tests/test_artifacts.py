"""reviewcli.store.artifacts: the model directory format, atomic saves, careful loading."""

import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import ROOT

from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.core.errors import ModelError, OutputError, UsageError
from reviewcli.core.vocab import Vocabulary
from reviewcli.inference.predictor import score
from reviewcli.model.network import SentimentModel
from reviewcli.store import artifacts

CPU = torch.device("cpu")
ENCODED = [[2, 3, 4], [5], [6, 7, 8, 9, 2]]


def build(vocab_size=10, cell="lstm"):
    torch.manual_seed(11)
    vocab = Vocabulary.build([[f"w{i}" for i in range(vocab_size - 2)]])
    model = SentimentModel(ModelConfig(vocab_size=len(vocab), cell=cell, embedding_dim=4, hidden=4)).eval()
    return model, vocab


def save(out, model, vocab, *, max_length=50, data=None):
    record = artifacts.Record(
        kind=artifacts.SENTIMENT_KIND, train=TrainConfig(max_length=max_length), data=data or {}, metrics={}
    )
    return artifacts.save(out, model.config, model.state_dict(), vocab, record)


@pytest.fixture
def saved(tmp_path):
    model, vocab = build()
    out = save(tmp_path / "models" / "m", model, vocab, data={"note": "test"})
    return out, model


def copy_of(saved_dir, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(saved_dir, target)
    return target


def edit_config(directory, change):
    config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    change(config)
    (directory / "config.json").write_text(json.dumps(config), encoding="utf-8")


def test_save_load_gives_identical_probabilities(saved):
    out, model = saved
    loaded, vocab, config = artifacts.load(out)
    assert score(loaded, ENCODED, batch_size=4, device=CPU) == score(model, ENCODED, batch_size=4, device=CPU)
    assert vocab.tokens == build()[1].tokens
    assert config["tokenizer"]["max_length"] == 50
    assert config["data"]["note"] == "test"


def test_directory_holds_exactly_the_three_files(saved):
    out, _ = saved
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors", "vocab.json"]


def test_config_and_vocab_are_json(saved):
    out, _ = saved
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["format_version"] == artifacts.FORMAT_VERSION == 1
    assert config["model"]["cell"] == "lstm"
    assert config["labels"] == ["negative", "positive"]
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    assert vocab[:2] == ["<pad>", "<unk>"] and len(vocab) == config["model"]["vocab_size"]


def test_weights_are_safetensors_not_pickle(saved):
    out, _ = saved
    raw = (out / "model.safetensors").read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_size])
    assert raw[8:9] == b"{"  # safetensors: 8-byte little-endian header size, then a JSON header
    assert header["embedding.weight"]["dtype"] == "F32"
    assert header["__metadata__"] == {"format": "pt"}
    assert not raw.startswith(b"PK")  # not torch.save's zip of pickles


def test_load_never_unpickles(saved, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    model, _, _ = artifacts.load(saved[0])
    assert isinstance(model, SentimentModel)


def test_no_temporary_directories_left(saved):
    out, _ = saved
    assert [p.name for p in out.parent.iterdir()] == ["m"]


def test_overwriting_an_existing_model(saved, tmp_path):
    out, _ = saved
    (out / "stale.txt").write_text("from the old model", encoding="utf-8")
    model, vocab = build(vocab_size=14, cell="gru")
    save(out, model, vocab, max_length=20)
    assert [p.name for p in out.parent.iterdir()] == ["m"]
    assert not (out / "stale.txt").exists()
    loaded, vocab, config = artifacts.load(out)
    assert (config["model"]["cell"], len(vocab)) == ("gru", 14)


def test_failed_save_leaves_the_old_model(saved, monkeypatch):
    out, _ = saved
    before = (out / "model.safetensors").read_bytes()
    model, vocab = build(vocab_size=14, cell="gru")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(artifacts, "write_json", crash)
    with pytest.raises(OutputError, match="could not write the model .disk full.; the model there is as it was"):
        save(out, model, vocab, max_length=20)
    assert (out / "model.safetensors").read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["m"]  # no staging directory left behind


@pytest.mark.parametrize("name", ["config.json", "vocab.json", "model.safetensors"])
def test_missing_file_names_it(saved, tmp_path, name):
    directory = copy_of(saved[0], tmp_path)
    (directory / name).unlink()
    with pytest.raises(ModelError, match=f"missing {name}"):
        artifacts.load(directory)


def test_missing_directory_is_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such model directory"):
        artifacts.load(tmp_path / "nowhere")


def test_newer_format_version_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c.update(format_version=2))
    with pytest.raises(ModelError, match=r"model format 2 is newer than this reviewcli reads \(1\)"):
        artifacts.load(directory)


def test_no_format_version_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c.pop("format_version"))
    with pytest.raises(ModelError, match="no format_version"):
        artifacts.load(directory)


def test_mismatched_vocab_size_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    (directory / "vocab.json").write_text(json.dumps(vocab + ["extra"]), encoding="utf-8")
    with pytest.raises(ModelError, match="vocab.json has 11 tokens but config.json says 10"):
        artifacts.load(directory)


def test_weights_of_another_shape_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c["model"].update(hidden=6))
    with pytest.raises(ModelError, match="weight '.*' is shape"):
        artifacts.load(directory)


def test_garbage_config_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    (directory / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="config.json: unreadable"):
        artifacts.load(directory)


def test_garbage_weights_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    (directory / "model.safetensors").write_bytes(b"not a safetensors file at all")
    with pytest.raises(ModelError, match="model.safetensors: unreadable"):
        artifacts.load(directory)


def test_damaged_model_section_is_model_error(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c.update(model=["gru"]))
    with pytest.raises(ModelError, match="damaged"):
        artifacts.load(directory)


def test_default_model_dir_order(tmp_path, monkeypatch):
    explicit, from_env = tmp_path / "explicit", tmp_path / "env"
    monkeypatch.setenv("REVIEWCLI_MODEL", str(from_env))
    assert artifacts.default_model_dir(explicit) == explicit
    assert artifacts.default_model_dir() == from_env
    monkeypatch.delenv("REVIEWCLI_MODEL")
    assert artifacts.default_model_dir() == artifacts.shipped_model_dir()
    assert artifacts.shipped_model_dir().name == "default"


# Model directories from elsewhere: refused with one ModelError naming the file, before anything large
# is allocated.

def rewrite_weights(directory, change):
    from safetensors.torch import load_file, save_file

    weights = load_file(directory / "model.safetensors")
    change(weights)
    save_file(weights, directory / "model.safetensors", metadata={"format": "pt"})


def write_safetensors_header(path, header: dict, data: bytes = b"") -> None:
    """A safetensors file by hand: 8-byte little-endian header length, JSON header, then the data."""
    raw = json.dumps(header).encode("utf-8")
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(raw)) + raw + data)


# Reads a model directory the way the test names, in a fresh Python, and prints that process's peak
# resident memory; a refusal (ModelError) is the expected end of a read, anything else fails the run.
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent through fork and exec, so a child
# of this (large) test process would report this process's size; VmHWM belongs to the new address space.
READ_AND_REPORT_PEAK = """
import re, sys
from reviewcli.core.errors import ModelError
from reviewcli.store import artifacts

for read in sys.argv[2:]:
    try:
        getattr(artifacts, read)(sys.argv[1])
    except ModelError:
        pass
with open("/proc/self/status") as status:
    print(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1))
"""


needs_proc_status = pytest.mark.skipif(
    not Path("/proc/self/status").is_file(), reason="reads peak memory from /proc (Linux)"
)


def peak_rise_mb(directory, sound, *reads: str) -> float:
    """How much higher the peak memory (MB) of a fresh process that reads `directory` goes than that of
    one that reads `sound` (a small model that loads). A peak is a high-water mark for a process's
    life: measured in this process, after the session's models and torch's start-up, it could not
    show a rise below those earlier peaks; a fresh process starts from its imports alone."""

    def peak_mb(path) -> float:
        done = subprocess.run(
            [sys.executable, "-c", READ_AND_REPORT_PEAK, str(path), *reads],
            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return int(done.stdout.split()[-1]) / 1024

    return peak_mb(directory) - peak_mb(sound)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("hidden", "128", "hidden must be a whole number, not '128'"),
        ("layers", True, "layers must be a whole number, not True"),
        ("vocab_size", 10.0, "vocab_size must be a whole number"),
        ("bidirectional", "yes", "bidirectional must be true or false, not 'yes'"),
        ("dropout", None, "dropout must be a number, not None"),
        ("dropout", float("nan"), r"dropout must be in \[0, 1\)"),
        ("cell", ["gru"], "cell must be one of gru, lstm, rnn"),
        ("pad_index", 99999, r"pad_index must be in \[0, vocab_size\), not 99999"),
        ("pad_index", -1, r"pad_index must be in \[0, vocab_size\)"),
        ("embedding_dim", 100_001, "embedding_dim must be at most 100,000"),
        ("layers", 65, "layers must be at most 64"),
    ],
)
def test_model_section_of_wrong_type_or_range_refused(saved, tmp_path, field, value, message):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c["model"].update({field: value}))
    with pytest.raises(ModelError, match=f"config.json: the model section is damaged \\({message}"):
        artifacts.load(directory)


def test_model_config_checks_every_construction():
    with pytest.raises(TypeError, match="layers must be a whole number"):
        ModelConfig(vocab_size=10, layers=True)
    with pytest.raises(ValueError, match="vocab_size must be at most 10,000,000"):
        ModelConfig(vocab_size=10**12)
    assert ModelConfig(vocab_size=10, dropout=0).dropout == 0  # a whole-number dropout is still a number


@pytest.mark.parametrize("max_length", [True, 0, "50", 2.5])
def test_tokenizer_max_length_must_be_a_count(saved, tmp_path, max_length):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c["tokenizer"].update(max_length=max_length))
    with pytest.raises(ModelError, match="the model or tokenizer section is missing or damaged"):
        artifacts.load(directory)


@needs_proc_status
@pytest.mark.slow
def test_vocabulary_of_a_trillion_rows_refused_without_allocating(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c["model"].update(vocab_size=10**12))
    with pytest.raises(ModelError, match="vocab_size must be at most 10,000,000"):
        artifacts.load(directory)
    assert peak_rise_mb(directory, saved[0], "load") < 100


@needs_proc_status
@pytest.mark.slow
def test_huge_layers_within_the_caps_are_never_allocated(saved, tmp_path):
    # every size at its cap: terabytes of LSTM weights if built for real, so only a model sized on
    # the meta device (or not at all) reaches the header check
    directory = copy_of(saved[0], tmp_path)
    edit_config(directory, lambda c: c["model"].update(embedding_dim=100_000, hidden=100_000, layers=64))
    expects = r"weight 'embedding.weight' is shape \(10, 4\), config.json expects \(10, 100000\)"
    with pytest.raises(ModelError, match=expects):
        artifacts.load(directory)
    with pytest.raises(ModelError, match="weight 'embedding.weight' is shape"):
        artifacts.load_encoder(directory)
    assert peak_rise_mb(directory, saved[0], "load", "load_encoder") < 100


@needs_proc_status
@pytest.mark.slow
def test_header_claiming_an_absurd_shape_in_a_small_file_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    header = {"embedding.weight": {"dtype": "F32", "shape": [10**12, 8], "data_offsets": [0, 32]}}
    write_safetensors_header(directory / "model.safetensors", header, b"\0" * 32)
    with pytest.raises(ModelError, match=r"model.safetensors: weight 'embedding.weight' is shape \(1000000000000, 8\)"):
        artifacts.load(directory)
    assert peak_rise_mb(directory, saved[0], "load") < 100


def test_header_whose_offsets_do_not_match_its_shapes_is_damaged(saved, tmp_path):
    # names, shapes, dtypes and total size all as config.json says: only safetensors' own check is left
    directory = copy_of(saved[0], tmp_path)
    path = directory / "model.safetensors"
    raw = path.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + length])
    header["embedding.weight"]["data_offsets"][1] -= 4
    write_safetensors_header(path, header, raw[8 + length :])
    with pytest.raises(ModelError, match="model.safetensors: unreadable or damaged"):
        artifacts.load(directory)


@pytest.mark.parametrize("read", [artifacts.load, artifacts.load_encoder])
def test_truncated_weights_are_damaged(saved, tmp_path, read):
    directory = copy_of(saved[0], tmp_path)
    path = directory / "model.safetensors"
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ModelError, match="model.safetensors: unreadable or damaged"):
        read(directory)


@needs_proc_status
@pytest.mark.slow
def test_header_of_a_huge_weight_backed_by_the_file_is_refused_before_reading(saved, tmp_path):
    # a consistent header over a sparse 32 GB file: safetensors accepts it, so only comparing the
    # header with config.json keeps the weight from being read into memory
    directory = copy_of(saved[0], tmp_path)
    path = directory / "model.safetensors"
    size = 10**9 * 8 * 4
    header = {"embedding.weight": {"dtype": "F32", "shape": [10**9, 8], "data_offsets": [0, size]}}
    write_safetensors_header(path, header)
    with open(path, "r+b") as file:
        file.truncate(file.seek(0, 2) + size)
    with pytest.raises(ModelError, match=r"weight 'embedding.weight' is shape \(1000000000, 8\)"):
        artifacts.load(directory)
    assert peak_rise_mb(directory, saved[0], "load") < 100


@pytest.mark.parametrize("dtype, name", [(torch.float64, "F64"), (torch.int64, "I64"), (torch.bfloat16, "BF16")])
def test_weights_that_are_not_float32_or_float16_refused(saved, tmp_path, dtype, name):
    directory = copy_of(saved[0], tmp_path)
    rewrite_weights(directory, lambda w: w.update({k: v.to(dtype) for k, v in w.items()}))
    with pytest.raises(ModelError, match=f"weight 'embedding.weight' is {name}, but reviewcli saves float32 or float16"):
        artifacts.load(directory)


def test_compact_halves_the_weights_and_they_load_as_float32(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    _, full_bytes = artifacts.read_header(directory / "model.safetensors")
    before, after = artifacts.compact(directory)
    header, half_bytes = artifacts.read_header(directory / "model.safetensors")
    assert after < before and after == (directory / "model.safetensors").stat().st_size
    assert half_bytes * 2 == full_bytes and {dtype for _, dtype in header.values()} == {"F16"}
    assert sorted(path.name for path in directory.iterdir()) == sorted(artifacts.FILES)  # no temp file left
    assert (directory / "model.safetensors").stat().st_mode & 0o777 == (directory / "vocab.json").stat().st_mode & 0o777
    loaded, _, _ = artifacts.load(directory)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())
    full = score(saved[1], ENCODED, batch_size=4, device=CPU)
    half = score(loaded, ENCODED, batch_size=4, device=CPU)
    assert full != half and half == pytest.approx(full, abs=2e-3)  # float16's rounding, and no more


def test_compact_refuses_a_weight_past_float16s_range(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    rewrite_weights(directory, lambda w: w["head.bias"].fill_(1e5))
    with pytest.raises(ModelError, match="past float16's range; it was left in float32"):
        artifacts.compact(directory)
    header, _ = artifacts.read_header(directory / "model.safetensors")
    assert {dtype for _, dtype in header.values()} == {"F32"}


def test_a_compacted_file_with_bytes_added_is_refused(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    artifacts.compact(directory)
    path = directory / "model.safetensors"
    path.write_bytes(path.read_bytes() + b"\0\0")
    with pytest.raises(ModelError, match="bytes of weights where config.json's model has"):
        artifacts.load(directory)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_weights_holding_nan_or_infinity_refused(saved, tmp_path, value):
    directory = copy_of(saved[0], tmp_path)
    rewrite_weights(directory, lambda w: w["head.bias"].fill_(value))
    with pytest.raises(ModelError, match="weight 'head.bias' holds NaN or infinite values; the model is broken"):
        artifacts.load(directory)


def test_load_encoder_refuses_broken_encoder_weights(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    rewrite_weights(directory, lambda w: w["embedding.weight"][3].fill_(float("nan")))
    with pytest.raises(ModelError, match="weight 'embedding.weight' holds NaN"):
        artifacts.load_encoder(directory)


def test_load_encoder_reads_only_the_encoder(saved):
    out, model = saved
    _, vocab, weights, _ = artifacts.load_encoder(out)
    assert sorted(weights) == sorted(k for k in model.state_dict() if k.startswith(artifacts.ENCODER_PREFIXES))
    assert all(torch.equal(weights[k], model.state_dict()[k]) for k in weights)
    assert len(vocab) == 10


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda v: {"<pad>": 0}, "not a list of strings"),
        (lambda v: v[:-1] + [7], "not a list of strings"),
        (lambda v: [v[1], v[0], *v[2:]], "does not start with <pad> and <unk>"),
        (lambda v: v[:-1] + [v[2]], "holds 'w0' twice"),
    ],
)
def test_vocab_that_is_no_vocabulary_refused(saved, tmp_path, change, message):
    directory = copy_of(saved[0], tmp_path)
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    (directory / "vocab.json").write_text(json.dumps(change(vocab)), encoding="utf-8")
    with pytest.raises(ModelError, match=f"vocab.json: {message}"):
        artifacts.load(directory)


def test_vocab_far_larger_than_its_size_is_not_parsed(saved, tmp_path):
    directory = copy_of(saved[0], tmp_path)
    vocab = json.loads((directory / "vocab.json").read_text(encoding="utf-8"))
    (directory / "vocab.json").write_text(json.dumps(vocab[:-1] + ["x" * 2_000_000]), encoding="utf-8")
    with pytest.raises(ModelError, match="vocab.json: 2,000,.* bytes, far more than reviewcli writes there"):
        artifacts.load(directory)


def test_cli_reports_a_hostile_model_in_one_line(saved, tmp_path):
    from conftest import invoke

    directory = copy_of(saved[0], tmp_path)
    rewrite_weights(directory, lambda w: w["head.bias"].fill_(float("nan")))
    result = invoke(["predict", "great", "--model", directory])
    assert result.exit_code == 1, (result.output, result.exception)
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "head.bias" in result.stderr and "Traceback" not in result.output
