"""Validation accuracy of `reviewcli train` with extra options, for choosing defaults on validation only.

    .venv/bin/python bench/validation.py --datasets cr,mr,sst2 --seeds 13,14 --options "--epochs 15"
    .venv/bin/python bench/validation.py --datasets cr --options "--dropout 0.5"

Each run is `reviewcli train ../shared/data/D --seed S OPTIONS` into a temporary folder; its figure is
the validation accuracy train records in config.json (the held-out 10% of train.jsonl, or sst2's
dev.jsonl), never a test split. Each row names the sources it ran (accuracy.code_version(): reviewcli/
and the shipped vectors and encoder it loads; to try another encoder, put it in models/encoder); the
seed fixes the result on the CPU. One line a run is appended to bench/results/validation.jsonl and a
table of the mean per dataset is printed. The store is committed (README cites it). Runs one after
another; nothing is asserted.
"""

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from accuracy import code_version  # bench/ is on the path when this file is run

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
STORE = ROOT / "bench" / "results" / "validation.jsonl"


def run(dataset: str, seed: int, options: list[str], sources: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "model"
        command = [sys.executable, "-m", "reviewcli", "train", str(SHARED / dataset), "--seed", str(seed),
                   *options, "--out", str(out), "--quiet"]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        config = json.loads((out / "config.json").read_text())
    metrics = config["metrics"]
    return {"dataset": dataset, "seed": seed, "options": shlex.join(options), "sources": sources,
            "seconds": round(seconds, 1),
            "validation_accuracy": metrics["validation_accuracy"], "best_epoch": metrics["best_epoch"],
            "epochs_done": config["training"]["epochs_done"]}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="cr,mr,sst2")
    parser.add_argument("--seeds", default="13,14")
    parser.add_argument("--options", default="", help="extra train options, one shell-quoted string")
    args = parser.parse_args()
    options, sources = shlex.split(args.options), code_version()
    rows = []
    for dataset in args.datasets.split(","):
        for seed in map(int, args.seeds.split(",")):
            row = run(dataset, seed, options, sources)
            rows.append(row)
            STORE.parent.mkdir(parents=True, exist_ok=True)
            with STORE.open("a") as store:
                store.write(json.dumps(row) + "\n")
            print(json.dumps(row), file=sys.stderr, flush=True)
    print("| dataset | options | seeds | mean validation accuracy | mean seconds |\n|---|---|---|---:|---:|")
    for dataset in args.datasets.split(","):
        mine = [r for r in rows if r["dataset"] == dataset]
        accuracy = sum(r["validation_accuracy"] for r in mine) / len(mine)
        seconds = sum(r["seconds"] for r in mine) / len(mine)
        print(f"| {dataset} | {args.options or 'defaults'} | {args.seeds} | {100 * accuracy:.2f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
