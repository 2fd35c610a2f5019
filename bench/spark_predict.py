"""Scoring throughput on Spark against `reviewcli predict` in one process, on the same reviews.

    .venv/bin/pip install pyspark            # the extra reviewcli[spark]; needs Java 17 or newer
    .venv/bin/python bench/spark_predict.py [--reviews 20000] [--executors 1,2] [--model DIR]

Writes N review texts from ../shared/data (train splits of cr, mr, sst2 and amazon-multidomain,
cycled) to temporary Parquet files (--files, 4) and the same texts to one JSONL file, then times, each in a fresh
process: `reviewcli predict --input FILE.jsonl --format jsonl > /dev/null`, and
`spark.score_files("DIR/*.parquet", OUT, master="local[K]")` for each K (K task slots, each a Python
worker with its own model). For Spark it gives the whole process's time (JVM and workers starting,
the model loading in each) and the scoring job's alone (session already up); reviews/s from each.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SETS = ("cr", "mr", "sst2", "amazon-multidomain")

SPARK_RUN = """
import json, sys, time
from reviewcli.engines import spark
session = spark.session(sys.argv[1])
session.sparkContext.setLogLevel("ERROR")
started = time.perf_counter()
summary = spark.score_files(sys.argv[2], sys.argv[3], sys.argv[4] or None, text_column="text")
print(json.dumps({"job": time.perf_counter() - started, "rows": summary["rows"]}))
"""


def texts(count: int) -> list[str]:
    found = []
    for name in SETS:
        with open(SHARED / name / "train.jsonl", encoding="utf-8") as file:
            found += [json.loads(line)["text"] for line in file if line.strip()]
    return [found[i % len(found)] for i in range(count)]


def write_inputs(reviews: list[str], folder: Path, files: int) -> tuple[str, Path]:
    """-> (a pattern matching `files` Parquet files, one JSONL file), the same reviews in the same order."""
    import pandas as pd

    (folder / "parquet").mkdir()
    frame = pd.DataFrame({"id": range(len(reviews)), "text": reviews})
    size = -(-len(reviews) // files)
    for number in range(files):  # a small file is one Spark task: as many files as tasks can run at once
        frame.iloc[number * size : (number + 1) * size].to_parquet(folder / "parquet" / f"reviews-{number}.parquet")
    parquet, jsonl = str(folder / "parquet" / "*.parquet"), folder / "reviews.jsonl"
    jsonl.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(reviews)), encoding="utf-8")
    return parquet, jsonl


def time_predict(jsonl: Path, model: str | None) -> float:
    command = [sys.executable, "-m", "reviewcli", "predict", "--input", str(jsonl), "--format", "jsonl"]
    started = time.perf_counter()
    subprocess.run([*command, *(["--model", model] if model else [])], cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def time_spark(executors: int, parquet: str, folder: Path, model: str | None) -> tuple[float, float]:
    out = folder / f"scored-{executors}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", SPARK_RUN, f"local[{executors}]", parquet, str(out), model or ""],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    whole = time.perf_counter() - started
    return whole, json.loads(done.stdout.strip().splitlines()[-1])["job"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=20000)
    parser.add_argument("--executors", default="1,2")
    parser.add_argument("--files", type=int, default=4, help="Parquet files the reviews are split into")
    parser.add_argument("--model", default=None, help="model directory (default: the shipped model)")
    args = parser.parse_args()
    n = args.reviews
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        parquet, jsonl = write_inputs(texts(n), folder, args.files)
        single = time_predict(jsonl, args.model)
        rows = [("`reviewcli predict` (1 process)", single, None)]
        for k in map(int, args.executors.split(",")):
            whole, job = time_spark(k, parquet, folder, args.model)
            rows.append((f"Spark local[{k}]", whole, job))
    print(
        f"{n:,} reviews in {args.files} Parquet files; reviews/s over the whole process, and over the scoring job alone"
    )
    print("| engine | process s | reviews/s | vs predict | job s | reviews/s (job) |\n|---|---:|---:|---:|---:|---:|")
    for label, whole, job in rows:
        job_cells = f"{job:.1f} | {n / job:,.0f}" if job else "– | –"
        print(f"| {label} | {whole:.1f} | {n / whole:,.0f} | {single / whole:.2f} | {job_cells} |")


if __name__ == "__main__":
    main()
