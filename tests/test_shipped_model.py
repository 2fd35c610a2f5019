"""The model in models/default: found without --model, from any working directory, and sensible."""

import json
import subprocess
import sys

import pytest
from conftest import DATA, invoke

from reviewcli.store import artifacts


def test_shipped_model_is_complete_and_small():
    directory = artifacts.shipped_model_dir()
    artifacts.read_config(directory)  # raises if incomplete or from a newer format
    size = sum(f.stat().st_size for f in directory.iterdir())
    assert size < 25 * 1024 * 1024


def test_everything_shipped_stays_under_60_mb():
    """The model, the word vectors and the encoder together (issue 13's cap on the package)."""
    from reviewcli.store import wordtable
    from reviewcli.training import shipped

    directories = [artifacts.shipped_model_dir(), wordtable.shipped_dir(), shipped.encoder_dir()]
    assert all((d / name).is_file() for d, name in zip(directories, ["config.json", "words.tsv.gz", "config.json"]))
    assert sum(f.stat().st_size for d in directories for f in d.iterdir()) < 60 * 1000 * 1000


def test_predict_without_model_uses_the_shipped_one():
    result = invoke(["predict", "great taste", "soggy and stale, never again", "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    labels = [json.loads(line)["label"] for line in result.stdout.splitlines()]
    assert labels == ["positive", "negative"]


@pytest.mark.slow
def test_shipped_model_found_from_another_directory(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "reviewcli", "predict", "-"],
        input=b"great taste\nsoggy and stale, never again\n", capture_output=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.decode().splitlines()] == ["positive", "negative"]


def test_shipped_model_beats_chance_on_our_own_reviews():
    """The project's hand-written test reviews were never seen by the shipped model."""
    result = invoke(["evaluate", DATA / "test.jsonl", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accuracy"] > 0.75

