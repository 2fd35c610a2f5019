"""Shared fixtures: a sealed environment, small data files, and ONE tiny model trained per session."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# datasets / huggingface_hub read these when they are first imported, so they are set before any test
# module can import them. The autouse fixture below sets them again per test (and for subprocesses).
_SESSION_CACHE = tempfile.mkdtemp(prefix="reviewcli-tests-hf-")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["HF_DATASETS_CACHE"] = _SESSION_CACHE
os.environ["HF_HOME"] = os.path.join(_SESSION_CACHE, "home")
# On a small shared CPU, torch's OpenMP threads spin against each other and against other processes:
# one thread keeps tiny models fast and results reproducible.
os.environ["OMP_NUM_THREADS"] = "1"

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
TINY = ["--cell", "gru", "--embedding-dim", "8", "--hidden", "8", "--max-vocab", "300", "--min-freq", "1", "--device", "cpu"]


def pytest_configure(config):
    import datasets  # noqa: F401  (its log handler binds to this session's stderr, not a CliRunner's)
    import torch

    torch.set_num_threads(1)


def pytest_unconfigure(config):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def sealed(monkeypatch, tmp_path_factory):
    """No model from the machine, no network, a private datasets cache, no forced terminal."""
    cache = tmp_path_factory.mktemp("hf-cache")
    monkeypatch.delenv("REVIEWCLI_MODEL", raising=False)
    monkeypatch.delenv("REVIEWCLI_FORCE_TERMINAL", raising=False)
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    if "datasets" in sys.modules:  # datasets read the cache location at import; point the live config too
        monkeypatch.setattr(sys.modules["datasets"].config, "HF_DATASETS_CACHE", cache)
    yield


# Float comparisons between two code paths or two batch shapes (docs/testing.md, "tolerance review").
# float32 sums come out in another order when oneDNN picks other kernels (by CPU: AVX-512 and AMX
# on Intel Xeon, AVX2 on AMD EPYC; and by batch shape): about 1e-7 of the magnitude per operation,
# growing through a recurrent network's steps. Each tolerance is relative to the values compared,
# ~100x above that noise and 10x below the 1e-3 relative error a real bug would make.
FEW_OPS = 1e-5  # a sum or a layer: the n-gram bag's score and shares, probabilities of one table lookup
NETWORK = 1e-4  # through a recurrent network (up to ~120 steps), or weights after the same training steps


def near(expected, rel: float):
    """pytest.approx within `rel` of each value, and within `rel` of the largest value for values near
    zero: a float32 sum's error follows the size of its terms, not of a result that cancels to ~0."""
    values = expected if isinstance(expected, (list, tuple)) else [expected]
    return pytest.approx(expected, rel=rel, abs=rel * max((abs(v) for v in values), default=0.0))


def assert_near(actual, expected, rel: float, msg=None) -> None:
    """torch.testing.assert_close with near()'s tolerance, for tensors."""
    import torch

    scale = float(expected.abs().max()) if expected.numel() else 0.0
    torch.testing.assert_close(actual, expected, rtol=rel, atol=rel * scale, msg=msg)


@pytest.fixture
def waits(monkeypatch) -> list[str]:
    """What could make a command slow, recorded while the test runs: network look-ups and connections
    (refused, as there is no network in tests) and sleeps (retries, back-off). "Fails at once" is
    asserted as this list staying empty, never as seconds on a shared machine."""
    import socket
    import time

    seen: list[str] = []
    sleep = time.sleep

    def refuse(name):
        def refused(*args, **kwargs):
            seen.append(f"{name} {args[1:] if name.startswith('connect') else args}")  # no self
            raise OSError(f"{name}: no network in tests")

        return refused

    def recorded_sleep(seconds):
        seen.append(f"sleep {seconds}")
        sleep(seconds)

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(time, "sleep", recorded_sleep)
    return seen


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_rows() -> list[dict]:
    """40 reviews from the project's data, 20 of each class, in a fixed order."""
    rows = read_jsonl(DATA / "train.jsonl")
    positive = [r for r in rows if r["label"] == "positive"][:20]
    negative = [r for r in rows if r["label"] == "negative"][:20]
    return [row for pair in zip(positive, negative) for row in pair]


@pytest.fixture(scope="session")
def small_train(tmp_path_factory, small_rows) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("small") / "train.jsonl", small_rows)


def invoke(args: list[str], **kwargs):
    """The CLI in-process; stdout and stderr stay apart (result.stdout / result.stderr)."""
    from typer.testing import CliRunner

    from reviewcli.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args], **kwargs)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """The one tiny model of the session: GRU, 8-d embeddings, 8 hidden units, 2 epochs on data/train.jsonl."""
    out = tmp_path_factory.mktemp("model") / "tiny"
    cache = tmp_path_factory.mktemp("hf-cache-session")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_DATASETS_CACHE", str(cache))
        mp.delenv("REVIEWCLI_FORCE_TERMINAL", raising=False)
        result = invoke(["train", DATA / "train.jsonl", *TINY, "--epochs", "2", "--lr", "0.01", "--out", out, "--quiet"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="session")
def predictor(tiny_model):
    from reviewcli.inference.predictor import load_predictor

    return load_predictor(tiny_model, "cpu")


def run_cli(args: list, *, input: str | bytes | None = None, env: dict | None = None, timeout: float = 120):
    """`python -m reviewcli ARGS` in a real subprocess (no TTY); returns CompletedProcess with bytes."""
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8", **(env or {})}
    if isinstance(input, str):
        input = input.encode("utf-8")
    return subprocess.run(
        [sys.executable, "-m", "reviewcli", *map(str, args)],
        input=input if input is not None else b"",
        capture_output=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture
def two_threads():
    """torch on 2 threads for the test (the suite runs on 1), as on a quiet 2-core machine: so that
    sharing them out among workers, or following the load, shows."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)
