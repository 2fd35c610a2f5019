"""Reproduce models/default, the model reviewcli ships, and print its accuracy on every shared test set.

    python bench/train_default.py            # or: make model

Trains on training splits in ../shared/data (never a test split): the product reviews of
amazon-multidomain, fdu-mtl-amazon, cr and steam, the labelled phrases of the SST train trees and
both halves of the counterfactual IMDb pairs (TRAIN_ON; docs/experiments/phrase-supervision.md).
`--data reviews` trains on the three product sets alone, as the model before it was trained.
It starts from the shipped vectors and encoder as every `train` does,
stores its weights in float16 (artifacts.compact), then evaluates on each dataset's test.jsonl and
prints a markdown table. --out elsewhere leaves models/default alone (to compare before replacing it).
To try a variant: --options "--dropout 0.5" adds train options, and --dev scores the train splits of
the sets it never trains on (imdb, mr, sst2) instead of the test splits, as out-of-domain validation.
"""

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

from reviewcli.store import artifacts

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
# the product-review sets the model before phrases trained on (4 epochs, about 6 minutes an epoch)
REVIEWS = ("amazon-multidomain/train.jsonl", "fdu-mtl-amazon/train.jsonl", "cr/train.jsonl")
# what models/default is trained on: about 142k examples (74k reviews, 78k phrases, 3.4k revision
# pairs); about 40 minutes an epoch on one core here
TRAIN_ON = (
    *REVIEWS,
    "steam/train.jsonl.gz",  # game reviews, raw user text: breadth
    "sst-trees/train-phrases.jsonl",  # every labelled phrase of the SST train trees: how words combine
    "counterfactual-imdb/train.jsonl",  # reviews and their minimal revisions of the opposite label
)
DATA = {"phrases": TRAIN_ON, "reviews": REVIEWS}
# mr's test snippets lie inside the SST trees: its row is not comparable with models trained before them
OVERLAPS = {"mr": "sst-trees"}
SETTINGS = ["--max-vocab", "15000", "--min-freq", "3", "--seed", "13", "--epochs", "4"]


def reviewcli(*args: str) -> str:
    command = [sys.executable, "-m", "reviewcli", *args]
    print("$ reviewcli " + " ".join(args), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout


def trained_sets(sources: tuple[str, ...]) -> set[str]:
    return {source.split("/")[0] for source in sources}


def train(out: Path, cell: str, options: list[str], resume: bool = False, sources: tuple[str, ...] = TRAIN_ON) -> None:
    """`train` never writes the shipped model, so it trains beside it and the result replaces it here:
    a deliberate release step, the old model moved aside first and removed after. resume: go on from
    the checkpoint a stopped run left in the build folder."""
    build = out.parent / f".{out.name}-build"
    paths = [str(SHARED / source) for source in sources]
    again = "--resume" if resume else "--force"
    reviewcli("train", *paths, *SETTINGS, *options, "--cell", cell, "--out", str(build), again)
    before, after = artifacts.compact(build)  # float16 weights: under the repository's 10 MiB a file
    print(f"compacted model.safetensors: {before:,} -> {after:,} bytes", file=sys.stderr)
    artifacts.replace_directory(build, out)


def evaluation_sets(dev: bool, trained: set[str]) -> list[Path]:
    folders = sorted(p for p in SHARED.iterdir() if (p / "test.jsonl").is_file())
    if dev:
        return [p / "train.jsonl" for p in folders if p.name not in trained]
    return [*(p / "test.jsonl" for p in folders), ROOT / "data" / "test.jsonl"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--cell", default="lstm", choices=["gru", "lstm", "rnn"])
    parser.add_argument("--skip-train", action="store_true", help="only evaluate an existing --out model")
    parser.add_argument("--resume", action="store_true", help="go on from the checkpoint of a stopped run (same options)")
    parser.add_argument("--data", choices=sorted(DATA), default="phrases", help="what to train on (default: phrases, as shipped)")
    parser.add_argument("--options", default="", help="extra train options, one shell-quoted string")
    parser.add_argument("--dev", action="store_true", help="score train.jsonl of the sets not trained on, not test.jsonl")
    args = parser.parse_args()
    if not args.skip_train:
        train(args.out, args.cell, shlex.split(args.options), args.resume, DATA[args.data])
    trained = trained_sets(DATA[args.data])
    print(f"| {'set' if args.dev else 'test set'} | n | accuracy | macro-F1 | ROC-AUC |")
    print("|---|---:|---:|---:|---:|")
    for test_set in evaluation_sets(args.dev, trained):
        result = json.loads(reviewcli("evaluate", str(test_set), "--model", str(args.out), "-f", "json"))
        name = test_set.parent.name + ("/train" if args.dev else "")
        note = (
            " (ours, hand-written, not trained on)" if name == "data"
            else "" if name in trained
            else f" (not trained on; its text lies in {OVERLAPS[name]})" if OVERLAPS.get(name) in trained
            else " (not trained on)"
        )
        print(
            f"| {name}{note} | {result['n']:,} | {100 * result['accuracy']:.1f} | "
            f"{100 * result['macro_f1']:.1f} | {100 * result['roc_auc']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
