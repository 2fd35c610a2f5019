"""README's "Explain": the demo output, its time over predict's, docs/explain.png, and what explain
shows about the shipped model's mistakes on CR's test split.

    .venv/bin/python bench/explain_demo.py                     # all four sections
    .venv/bin/python bench/explain_demo.py --sections timing --threads 1 --runs 4
    REVIEWCLI_MODEL=../exp/before .venv/bin/python bench/explain_demo.py --sections demo,mistakes   # another model

demo: `reviewcli explain REVIEW --gates` piped (plain scores) and on a forced terminal (colours
stripped here). timing: that command and `reviewcli predict REVIEW`, alternated, --runs times each,
in fresh processes with PyTorch's default threads. plot: `reviewcli explain REVIEW --gates --plot
docs/`, the word × gate heat map docs/explain.md shows (docs/explain.png; needs matplotlib).
mistakes: reads ../shared/data/cr/test.jsonl, scores it with the shipped model, and compares error
rates of reviews with and without a negation word.
Every section uses $REVIEWCLI_MODEL where it is set, else the shipped model.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REVIEW = "Not bad at all, my kids ask for it every morning"
SECOND = "nokia does not disappoint in this model ."  # a CR test review with a negation (the model before got it wrong)
CR_TEST = ROOT.parent / "shared" / "data" / "cr" / "test.jsonl"
NEGATIONS = {"not", "n't", "no", "never", "dont", "nothing", "without"}


def reviewcli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reviewcli", *args], capture_output=True, text=True, cwd=ROOT,
        env={**os.environ, **(env or {})}, check=True,
    )  # fmt: skip


def demo() -> None:
    print(f'$ reviewcli explain "{REVIEW}" --gates | cat')
    print(reviewcli("explain", REVIEW, "--gates").stdout)
    print(f'$ reviewcli explain "{REVIEW}" --gates        # on a terminal; colours stripped here')
    shown = reviewcli("explain", REVIEW, "--gates", env={"REVIEWCLI_FORCE_TERMINAL": "1", "COLUMNS": "110"}).stdout
    print(re.sub(r"\x1b\[[0-9;]*m", "", shown))


def timed(*args: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command in a fresh process. CPU time is the steadier
    figure on a machine shared with other jobs, where wall time mostly measures the queue."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    reviewcli(*args)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def timing(runs: int) -> None:
    """Whole commands in fresh processes, alternated; the first of each is a warm-up, not counted."""
    explain_args, predict_args = ("explain", REVIEW, "--gates"), ("predict", REVIEW)
    timed(*predict_args), timed(*explain_args)
    predict_s, explain_s = [], []
    for _ in range(runs):
        predict_s.append(timed(*predict_args))
        explain_s.append(timed(*explain_args))
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    print(
        f"{runs} runs each, alternated; OMP_NUM_THREADS={threads}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for k, what in enumerate(("wall", "CPU")):
        p = statistics.median(run[k] for run in predict_s)
        e = statistics.median(run[k] for run in explain_s)
        print(f"{what}: predict median {p:.2f} s, explain --gates median {e:.2f} s, over predict {e - p:+.2f} s")
    in_process()


def in_process() -> None:
    """The explanation's parts on their first call in this process, model loaded, then the whole
    explanation again (warm)."""
    import torch

    from reviewcli.core.text import tokenize
    from reviewcli.explain.attribution import integrated_gradients, occlusion
    from reviewcli.explain.explanation import explain, gate_summary
    from reviewcli.store import artifacts

    model, vocab, _ = artifacts.load(artifacts.default_model_dir())
    ids = vocab.encode(tokenize(REVIEW))
    parts = {"occlusion": lambda: occlusion(model, ids, vocab.unk_index), "integrated gradients":
             lambda: integrated_gradients(model, ids), "gates": lambda: gate_summary(model, ids)}  # fmt: skip
    found = {}
    for name, part in parts.items():
        started = time.perf_counter()
        part()
        found[name] = time.perf_counter() - started
    started = time.perf_counter()
    explain(model, vocab, REVIEW, max_length=400, gates=True)
    again = time.perf_counter() - started
    first = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in found.items())
    print(f"in process, model loaded, torch threads {torch.get_num_threads()}: first calls {first} "
          f"(total {sum(found.values()) * 1000:.0f} ms); whole explanation again {again * 1000:.0f} ms")  # fmt: skip


def plot() -> None:
    picture = ROOT / "docs" / "explain.png"
    reviewcli("explain", REVIEW, "--gates", "--plot", str(picture.parent))
    print(f"wrote {picture.relative_to(ROOT)} ({picture.stat().st_size:,} bytes)")


def mistakes() -> None:
    import torch

    from reviewcli.core.text import tokenize
    from reviewcli.explain.explanation import explain
    from reviewcli.inference.predictor import Predictor
    from reviewcli.store import artifacts

    model, vocab, config = artifacts.load(artifacts.default_model_dir())
    predictor = Predictor(model, vocab, max_length=config["tokenizer"]["max_length"], device=torch.device("cpu"))
    rows = [json.loads(line) for line in CR_TEST.read_text(encoding="utf-8").splitlines()]
    probabilities = predictor.predict([row["text"] for row in rows])
    print("| CR test reviews | with a negation word | wrong | without | wrong |\n|---|---:|---:|---:|---:|")
    for label in ("positive", "negative"):
        cells = []
        for negated in (True, False):
            chosen = [p for row, p in zip(rows, probabilities)
                      if row["label"] == label and bool(NEGATIONS & set(tokenize(row["text"]))) == negated]  # fmt: skip
            wrong = sum((p >= 0.5) != (label == "positive") for p in chosen)
            cells += [f"{len(chosen)}", f"{wrong / len(chosen):.1%}"]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for text in (SECOND, "no vibration ! ."):
        found = explain(model, vocab, text, max_length=400)
        top = sorted(range(len(found.tokens)), key=lambda i: -abs(found.attribution[i]))[:3]
        words = ", ".join(f"{found.tokens[i].text} {found.attribution[i]:+.2f}" for i in top)
        print(f"{text!r}: P(positive) {found.probability:.3f}; top words {words}")


SECTIONS = {"demo": demo, "timing": None, "plot": plot, "mistakes": mistakes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated: " + ", ".join(SECTIONS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for every process (default: PyTorch's own)")
    options = parser.parse_args()
    if options.threads:
        os.environ["OMP_NUM_THREADS"] = str(options.threads)  # read by the child processes and by torch here
    for name in options.sections.split(","):
        print(f"## {name}")
        timing(options.runs) if name == "timing" else SECTIONS[name]()


if __name__ == "__main__":
    main()
