"""Help, -h, case-insensitive choices, shell completion, the Quickstart's PATH step, the 60-column
epoch table, and bench/accuracy.py --table-only in a clean clone."""

import importlib.util
import json
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, TINY, invoke, run_cli

COMMANDS = ("train", "pretrain", "evaluate", "predict", "info", "explain", "compare", "check")
EXAMPLES = {
    "train": ["$ reviewcli train data/ --cell lstm --out models/mine",
              "$ reviewcli train labelled.csv --init models/pretrained --out my-model"],
    "pretrain": ["$ reviewcli pretrain unlabeled.txt --cell lstm --out models/pretrained",
                 "$ reviewcli pretrain reviews/ --epochs 3 --out models/pretrained --resume"],
    "evaluate": ["$ reviewcli evaluate data/test.jsonl",
                 "$ reviewcli evaluate reviews.csv --model my-model --format json"],
    "info": ["$ reviewcli info", "$ reviewcli info --model models/lstm --format json | jq .metrics"],
    "explain": ['$ reviewcli explain "Not bad at all, my kids ask for it every morning" --gates'],
    "compare": ["$ reviewcli compare data/ --budget 20m"],
    "check": ["$ reviewcli check", "$ reviewcli check --model models/default --save"],
    "predict": ['$ reviewcli predict "great taste" "soggy and stale, never again"',
                "$ cat reviews.txt | reviewcli predict - --format jsonl"],
}  # fmt: skip
TYPE_METAVARS = ("<bool>", "<str>", "<list[str]>", "<path>", "<int>", "<float>", "<int range>", "<float range>")


def help_text(*args: str) -> str:
    result = invoke([*args, "--help"])
    assert result.exit_code == 0, result.output
    return result.stdout


# --- 1. examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_shows_its_examples_one_per_line(command):
    lines = [line.strip() for line in help_text(command).splitlines()]
    assert "Examples:" in lines
    for example in EXAMPLES[command]:
        assert example in lines  # a whole line each: rich kept the line breaks


# --- 2. metavars ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [(), *[(c,) for c in COMMANDS]])
def test_help_shows_no_python_type_as_metavar(command):
    text = help_text(*command)
    for metavar in TYPE_METAVARS:
        assert metavar not in text, (metavar, command)


@pytest.mark.parametrize(
    ("command", "pattern"),
    [("train", r"\[DATA\]\.\.\."), ("train", r"--text-column\s+COLUMN"), ("train", r"--out\s+-o\s+DIR"),
     ("train", r"--vectors\s+FILE"), ("train", r"--epochs\s+N\s+Most"), ("train", r"--force\s+Replace"),
     ("train", r"--help\s+-h\s+Show"), ("evaluate", r"--model\s+-m\s+DIR"), ("predict", r"\[TEXT\]\.\.\."),
     ("predict", r"--input\s+-i\s+FILE"), ("predict", r"--threshold\s+P ")],
)  # fmt: skip
def test_help_names_values_by_meaning(command, pattern):
    assert re.search(pattern, help_text(command)), pattern


# --- 3. -h ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [(), *[(c,) for c in COMMANDS]])
def test_short_h_is_help(command):
    short = invoke([*command, "-h"])
    assert short.exit_code == 0, short.output
    assert short.stdout == help_text(*command)
    assert "Usage: " in short.stdout


# --- 3b. every help fits a screen -----------------------------------------------------------------


def help_at_80(*command: str) -> str:
    result = invoke([*command, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", [(), *[(c,) for c in COMMANDS]])
def test_help_fits_80_lines_of_80_columns(command):
    lines = help_at_80(*command).splitlines()
    assert len(lines) <= 80, (command, len(lines))
    assert all(len(line) <= 80 for line in lines), command
    if command:  # each example on a line of its own, not wrapped
        examples = [line.strip() for line in lines[lines.index(" Examples:" + " " * 70) + 1:] if line.strip()]
        assert examples and all(line.startswith("$ ") for line in examples), examples


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_one_line_of_help_and_a_whole_name(command):
    """A panel row whose name column is blank continues the help of the row above: it wrapped."""
    lines = help_at_80(command).splitlines()
    assert not [line for line in lines if "…" in line], command  # rich cuts names it cannot fit with …
    rows = [line for line in lines if line.startswith("│ ")]
    wrapped = [line for line in rows if re.match(r"│\s{8,}\S", line)]
    assert wrapped == [], (command, wrapped)


def test_top_level_help_lists_each_command_on_one_line():
    text = help_at_80()
    for command in COMMANDS:
        assert re.search(rf"^│ {command}\s+\S.*│$", text, re.M), command
    assert [line.split()[1] for line in text.splitlines() if re.match(rf"│ ({'|'.join(COMMANDS)})\s", line)] == [
        "train", "pretrain", "evaluate", "predict", "explain", "compare", "check", "info"]


def test_help_shows_square_brackets_not_rich_markup():
    assert "reviewcli[spark]" in " ".join(help_at_80("predict").split())


@pytest.mark.parametrize("command", COMMANDS)
def test_help_holds_no_research_or_measurements(command):
    text = help_at_80(command)
    for word in ("et al", "SST-2", "gained", "did better", "faster", "ULMFiT", "Holm", "McNemar"):
        assert word not in text, (command, word)


# --- 4. case-insensitive choices ------------------------------------------------------------------


def test_choices_ignore_case_in_train(small_train, tmp_path):
    out = tmp_path / "m"
    result = invoke(["train", small_train, *TINY, "--cell", "LSTM", "--device", "CPU", "--epochs", "1", "--out", out, "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["model"]["cell"] == "lstm"


def test_choices_ignore_case_in_predict_and_evaluate(tiny_model, small_train):
    predicted = invoke(["predict", "great taste", "-m", tiny_model, "--format", "JSONL", "--precision", "FP32"])
    assert predicted.exit_code == 0, predicted.output
    assert json.loads(predicted.stdout)["text"] == "great taste"
    evaluated = invoke(["evaluate", small_train, "-m", tiny_model, "-f", "Json", "--device", "Cpu"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "accuracy" in json.loads(evaluated.stdout)


# --- 5. shell completion --------------------------------------------------------------------------


def test_app_help_offers_completion():
    text = help_text()
    assert "--install-completion" in text and "--show-completion" in text


def test_show_completion_for_bash():
    # Typer's switch for naming the shell instead of detecting it (detection depends on the parent process)
    done = run_cli(["--show-completion", "bash"], env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert done.returncode == 0, done.stderr
    script = done.stdout.decode("utf-8")
    assert "complete -o default -F _reviewcli_completion reviewcli" in script
    assert "_REVIEWCLI_COMPLETE=complete_bash" in script


def test_bash_completion_completes_commands_and_choices():
    env = {"_REVIEWCLI_COMPLETE": "complete_bash", "COMP_WORDS": "reviewcli train --cell ", "COMP_CWORD": "3"}
    done = run_cli([], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8").split() == ["gru", "lstm", "rnn"]
    done = run_cli([], env={**env, "COMP_WORDS": "reviewcli pre", "COMP_CWORD": "1"})
    assert done.stdout.decode("utf-8").split() == ["pretrain", "predict"]


# --- 6. README ------------------------------------------------------------------------------------


def test_quickstart_says_how_to_put_the_venv_on_path():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    assert "source .venv/bin/activate" in quickstart
    assert 'export PATH="$PWD/.venv/bin:$PATH"' in quickstart


# --- 8. the epoch table at 60 columns -------------------------------------------------------------

HEADERS = ("epoch", "loss", "acc", "val loss", "val acc", "time", "tokens/s")


def test_epoch_table_fits_60_columns(small_train, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWCLI_FORCE_TERMINAL", "1")
    monkeypatch.setenv("COLUMNS", "60")
    out = tmp_path / "m"
    result = invoke(["train", small_train, *TINY, "--epochs", "2", "--out", out])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert all(len(line) <= 60 for line in lines), lines
    assert re.search(r"^epoch\s+loss\s+acc\s+val loss\s+val acc\s+time\s+tokens/s$", result.stderr, re.M)
    history = json.loads((out / "config.json").read_text(encoding="utf-8"))["history"]
    for epoch in history:
        assert row_cells(epoch) in [line.split() for line in lines], (epoch, lines)


def row_cells(epoch: dict) -> list[str]:
    return [
        f"{'*' if epoch['best'] else ''}{epoch['epoch']}", f"{epoch['train_loss']:.4f}",
        f"{epoch['train_accuracy']:.4f}", f"{epoch['val_loss']:.4f}", f"{epoch['val_accuracy']:.4f}",
        f"{epoch['seconds']:.1f}s", f"{epoch['tokens'] / max(epoch['train_seconds'], 1e-9):,.0f}",
    ]  # fmt: skip


def test_wide_values_still_fit_60_columns(monkeypatch, capsys):
    from reviewcli.cli.render.progress import RichReporter
    from reviewcli.training.events import EpochResult

    monkeypatch.setenv("COLUMNS", "60")
    reporter = RichReporter()
    reporter.epoch(EpochResult(1, 10.5, 0.5, 10.25, 0.5, seconds=999.9, train_seconds=1.0, tokens=9_999_999, best=True))
    reporter.epoch(EpochResult(100, 0.5, 0.5, 0.25, 0.5, seconds=1234.5, train_seconds=1.0, tokens=10, best=False))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].split() == ["epoch", "loss", "acc", "val", "loss", "val", "acc", "time", "tokens/s"]
    assert lines[1].split() == ["*1", "10.5000", "0.5000", "10.2500", "0.5000", "999.9s", "9,999,999"]
    assert lines[2].split() == ["100", "0.5000", "0.5000", "0.2500", "0.5000", "1234s", "10"]
    assert all(len(line) <= 60 for line in lines), lines


# --- 7. bench/accuracy.py --table-only in a clean clone --------------------------------------------


def clean_clone(tmp_path):
    """bench/accuracy.py alone in a folder: no bench/results, no ../shared/data, no .venv to train with."""
    (tmp_path / "clone" / "bench").mkdir(parents=True)
    script = tmp_path / "clone" / "bench" / "accuracy.py"
    shutil.copy(ROOT / "bench" / "accuracy.py", script)
    return script


def table_only(script, *extra):
    return subprocess.run(
        [sys.executable, str(script), "--table-only", *extra], capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_table_only_without_results_says_so(tmp_path):
    script = clean_clone(tmp_path)
    done = table_only(script)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.strip().startswith("No stored results in ")
    assert len(done.stdout.strip().splitlines()) == 1
    assert sorted(p.name for p in script.parent.iterdir()) == ["accuracy.py"]  # wrote nothing


def test_table_only_shows_stored_results_running_nothing(tmp_path):
    script = clean_clone(tmp_path)
    results = script.parent / "results"
    results.mkdir()
    record = {"key": "cr|tfidf-lr|13|full|-", "accuracy": 81.25, "macro_f1": 80.5, "train_seconds": 3.0, "chosen": "C=10"}
    (results / "accuracy.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    done = table_only(script)  # every system, the pretrained row too: nothing may be pretrained or trained
    assert done.returncode == 0, done.stderr
    assert "| TF-IDF + LR | 81.2 |" in done.stdout
    assert "| cr | TF-IDF + LR | 1 | 81.2 | 80.5 | 3.0 | C=10 |" in done.stdout
    assert sorted(p.name for p in results.iterdir()) == ["accuracy.jsonl", "accuracy.md"]


def test_sources_hash_ignores_docstrings_and_comments_but_not_code():
    """The stored rows are keyed by code_of each module: a docstring, comment or blank-line edit keeps
    them (hours of training each), any change to what the code does re-runs them."""
    spec = importlib.util.spec_from_file_location("accuracy_bench", ROOT / "bench" / "accuracy.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    module = '"""A module."""\n\nclass Reader:\n    """Reads."""\n\n    def read(self):\n        """Once."""\n        return 1  # one\n'
    reworded = '"""The module, reworded."""\nclass Reader:\n    """Reads, reworded."""\n    def read(self):\n        return 1\n'
    assert bench.code_of(module) == bench.code_of(reworded)
    assert bench.code_of(module) != bench.code_of(module.replace("return 1", "return 2"))
    assert bench.code_of(module) != bench.code_of(module.replace("def read", "def reads"))
    only_docstring = 'def f():\n    """Only a docstring."""\n'
    assert bench.code_of(only_docstring) == bench.code_of("def f():\n    pass\n")
    assert bench.code_of('x = "not a docstring"\n') != bench.code_of("x = 'another string'\n")


def test_table_only_shows_check_failures_of_the_runs_that_recorded_them(tmp_path):
    script = clean_clone(tmp_path)
    results = script.parent / "results"
    results.mkdir()
    base = {"macro_f1": 80.0, "train_seconds": 60.0, "best_epoch": 3}
    records = [
        {"key": "cr|reviewcli|13|full|abc", "accuracy": 83.0, **base, "check_failures": 20.0},
        {"key": "cr|reviewcli|14|full|abc", "accuracy": 82.0, **base, "check_failures": 30.0},
        {"key": "cr|reviewcli-from-scratch|13|full|abc", "accuracy": 80.0, **base, "check_failures": 40.0},
        {"key": "cr|reviewcli-from-scratch|14|full|abc", "accuracy": 79.0, **base},  # ran before check was stored
    ]
    (results / "accuracy.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    done = table_only(script, "--sources", "abc", "--systems", "reviewcli,reviewcli-from-scratch")
    assert done.returncode == 0, done.stderr
    assert "`reviewcli check` failures" in done.stdout
    assert "| reviewcli (default: shipped vectors and encoder) | 25.0 |" in done.stdout
    assert "| reviewcli `--from-scratch` | 40.0 (1 of 2 runs) |" in done.stdout
