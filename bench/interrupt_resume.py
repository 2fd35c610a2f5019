"""Ctrl-C after the first epoch of a real training run, then --resume, against the same run uninterrupted.

    .venv/bin/python bench/interrupt_resume.py [--data ../shared/data/amazon-multidomain] [--cell gru]

Two `reviewcli train` processes run side by side (one thread each): one to the end, the other sent
SIGINT as soon as its first epoch line appears, checked (exit 130, a usable model marked
incomplete, a checkpoint), scored with `reviewcli evaluate`, then resumed with the command it
printed. Prints a table: what each step gave, and whether the resumed weights equal the
uninterrupted run's bit for bit.
"""

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVIEWCLI = [sys.executable, "-m", "reviewcli"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def start_train(data: str, cell: str, out: Path) -> subprocess.Popen:
    command = [*REVIEWCLI, "train", data, "--cell", cell, "--out", str(out), "--device", "cpu"]
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stderr=subprocess.PIPE, text=True)


def interrupt_after_first_epoch(process: subprocess.Popen) -> tuple[list[str], float]:
    """Reads stderr until the epoch-1 line, sends SIGINT, reads the rest. -> (lines, seconds to stop)."""
    lines = []
    for line in process.stderr:
        lines.append(line.rstrip("\n"))
        if line.startswith("epoch 1: loss"):
            break
    sent = time.perf_counter()
    process.send_signal(signal.SIGINT)
    lines += [line.rstrip("\n") for line in process.stderr]
    process.wait()
    return lines, time.perf_counter() - sent


def evaluate(data: str, model: Path) -> float:
    done = subprocess.run([*REVIEWCLI, "evaluate", data, "--model", str(model), "-f", "json", "--device", "cpu"],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)["accuracy"]


def same_weights(first: Path, second: Path) -> bool:
    import torch
    from safetensors.torch import load_file

    a, b = load_file(first / "model.safetensors"), load_file(second / "model.safetensors")
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "amazon-multidomain"))
    parser.add_argument("--cell", default="gru")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="reviewcli-resume-"))
    started = time.perf_counter()
    full = start_train(args.data, args.cell, work / "full")
    interrupted = start_train(args.data, args.cell, work / "run")
    lines, stop_seconds = interrupt_after_first_epoch(interrupted)
    config = json.loads((work / "run" / "config.json").read_text())
    rows = [
        ("exit code after Ctrl-C", interrupted.returncode),
        ("seconds from Ctrl-C to exit", f"{stop_seconds:.1f}"),
        ("model kept: training section", json.dumps(config["training"])),
        ("checkpoint kept", (work / "run" / "checkpoint" / "state.json").is_file()),
        ("kept model's test accuracy (evaluate)", f"{evaluate(args.data, work / 'run'):.4f}"),
        ("message", lines[-1]),
    ]
    resume = shlex.split(lines[-1].split("Resume: ", 1)[1])
    resumed = subprocess.run([*REVIEWCLI, *resume[1:]], cwd=ROOT, env=ENV, capture_output=True, text=True)
    full.communicate()
    final = json.loads((work / "run" / "config.json").read_text())
    rows += [
        ("resume exit code", resumed.returncode),
        ("after resume: training section", json.dumps(final["training"])),
        ("after resume: checkpoint left", (work / "run" / "checkpoint").exists()),
        ("uninterrupted run exit code", full.returncode),
        ("resumed weights == uninterrupted weights", same_weights(work / "run", work / "full")),
        ("resumed model's test accuracy", f"{evaluate(args.data, work / 'run'):.4f}"),
        ("wall seconds, both runs side by side", f"{time.perf_counter() - started:.0f}"),
    ]
    print(f"| {args.data} ({args.cell}) | |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {str(value).replace('|', '/')} |")


if __name__ == "__main__":
    main()
