"""Reproduce models/encoder, the pretrained encoder reviewcli ships, in two stages.

    .venv/bin/python bench/pretrain_encoder.py        # or: make encoder; about an hour on one core

Stage 1 reads general English (../shared/data/wikipedia, the first 16M tokens), stage 2 goes on
from it over 7M tokens of unlabeled reviews (all of fdu-mtl-amazon/unlabeled.jsonl, then the
start of imdb/unlabeled.jsonl.gz; never a test split or a labelled set's text). Both read words through the shipped vectors (models/vectors,
`make vectors`) and train a forward and a backward language model (`reviewcli pretrain`). Each
stage writes bench/results/encoder/STAGE after every epoch with a checkpoint: run this again after
an interruption and it resumes the stage it was in; a finished stage is not run again (--force
starts over). Stage 2's encoder, without its checkpoint, becomes models/encoder.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from reviewcli import artifacts

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / "results" / "encoder"
ARCHITECTURE = ["--cell", "lstm", "--hidden", "128", "--layers", "1"]
STAGES = {
    "general": ([SHARED / "wikipedia" / "train.jsonl.gz"], ["--max-tokens", "16000000", "--epochs", "1"]),
    "reviews": ([SHARED / "fdu-mtl-amazon" / "unlabeled.jsonl", SHARED / "imdb" / "unlabeled.jsonl.gz"],
                ["--max-tokens", "7000000", "--epochs", "1"]),
}  # fmt: skip


def finished(stage: Path) -> bool:
    config = stage / "config.json"
    return config.is_file() and json.loads(config.read_text()).get("training", {}).get("complete", False)


def run_stage(name: str, previous: Path | None, force: bool) -> Path:
    out = WORK / name
    if finished(out) and not force:
        print(f"{name}: finished, not run again", file=sys.stderr)
        return out
    sources, options = STAGES[name]
    WORK.mkdir(parents=True, exist_ok=True)
    command = [str(ROOT / ".venv" / "bin" / "reviewcli"), "pretrain", *map(str, sources), *options, "--out", str(out)]
    command += ["--init", str(previous)] if previous is not None else ARCHITECTURE
    command += ["--resume"] if (out / "checkpoint").is_dir() and not force else ["--force"]
    print("$ " + " ".join(command[1:]), file=sys.stderr, flush=True)
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    code = subprocess.run(command, env=env).returncode
    if code != 0:  # pretrain said why on stderr; an interrupted stage left a checkpoint
        sys.exit(f"{name}: stopped (exit {code}); run this again to resume it")
    return out


def ship(stage: Path, target: Path) -> None:
    """The stage's model files (no checkpoint) replace target, in one rename."""
    build = target.parent / f".{target.name}-build"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    for name in artifacts.FILES:
        shutil.copy2(stage / name, build / name)
    artifacts.replace_directory(build, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "encoder")
    parser.add_argument("--force", action="store_true", help="start both stages over")
    args = parser.parse_args()
    general = run_stage("general", None, args.force)
    reviews = run_stage("reviews", general, args.force)
    ship(reviews, args.out)
    config = json.loads((args.out / "config.json").read_text())
    print(json.dumps({"out": str(args.out), "data": config["data"], "metrics": config["metrics"]}, indent=1))


if __name__ == "__main__":
    main()
