"""reviewcli.cli.render.progress: what `train` shows on stderr, by where stderr goes."""

import re

import pytest
from conftest import TINY, invoke

from reviewcli.cli.render.progress import PlainReporter, QuietReporter, RichReporter, epoch_line, make_reporter
from reviewcli.training.events import EpochResult


def train(small_train, out, *extra):
    result = invoke(["train", small_train, *TINY, "--epochs", "2", "--out", out, *extra])
    assert result.exit_code == 0, result.output
    return result


def test_forced_terminal_shows_table_and_summary_panel(small_train, tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWCLI_FORCE_TERMINAL", "1")
    result = train(small_train, tmp_path / "m")
    assert result.stdout == ""
    err = result.stderr
    assert re.search(r"epoch\s+loss\s+acc\s+val loss\s+val acc\s+time\s+tokens/s", err)
    assert "reviewcli train" in err  # the summary panel's title
    assert "best validation accuracy:" in err
    assert f"saved to: {tmp_path / 'm'}" in err
    assert "epoch 1: loss" not in err  # not the plain lines


def test_plain_lines_without_terminal(small_train, tmp_path):
    result = train(small_train, tmp_path / "m")
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "data: 36 train, 4 validation reviews"
    assert lines[1].startswith("model: gru, ") and lines[2] == "device: cpu"
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in epochs] == ["epoch 1", "epoch 2"]
    assert epochs[0].endswith(" *best")
    assert re.fullmatch(r"best validation accuracy: \d\.\d{4} \(epoch [12]\)", lines[-2])
    assert lines[-1] == f"saved to: {tmp_path / 'm'}"


def test_quiet_prints_nothing(small_train, tmp_path):
    result = train(small_train, tmp_path / "m", "--quiet")
    assert result.stdout == ""
    assert result.stderr == ""
    assert (tmp_path / "m" / "model.safetensors").is_file()


def test_make_reporter_choice(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stderr", io.StringIO())  # no terminal, even under `pytest -s` in a terminal
    assert type(make_reporter(quiet=True)) is QuietReporter  # warnings about the data only
    assert type(make_reporter(quiet=False)) is PlainReporter
    monkeypatch.setenv("REVIEWCLI_FORCE_TERMINAL", "1")
    assert type(make_reporter(quiet=False)) is RichReporter
    assert type(make_reporter(quiet=True)) is QuietReporter


@pytest.mark.parametrize(("best", "suffix"), [(True, " *best"), (False, "s")])
def test_epoch_line(best, suffix):
    result = EpochResult(3, 0.5, 0.75, 0.25, 0.875, seconds=2.5, train_seconds=2.0, tokens=1000, best=best)
    line = epoch_line(result)
    # the epoch's time includes validation; tokens/s counts the training steps alone
    assert line.startswith("epoch 3: loss 0.5000 acc 0.7500 | val loss 0.2500 val acc 0.8750 | 2.5s, 500 tokens/s")
    assert line.endswith(suffix)


def test_quiet_reporter_shows_warnings_about_the_data_only(capsys):
    from reviewcli.cli.render.progress import QuietReporter

    reporter = QuietReporter()
    reporter.message("reading <stdin> as JSONL")
    reporter.message("Warning: r.jsonl:2: not valid UTF-8; replaced 1 undecodable byte sequence(s) with \ufffd.")
    assert capsys.readouterr().err == "Warning: r.jsonl:2: not valid UTF-8; replaced 1 undecodable byte sequence(s) with \ufffd.\n"
