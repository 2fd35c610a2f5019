"""`python -m reviewcli` as a real process in a pipeline: stdin, stdout, stderr, exit codes."""

import json

import pytest
from conftest import run_cli

STDIN = "great taste\nsoggy and stale, never again\n\n   \nqqqzzz\n"
EXPECTED_TEXTS = ["great taste", "soggy and stale, never again", "", "", "qqqzzz"]


def test_stdin_lines_in_order_one_output_line_each(tiny_model):
    done = run_cli(["predict", "-", "--model", tiny_model], input=STDIN)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode("utf-8").split("\n")
    assert lines[-1] == ""  # output ends with a newline
    rows = [line.split("\t") for line in lines[:-1]]
    assert len(rows) == 5
    assert all(len(row) == 4 for row in rows)
    assert [row[3] for row in rows] == EXPECTED_TEXTS
    assert all(row[0] in ("positive", "negative") for row in rows[:2])
    assert all(0.0 <= float(row[1]) <= 1.0 and float(row[2]) >= 0.5 for row in rows[:2])
    # empty, whitespace-only and all-unknown reviews are marked, not given a confident-looking label
    assert [row[:3] for row in rows[2:]] == [["", "", ""]] * 3
    assert done.stderr.decode("utf-8") == (
        "Note: 3 of 5 reviews not scored, their label, probability and score left empty: 2 empty (reviews 3, 4), "
        "1 with too few words the model knows (review 5).\n"
    )


def test_stdin_jsonl(tiny_model):
    done = run_cli(["predict", "-", "--model", tiny_model, "--format", "jsonl"], input=STDIN)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert [r["text"] for r in records] == ["great taste", "soggy and stale, never again", "", "   ", "qqqzzz"]
    assert all(r["label"] in ("positive", "negative") and 0.0 <= r["probability"] <= 1.0 for r in records[:2])
    assert all(r["score"] == (r["probability"] if r["label"] == "positive" else round(1 - r["probability"], 4))
               for r in records[:2])  # fmt: skip
    assert [(r["label"], r["probability"], r["score"]) for r in records[2:]] == [(None, None, None)] * 3
    assert done.stderr.startswith(b"Note: 3 of 5 reviews not scored")


def test_stdin_non_utf8_warns_once_on_stderr(tiny_model):
    done = run_cli(["predict", "-", "--model", tiny_model], input=b"good\ngood caf\xe9 \xff\nbad\n")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert done.stderr.decode("utf-8") == (
        "Warning: <stdin>:2: not valid UTF-8; replaced 2 undecodable byte sequence(s) with \ufffd.\n"
    )


@pytest.mark.slow
def test_closed_pipe_exits_quietly(tiny_model, tmp_path):
    import os
    import subprocess
    import sys

    from conftest import ROOT

    reviews = tmp_path / "many.txt"
    reviews.write_text("".join(f"review number {i} was great\n" for i in range(20000)), encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "reviewcli", "predict", "--input", str(reviews), "--model", str(tiny_model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    first = child.stdout.readline()
    child.stdout.close()  # like `| head -1`
    stderr = child.stderr.read().decode("utf-8", errors="replace")
    assert child.wait(timeout=120) == 0, stderr
    assert first.endswith(b"\treview number 0 was great\n")
    assert "Traceback" not in stderr
    assert "BrokenPipe" not in stderr
    assert stderr == ""


@pytest.mark.slow
def test_closed_pipe_through_the_shell(tiny_model, tmp_path):
    import os
    import shlex
    import subprocess
    import sys

    from conftest import ROOT

    reviews = tmp_path / "many.txt"
    reviews.write_text("tasty\n" * 20000, encoding="utf-8")
    command = (f"{shlex.quote(sys.executable)} -m reviewcli predict - --model {shlex.quote(str(tiny_model))} "
               f"< {shlex.quote(str(reviews))} | head -1")  # fmt: skip
    done = subprocess.run(["sh", "-c", command], capture_output=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    assert done.returncode == 0
    assert done.stdout.decode("utf-8").count("\n") == 1
    assert done.stdout.decode("utf-8").endswith("\ttasty\n")
    assert b"Traceback" not in done.stderr and b"BrokenPipe" not in done.stderr


@pytest.mark.slow
def test_train_keeps_stdout_clean(small_train, tmp_path):
    out = tmp_path / "m"
    done = run_cli(["train", small_train, "--embedding-dim", "4", "--hidden", "4", "--epochs", "1", "--device", "cpu",
                    "--min-freq", "1", "--out", out])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    lines = done.stderr.decode("utf-8").splitlines()
    prefixes = ("data:", "model:", "device:", "epoch 1:", "parameters:", "time:", "best validation accuracy:", "saved to:")
    assert [line.split(" ")[0] for line in lines] == [p.split(" ")[0] for p in prefixes]
    assert all(line.startswith(prefix) for line, prefix in zip(lines, prefixes))


def test_data_error_is_one_line_on_stderr(tiny_model, tmp_path):
    # datasets' own "Failed to load JSON" log line stays off stderr
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0\n', encoding="utf-8")
    done = run_cli(["evaluate", path, "--model", tiny_model])
    assert done.returncode == 1
    assert done.stdout == b""
    lines = done.stderr.decode("utf-8").splitlines()
    assert lines[-1].startswith(f"Error: {path}:2:")
    assert "not valid JSON" in lines[-1]
    assert lines == lines[-1:]  # nothing but reviewcli's own message


def test_missing_file_message_without_traceback(tiny_model, tmp_path):
    done = run_cli(["predict", "--input", tmp_path / "absent.txt", "--model", tiny_model])
    assert done.returncode == 2
    stderr = done.stderr.decode("utf-8")
    assert stderr == f"Error: {tmp_path / 'absent.txt'}: no such file. Check the path, or use - to read standard input.\n"
