"""Where DATA is: a missing local path fails at once with close names, the Hub is announced and
HF_HUB_OFFLINE respected, and - reads standard input for train and evaluate. No test goes online."""

import json

import pytest
from conftest import TINY, invoke, run_cli

from reviewcli.core.errors import UsageError
from reviewcli.io.data import load_splits
from reviewcli.io.locate import close_names, hub_name, sniff


@pytest.fixture
def no_hub(monkeypatch):
    """The Hub switched on, but datasets.load_dataset refusing at once: what reviewcli says before it goes online."""
    import datasets

    calls = []

    def refuse(name, *args, **kwargs):
        calls.append(name)
        raise ConnectionError("no network in tests")

    monkeypatch.delenv("HF_HUB_OFFLINE")
    monkeypatch.delenv("HF_DATASETS_OFFLINE")
    monkeypatch.setattr(datasets, "load_dataset", refuse)
    return calls


def test_a_typo_of_a_local_folder_fails_at_once_with_its_name(tmp_path, monkeypatch, no_hub, waits):
    (tmp_path / "cr").mkdir()
    monkeypatch.chdir(tmp_path)
    result = invoke(["train", "crr", "--out", tmp_path / "m"])
    assert waits == []  # at once: no network look-up, no retry, no back-off
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: crr: no such file or directory. Did you mean cr? For the Hugging Face dataset, write hf:crr.\n"
    )
    assert no_hub == []  # never tried the Hub


def test_a_missing_file_suggests_close_names_beside_it(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.jsonl").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert close_names("data/trian.jsonl") == ["data/train.jsonl"]
    assert close_names("dat/train.jsonl") == ["data/train.jsonl"]
    with pytest.raises(
        UsageError, match=r"^data/trian\.jsonl: no such file or directory\. Did you mean data/train\.jsonl\?$"
    ):
        hub_name("data/trian.jsonl")


def test_names_that_can_only_be_datasets_go_to_the_hub(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert hub_name("stanfordnlp/imdb") == "stanfordnlp/imdb"
    assert hub_name("hf:crr") == "crr"
    (tmp_path / "cr").mkdir()
    assert hub_name("cr") is None  # it exists here


def test_the_hub_is_announced_before_going_online(tmp_path, monkeypatch, no_hub):
    monkeypatch.chdir(tmp_path)
    result = invoke(["train", "stanfordnlp/imdb", "--out", tmp_path / "m"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "trying the Hugging Face Hub for stanfordnlp/imdb …\nError: stanfordnlp/imdb: not a local"
    )
    assert no_hub == ["stanfordnlp/imdb"]


def test_hf_hub_offline_fails_at_once_saying_so(tmp_path, monkeypatch, waits):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as caught:
        load_splits("reviewcli_no_such_dataset_xyz")  # conftest sets HF_HUB_OFFLINE=1
    assert waits == []  # at once: no network look-up, no retry, no back-off
    assert str(caught.value) == (
        "reviewcli_no_such_dataset_xyz: not a local file or folder, nor a dataset in the datasets cache, and the "
        "Hugging Face Hub is off (HF_HUB_OFFLINE=1). Check the name, or unset HF_HUB_OFFLINE to download it."
    )


@pytest.mark.parametrize(
    ("first", "form"),
    [(b'{"text": "a"}', "jsonl"), (b"[{}]", "json"), (b"text,label", "csv"), (b"text\tlabel", "tsv"),
     (b"\xef\xbb\xbf__label__positive a", "fasttext"), (b"PAR1....", "parquet")],
)  # fmt: skip
def test_stdin_format_is_sniffed_from_the_first_line(first, form):
    assert sniff(first + b"\nmore") == form


def test_stdin_sniffing_skips_blank_lines():
    assert sniff(b"\n  \n" + b'{"text": "a", "label": 1}\n') == "jsonl"


def test_train_reads_standard_input(tmp_path, small_rows):
    lines = "".join(json.dumps(row) + "\n" for row in small_rows)
    out = tmp_path / "m"
    result = invoke(["train", "-", *TINY, "--epochs", "1", "--out", out], input=lines)
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == "reading <stdin> as JSONL (detected; choose with --input-format)"
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["data"]["sources"] == ["<stdin>"]


def test_evaluate_reads_csv_from_standard_input_as_told(tiny_model):
    result = invoke(["evaluate", "-", "-m", tiny_model, "--input-format", "csv", "-f", "json"],
                    input="text,label\ngreat,positive\nbad,negative\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == "reading <stdin> as CSV"
    report = json.loads(result.stdout)
    assert (report["n"], report["data"]) == (2, "<stdin>")


def test_stdin_errors_name_stdin_and_the_line(tiny_model):
    result = invoke(["evaluate", "-", "-m", tiny_model], input='{"text": "a", "label": 1}\n{"text": "b", "label": \n')
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("Error: <stdin>:2:")


@pytest.mark.slow
def test_evaluate_from_a_real_pipe(tiny_model, small_rows):
    """`cat test.jsonl | reviewcli evaluate -` in a real process: tsv on stdout, the notes on stderr."""
    lines = "".join(json.dumps(row) + "\n" for row in small_rows)
    done = run_cli(["evaluate", "-", "--model", tiny_model, "--device", "cpu"], input=lines)
    assert done.returncode == 0, done.stderr
    rows = dict(line.split("\t") for line in done.stdout.decode("utf-8").splitlines())
    assert rows["data"] == "<stdin>"
    assert int(rows["reviews"]) + int(rows["left_out_unjudgeable"]) == 40  # the tiny model knows 300 words
    assert (
        done.stderr.decode("utf-8").splitlines()[0] == "reading <stdin> as JSONL (detected; choose with --input-format)"
    )


# --- gzip-compressed files, as predict reads them ---------------------------------------------


def gzip_jsonl(path, rows):
    import gzip

    path.write_bytes(gzip.compress("".join(json.dumps(row) + "\n" for row in rows).encode()))
    return path


def test_compressed_files_and_folders_are_read(tmp_path, small_rows):
    file = gzip_jsonl(tmp_path / "reviews.jsonl.gz", small_rows)
    assert len(load_splits(file)["train"]) == len(small_rows)
    folder = tmp_path / "set"
    folder.mkdir()
    gzip_jsonl(folder / "train.jsonl.gz", small_rows[:30])
    gzip_jsonl(folder / "test.jsonl.gz", small_rows[30:])
    splits = load_splits(folder)
    assert (len(splits["train"]), len(splits["test"])) == (30, 10)


def test_a_damaged_gzip_file_is_one_line_error(tmp_path, tiny_model):
    path = tmp_path / "reviews.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
    result = invoke(["evaluate", path, "-m", tiny_model])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {path}: not a readable gzip file")
    assert len(result.stderr.splitlines()) == 1


def test_pretrain_folder_takes_its_compressed_unlabeled_file(tmp_path, small_rows):
    from reviewcli.training.pretraining import corpus_files

    gzip_jsonl(tmp_path / "unlabeled.jsonl.gz", [{"text": row["text"]} for row in small_rows])
    gzip_jsonl(tmp_path / "test.jsonl.gz", small_rows)
    assert corpus_files([str(tmp_path)]) == [tmp_path / "unlabeled.jsonl.gz"]
    with pytest.raises(UsageError, match="looks like a held-out split"):
        corpus_files([str(tmp_path / "test.jsonl.gz")])
