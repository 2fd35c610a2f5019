"""How to cut a long review: `reviewcli evaluate` with each share of max_length read from the start.

    .venv/bin/python bench/long_reviews.py FILE [FILE ...] [--shares 1.0 0.5 0.25 0.0]

Each share runs `reviewcli evaluate FILE --format json` in its own process with
reviewcli.inference.batching.HEAD_SHARE set to it (1.0: the first max_length tokens only, the way
most classifiers cut; 0.0: the last only). Prints one markdown row per file and share: accuracy,
macro-F1 and the stderr note of what was not read. docs/experiments/long-reviews.md holds a run.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = "import sys; from reviewcli.inference import batching; batching.HEAD_SHARE = float(sys.argv[1]); " \
      "from reviewcli.cli.main import main; sys.argv = ['reviewcli', *sys.argv[2:]]; main()"  # fmt: skip


def evaluate(path: str, share: float) -> tuple[dict, str]:
    command = [sys.executable, "-c", RUN, str(share), "evaluate", path, "--format", "json", "--device", "cpu"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    notes = [line for line in done.stderr.splitlines() if line.startswith("Note:")]
    return json.loads(done.stdout), " ".join(notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--shares", nargs="+", type=float, default=[1.0, 0.5, 0.25, 0.0])
    args = parser.parse_args()
    print("| data | head share | accuracy | macro-F1 | not read |")
    print("|---|---:|---:|---:|---|")
    for path in args.files:
        for share in args.shares:
            result, note = evaluate(path, share)
            print(f"| {Path(path).parent.name}/{Path(path).name} | {share} | {result['accuracy']:.4f} | "
                  f"{result['macro_f1']:.4f} | {note or 'nothing'} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
