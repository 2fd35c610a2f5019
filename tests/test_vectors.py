"""train --vectors: word2vec/GloVe text files -> the embedding's starting rows; errors name file:line:column."""

import gzip
import json

import pytest
import torch
from conftest import TINY, invoke

from reviewcli.core.errors import DataError, UsageError
from reviewcli.core.vocab import Vocabulary
from reviewcli.model.vectors import embedding_dim, initialise, read_dimension, read_vectors

VOCAB = Vocabulary(["<pad>", "<unk>", "good", "bad", "apple", "."])
GLOVE = "good 0.1 0.2 0.3\nzebra 9 9 9\nbad -1 0 1.5\n"


def without(args: list[str], option: str) -> list[str]:
    """args less `option` and its value."""
    at = args.index(option)
    return args[:at] + args[at + 2 :]


TINY_ANY_DIM = without(TINY, "--embedding-dim")  # the vectors decide the size


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def fails_cleanly(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.output


# --- reading --------------------------------------------------------------------------------------


def test_glove_without_header(tmp_path):
    path = write(tmp_path / "glove.txt", GLOVE)
    assert read_dimension(path) == 3
    found = read_vectors(path, VOCAB, 3)
    assert found.rows == {2: [0.1, 0.2, 0.3], 3: [-1.0, 0.0, 1.5]}
    assert found.summary() == f"vectors: 2 of 4 vocabulary words found in {path} (3 dimensions)"
    assert found.record() == {"file": str(path), "dimension": 3, "found": 2, "words": 4}


def test_word2vec_header_is_skipped(tmp_path):
    path = write(tmp_path / "w2v.txt", "3 3\n" + GLOVE)
    assert read_dimension(path) == 3
    assert read_vectors(path, VOCAB, 3).rows == {2: [0.1, 0.2, 0.3], 3: [-1.0, 0.0, 1.5]}


def test_gzip_crlf_and_trailing_spaces(tmp_path):
    path = tmp_path / "vectors.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8", newline="") as file:
        file.write("3 3 \r\n" + GLOVE.replace("\n", " \r\n"))
    assert read_dimension(path) == 3
    assert read_vectors(path, VOCAB, 3).rows == {2: [0.1, 0.2, 0.3], 3: [-1.0, 0.0, 1.5]}


def test_exact_word_first_else_first_lower_cased(tmp_path):
    path = write(tmp_path / "cased.txt", "Apple 1 1\nGOOD 2 2\nGood 3 3\napple 4 4\nBad 5 5\n")
    assert read_vectors(path, VOCAB, 2).rows == {4: [4.0, 4.0], 2: [2.0, 2.0], 3: [5.0, 5.0]}


def test_special_tokens_and_words_with_spaces_are_not_matched(tmp_path):
    # GloVe 840B holds a few "words" with spaces, such as ". . ."; no vocabulary word holds one.
    path = write(tmp_path / "odd.txt", "<pad> 1 1\n<unk> 2 2\n. . . 3 3\n. 4 4\n")
    assert read_vectors(path, VOCAB, 2).rows == {5: [4.0, 4.0]}


def test_no_words_found_says_so(tmp_path):
    found = read_vectors(write(tmp_path / "none.txt", "zebra 1 2\n"), VOCAB, 2)
    assert found.rows == {}
    assert found.summary().endswith("(2 dimensions); the embeddings start random")


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [("good 0.1 0.2\nbad 0.1 0.2 0.3\n", ":2:13:", "3 numbers after the word 'bad', expected 2"),
     ("good 0.1 0.2\nzebra 0.1\n", ":2:10:", "1 numbers after the word 'zebra', expected 2"),
     ("good 0.1 0.2\nbad 0.1 x2\n", ":2:9:", "'x2' is not a finite number"),
     ("good 0.1 nan\n", ":1:10:", "'nan' is not a finite number"),
     ("2 2\ngood 0.1\n", ":2:9:", "1 numbers after the word 'good', expected 2")],
)  # fmt: skip
def test_malformed_line_names_file_line_column(tmp_path, text, where, what):
    path = write(tmp_path / "bad.txt", text)
    with pytest.raises(DataError) as error:
        read_vectors(path, VOCAB, read_dimension(path))
    assert f"{path}{where} {what}" in str(error.value)
    assert "fix or remove that line" in str(error.value).lower()


def test_unreadable_files(tmp_path):
    with pytest.raises(UsageError, match="missing.txt: no such file"):
        read_dimension(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="holds no word vectors"):
        read_dimension(write(tmp_path / "empty.txt", "\n"))
    with pytest.raises(DataError, match=r"words.txt:1:5: no numbers after the word"):
        read_dimension(write(tmp_path / "words.txt", "good\n"))
    truncated = tmp_path / "cut.txt.gz"
    truncated.write_bytes(gzip.compress((GLOVE * 50).encode())[:-20])
    with pytest.raises(DataError, match="could not be read"):
        read_vectors(truncated, VOCAB, 3)


def test_embedding_dim_follows_the_file_and_refuses_another(tmp_path):
    path = write(tmp_path / "glove.txt", GLOVE)
    assert embedding_dim(path, None) == embedding_dim(path, 3) == 3
    with pytest.raises(UsageError, match=r"--embedding-dim 8 does not match the 3-dimensional vectors in .*glove.txt"):
        embedding_dim(path, 8)


# --- initialising ---------------------------------------------------------------------------------


def test_initialise_copies_found_rows_and_rescales_the_rest(tmp_path):
    torch.manual_seed(0)
    embedding = torch.nn.Embedding(200, 3, padding_idx=0)
    found = read_vectors(write(tmp_path / "glove.txt", GLOVE), VOCAB, 3)
    initialise(embedding, found, pad_index=0)
    weight = embedding.weight
    assert torch.equal(weight[2], torch.tensor([0.1, 0.2, 0.3]))
    assert torch.equal(weight[3], torch.tensor([-1.0, 0.0, 1.5]))
    assert torch.equal(weight[0], torch.zeros(3))
    spread = torch.tensor([[0.1, 0.2, 0.3], [-1.0, 0.0, 1.5]]).std()
    assert weight[4:].std().item() == pytest.approx(spread.item(), rel=0.15)  # random rows, loaded spread
    assert weight.requires_grad


# --- through the CLI ------------------------------------------------------------------------------


def vectors_for(words: list[str], dim: int) -> dict[str, list[float]]:
    return {word: [round(0.01 * (i + 1) * (j - dim / 2), 4) for j in range(dim)] for i, word in enumerate(words)}


def test_train_with_vectors_end_to_end(tmp_path, small_train):
    from safetensors.torch import load_file

    from reviewcli.core.config import TrainConfig
    from reviewcli.io.data import Columns
    from reviewcli.training import stages

    table = vectors_for(["the", "not", "zzz-not-a-review-word", "Box"], 8)  # "Box" reaches "box" by case
    path = tmp_path / "vectors.txt"
    write(path, f"{len(table)} 8\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in table.items()))
    out = tmp_path / "m"
    result = invoke(["train", small_train, *TINY_ANY_DIM, "--epochs", "1", "--vectors", path, "--out", out])
    assert result.exit_code == 0, result.output
    vocab = Vocabulary(json.loads((out / "vocab.json").read_text(encoding="utf-8")))
    assert f"vectors: 3 of {len(vocab) - 2:,} vocabulary words found in {path} (8 dimensions)" in result.stderr
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["embedding_dim"] == 8  # taken from the file
    recorded = {"file": f"{tmp_path.name}/vectors.txt", "dimension": 8, "found": 3, "words": len(vocab) - 2}
    assert config["data"]["vectors"] == recorded  # the folder and name, never the absolute path

    # before training (the model stage, as train runs it): the found words' rows are the file's vectors
    train_config = TrainConfig(min_freq=1, max_vocab=300)
    data = stages.prepare_data([str(small_train)], Columns(), train_config, say=lambda line: None)
    assert data.vocab.tokens == vocab.tokens
    built = stages.build_model(data, {"embedding_dim": 8, "hidden": 8}, seed=13, say=lambda line: None, vectors=path)
    started = built.model.embedding.weight.detach()
    for word, source in (("the", "the"), ("not", "not"), ("box", "Box")):
        assert torch.equal(started[vocab.index[word]], torch.tensor(table[source]))
    # after training: fine-tuned, not frozen
    trained = load_file(out / "model.safetensors")["embedding.weight"]
    assert not torch.equal(trained[vocab.index["the"]], torch.tensor(table["the"]))
    assert torch.equal(trained[vocab.pad_index], torch.zeros(8))


def test_train_from_scratch_records_no_vectors_and_keeps_128(tmp_path, small_train):
    out = tmp_path / "m"
    result = invoke(["train", small_train, *TINY_ANY_DIM, "--from-scratch", "--epochs", "1", "--out", out, "--quiet"])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["embedding_dim"] == 128
    assert config["data"]["vectors"] is None


def test_train_embedding_dim_mismatch_is_usage_error(tmp_path, small_train):
    path = write(tmp_path / "glove.txt", GLOVE)
    result = invoke(["train", small_train, *TINY, "--vectors", path, "--out", tmp_path / "m"])
    fails_cleanly(result, 2, str(path), "--embedding-dim 8", "3-dimensional")
    assert not (tmp_path / "m").exists()


def test_train_vectors_missing_file_is_usage_error(tmp_path, small_train):
    result = invoke(["train", small_train, *TINY_ANY_DIM, "--vectors", tmp_path / "nope.txt", "--out", tmp_path / "m"])
    fails_cleanly(result, 2, "nope.txt: no such file")


def test_train_vectors_malformed_line_is_data_error(tmp_path, small_train):
    path = write(tmp_path / "glove.txt", "the 0.1 0.2\nand 0.1 oops\n")
    result = invoke(["train", small_train, *TINY_ANY_DIM, "--vectors", path, "--out", tmp_path / "m"])
    fails_cleanly(result, 1, f"{path}:2:9: 'oops' is not a finite number")
    assert not (tmp_path / "m").exists()


def test_train_help_shows_vectors():
    result = invoke(["train", "--help"])
    assert result.exit_code == 0
    assert "--vectors" in result.stdout
