"""torchrun: 2 CPU processes (gloo) train what one process trains, rank 0 alone saves, validation
counts each review once, and a killed worker's run restarts from its checkpoint and finishes."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import DATA, NETWORK, ROOT, TINY, assert_near, invoke, read_jsonl, write_jsonl
from safetensors.torch import load_file

from reviewcli.training import distributed

# dropout 0 and the same global batch: the two runs take the same steps
SETTINGS = [*TINY, "--epochs", "2", "--dropout", "0", "--batch-size", "16"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """200 training reviews and a validation split of 101 (odd, so 2 ranks cannot split it evenly)."""
    rows = read_jsonl(DATA / "train.jsonl")
    folder = tmp_path_factory.mktemp("split")
    write_jsonl(folder / "train.jsonl", rows[101:301])
    write_jsonl(folder / "validation.jsonl", rows[:101])
    return folder


@pytest.fixture(scope="module")
def single(folder, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("single") / "model"
    result = invoke(["train", folder, *SETTINGS, "--out", out, "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def torchrun(*args, env: dict | None = None) -> subprocess.Popen:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", *map(str, args)]
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", "REVIEWCLI_THREADS": "1", **(env or {})}
    return subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    _, err = process.communicate(timeout=timeout)
    return process.returncode, err.decode("utf-8", errors="replace")


def assert_close(weights: dict, reference: dict) -> None:
    """Two ranks' averaged gradients against one process's: the same steps, summed in another order."""
    assert weights.keys() == reference.keys()
    for name, expected in reference.items():
        assert_near(weights[name], expected, NETWORK, msg=name)


@pytest.mark.slow
def test_two_processes_train_what_one_trains_and_rank_0_alone_saves(folder, single, tmp_path):
    out = tmp_path / "runs" / "model"
    out.parent.mkdir()
    probe = tmp_path / "probe"
    probe.mkdir()
    args = ["tests/torchrun_probe.py", "train", folder, *SETTINGS, "--out", out, "--quiet"]
    code, err = finish(torchrun(*args, env={"PROBE_DIR": str(probe)}))
    assert code == 0, err
    rank0, rank1 = (load_file(probe / f"rank-{r}.safetensors") for r in (0, 1))
    assert all(torch.equal(rank0[name], rank1[name]) for name in rank0)  # DDP kept the ranks in step
    assert_close(load_file(out / "model.safetensors"), load_file(single / "model.safetensors"))
    assert sorted(p.name for p in out.parent.iterdir()) == ["model"]  # one model, no lock or temporary left
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors", "vocab.json"]
    history = json.loads((out / "config.json").read_text())["history"]
    expected = json.loads((single / "config.json").read_text())["history"]
    for epoch, reference in zip(history, expected, strict=True):
        # each of the 101 reviews counted once: a repeated or missing one would move both numbers
        assert round(epoch["val_accuracy"] * 101, 9) == round(reference["val_accuracy"] * 101, 9)
        assert epoch["val_loss"] == pytest.approx(reference["val_loss"], rel=NETWORK)
        assert epoch["train_loss"] == pytest.approx(reference["train_loss"], rel=NETWORK)  # summed over ranks
        assert epoch["tokens"] == reference["tokens"]


def worker_of_rank(parent: int, rank: int) -> int | None:
    """The process id of torchrun's worker with RANK=rank, from /proc."""
    for task in Path(f"/proc/{parent}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"RANK={rank}".encode() in environ:
                return int(child)
    return None


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds torchrun's workers through /proc")
@pytest.mark.slow
def test_a_killed_worker_restarts_from_the_checkpoint_and_finishes(folder, single, tmp_path):
    out = tmp_path / "model"
    run = torchrun("--max-restarts", "1", "-m", "reviewcli", "train", folder, *SETTINGS, "--out", out)
    deadline = time.monotonic() + 90
    while not (out / "checkpoint" / "state.json").is_file():  # epoch 1 saved
        assert run.poll() is None and time.monotonic() < deadline, finish(run)[1]
        time.sleep(0.02)
    victim = worker_of_rank(run.pid, 1)
    assert victim is not None
    os.kill(victim, signal.SIGKILL)
    code, err = finish(run)
    assert code == 0, err
    assert f"resuming {out}: epoch 2, after batch 0" in err  # from the checkpoint of epoch 1, not from the start
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["complete"] and not (out / "checkpoint").exists()
    assert_close(load_file(out / "model.safetensors"), load_file(single / "model.safetensors"))


def test_threads_default_to_the_cores_shared_among_processes(monkeypatch):
    monkeypatch.delenv("REVIEWCLI_THREADS", raising=False)
    cores = len(os.sched_getaffinity(0))
    assert distributed.threads_per_process(1) == cores
    assert distributed.threads_per_process(cores * 4) == 1
    monkeypatch.setenv("REVIEWCLI_THREADS", "3")
    assert distributed.threads_per_process(2) == 3


def test_a_batch_smaller_than_the_world_gives_a_rank_a_stand_in_weighted_0():
    ranks = [distributed.Torchrun(rank=r, world=2, local_rank=r, local_world=2) for r in (0, 1)]
    batch = ([7], torch.tensor([[3, 4]]), torch.tensor([2]), torch.tensor([1.0]))
    first, second = (rank.shard_of(batch) for rank in ranks)
    assert (first.share, second.share) == (1.0, 0.0)
    assert second.batch[0] == [7]
    batch = ([5, 6, 7], torch.arange(6).view(3, 2), torch.tensor([2, 2, 1]), None)
    first, second = (rank.shard_of(batch) for rank in ranks)
    assert (first.batch[0], second.batch[0], first.share, second.share) == ([5, 7], [6], 2 / 3, 1 / 3)
    assert first.batch[1].tolist() == [[0, 1], [4, 5]] and first.batch[3] is None


def test_validation_shards_hold_every_example_once():
    data = (list(range(101)), [i % 2 for i in range(101)])
    shards = [distributed.shard_data(data, rank, 2) for rank in (0, 1)]
    assert sorted(shards[0][0] + shards[1][0]) == list(range(101))
    assert [len(s[0]) for s in shards] == [51, 50]
