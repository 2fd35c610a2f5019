"""reviewcli.artifacts: the model directory format, atomic saves, careful loading."""

import json
import pickle
import shutil
import struct

import pytest
import torch

from reviewcli import artifacts
from reviewcli.config import ModelConfig
from reviewcli.errors import ModelError, UsageError
from reviewcli.inference import score
from reviewcli.model import SentimentModel
from reviewcli.vocab import Vocabulary

CPU = torch.device("cpu")
ENCODED = [[2, 3, 4], [5], [6, 7, 8, 9, 2]]


def build(vocab_size=10, cell="lstm"):
    torch.manual_seed(11)
    vocab = Vocabulary.build([[f"w{i}" for i in range(vocab_size - 2)]])
    model = SentimentModel(ModelConfig(vocab_size=len(vocab), cell=cell, embedding_dim=4, hidden=4)).eval()
    return model, vocab


@pytest.fixture
def saved(tmp_path):
    model, vocab = build()
    out = artifacts.save(tmp_path / "models" / "m", model, vocab, max_length=50, extra={"note": "test"})
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
    assert config["note"] == "test"


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
    artifacts.save(out, model, vocab, max_length=20, extra={})
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
    with pytest.raises(OSError, match="disk full"):
        artifacts.save(out, model, vocab, max_length=20, extra={})
    assert (out / "model.safetensors").read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["m"]


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
    # BUG: config["model"] that is not an object raises AttributeError (uncaught) instead of ModelError
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
