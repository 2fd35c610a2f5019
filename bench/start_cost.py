"""What the shipped knowledge costs at prediction: predict reviews/s of a model trained with the
defaults (shipped vectors and encoder: 300-d embeddings; the bag of n-grams) against the same
without the bag (--ngram-buckets 0) and one trained --from-scratch (128-d).

    .venv/bin/python bench/start_cost.py                       # trains the three on cr, seed 13, then times them
    .venv/bin/python bench/start_cost.py --lines 50000 --runs 5

The models are trained here (`reviewcli train ../shared/data/cr --seed 13 [OPTIONS]`), then
`reviewcli predict --input FILE --format tsv > /dev/null` runs over the same N lines of real reviews
(every ../shared/data/*/test.jsonl, shuffled with seed 13, newlines made spaces), as whole
processes, alternating the models, median of --runs. Prints a markdown table; asserts nothing.
"""

import argparse
import json
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
CLI = str(ROOT / ".venv" / "bin" / "reviewcli")
STARTS = {
    "default (shipped vectors and encoder, bag of n-grams)": [],
    "default without the bag (--ngram-buckets 0)": ["--ngram-buckets", "0"],
    "--from-scratch": ["--from-scratch"],
}


def review_lines(count: int) -> list[str]:
    texts = [json.loads(line)["text"] for path in sorted(SHARED.glob("*/test.jsonl")) for line in open(path, encoding="utf-8")]
    random.Random(13).shuffle(texts)
    return [" ".join(text.split()) for text in texts[:count]]


def train(out: Path, options: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([CLI, "train", str(SHARED / "cr"), "--seed", "13", "--quiet", "--out", str(out), *options], check=True)
    return time.perf_counter() - started


def predict_seconds(model: Path, reviews: Path) -> float:
    started = time.perf_counter()
    with open(reviews, encoding="utf-8") as source:
        subprocess.run([CLI, "predict", "-", "--model", str(model), "--format", "tsv"], stdin=source,
                       stdout=subprocess.DEVNULL, check=True)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reviewcli-cost-") as temporary:
        work = Path(temporary)
        reviews = work / "reviews.txt"
        reviews.write_text("".join(line + "\n" for line in review_lines(args.lines)), encoding="utf-8")
        models = {name: work / f"model-{i}" for i, name in enumerate(STARTS)}
        trained = {name: train(models[name], options) for name, options in STARTS.items()}
        times: dict[str, list[float]] = {name: [] for name in STARTS}
        for _ in range(args.runs):
            for name in STARTS:
                times[name].append(predict_seconds(models[name], reviews))
        base = statistics.median(times["--from-scratch"])
        print(f"| start | train on cr (s) | predict {args.lines:,} lines (s) | reviews/s | vs --from-scratch |")
        print("|---|---:|---:|---:|---:|")
        for name in STARTS:
            seconds = statistics.median(times[name])
            print(f"| {name} | {trained[name]:.0f} | {seconds:.2f} | {args.lines / seconds:,.0f} | {base / seconds:.2f}× |")


if __name__ == "__main__":
    main()
