"""Reproduce models/default, the model reviewcli ships, and print its accuracy on every shared test set.

    python bench/train_default.py            # or: make model

Trains on the product-review training splits in ../shared/data (amazon-multidomain, fdu-mtl-amazon,
cr; never a test split), then evaluates on each dataset's test.jsonl and prints a markdown table.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
TRAIN_ON = ("amazon-multidomain", "fdu-mtl-amazon", "cr")
SETTINGS = ["--max-vocab", "15000", "--min-freq", "3", "--seed", "13"]


def reviewcli(*args: str) -> str:
    command = [sys.executable, "-m", "reviewcli", *args]
    print("$ reviewcli " + " ".join(args), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--cell", default="lstm", choices=["gru", "lstm", "rnn"])
    parser.add_argument("--skip-train", action="store_true", help="only evaluate an existing --out model")
    args = parser.parse_args()
    if not args.skip_train:
        reviewcli("train", *(str(SHARED / name) for name in TRAIN_ON), *SETTINGS, "--cell", args.cell, "--out", str(args.out))
    print("| test set | n | accuracy | macro-F1 | ROC-AUC |")
    print("|---|---:|---:|---:|---:|")
    test_sets = sorted(p / "test.jsonl" for p in SHARED.iterdir() if (p / "test.jsonl").is_file())
    for test_set in [*test_sets, ROOT / "data" / "test.jsonl"]:
        result = json.loads(reviewcli("evaluate", str(test_set), "--model", str(args.out), "-f", "json"))
        name = test_set.parent.name
        note = " (ours, hand-written, not trained on)" if name == "data" else "" if name in TRAIN_ON else " (not trained on)"
        print(
            f"| {name}{note} | {result['n']:,} | {100 * result['accuracy']:.1f} | "
            f"{100 * result['macro_f1']:.1f} | {100 * result['roc_auc']:.1f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
