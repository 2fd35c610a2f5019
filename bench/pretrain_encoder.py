"""Reproduce models/encoder, the pretrained encoder reviewcli ships, in two stages.

    .venv/bin/python bench/pretrain_encoder.py        # or: make encoder; about an hour on one core

Stage 1 reads general English (../shared/data/wikipedia, the first 16M tokens), stage 2 goes on
from it over 7M tokens of unlabeled reviews (all of fdu-mtl-amazon/unlabeled.jsonl, then the
start of imdb/unlabeled.jsonl.gz; never a test split or a labelled set's text). Both read words through the shipped vectors (models/vectors,
`make vectors`) and train a forward and a backward language model (`reviewcli pretrain`). Each
stage writes bench/results/encoder/STAGE after every epoch with a checkpoint: run this again after
an interruption and it resumes the stage it was in; a finished stage is not run again (--force
starts over). Stage 2's encoder, without its checkpoint, becomes models/encoder.

A candidate shape, measured before it is shipped (then bench/validation.py with it in models/encoder):

    .venv/bin/python bench/pretrain_encoder.py --hidden 256   # writes bench/results/encoder-h256-l1/candidate
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from reviewcli.store import artifacts

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
WORK = ROOT / "bench" / "results" / "encoder"
HIDDEN, LAYERS = 128, 1  # the shipped encoder's shape; --hidden/--layers pretrain a candidate
STAGES = {
    "general": ([SHARED / "wikipedia" / "train.jsonl.gz"], ["--max-tokens", "16000000", "--epochs", "1"]),
    "reviews": ([SHARED / "fdu-mtl-amazon" / "unlabeled.jsonl", SHARED / "imdb" / "unlabeled.jsonl.gz"],
                ["--max-tokens", "7000000", "--epochs", "1"]),
}  # fmt: skip


def finished(stage: Path) -> bool:
    config = stage / "config.json"
    return config.is_file() and json.loads(config.read_text()).get("training", {}).get("complete", False)


def run_stage(name: str, previous: Path | None, args: argparse.Namespace) -> Path:
    out, force = args.work / name, args.force
    if finished(out) and not force:
        print(f"{name}: finished, not run again", file=sys.stderr)
        return out
    sources, options = STAGES[name]
    args.work.mkdir(parents=True, exist_ok=True)
    command = [str(ROOT / ".venv" / "bin" / "reviewcli"), "pretrain", *map(str, sources), *options, "--out", str(out)]
    shape = ["--cell", "lstm", "--hidden", str(args.hidden), "--layers", str(args.layers)]
    command += ["--init", str(previous)] if previous is not None else shape
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
    parser.add_argument("--out", type=Path, help="default: models/encoder, or WORK/candidate for another shape")
    parser.add_argument("--force", action="store_true", help="start both stages over")
    parser.add_argument("--hidden", type=int, default=HIDDEN, help="units a direction (a candidate shape)")
    parser.add_argument("--layers", type=int, default=LAYERS)
    parser.add_argument("--work", type=Path, help="where the stages run (default: bench/results/encoder, "
                        "or encoder-hH-lL for another shape)")
    args = parser.parse_args()
    if args.work is None:
        shape = "" if (args.hidden, args.layers) == (HIDDEN, LAYERS) else f"-h{args.hidden}-l{args.layers}"
        args.work = WORK.with_name(WORK.name + shape)
    if args.out is None:
        args.out = ROOT / "models" / "encoder" if args.work == WORK else args.work / "candidate"
    general = run_stage("general", None, args)
    reviews = run_stage("reviews", general, args)
    ship(reviews, args.out)
    config = json.loads((args.out / "config.json").read_text())
    print(json.dumps({"out": str(args.out), "data": config["data"], "metrics": config["metrics"]}, indent=1))


if __name__ == "__main__":
    main()
