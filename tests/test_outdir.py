"""Faults around the output directory: checked before data is read, locked, never half-written."""

import errno
import json
import os
import subprocess
import sys

import pytest
from conftest import DATA, ROOT, TINY, invoke

from reviewcli.store import artifacts, checkpoint
from reviewcli.store.outdir import RunLock


@pytest.fixture
def broken_data(tmp_path):
    """Data that fails to load: an error about it means --out was not checked first."""
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "a", "label": 1\n', encoding="utf-8")
    return path


def train(data, out, *extra):
    return invoke(["train", data, *TINY, "--epochs", "1", "--out", out, "-q", *extra])


def test_an_existing_file_as_out_is_refused_before_the_data_is_read(tmp_path, broken_data):
    out = tmp_path / "notes.txt"
    out.write_text("mine", encoding="utf-8")
    result = train(broken_data, out)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {out}: exists and is not a directory. Choose another --out or remove it.\n"
    assert out.read_text(encoding="utf-8") == "mine"


def test_a_missing_parent_is_refused_before_the_data_is_read(tmp_path, broken_data):
    out = tmp_path / "no" / "such" / "m"
    result = train(broken_data, out)
    assert result.exit_code == 2
    assert f"its folder {out.parent} does not exist. Create it (mkdir -p {out.parent})" in result.stderr
    assert not (tmp_path / "no").exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_an_unwritable_folder_is_refused_before_the_data_is_read(broken_data):
    result = train(broken_data, "/proc/reviewcli-model")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: /proc/reviewcli-model: cannot write in /proc (")
    assert "Traceback" not in result.stderr


def test_the_shipped_model_is_never_written(broken_data):
    shipped = artifacts.shipped_model_dir()
    before = (shipped / "model.safetensors").stat().st_mtime_ns
    result = train(broken_data, shipped, "--force")
    assert result.exit_code == 2
    assert "the model shipped with reviewcli, which train never writes" in result.stderr
    assert (shipped / "model.safetensors").stat().st_mtime_ns == before


def test_an_unfinished_run_is_neither_replaced_nor_resumed_without_asking(tmp_path, small_train, broken_data):
    from test_resume import make_unfinished

    out = tmp_path / "m"
    make_unfinished(out, small_train)
    result = train(broken_data, out)
    assert result.exit_code == 2
    assert "holds an unfinished run. Continue it with --resume, or start over with --force." in result.stderr
    assert checkpoint.exists(out)


def test_resume_needs_a_checkpoint(tmp_path, tiny_model, broken_data):
    result = train(broken_data, tiny_model, "--resume")
    assert result.exit_code == 2
    assert "its training finished, so there is nothing to resume" in result.stderr
    result = train(broken_data, tmp_path / "new", "--resume")
    assert result.exit_code == 2
    assert "no such model directory, so there is nothing to resume" in result.stderr


def test_a_second_run_on_the_same_out_is_refused_at_once(tmp_path, broken_data):
    out = tmp_path / "m"
    with RunLock(out):
        result = train(broken_data, out)
    assert result.exit_code == 2
    assert f"another reviewcli run (process {os.getpid()}) is writing it" in result.stderr
    assert not (tmp_path / ".m.lock").exists()  # released and removed


def test_a_stale_lock_of_a_killed_run_is_detected_and_cleared(tmp_path, small_train):
    """A killed run's flock is gone with it; its lock file, with its process id, stays behind."""
    out = tmp_path / "m"
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    (tmp_path / ".m.lock").write_text(str(killed.pid), encoding="utf-8")
    killed.kill()
    killed.wait()
    result = invoke(["train", small_train, *TINY, "--epochs", "1", "--out", out])
    assert result.exit_code == 0, result.output
    assert f"cleared the lock of an earlier run (process {killed.pid}) that stopped without releasing it" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["disk-full", "read-only"])
def test_a_failed_save_is_one_line_and_keeps_the_previous_model(code, tmp_path, small_train, monkeypatch):
    import safetensors.torch

    out = tmp_path / "m"
    assert train(small_train, out).exit_code == 0
    before = {name: (out / name).read_bytes() for name in artifacts.FILES}

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(safetensors.torch, "save_file", fail)
    result = train(small_train, out, "--force")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out}: could not write the model ({os.strerror(code)}); the model there is as it was. "
        f"{artifacts.FREE_SPACE}\n"
    )
    assert {name: (out / name).read_bytes() for name in artifacts.FILES} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no partial files beside it
    result = train(small_train, tmp_path / "new")
    assert result.exit_code == 1 and "nothing was written" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.mark.slow
def test_a_closed_stderr_does_not_stop_a_run_that_can_save(tmp_path):
    """`train ... 2>&1 | head -2`: the reader leaves after two lines; the model is still saved."""
    out = tmp_path / "m"
    command = [sys.executable, "-m", "reviewcli", "train", str(DATA / "train.jsonl"), *TINY, "--epochs", "3",
               "--out", str(out)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)  # fmt: skip
    head = [process.stdout.readline() for _ in range(2)]
    process.stdout.close()
    assert process.wait(timeout=120) == 0
    assert head[0].startswith(b"data: ")
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["training"] == {"complete": True, "epochs_done": 3, "epochs_planned": 3}
