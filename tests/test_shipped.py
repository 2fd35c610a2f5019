"""The shipped knowledge: the vector table (build, load, rows for a vocabulary), pretraining over it in
stages, and `train` starting from it by default."""

import gzip
import json
import os

import numpy
import pytest
import torch
from conftest import DATA, invoke
from safetensors.torch import load_file

from reviewcli.core.errors import ModelError
from reviewcli.core.vocab import Vocabulary
from reviewcli.store import wordtable
from reviewcli.training import shipped

SMALL = ["--hidden", "8", "--min-freq", "1", "--max-vocab", "300", "--device", "cpu"]


def spacy_export(directory, vectors, keys):
    """A folder shaped like ../shared/data/vectors/spacy-en-md-300d."""
    directory.mkdir()
    numpy.save(directory / "vectors.npy", numpy.array(vectors, dtype=numpy.float32))
    with gzip.open(directory / "keys.tsv.gz", "wt", encoding="utf-8") as file:
        file.write("".join(f"{key}\t{row}\n" for key, row in keys))
    return directory


def test_build_keeps_tokenizer_words_and_the_lower_case_keys_own_row(tmp_path):
    source = spacy_export(tmp_path / "spacy", [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]],
                          [("The", 0), ("the", 1), ("n't", 2), ("free-election", 3), ("Great", 3)])  # fmt: skip
    summary = wordtable.build(source, tmp_path / "table")
    assert summary == {**summary, "rows": 4, "dimension": 3, "keys": 5, "words": 3}
    table = wordtable.load(tmp_path / "table")
    assert table.rows == {"the": 1, "n't": 2, "great": 3}  # "free-election" is never one token
    assert table.vectors.dtype == torch.float32 and table.vectors.shape == (4, 3)
    assert torch.equal(table.vectors[1], torch.tensor([0.0, 1.0, 0.0]))


def test_the_table_is_int8_and_reads_back_within_half_a_step(tmp_path):
    torch.manual_seed(0)
    vectors = torch.randn(50, 30) * torch.linspace(0.01, 5, 50).unsqueeze(1)  # rows of very different sizes
    vectors[7] = 0.0
    source = spacy_export(tmp_path / "spacy", vectors.tolist(), [(f"w{i}", i) for i in range(50)])
    wordtable.build(source, tmp_path / "table")
    from safetensors.torch import load_file

    stored = load_file(tmp_path / "table" / wordtable.VECTORS_FILE)
    assert stored["vectors"].dtype == torch.int8 and stored["scales"].shape == (50,)
    read = wordtable.load(tmp_path / "table").vectors
    half_step = vectors.abs().amax(dim=1, keepdim=True) / 254
    assert ((read - vectors).abs() <= half_step * 1.0001 + 1e-7).all()
    assert torch.equal(read[7], torch.zeros(30))


def test_a_table_whose_scales_do_not_fit_its_rows_is_refused(tmp_path):
    from safetensors.torch import save_file

    source = spacy_export(tmp_path / "spacy", [[1, 2], [3, 4]], [("a", 0), ("b", 1)])
    wordtable.build(source, tmp_path / "table")
    save_file({"vectors": torch.ones(2, 2, dtype=torch.int8), "scales": torch.ones(3)}, tmp_path / "table" / wordtable.VECTORS_FILE)
    with pytest.raises(ModelError, match="the word vectors could not be read.*--from-scratch"):
        wordtable.load(tmp_path / "table")


def test_built_files_are_readable_by_others(tmp_path):
    source = spacy_export(tmp_path / "spacy", [[1, 2]], [("a", 0)])
    wordtable.build(source, tmp_path / "table")
    umask = os.umask(0)
    os.umask(umask)
    assert {path.stat().st_mode & 0o777 for path in (tmp_path / "table").iterdir()} == {0o666 & ~umask}


def test_a_float_table_without_scales_still_loads():
    rows = torch.tensor([[0.5, -1.0]], dtype=torch.float16)
    assert torch.equal(wordtable.dequantize({"vectors": rows}), rows.float())


def test_build_writes_the_same_bytes_twice(tmp_path):
    source = spacy_export(tmp_path / "spacy", [[1, 2]], [("a", 0)])
    wordtable.build(source, tmp_path / "one")
    wordtable.build(source, tmp_path / "two")
    for name in (wordtable.VECTORS_FILE, wordtable.WORDS_FILE):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_load_refuses_a_row_outside_the_table(tmp_path):
    source = spacy_export(tmp_path / "spacy", [[1, 2]], [("a", 0)])
    wordtable.build(source, tmp_path / "table")
    with gzip.open(tmp_path / "table" / wordtable.WORDS_FILE, "wt") as file:
        file.write("a\t0\nb\t9\n")
    with pytest.raises(ModelError, match="outside the 1 vectors.*--from-scratch"):
        wordtable.load(tmp_path / "table")


def test_embedding_rows_known_unknown_pad_and_unk(tmp_path):
    source = spacy_export(tmp_path / "spacy", [[2, 0], [0, 4]], [("good", 0), ("bad", 1)])
    wordtable.build(source, tmp_path / "table")
    table = wordtable.load(tmp_path / "table")
    vocab = Vocabulary(["<pad>", "<unk>", "bad", "zzzq"])
    rows, found = table.embedding_rows(vocab)
    assert found == 1
    assert torch.equal(rows[0], torch.zeros(2))
    assert torch.equal(rows[1], torch.tensor([1.0, 2.0]))  # <unk>: the mean row
    assert torch.equal(rows[2], torch.tensor([0.0, 4.0]))
    assert rows[3].abs().sum() > 0  # a word the table lacks starts random, not at zero


def test_the_shipped_table_is_installed_and_knows_review_words():
    table = wordtable.load()
    assert table.dimension == wordtable.shipped_dimension() == 300
    assert len(table.rows) > 200_000
    assert all(table.knows(word) for word in ("great", "stale", "n't", "refund", "'s"))


def config_of(directory) -> dict:
    return json.loads((directory / "config.json").read_text(encoding="utf-8"))


def test_train_starts_from_the_shipped_vectors_by_default(tmp_path, small_train, monkeypatch):
    monkeypatch.setattr(shipped, "encoder_dir", lambda: tmp_path / "no-encoder")
    out = tmp_path / "m"
    result = invoke(["train", small_train, *SMALL, "--epochs", "1", "--out", out])
    assert result.exit_code == 0, result.output
    assert "found in the shipped vectors (300 dimensions)" in result.output
    config = config_of(out)
    assert config["model"]["embedding_dim"] == 300
    assert config["data"]["vectors"]["file"] == wordtable.SHIPPED_NAME
    assert config["data"]["vectors"]["found"] > 0.9 * config["data"]["vectors"]["words"]
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    trained = load_file(out / "model.safetensors")["embedding.weight"]
    table = wordtable.load()
    start = table.vectors[table.rows["the"]]
    after = trained[vocab.index("the")]
    assert torch.cosine_similarity(start, after, dim=0) > 0.9  # started there, then fine-tuned
    assert not torch.equal(start, after)


def test_from_scratch_and_another_embedding_size_train_without_the_vectors(tmp_path, small_train):
    result = invoke(["train", small_train, *SMALL, "--embedding-dim", "8", "--epochs", "1", "--out", tmp_path / "a"])
    assert result.exit_code == 0, result.output
    assert "; from scratch (--embedding-dim 8; the shipped vectors have 300)" in result.output
    result = invoke(["train", small_train, *SMALL, "--from-scratch", "--epochs", "1", "--out", tmp_path / "b", "-q"])
    assert result.exit_code == 0, result.output
    for name in ("a", "b"):
        assert config_of(tmp_path / name)["data"]["vectors"] is None
    assert config_of(tmp_path / "b")["model"]["embedding_dim"] == 128


@pytest.fixture(scope="module")
def stage_one(tmp_path_factory):
    """A tiny LSTM encoder pretrained over the shipped vectors on data/train.jsonl's texts."""
    out = tmp_path_factory.mktemp("stages") / "one"
    result = invoke(["pretrain", DATA / "train.jsonl", *SMALL, "--cell", "lstm", "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    return out


def test_an_encoder_over_the_vectors_saves_no_embedding(stage_one):
    weights = load_file(stage_one / "model.safetensors")
    assert not any(name.startswith("embedding.") for name in weights)
    assert any(name.startswith("encoder.") for name in weights)
    config = config_of(stage_one)
    assert config["data"]["embedding"] == "vector table"
    assert config["model"]["embedding_dim"] == 300


def test_pretrain_stage_two_goes_on_from_stage_one(stage_one, tmp_path):
    out = tmp_path / "two"
    tiny_rate = ["--lr", "1e-12"]  # so the start is still visible after a step
    result = invoke(["pretrain", DATA / "train.jsonl", "--init", stage_one, "--epochs", "1", "--min-freq", "1",
                     *tiny_rate, "--out", out])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"init: encoder from {stage_one}" in result.output
    before, after = load_file(stage_one / "model.safetensors"), load_file(out / "model.safetensors")
    for name, tensor in before.items():
        if name.startswith("encoder."):
            assert torch.allclose(tensor, after[name], atol=1e-6), name
    assert config_of(out)["model"]["hidden"] == 8  # the architecture comes from stage one
    assert config_of(out)["data"]["init"] == f"{stage_one.parent.name}/{stage_one.name}"  # not the absolute path


def test_pretrain_stage_must_read_words_as_its_init_did(stage_one, tmp_path):
    result = invoke(["pretrain", DATA / "train.jsonl", "--init", stage_one, "--from-scratch", "--out", tmp_path / "x"])
    assert result.exit_code == 2
    assert "reads words through the shipped vectors; leave out --from-scratch" in result.output


def test_pretrain_max_tokens_stops_reading(tmp_path):
    out = tmp_path / "p"
    result = invoke(["pretrain", DATA / "train.jsonl", *SMALL, "--max-tokens", "300", "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    data = config_of(out)["data"]
    assert 300 <= data["tokens"] < 300 + 400  # the review that crossed the limit is the last one read
    assert data["reviews"] < 100


def test_train_fine_tunes_the_shipped_encoder_when_the_shape_matches(stage_one, tmp_path, small_train, monkeypatch):
    monkeypatch.setattr(shipped, "encoder_dir", lambda: stage_one)
    out = tmp_path / "m"
    result = invoke(["train", small_train, "--min-freq", "1", "--epochs", "1", "--out", out])
    assert result.exit_code == 0, result.output
    assert "init: encoder from shipped encoder" in result.output
    config = config_of(out)
    assert (config["model"]["cell"], config["model"]["hidden"]) == ("lstm", 8)
    assert config["data"]["init"] == "shipped encoder"
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    assert "the" in vocab and len(vocab) > 300  # the data's own vocabulary, not the encoder's
    shown = invoke(["info", "--model", out]).output
    assert f"started from   {wordtable.SHIPPED_NAME}: " in shown and "; encoder from shipped encoder" in shown
    assert "started from   words read through the shipped vectors" in invoke(["info", "--model", stage_one]).output


def test_train_with_another_shape_keeps_the_vectors_not_the_encoder(stage_one, tmp_path, small_train, monkeypatch):
    monkeypatch.setattr(shipped, "encoder_dir", lambda: stage_one)
    out = tmp_path / "m"
    result = invoke(["train", small_train, "--cell", "gru", "--min-freq", "1", "--epochs", "1", "--out", out])
    assert result.exit_code == 0, result.output
    assert "; encoder from random weights (cell gru; the shipped encoder has cell lstm, hidden 8, layers 1, bidirectional True)" in result.output
    config = config_of(out)
    assert config["model"]["cell"] == "gru" and config["data"]["init"] is None
    assert config["data"]["vectors"]["file"] == wordtable.SHIPPED_NAME


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--from-scratch", "--init", "ENCODER"], "--from-scratch starts from random weights, --init from others"),
        (["--init", "ENCODER", "--new-words"], "--new-words: ENCODER reads words through the shipped vectors"),
    ],
)
def test_contradicting_starts_are_usage_errors(stage_one, tmp_path, small_train, extra, message):
    extra = [str(stage_one) if word == "ENCODER" else word for word in extra]
    result = invoke(["train", small_train, *extra, "--out", tmp_path / "m"])
    assert result.exit_code == 2, result.output
    assert message.replace("ENCODER", str(stage_one)) in " ".join(result.output.split())
    assert not (tmp_path / "m").exists()


def test_train_records_sources_and_label_schemes_without_absolute_paths(tmp_path, small_train):
    out = tmp_path / "m"
    result = invoke(["train", small_train, "--cell", "gru", "--embedding-dim", "8", *SMALL, "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    data = config_of(out)["data"]
    shown = f"{small_train.parent.name}/train.jsonl"
    assert data["sources"] == [shown] and list(data["labels"]) == [shown]


def test_two_folders_with_a_train_file_each_keep_two_label_schemes(tmp_path, small_train):
    folders = [tmp_path / "shop-a", tmp_path / "shop-b"]
    for folder in folders:
        folder.mkdir()
        (folder / "train.jsonl").write_bytes(small_train.read_bytes())
    out = tmp_path / "m"
    result = invoke(["train", *folders, "--cell", "gru", "--embedding-dim", "8", *SMALL, "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    data = config_of(out)["data"]
    assert data["sources"] == [f"{tmp_path.name}/shop-a", f"{tmp_path.name}/shop-b"]
    assert list(data["labels"]) == ["shop-a/train.jsonl", "shop-b/train.jsonl"]


def test_pretrain_defaults_to_the_cell_train_defaults_to(tmp_path):
    from reviewcli.core.config import DEFAULT_CELL

    out = tmp_path / "p"
    result = invoke(["pretrain", DATA / "train.jsonl", *SMALL, "--max-tokens", "300", "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    assert config_of(out)["model"]["cell"] == DEFAULT_CELL


def test_the_installed_encoder_is_planned_and_loads_over_the_vectors():
    plan = shipped.plan({})
    assert plan.vectors and plan.encoder and not plan.notes
    assert plan.model_options == {"embedding_dim": 300, **shipped.encoder_shape()}
    table, encoder = plan.load()
    assert encoder.table_based and table.dimension == encoder.config.embedding_dim == 300
    assert encoder.weights and all(name.startswith("encoder.") for name in encoder.weights)
