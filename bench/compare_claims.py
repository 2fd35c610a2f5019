"""The folk claims about GRU and LSTM, measured with `reviewcli compare` on the shared datasets.

    .venv/bin/python bench/compare_claims.py --budget 15m                  # cr, mr, sst2, amazon-multidomain
    .venv/bin/python bench/compare_claims.py --budget 15m --datasets imdb  # add a dataset; results add up
    .venv/bin/python bench/compare_claims.py --table-only                  # the table of what is stored

Each dataset gets the same command: `reviewcli compare ../shared/data/SET --budget B --seeds S
--format json --out bench/results/compare/SET --study bench/results/compare/SET.db --force`, in a
subprocess with OMP_NUM_THREADS=1. Its JSON report is stored as bench/results/compare/SET.json;
a dataset already stored with the same budget and seeds is not run again (delete its files to).

The table (stdout, and bench/results/compare/claims.md) answers, per dataset: which cell the
verdict names (winner, or the choice when no difference is significant) and the accuracy of each;
whether the GRU trained faster (seconds of training steps, mean over seeds) and used less memory
(compare's peak-memory estimate) than the LSTM; whether the LSTM beat the GRU on the longest
quarter of the test reviews. Each cell is at the best configuration its own search found, so the
GRU and the LSTM compared may differ in size: the claims are about what a search on that data
delivers, not about cells of equal size. Nothing is asserted.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "compare"
DATASETS = ("cr", "mr", "sst2", "amazon-multidomain")


def run_dataset(name: str, budget: str, seeds: int) -> dict:
    """One `reviewcli compare` in a subprocess; its report, with how it was run, stored as JSON."""
    stored = RESULTS / f"{name}.json"
    if stored.is_file():
        report = json.loads(stored.read_text())
        if report.get("bench", {}).get("budget") == budget and report["bench"].get("seeds") == seeds:
            print(f"{name}: stored, not run again", file=sys.stderr)
            return report
    command = [
        str(ROOT / ".venv" / "bin" / "reviewcli"), "compare", str(SHARED / name), "--budget", budget,
        "--seeds", ",".join(str(13 + k) for k in range(seeds)), "--format", "json", "--out", str(RESULTS / name),
        "--study", str(RESULTS / f"{name}.db"), "--force",
    ]  # fmt: skip
    print(f"{name}: {' '.join(command[1:])}", file=sys.stderr)
    started = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, check=False, stdout=subprocess.PIPE, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{name}: reviewcli compare exited with {done.returncode}")
    report = json.loads(done.stdout)
    report["bench"] = {"budget": budget, "seeds": seeds, "wall_seconds": time.perf_counter() - started}
    temporary = stored.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(report, indent=2) + "\n")
    temporary.replace(stored)
    return report


def by_cell(report: dict) -> dict:
    return {cell["cell"]: cell for cell in report["cells"]}


def claim(holds: bool, evidence: str) -> str:
    return f"{'yes' if holds else 'no'} ({evidence})"


def gru_against_lstm(gru: dict, lstm: dict) -> list[str]:
    """The three claims, each with its figures: training time, memory, accuracy on the longest quarter."""
    speed = lstm["train_seconds"] / max(gru["train_seconds"], 1e-9)
    memory = gru["peak_memory_bytes"] / max(lstm["peak_memory_bytes"], 1)
    long_gru, long_lstm = gru["accuracy_by_length"][-1], lstm["accuracy_by_length"][-1]
    points = 100 * (long_lstm["accuracy"] - long_gru["accuracy"])
    longest = f"{points:+.1f} points on {long_lstm['n']:,} reviews of {long_lstm['tokens'][0]}+ tokens"
    return [
        claim(speed > 1, f"{speed:.2f}× the LSTM's speed"),
        claim(memory < 1, f"{memory:.2f}× the LSTM's peak"),
        claim(points > 0, longest),
    ]


def row(name: str, report: dict) -> str:
    cells = by_cell(report)
    verdict = report["verdict"]
    named = f"**{verdict['winner']}** wins" if verdict["winner"] else f"no difference; {verdict['choose']}"
    accuracy = " / ".join(f"{c} {100 * cells[c]['accuracy']['mean']:.1f}" for c in cells)
    claims = gru_against_lstm(cells["gru"], cells["lstm"]) if {"gru", "lstm"} <= set(cells) else ["–"] * 3
    trials = min(len(t) for t in report["search"]["trials"].values())
    return f"| {name} | {report['data']['test']:,} | {named} | {accuracy} | {trials} | {' | '.join(claims)} |"


def table(reports: dict) -> str:
    header = (
        "| dataset | test reviews | verdict | test accuracy (mean over seeds) | trials per cell | GRU trained faster | "
        "GRU used less memory | LSTM better on the longest quartile |"
    )
    lines = [header, "|---|---:|---|---|---:|---|---|---|"]
    lines += [row(name, report) for name, report in reports.items()]
    sentences = [f"- {name}: {report['verdict']['text']}" for name, report in reports.items()]
    return "\n".join(lines + ["", *sentences]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="15m", help="search budget of every dataset (default 15m)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated folders of ../shared/data")
    parser.add_argument("--table-only", action="store_true", help="print the table of stored results; run nothing")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    names = [name.strip() for name in args.datasets.split(",") if name.strip()]
    if args.table_only:
        stored = sorted(RESULTS.glob("*.json"))
        reports = {path.stem: json.loads(path.read_text()) for path in stored}
    else:
        reports = {name: run_dataset(name, args.budget, args.seeds) for name in names}
    text = table(reports)
    (RESULTS / "claims.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
