"""Training throughput under torchrun: tokens/s at 1 and N processes, and the ratio.

    .venv/bin/python bench/distributed.py [--data ../shared/data/cr] [--cell lstm] [--processes 1,2]
    .venv/bin/python bench/distributed.py --device cuda --processes 1,2,4,8     # on a GPU node (NCCL)

Each count runs `reviewcli train DATA --epochs E --out TMP` once: 1 process as a plain command, more
under `python -m torch.distributed.run --standalone --nproc-per-node N`, with the same global
--batch-size, so every run takes the same steps. On the CPU each process gets cores ÷ processes
threads (reviewcli's default under torchrun), so the 1-process run has every core too. tokens/s
is the run's training throughput over all processes (its summary line); the table prints it with
the ratio to the 1-process run.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"time: ([\d.]+)s, ([\d,]+) tokens/s")


def command(processes: int, data: str, out: Path, args) -> list[str]:
    train = ["train", data, "--cell", args.cell, "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
             "--device", args.device, "--out", str(out)]  # fmt: skip
    if processes == 1:
        return [sys.executable, "-m", "reviewcli", *train]
    launcher = ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", str(processes)]
    return [sys.executable, *launcher, "-m", "reviewcli", *train]


def run(processes: int, args) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "REVIEWCLI_THREADS")}
    if args.device == "cpu":
        env["OMP_NUM_THREADS"] = str(max(1, len(os.sched_getaffinity(0)) // processes))
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        done = subprocess.run(command(processes, args.data, Path(folder) / "model", args), cwd=ROOT, env=env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        wall = time.perf_counter() - started
    found = SUMMARY.search(done.stderr)
    if done.returncode != 0 or found is None:
        sys.exit(f"{processes} processes failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return {"processes": processes, "tokens_per_second": int(found.group(2).replace(",", "")), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "cr"))
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch, the same for every count")
    parser.add_argument("--processes", default="1,2", help="comma-separated process counts; the first is the base")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    results = [run(int(n), args) for n in args.processes.split(",")]
    base = results[0]["tokens_per_second"]
    print(f"data {args.data}, {args.cell}, {args.epochs} epoch(s), global batch {args.batch_size}, {args.device}")
    print("| processes | tokens/s | ratio | wall s |\n|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['processes']} | {r['tokens_per_second']:,} | {r['tokens_per_second'] / base:.2f} | {r['wall']:.1f} |"
        )


if __name__ == "__main__":
    main()
