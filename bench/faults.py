"""The fault cases of training and model loading, each tried for real: README's fault table.

    .venv/bin/python bench/faults.py [--trials 5]

Every case runs `python -m reviewcli` in a subprocess on the project's data/ (tiny models, one
thread) and is judged by what a user would see and find on disk afterwards: `held` counts trials
that behaved as documented, `tracebacks` trials whose stderr held a Python traceback, `data lost`
trials that left a model unloadable, a previous model or a user's file changed, or a finished
run unsaved. Prints one markdown table. Needs no ../shared.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reviewcli.store import artifacts  # noqa: E402

WORK = Path(tempfile.mkdtemp(prefix="reviewcli-faults-"))
# datasets' caches of every file read here stay in WORK and go with it
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "CI": "true", "HF_DATASETS_CACHE": str(WORK / "hf-cache")}
DATA = ROOT / "data" / "train.jsonl"
TINY = ["--embedding-dim", "8", "--hidden", "8", "--max-vocab", "300", "--min-freq", "1", "--device", "cpu"]
RUN = [*TINY, "--epochs", "6", "--patience", "6", "--batch-size", "16"]


class Trial:
    def __init__(self, held: bool, stderr: str = "", lost: bool = False):
        self.held, self.traceback, self.lost = held, "Traceback" in stderr, lost


def reviewcli(*args, stdin=subprocess.DEVNULL, **kwargs) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "reviewcli", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, env=ENV, stdin=stdin, capture_output=True, text=True, **kwargs)


def start(*args) -> subprocess.Popen:
    command = [sys.executable, "-m", "reviewcli", *map(str, args)]
    return subprocess.Popen(command, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def fresh(name: str) -> Path:
    path = WORK / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path / "m"


def loadable(directory: Path) -> bool:
    try:
        artifacts.load(directory)
        return True
    except Exception:
        return False


def weights(directory: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(directory / "model.safetensors")


def same(first: Path, second: Path) -> bool:
    import torch

    a, b = weights(first), weights(second)
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


REFERENCE = WORK / "reference"


def reference() -> Path:
    """The uninterrupted run every resumed one must equal."""
    if not REFERENCE.exists():
        reviewcli("train", DATA, *RUN, "--out", REFERENCE, "-q", check=True)
    return REFERENCE


def resumed_equals_reference(out: Path) -> tuple[bool, str]:
    done = reviewcli("train", DATA, *RUN, "--out", out, "-q", "--resume")
    return done.returncode == 0 and same(out, reference()), done.stderr


def stopped_at_random(name: str, stop, seconds=(3.0, 7.0)) -> tuple[Path, subprocess.Popen, str]:
    """A training run on a fresh --out, stopped by stop(process) after a random time. -> (out, process, stderr)."""
    out = fresh(name)
    process = start("train", DATA, *RUN, "--out", out)
    time.sleep(random.uniform(*seconds))
    stop(process)
    return out, process, process.communicate()[1]


def signal_at_random(number: int, trials: int) -> list[Trial]:
    """A signal at a random moment of a run, then --resume: the result equals the uninterrupted run."""
    found = []
    for trial in range(trials):
        out, process, stderr = stopped_at_random(f"signal-{number}-{trial}", lambda p: p.send_signal(number))
        if process.returncode == 0:  # it finished first: nothing to resume
            found.append(Trial(same(out, reference()), stderr))
            continue
        if not out.exists():  # stopped before training began: nothing was promised, nothing written
            found.append(Trial(process.returncode == 130, stderr))
            continue
        held = process.returncode == 130 and "Resume: " in stderr
        kept = (out / "config.json").exists() and loadable(out)
        equal, more = resumed_equals_reference(out) if kept else (False, "")
        found.append(Trial(held and kept and equal, stderr + more, lost=not kept))
    return found


def twice(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    time.sleep(random.uniform(0.0, 0.05))
    process.send_signal(signal.SIGINT)


def double_ctrl_c(trials: int) -> list[Trial]:
    found = []
    for trial in range(trials):
        out, process, stderr = stopped_at_random(f"double-{trial}", twice)
        whole = not out.exists() or loadable(out)
        leftovers = [p.name for p in out.parent.iterdir() if p.name != "m"]
        found.append(Trial(process.returncode in (0, 130) and whole and not leftovers, stderr, lost=not whole))
    return found


def killed(trials: int) -> list[Trial]:
    """SIGKILL: no chance to save, so the last epoch's model and checkpoint must be whole and resumable."""
    found = []
    for trial in range(trials):
        out, _, _ = stopped_at_random(f"kill-{trial}", subprocess.Popen.kill, seconds=(4.0, 8.0))
        if not out.exists():
            found.append(Trial(True))  # killed before the first epoch ended: nothing was promised
            continue
        kept = loadable(out)
        equal, stderr = resumed_equals_reference(out) if (out / "checkpoint").exists() else (same(out, reference()), "")
        found.append(Trial(kept and equal, stderr, lost=not kept))
    return found


def refused_before_reading(out: Path, *extra, expect: str) -> list[Trial]:
    """--out refused at once (exit 2) with data that would fail if it were read; nothing there changes."""
    broken = WORK / "broken.jsonl"
    broken.write_text('{"text": "a", "label": 1\n', encoding="utf-8")
    before = snapshot(out)
    done = reviewcli("train", broken, *TINY, "--out", out, *extra)
    held = done.returncode == 2 and expect in done.stderr and done.stderr.count("\n") == 1
    return [Trial(held, done.stderr, lost=snapshot(out) != before)]


def snapshot(path: Path):
    if path.is_file():
        return path.read_bytes()
    if path.is_dir():
        return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}
    return None


def out_cases() -> dict[str, list[Trial]]:
    a_file = WORK / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    model = fresh("existing")
    reviewcli("train", DATA, *TINY, "--epochs", "1", "--out", model, "-q", check=True)
    return {
        "`--out` is an existing file": refused_before_reading(a_file, expect="exists and is not a directory"),
        "`--out` folder missing": refused_before_reading(WORK / "no" / "such" / "m", expect="does not exist"),
        "`--out` not writable (`/proc/m`)": refused_before_reading(Path("/proc/m"), expect="cannot write in /proc"),
        "`--out` is the shipped model, with `--force`": refused_before_reading(
            artifacts.shipped_model_dir(), "--force", expect="shipped with reviewcli"
        ),
        "`--out` holds a model, no `--force`": refused_before_reading(model, expect="Replace it with --force"),
        "`--resume` on a finished run": refused_before_reading(model, "--resume", expect="nothing to resume"),
    }


def concurrent() -> list[Trial]:
    out = fresh("concurrent")
    first = start("train", DATA, *RUN, "--out", out)
    time.sleep(3.0)
    second = reviewcli("train", DATA, *RUN, "--out", out)
    stderr = first.communicate()[1]
    held = second.returncode == 2 and "another reviewcli run" in second.stderr and first.returncode == 0
    return [Trial(held, stderr + second.stderr, lost=not loadable(out))]


def stale_lock() -> list[Trial]:
    out = fresh("stale")
    process = start("train", DATA, *RUN, "--out", out)
    time.sleep(3.0)
    process.kill()
    process.communicate()
    done = reviewcli("train", DATA, *TINY, "--epochs", "1", "--out", out, "--force")
    return [Trial(done.returncode == 0 and "cleared the lock" in done.stderr, done.stderr, lost=not loadable(out))]


INJECT = (
    "import errno, os, sys, safetensors.torch\n"
    "def fail(*args, **kwargs): raise OSError(errno.{code}, os.strerror(errno.{code}))\n"
    "safetensors.torch.save_file = fail\n"
    "from reviewcli.cli.main import main; sys.argv = ['reviewcli'] + sys.argv[1:]; main()\n"
)


def failed_save(code: str) -> list[Trial]:
    """The disk fills (or turns read-only) while a model is saved over a previous one."""
    out = fresh(f"save-{code}")
    reviewcli("train", DATA, *TINY, "--epochs", "1", "--out", out, "-q", check=True)
    before = snapshot(out)
    command = [sys.executable, "-c", INJECT.format(code=code), "train", str(DATA), *TINY, "--epochs", "2",
               "--out", str(out), "--force"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    held = done.returncode == 1 and lines[-1].startswith("Error: ") and "could not write the model" in lines[-1]
    leftovers = [p.name for p in out.parent.iterdir() if p.name != "m"]
    return [Trial(held and not leftovers, done.stderr, lost=snapshot(out) != before)]


def closed_pipes() -> dict[str, list[Trial]]:
    out = fresh("pipe")
    shell = f"{sys.executable} -m reviewcli train {DATA} {' '.join(TINY)} --epochs 2 --out {out} 2>&1 | head -2"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=ROOT, env=ENV, capture_output=True, text=True)
    saved = (out / "config.json").exists() and json.loads((out / "config.json").read_text())["training"]["complete"]
    reviews = WORK / "many.txt"
    reviews.write_text("great taste\n" * 20000, encoding="utf-8")
    shell = f"{sys.executable} -m reviewcli predict --input {reviews} -m {REFERENCE} | head -1"
    predicted = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=ROOT, env=ENV, capture_output=True, text=True)
    return {
        "stderr closed: `train … 2>&1 | head -2`": [Trial(done.returncode == 0 and saved, done.stderr, lost=not saved)],
        "stdout closed: `predict --input … | head -1`": [Trial(predicted.returncode == 0, predicted.stderr)],
    }


def hostile_models() -> list[Trial]:
    """Damaged or hostile model directories given to predict: refused in one line, little memory used."""
    import torch
    from safetensors.torch import save_file

    def nan(d):
        w = weights(d)
        w["head.bias"] = torch.tensor([float("nan")])
        save_file(w, d / "model.safetensors")

    def float64(d):
        save_file({k: v.double() for k, v in weights(d).items()}, d / "model.safetensors")

    def huge_vocab(d):
        config = json.loads((d / "config.json").read_text())
        config["model"]["vocab_size"] = 10**12
        (d / "config.json").write_text(json.dumps(config))

    def huge_header(d):
        header = json.dumps({"embedding.weight": {"dtype": "F32", "shape": [10**12, 8], "data_offsets": [0, 32]}})
        (d / "model.safetensors").write_bytes(len(header).to_bytes(8, "little") + header.encode() + bytes(32))

    found = []
    for damage in (nan, float64, huge_vocab, huge_header):
        directory = WORK / f"hostile-{damage.__name__}"
        shutil.copytree(REFERENCE, directory)
        damage(directory)
        probe = f"import resource, subprocess, sys; subprocess.run([sys.executable, '-m', 'reviewcli', 'predict', 'great', '-m', '{directory}']); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=ENV, capture_output=True, text=True)
        peak_mb = int(done.stdout.strip().splitlines()[-1]) / 1024
        held = done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1 and peak_mb < 1024
        found.append(Trial(held, done.stderr))
    return found


def changed_options() -> list[Trial]:
    out = fresh("changed")
    process = start("train", DATA, *RUN, "--out", out)
    for line in process.stderr:  # interrupted once its first epoch is saved, so there is a checkpoint
        if line.startswith("epoch 1: loss"):
            process.send_signal(signal.SIGINT)
            break
    process.communicate()
    done = reviewcli("train", DATA, *RUN, "--lr", "0.01", "--out", out, "--resume")
    return [Trial(done.returncode == 2 and "train.lr: checkpoint 0.002, now 0.01" in done.stderr, done.stderr)]


FUZZ = """
import pathlib, random, shutil, sys, tempfile
from reviewcli.io.data import Columns, load_file
from reviewcli.core.errors import ReviewCliError
from reviewcli.io.inputs import DecodeReport, read_reviews
rng = random.Random(int(sys.argv[1]))
pieces = ['{"text": "ok", "label": "positive"}', '{"text": 1}', 'text,label', '"a,b",1', '\\t', '__label__positive fine',
          '__label__ bad', '\\x00', '\\ufeff', 'é', '"', '{', '}', '[1,2]', 'null', '-1', '3', '\\r\\n', '\\n']
crashes = tried = 0
folder = pathlib.Path(tempfile.mkdtemp())
for n in range(int(sys.argv[2])):
    suffix = rng.choice(['.jsonl', '.csv', '.tsv', '.txt'])
    body = ''.join(rng.choice(pieces) for _ in range(rng.randrange(0, 30))).encode() + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 4)))
    path = folder / f'f{n}{suffix}'
    path.write_bytes(body)
    for read in (lambda: load_file(path, Columns()), lambda: list(read_reviews(str(path), DecodeReport(str(path)), text_column=None, form=suffix[1:] if suffix != '.txt' else 'lines'))):
        tried += 1
        try:
            read()
        except ReviewCliError as error:
            if '\\n' in str(error) or not str(error).startswith(str(path)):
                crashes += 1
        except Exception:
            crashes += 1
shutil.rmtree(folder)
print(tried, crashes)
"""


def fuzzed_readers(count: int, chunk: int = 25) -> list[Trial]:
    """Random files in chunks, each chunk in its own process: a crash of the process itself (a
    parser's segmentation fault) counts as one failed trial and the next chunk goes on."""
    found = []
    for seed in range(-(-count // chunk)):
        command = [sys.executable, "-c", FUZZ, str(seed), str(chunk)]
        done = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True)
        if done.returncode != 0:
            found.append(Trial(False, "Traceback (the process died: exit %d)" % done.returncode))
            continue
        tried, crashes = map(int, done.stdout.split())
        found += [Trial(True)] * (tried - crashes) + [Trial(False, "Traceback")] * crashes
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5, help="trials of each randomly timed case")
    parser.add_argument("--fuzz", type=int, default=150, help="random files read by each reader")
    args = parser.parse_args()
    random.seed(13)
    reference()
    cases = [
        lambda: {"Ctrl-C at a random moment, then `--resume`": signal_at_random(signal.SIGINT, args.trials)},
        lambda: {"SIGTERM at a random moment, then `--resume`": signal_at_random(signal.SIGTERM, args.trials)},
        lambda: {"Ctrl-C twice within 50 ms": double_ctrl_c(args.trials)},
        lambda: {"killed (SIGKILL) at a random moment, then `--resume`": killed(args.trials)},
        out_cases,
        lambda: {"second `train` on the same `--out`": concurrent()},
        lambda: {"stale lock of a killed run": stale_lock()},
        lambda: {"disk full while saving over a model": failed_save("ENOSPC")},
        lambda: {"read-only file system while saving": failed_save("EROFS")},
        closed_pipes,
        lambda: {"`--resume` with another `--lr`": changed_options()},
        lambda: {"model dirs: NaN weight, float64, vocab 10¹², header of 10¹² rows": hostile_models()},
        lambda: {"random JSONL/CSV/TSV/text/bytes through both readers": fuzzed_readers(args.fuzz)},
    ]
    print("| case | tried | held | tracebacks or crashes | data lost |\n|---|---:|---:|---:|---:|", flush=True)
    for case in cases:  # a row as soon as its case is done
        for name, trials in case().items():
            row = (len(trials), sum(t.held for t in trials), sum(t.traceback for t in trials), sum(t.lost for t in trials))
            print(f"| {name} | " + " | ".join(map(str, row)) + " |", flush=True)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
