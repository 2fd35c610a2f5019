"""One grammar across the commands: --format, --out, --plot DIR, -q, --text-column and --input-format
mean the same everywhere; old spellings still work (hidden) for one release; defaults come from
reviewcli.core.config."""

import json
import re

import pytest
from conftest import DATA, TINY, invoke

from reviewcli.core.config import CELLS, DEFAULT_CELL, ModelConfig, TrainConfig

READERS = ("train", "pretrain", "evaluate", "predict", "explain", "compare")
COMMANDS = (*READERS, "info", "check")


def ok(args: list, **kwargs):
    result = invoke(args, **kwargs)
    assert result.exit_code == 0, result.output
    return result


def help_of(command: str) -> str:
    return ok([command, "--help"], env={"COLUMNS": "80"}).stdout


# --- every command ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_quiet(command):
    assert re.search(r"--quiet\s+-q\s", help_of(command))


@pytest.mark.parametrize("command", READERS)
def test_every_command_that_reads_reviews_has_text_column_and_input_format(command):
    text = help_of(command)
    assert "--text-column" in text and "--input-format" in text


@pytest.mark.parametrize(
    ("command", "hidden"),
    [("train", "--bidirectional"), ("train", "--no-new-words"), ("train", "--no-gradual"),
     ("pretrain", "--no-bidirectional"), ("predict", "--output"), ("compare", r"--seed\s"),
     ("explain", r"--format.*\btext\b")],
)  # fmt: skip
def test_old_spellings_are_hidden(command, hidden):
    assert not re.search(hidden, help_of(command))


# --- predict ---------------------------------------------------------------------------------------


def test_predict_json_is_one_array_of_the_jsonl_records(tiny_model):
    args = ["predict", "great taste", "awful", "", "-m", tiny_model]
    lines = [json.loads(line) for line in ok([*args, "-f", "jsonl"]).stdout.splitlines()]
    assert json.loads(ok([*args, "-f", "json"]).stdout) == lines
    assert len(lines) == 3


def test_predict_out_writes_the_file_and_nothing_to_stdout(tiny_model, tmp_path):
    out = tmp_path / "scored.tsv"
    piped = ok(["predict", "great taste", "awful", "-m", tiny_model, "-f", "tsv"]).stdout
    result = ok(["predict", "great taste", "awful", "-m", tiny_model, "-f", "tsv", "--out", out])
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == piped
    assert [p.name for p in tmp_path.iterdir()] == ["scored.tsv"]  # no temporary file left beside it


def test_predict_out_takes_its_format_from_the_name(tiny_model, tmp_path):
    out = tmp_path / "scored.csv"
    ok(["predict", "great taste", "-m", tiny_model, "-o", out])
    assert out.read_text(encoding="utf-8").splitlines()[0] == "label,probability,score,text"


def test_predict_output_is_the_old_name_of_out(tiny_model, tmp_path):
    out = tmp_path / "scored.jsonl"
    ok(["predict", "great taste", "-m", tiny_model, "--output", out])
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "great taste"
    both = invoke(["predict", "x", "--output", out, "--out", out])
    assert both.exit_code == 2 and "--output is the old name of --out" in both.stderr


def test_predict_quiet_leaves_out_the_note(tiny_model):
    args = ["predict", "great taste", "", "-m", tiny_model]
    assert "Note: 1 of 2 reviews not scored" in ok(args).stderr
    assert ok([*args, "-q"]).stderr == ""


# --- evaluate --------------------------------------------------------------------------------------


def test_evaluate_jsonl_is_the_json_on_one_line(tiny_model):
    args = ["evaluate", DATA / "test.jsonl", "-m", tiny_model]
    one_line = ok([*args, "-f", "jsonl"]).stdout
    assert len(one_line.splitlines()) == 1
    assert json.loads(one_line) == json.loads(ok([*args, "-f", "json"]).stdout)


def test_evaluate_out_writes_the_file(tiny_model, tmp_path):
    out = tmp_path / "metrics.json"
    result = ok(["evaluate", DATA / "test.jsonl", "-m", tiny_model, "--out", out])
    assert result.stdout == ""
    report = json.loads(out.read_text(encoding="utf-8"))  # json, from the name
    assert report["n"] + report["left_out"]["unjudgeable"] == 132


def test_evaluate_quiet_leaves_out_notes(tiny_model, tmp_path):
    data = tmp_path / "r.csv"
    data.write_text("text,stars\ngood,5\nbad,1\nfine,3\n", encoding="utf-8")
    args = ["evaluate", data, "-m", tiny_model, "-f", "json"]
    assert ok(args).stderr != ""  # how the stars were read, and the neutral row left out
    assert ok([*args, "-q"]).stderr == ""


# --- explain ---------------------------------------------------------------------------------------


def test_explain_table_is_the_default_and_text_its_old_name(tiny_model):
    args = ["explain", "great taste", "-m", tiny_model]
    default = ok(args).stdout
    assert ok([*args, "-f", "table"]).stdout == default
    assert ok([*args, "-f", "text"]).stdout == default
    assert default.startswith("# ")


def test_explain_json_is_one_array_of_the_jsonl_records(tiny_model):
    args = ["explain", "great taste", "awful", "-m", tiny_model]
    lines = [json.loads(line) for line in ok([*args, "-f", "jsonl"]).stdout.splitlines()]
    assert json.loads(ok([*args, "-f", "json"]).stdout) == lines


def test_explain_plot_dir_and_old_plot_file(tiny_model, tmp_path):
    ok(["explain", "great taste", "-m", tiny_model, "--plot", tmp_path / "plots"])
    assert (tmp_path / "plots" / "explain.png").read_bytes().startswith(b"\x89PNG")
    old = ok(["explain", "great taste", "-m", tiny_model, "--plot", tmp_path / "why.png"])
    assert (tmp_path / "why.png").read_bytes().startswith(b"\x89PNG")
    assert "--plot takes a folder now" in old.stderr


def test_explain_threshold_sets_the_label(tiny_model):
    args = ["explain", "awful", "-m", tiny_model, "-f", "jsonl"]
    assert json.loads(ok([*args, "--threshold", "0"]).stdout)["label"] == "positive"
    assert json.loads(ok([*args, "--threshold", "1"]).stdout)["label"] == "negative"


def test_explain_input_format_and_text_column(tiny_model, tmp_path):
    reviews = tmp_path / "reviews.data"  # a name that says nothing of the format
    reviews.write_text("id,body\n1,great taste\n", encoding="utf-8")
    args = ["explain", "-i", reviews, "-m", tiny_model, "-f", "jsonl", "--input-format", "csv", "--text-column", "body"]
    assert json.loads(ok(args).stdout)["text"] == "great taste"


def test_explain_out_and_quiet(tiny_model, tmp_path):
    out = tmp_path / "why.jsonl"
    result = ok(["explain", "great taste", "-m", tiny_model, "-f", "jsonl", "--out", out, "-q"])
    assert result.stdout == "" and result.stderr == ""
    assert json.loads(out.read_text(encoding="utf-8"))["text"] == "great taste"


# --- train and pretrain ----------------------------------------------------------------------------


@pytest.mark.parametrize("flags", [["--unidirectional"], ["--no-bidirectional"]])
def test_train_unidirectional_and_its_old_spelling(flags, small_train, tmp_path):
    out = tmp_path / "m"
    ok(["train", small_train, *TINY, "--epochs", "1", "--out", out, "-q", *flags])
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["model"]["bidirectional"] is False


@pytest.mark.parametrize("command", ["train", "pretrain"])
def test_unidirectional_and_bidirectional_contradict(command, tmp_path):
    result = invoke([command, tmp_path / "absent.txt", "--unidirectional", "--bidirectional"])
    assert result.exit_code == 2 and "contradict" in result.stderr


@pytest.mark.parametrize("flag", ["--new-words", "--gradual"])
def test_train_old_negative_flags_turn_fine_tuning_options_off(flag, tmp_path):
    absent = tmp_path / "absent.jsonl"
    alone = invoke(["train", absent, flag])
    assert alone.exit_code == 2 and "give --init DIR" in alone.stderr
    undone = invoke(["train", absent, flag, flag.replace("--", "--no-")])
    assert undone.exit_code == 2 and "give --init DIR" not in undone.stderr  # on to the missing file


def test_pretrain_old_bidirectional_spelling_is_accepted(tmp_path):
    result = invoke(["pretrain", tmp_path / "absent.txt", "--no-bidirectional"])
    assert result.exit_code == 2 and "No such option" not in result.stderr and "absent.txt" in result.stderr


def test_pretrain_reads_standard_input_in_the_format_given(monkeypatch):
    import io
    import sys

    from reviewcli.training.pretraining import prepare_corpus

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"body": "good tea"}\n{"body": "bad tea"}\n')))
    corpus = prepare_corpus(["-"], "body", TrainConfig(min_freq=1), lambda text: None, input_format="jsonl")
    assert corpus.record["reviews"] == 2 and corpus.record["sources"] == ["<stdin>"]
    assert "tea" in corpus.vocab.index


# --- compare ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seeds", "seed", "expected"),
    [("1,2,3", None, [1, 2, 3]), (" 5, 9 ", None, [5, 9]), (None, None, [13, 14, 15]),
     (None, 7, [7, 8, 9]), ("2", 7, [7, 8])],
)  # fmt: skip
def test_compare_seeds_and_the_old_seed(seeds, seed, expected):
    from reviewcli.cli.compare import parse_seeds

    assert parse_seeds(seeds, seed, lambda text: None) == expected


@pytest.mark.parametrize(
    ("args", "fragment"),
    [(["--seeds", "1,x"], "not a whole number"), (["--seeds", "3,3"], "repeated"),
     (["--seed", "7", "--seeds", "1,2"], "leave it out")],
)  # fmt: skip
def test_compare_seeds_usage_errors(args, fragment, tmp_path):
    result = invoke(["compare", tmp_path / "absent.jsonl", *args])
    assert result.exit_code == 2 and fragment in result.stderr


# --- defaults and choices from the library ---------------------------------------------------------


def test_one_default_cell():
    assert ModelConfig(vocab_size=2).cell == DEFAULT_CELL == "lstm"
    assert f"(default: {DEFAULT_CELL}" in help_of("train")


def test_choices_come_from_the_library():
    from reviewcli.cli.options import Cell

    assert tuple(c.value for c in Cell) == CELLS


def test_training_defaults_come_from_train_config():
    text = help_of("train")
    defaults = TrainConfig()
    for option, value in (("--epochs", defaults.epochs), ("--batch-size", defaults.batch_size), ("--lr", defaults.lr)):
        assert re.search(rf"{option}\s.*\[default: {value}\]", text), option
