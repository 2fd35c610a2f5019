"""Does fine-tuning the shipped encoder as a language model on the task's own text help? (ULMFiT's
second stage, Howard & Ruder 2018.) Measured on validation only.

    .venv/bin/python bench/target_lm.py --datasets cr,mr,sst2 --seeds 13,14 --epochs 3

For each dataset D: `reviewcli pretrain ../shared/data/D --init models/encoder --epochs N` reads the
text of D's train files (pretrain never reads a test split; no labels are used) into
bench/results/target-lm/D, then bench/validation.py's run trains `reviewcli train ../shared/data/D
--seed S --init bench/results/target-lm/D` and appends its validation accuracy to
bench/results/validation.jsonl, to compare with the default rows of the same sources. Caveat: for cr
and mr, whose validation split is 10% held out of train.jsonl, the language model has read the
validation reviews' text (not their labels); sst2 validates on dev.jsonl, which it has not read.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from accuracy import code_version  # bench/ is on the path when this file is run
from validation import SHARED, STORE, run

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "results" / "target-lm"


def fine_tune(dataset: str, epochs: int) -> Path:
    out = WORK / dataset
    WORK.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "reviewcli", "pretrain", str(SHARED / dataset), "--init", str(ROOT / "models" / "encoder"),
               "--epochs", str(epochs), "--out", str(out), "--force", "--quiet"]  # fmt: skip
    subprocess.run(command, check=True, env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="cr,mr,sst2")
    parser.add_argument("--seeds", default="13,14")
    parser.add_argument("--epochs", type=int, default=3, help="language-model passes over the task's text")
    args = parser.parse_args()
    os.chdir(ROOT)  # the rows name the encoder by its path in the checkout
    sources = code_version()
    for dataset in args.datasets.split(","):
        encoder = fine_tune(dataset, args.epochs)
        metrics = json.loads((encoder / "config.json").read_text())["metrics"]
        print(f"{dataset}: language model fine-tuned, next-word loss {metrics['next_word_loss']:.3f}", file=sys.stderr)
        for seed in map(int, args.seeds.split(",")):
            row = run(dataset, seed, ["--init", str(encoder.relative_to(ROOT))], sources)
            with STORE.open("a") as store:
                store.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
