"""How fast and how lean reviewcli is, as ratios against baselines measured in the same run.

    .venv/bin/python bench/speed.py                       # full run (tens of minutes on 2 cores)
    .venv/bin/python bench/speed.py --quick               # smaller files, shorter kernel timing
    .venv/bin/python bench/speed.py --lines 50000 --model my-model
    .venv/bin/python bench/speed.py --sections 3          # training tokens/s only (about 2 minutes)
    .venv/bin/python bench/speed.py --lines 30000 --write-lines 30k.txt   # section 2's reviews, to time by hand

Prints a markdown table and writes it to bench/results/speed.md. Nothing is asserted: the numbers
depend on the machine and on whatever else runs on it, so read the ratios, not the seconds.
Reads ../shared/data; needs only the standard library, torch and reviewcli (fastText if importable).

Rows:
1. latency: wall time of whole processes, median of 5 (after one unmeasured run each):
   `reviewcli predict "great taste"`, `python -c "import torch"` (the floor any torch CLI pays) and
   `reviewcli --help` (which should not import torch). Note: predict − import torch in seconds.
2. throughput, reviews/s: `reviewcli predict --input FILE --format tsv > /dev/null` over N lines
   (default 100,000; --quick 10,000) of real reviews (every ../shared/data/*/{train,test}.jsonl,
   shuffled, newlines made spaces, cycled to N), as a whole process, against
   (a) bench/reference_predict.py, a plain PyTorch loop over the same model, also a whole process;
       the agreement of its labels with reviewcli's on the first 2,000 lines is shown;
   (b) fastText (wordNgrams=2, 5 epochs) trained on the same training sets as the shipped model,
       timed in-process over the same lines: `model.predict` only, no process start, no file I/O.
   Ratio > 1: reviewcli is faster.
3. training tokens/s: `reviewcli train ../shared/data/cr --epochs 2 --adversarial 0` (one forward
   and backward a step, as the kernel does) with the default sizes (fastest epoch of config.json's
   history, training steps only, validation excluded) against the kernel ceiling: the bare
   recurrent layers the model runs (2 for a bidirectional model, as reviewcli's Encoder runs two
   unidirectional RNNs), forward + backward on random time-major
   (T, batch, embedding) inputs that require a gradient (as trained embeddings do), ~10 s of steps
   each (--quick: 3 s), for --cell gru and lstm, at
   (a) the same sizes: the batch shapes training makes of CR train (length-bucketed, each padded to
       its longest review), counting real tokens as training does;
   (b) one shape, batch × mean length of CR train: no padding and no long batches, a stricter bar;
   and the default `--adversarial` against `--adversarial 0`: what adversarial training costs.
4. memory: peak RSS of one process, from a small wrapper child that runs it and prints its own
   RUSAGE_CHILDREN maxrss: predict over 10,000 and 1,000,000 lines (--quick: 100,000), and
   `reviewcli train ../shared/data/cr --epochs 1`. Ratio big/small near 1 means memory stays flat.
5. quiet and busy: whole-process reviews/s of `predict -i` (--busy-lines, default 20,000 lines of
   the same reviews), `evaluate` (fdu-mtl-amazon test) and `explain -i` (200 CR test reviews), and
   training tokens/s on CR (1 epoch), each run quiet and then beside one other CPU-bound process
   (`python -c "while True: pass"`), alternated --repeats times (default 2). Ratio busy/quiet: 1 means
   a busy core costs nothing, 0.5 what losing one of two cores costs. Says the path and threads taken.
   Run it on an otherwise idle machine: the quiet runs must be quiet.
"""

import argparse
import contextlib
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's reviewcli, also when run as a plain script

from reviewcli.core.text import tokenize  # noqa: E402
from reviewcli.inference.batching import bucketed_order  # noqa: E402
from reviewcli.inference.device import keep_freed_memory  # noqa: E402
from reviewcli.io.data import Columns, training_data  # noqa: E402
from reviewcli.store import artifacts  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results" / "speed.md"
REFERENCE = ROOT / "bench" / "reference_predict.py"
TRAIN_ON = ("amazon-multidomain", "fdu-mtl-amazon", "cr")  # the shipped model's training sets
AGREEMENT_LINES = 2_000
LATENCY_RUNS = 5
SEED = 13
# Runs argv[1:] with stdout discarded and prints the peak RSS (KiB) of that one child.
RSS_WRAPPER = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def reviewcli_command() -> list[str]:
    """The console script next to this Python when installed, else `python -m reviewcli`."""
    script = Path(sys.executable).parent / "reviewcli"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "reviewcli"]


def wall_seconds(command: list[str], stdout=subprocess.DEVNULL) -> float:
    started = time.perf_counter()
    subprocess.run(command, stdout=stdout, check=True)
    return time.perf_counter() - started


def median_seconds(command: list[str], runs: int = LATENCY_RUNS) -> float:
    wall_seconds(command)  # unmeasured: warms the file cache
    return statistics.median(wall_seconds(command) for _ in range(runs))


# --- data -------------------------------------------------------------------------------------------


def read_texts(path: Path) -> list[str]:
    """Review texts of a jsonl file, each on one line (line breaks become spaces)."""
    with open(path, encoding="utf-8") as file:
        return [json.loads(line)["text"].replace("\r", " ").replace("\n", " ") for line in file if line.strip()]


def all_reviews() -> list[str]:
    """Every train.jsonl and test.jsonl under ../shared/data, shuffled with a fixed seed."""
    texts = []
    for folder in sorted(p for p in SHARED.iterdir() if p.is_dir()):
        for split in ("train.jsonl", "test.jsonl"):
            if (folder / split).is_file():
                texts += read_texts(folder / split)
    random.Random(SEED).shuffle(texts)
    return texts


def write_lines(path: Path, texts: list[str], count: int) -> Path:
    """`count` reviews, one per line, cycling through `texts`."""
    with open(path, "w", encoding="utf-8") as file:
        for text in itertools.islice(itertools.cycle(texts), count):
            file.write(text + "\n")
    return path


# --- 1. latency -------------------------------------------------------------------------------------


def latency_rows(cli: list[str], model: Path) -> list[tuple]:
    log("1. latency")
    predict = median_seconds([*cli, "predict", "--model", str(model), "great taste"])
    import_torch = median_seconds([sys.executable, "-c", "import torch"])
    help_ = median_seconds([*cli, "--help"])
    return [
        ("latency `predict \"great taste\"` (s)", f"{predict:.2f}", "`python -c \"import torch\"`",
         f"{import_torch:.2f}", ratio(predict, import_torch),
         f"predict − import torch = {predict - import_torch:+.2f} s; median of {LATENCY_RUNS}"),
        ("latency `--help` (s)", f"{help_:.2f}", "`python -c \"import torch\"`", f"{import_torch:.2f}",
         ratio(help_, import_torch), "below 1: --help does not pay for torch"),
    ]  # fmt: skip


# --- 2. throughput ----------------------------------------------------------------------------------


def reviewcli_predict(cli: list[str], model: Path, file: Path) -> list[str]:
    return [*cli, "predict", "--model", str(model), "--input", str(file), "--format", "tsv"]


def reference_predict(model: Path, file: Path) -> list[str]:
    return [sys.executable, str(REFERENCE), "--model", str(model), str(file)]


def labels_and_probabilities(output: str) -> list[tuple[str, float] | None]:
    """None for a review reviewcli left unscored (no word its vocabulary knows)."""
    rows = [line.split("\t") for line in output.splitlines()]
    return [(row[0], float(row[1])) if row[0] else None for row in rows]


def agreement(cli: list[str], model: Path, head: Path) -> tuple[float, float]:
    """(share of equal labels, largest probability difference) of reviewcli and the reference."""
    ours = run_stdout(reviewcli_predict(cli, model, head))
    theirs = run_stdout(reference_predict(model, head))
    ours, theirs = labels_and_probabilities(ours), labels_and_probabilities(theirs)
    if len(ours) != len(theirs):
        raise RuntimeError(f"reviewcli wrote {len(ours)} lines, the reference {len(theirs)}")
    pairs = [(a, b) for a, b in zip(ours, theirs) if a is not None]  # the reference scores every line
    same = sum(a[0] == b[0] for a, b in pairs)
    return same / len(pairs), max(abs(a[1] - b[1]) for a, b in pairs)


def run_stdout(command: list[str]) -> str:
    return subprocess.run(command, stdout=subprocess.PIPE, check=True, text=True).stdout


def fasttext_rate(lines: list[str], workdir: Path) -> tuple[float | None, str]:
    """(reviews/s of fastText's predict over `lines`, note); None when fasttext is not installed."""
    try:
        import fasttext
    except ImportError:
        return None, "skipped: `import fasttext` failed (pip install fasttext-numpy2)"
    train_file = workdir / "fasttext-train.txt"
    with open(train_file, "w", encoding="utf-8") as file:
        for name in TRAIN_ON:
            with open(SHARED / name / "train.jsonl", encoding="utf-8") as source:
                for line in source:
                    record = json.loads(line)
                    text = " ".join(record["text"].lower().split())
                    file.write(f"__label__{record['label']} {text}\n")
    model = fasttext.train_supervised(str(train_file), wordNgrams=2, epoch=5, verbose=0)
    lowered = [line.lower() for line in lines]
    started = time.perf_counter()
    model.predict(lowered, k=1)
    seconds = time.perf_counter() - started
    return len(lines) / seconds, "in-process `model.predict` only (no start-up, no I/O); trained on " + ", ".join(TRAIN_ON)


def throughput_rows(cli: list[str], model: Path, file: Path, head: Path, count: int, workdir: Path) -> list[tuple]:
    log(f"2. throughput over {count:,} lines: reviewcli")
    ours = count / wall_seconds(reviewcli_predict(cli, model, file))
    log("   reference")
    reference = count / wall_seconds(reference_predict(model, file))
    log(f"   agreement on the first {AGREEMENT_LINES:,} lines")
    same, largest = agreement(cli, model, head)
    log("   fastText")
    with open(file, encoding="utf-8") as lines_file:
        lines = [line.rstrip("\n") for line in lines_file]
    fast, fast_note = fasttext_rate(lines, workdir)
    rows = [
        (f"predict throughput, {count:,} lines (reviews/s)", f"{ours:,.0f}", "plain PyTorch reference",
         f"{reference:,.0f}", ratio(ours, reference),
         f"whole processes; labels agree on {100 * same:.2f}% of the first {AGREEMENT_LINES:,} (max Δp {largest:.4f})"),
    ]  # fmt: skip
    if fast is None:
        rows.append((f"predict throughput, {count:,} lines (reviews/s)", f"{ours:,.0f}", "fastText", "–", "–", fast_note))
    else:
        rows.append((f"predict throughput, {count:,} lines (reviews/s)", f"{ours:,.0f}", "fastText",
                     f"{fast:,.0f}", ratio(ours, fast), fast_note))  # fmt: skip
    return rows


# --- 3. training ------------------------------------------------------------------------------------


def cr_train_lengths(max_length: int) -> list[int]:
    """Token counts of the reviews `reviewcli train ../shared/data/cr` trains on (its own split)."""
    train_set, _ = training_data([str(SHARED / "cr")], Columns(), val_fraction=0.1, seed=SEED)
    return [min(max(1, len(tokenize(text))), max_length) for text in train_set.texts]


def train_cr(cli: list[str], cell: str, out: Path, epochs: int, *options: str) -> dict:
    """Train on CR with the CLI's default sizes; -> the saved config.json."""
    command = [*cli, "train", str(SHARED / "cr"), "--cell", cell, "--epochs", str(epochs), *options, "--quiet", "--out", str(out), "--force"]
    subprocess.run(command, check=True)
    return json.loads((out / "config.json").read_text(encoding="utf-8"))


def kernel_tokens_per_second(cell: str, sizes: dict, shapes: list[tuple[int, int, int]], budget: float) -> float:
    """Tokens/s of the bare recurrent layers, forward + backward on random (T, B, embedding) inputs.

    shapes: (real tokens, batch, T) of each batch; inputs are made before the clock starts. The
    allocator gets the settings reviewcli train uses (device.keep_freed_memory): with them the bare
    kernel is faster too (112k against 100k tokens/s for the LSTM), so the ceiling stays the best
    this machine does.
    """
    keep_freed_memory()
    rnn_class = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[cell]
    directions = 2 if sizes["bidirectional"] else 1
    rnns = [rnn_class(sizes["embedding_dim"], sizes["hidden"]) for _ in range(directions)]
    # requires_grad: a model that trains its embeddings needs the gradient of the RNN's input too
    inputs = [
        (tokens, torch.randn(steps, batch, sizes["embedding_dim"], requires_grad=True))
        for tokens, batch, steps in shapes
    ]

    def step(x: torch.Tensor) -> None:
        for rnn in rnns:
            rnn.zero_grad(set_to_none=True)
        x.grad = None
        sum(rnn(x)[0].sum() for rnn in rnns).backward()

    for _, x in inputs[:3]:  # warm-up
        step(x)
    tokens, started = 0, time.perf_counter()
    for count, x in itertools.cycle(inputs):
        step(x)
        tokens += count
        if time.perf_counter() - started > budget:
            break
    return tokens / (time.perf_counter() - started)


def epoch_shapes(lengths: list[int], batch_size: int) -> list[tuple[int, int, int]]:
    """(real tokens, B, T) of the batches training makes: length-bucketed, padded to the longest."""
    order = bucketed_order(lengths, batch_size, random.Random(SEED))
    return [(sum(lengths[i] for i in batch), len(batch), max(lengths[i] for i in batch)) for batch in order]


def training_rows(cli: list[str], workdir: Path, budget: float) -> list[tuple]:
    rows = []
    for cell in ("gru", "lstm"):
        log(f"3. training on CR, {cell}")
        # one forward and backward a step, as the kernel does: without the adversarial second pass
        config = train_cr(cli, cell, workdir / f"train-{cell}", 2, "--adversarial", "0")
        fastest = fastest_epoch(config)
        ours = tokens_per_second(fastest)
        log("   with the default adversarial steps")
        default_config = train_cr(cli, cell, workdir / f"train-{cell}-default", 2)
        default = tokens_per_second(fastest_epoch(default_config))
        sizes = {**config["model"], "batch_size": config["train"]["batch_size"]}
        lengths = cr_train_lengths(config["train"]["max_length"])
        shapes = epoch_shapes(lengths, sizes["batch_size"])
        mean_length = round(sum(lengths) / len(lengths))
        fixed = [(sizes["batch_size"] * mean_length, sizes["batch_size"], mean_length)]
        log(f"   kernel ceilings, {budget:.0f} s each")
        same_batches = kernel_tokens_per_second(cell, sizes, shapes, budget)
        one_shape = kernel_tokens_per_second(cell, sizes, fixed, budget)
        directions = "×2 directions" if sizes["bidirectional"] else "1 direction"
        kernel = f"bare nn.{cell.upper()} fwd+bwd, {sizes['embedding_dim']}→{sizes['hidden']} {directions}"
        where = f"epoch {fastest['epoch']} of {len(config['history'])} (training steps; validation excluded)"
        rows += [
            (f"train `--cell {cell}` on CR (tokens/s)", f"{ours:,.0f}", f"{kernel}, the epoch's own {len(shapes)} batch shapes",
             f"{same_batches:,.0f}", ratio(ours, same_batches), where + "; kernel counts real tokens, computes padding"),
            (f"train `--cell {cell}` on CR (tokens/s)", f"{ours:,.0f}", f"{kernel}, one shape: batch {sizes['batch_size']}, T={mean_length} (mean)",
             f"{one_shape:,.0f}", ratio(ours, one_shape), "no padding and no long batches: stricter than the same sizes"),
            (f"train `--cell {cell}` on CR, default `--adversarial {default_config['train']['adversarial']}` (tokens/s)", f"{default:,.0f}",
             "the same with `--adversarial 0`", f"{ours:,.0f}", ratio(default, ours),
             "the price of adversarial training: a second forward and backward a step"),
        ]  # fmt: skip
    return rows


def tokens_per_second(epoch: dict) -> float:
    return epoch["tokens"] / epoch["train_seconds"]


def fastest_epoch(config: dict) -> dict:
    """The epoch of config.json's history with the most training tokens/s."""
    return max(config["history"], key=tokens_per_second)


# --- 4. memory --------------------------------------------------------------------------------------


def peak_rss_mb(command: list[str]) -> float:
    """Peak RSS of the one process `command` starts, measured by a fresh wrapper process."""
    output = run_stdout([sys.executable, "-c", RSS_WRAPPER, *command])
    return int(output.split()[-1]) / 1024  # Linux reports KiB


def memory_rows(cli: list[str], model: Path, small: Path, big: Path, sizes: tuple[int, int], workdir: Path):
    log(f"4. memory: predict {sizes[0]:,} lines")
    small_mb = peak_rss_mb(reviewcli_predict(cli, model, small))
    log(f"   predict {sizes[1]:,} lines")
    big_mb = peak_rss_mb(reviewcli_predict(cli, model, big))
    log("   train CR, 1 epoch")
    train_mb = peak_rss_mb(
        [*cli, "train", str(SHARED / "cr"), "--epochs", "1", "--quiet", "--out", str(workdir / "rss"), "--force"]
    )
    trained = json.loads((workdir / "rss" / "config.json").read_text(encoding="utf-8"))["model"]
    shape = f"defaults: {trained['cell']}, embedding {trained['embedding_dim']}, hidden {trained['hidden']}"
    return [
        (f"peak RSS predict {sizes[0]:,} lines (MB)", f"{small_mb:,.0f}", "", "", "", ""),
        (f"peak RSS predict {sizes[1]:,} lines (MB)", f"{big_mb:,.0f}", f"predict {sizes[0]:,} lines",
         f"{small_mb:,.0f}", ratio(big_mb, small_mb), "near 1: memory stays flat with input size"),
        ("peak RSS train CR, 1 epoch (MB)", f"{train_mb:,.0f}", "", "", "", shape),
    ]  # fmt: skip


# --- 5. quiet and busy -----------------------------------------------------------------------------

SPINNER = "while True: pass"  # one other CPU-bound process: what a laptop, CI runner or shared server has


class BusyCore:
    """A second process that holds one core for as long as the `with` lasts."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", SPINNER])
        time.sleep(0.5)  # let the scheduler see it running
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def busy_rows(cli: list[str], model: Path, workdir: Path, texts: list[str], count: int, repeats: int) -> list[tuple]:
    """Whole-process reviews/s of predict, evaluate and explain, quiet and beside one busy core, alternated."""
    predict_file = write_lines(workdir / "busy-predict.txt", texts, count)
    labelled = SHARED / "fdu-mtl-amazon" / "test.jsonl"
    labelled_count = len(read_texts(labelled))
    short = read_texts(SHARED / "cr" / "test.jsonl")[:200]
    explain_file = write_lines(workdir / "busy-explain.txt", short, len(short))
    runs = [
        ("predict", [*cli, "predict", "--model", str(model), "-i", str(predict_file), "-f", "tsv"], count,
         f"{count:,} lines of real reviews"),
        ("evaluate", [*cli, "evaluate", str(labelled), "--model", str(model), "-f", "json", "-q"], labelled_count,
         f"fdu-mtl-amazon test, {labelled_count:,} reviews"),
        ("explain", [*cli, "explain", "--model", str(model), "-i", str(explain_file), "-f", "jsonl", "-q"], len(short),
         f"the first {len(short)} CR test reviews"),
    ]  # fmt: skip
    rows = []
    scoring = inference_path(model)
    paths = {
        "predict": f"path: {scoring}",
        "evaluate": f"path: {scoring}",
        "explain": "path: the module, fp32 with gradients; reviews on threads, 1 torch thread each",
    }
    for name, command, n, what in runs:
        path = paths[name]
        quiet, busy = [], []
        for repeat in range(repeats):
            log(f"5. {name}, quiet then busy ({repeat + 1} of {repeats})")
            quiet.append(n / wall_seconds(command))
            with BusyCore():
                busy.append(n / wall_seconds(command))
        q, b = statistics.median(quiet), statistics.median(busy)
        rows.append((
            f"`{name}` beside one busy core (reviews/s)", f"{b:,.0f}", f"`{name}` quiet", f"{q:,.0f}", ratio(b, q),
            f"{what}; whole processes, median of {repeats} alternated runs; {path}",
        ))  # fmt: skip
    rows.append(busy_training_row(cli, workdir, repeats))
    return rows


def inference_path(model: Path) -> str:
    """What predict, evaluate and the Python API score on here: the path and its threads."""
    from reviewcli.inference.predictor import load_predictor

    return load_predictor(model, "cpu", "auto").runs_as()


def busy_training_row(cli: list[str], workdir: Path, repeats: int) -> tuple:
    """Training tokens/s on CR, quiet and beside one busy core, and the thread counts it ran on."""
    quiet, busy, counts = [], [], {}
    for repeat in range(repeats):
        log(f"5. train on CR, quiet then busy ({repeat + 1} of {repeats})")
        for name, rates in (("quiet", quiet), ("busy", busy)):
            with BusyCore() if name == "busy" else contextlib.nullcontext():
                config = train_cr(cli, "lstm", workdir / "busy-train", 1)
            epoch = config["history"][0]
            rates.append(tokens_per_second(epoch))
            counts[name] = epoch.get("threads", [])
    q, b = statistics.median(quiet), statistics.median(busy)
    return (
        "`train` beside one busy core (tokens/s)", f"{b:,.0f}", "`train` quiet", f"{q:,.0f}", ratio(b, q),
        f"CR, 1 epoch, training steps only; median of {repeats}; torch threads quiet {counts['quiet']}, busy {counts['busy']}",
    )  # fmt: skip


# --- report -----------------------------------------------------------------------------------------


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.3g}×" if theirs else "–"


def markdown(rows: list[tuple], header: list[str]) -> str:
    columns = ("measurement", "reviewcli", "compared with", "value", "ratio", "note")
    lines = [*header, "", "| " + " | ".join(columns) + " |", "|---|---:|---|---:|---:|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def describe(model: Path, count: int, quick: bool) -> list[str]:
    config = artifacts.read_config(model)["model"]
    return [
        f"# reviewcli speed ({'--quick, ' if quick else ''}{count:,} lines)",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads{threads_setting()}), Python {sys.version.split()[0]}.",
        f"Model {model}: {config['cell']}, embedding {config['embedding_dim']}, hidden {config['hidden']}, "
        f"{'bidirectional' if config['bidirectional'] else 'one direction'}, vocabulary {config['vocab_size']:,}.",
    ]


def threads_setting() -> str:
    value = os.environ.get("OMP_NUM_THREADS")
    return f", OMP_NUM_THREADS={value}" if value else ""


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, help="lines for throughput (default 100,000; --quick 10,000)")
    parser.add_argument("--quick", action="store_true", help="smaller files and a 3 s kernel timing")
    parser.add_argument("--model", type=Path, default=None, help="model directory (default: the shipped model)")
    parser.add_argument("--sections", default="1,2,3,4,5", help="which of the five sections to run (default: all)")
    parser.add_argument("--busy-lines", type=int, default=20_000, help="lines predict scores in section 5")
    parser.add_argument("--repeats", type=int, default=2, help="alternated quiet/busy runs of each command in section 5")
    parser.add_argument("--write-lines", type=Path, metavar="FILE", help="write the --lines reviews section 2 reads to FILE, and stop")
    args = parser.parse_args()
    args.model = (args.model or artifacts.shipped_model_dir()).resolve()
    args.lines = args.lines or (10_000 if args.quick else 100_000)
    args.sections = {int(part) for part in args.sections.split(",")}
    return args


def main() -> None:
    args = parse_arguments()
    if args.write_lines:  # the same reviews, for timing a command by hand
        write_lines(args.write_lines, all_reviews(), args.lines)
        return log(f"wrote {args.lines:,} reviews to {args.write_lines}")
    artifacts.read_config(args.model)  # fails early with reviewcli's message if the model is missing
    cli = reviewcli_command()
    memory_sizes = (10_000, 100_000 if args.quick else 1_000_000)
    header = describe(args.model, args.lines, args.quick)
    texts = all_reviews()
    with tempfile.TemporaryDirectory(prefix="reviewcli-speed-") as temporary:
        workdir = Path(temporary)
        file = write_lines(workdir / f"{args.lines}.txt", texts, args.lines)
        head = write_lines(workdir / "head.txt", texts, min(AGREEMENT_LINES, args.lines))
        loads = [load_average()]  # other work on the machine skews everything: say how much there was
        rows = latency_rows(cli, args.model) if 1 in args.sections else []
        loads.append(load_average())
        if 2 in args.sections:
            rows += throughput_rows(cli, args.model, file, head, args.lines, workdir)
        loads.append(load_average())
        if 3 in args.sections:
            rows += training_rows(cli, workdir, budget=3.0 if args.quick else 10.0)
        loads.append(load_average())
        if 4 in args.sections:
            small = write_lines(workdir / f"{memory_sizes[0]}.txt", texts, memory_sizes[0])
            big = write_lines(workdir / f"{memory_sizes[1]}.txt", texts, memory_sizes[1])
            rows += memory_rows(cli, args.model, small, big, memory_sizes, workdir)
        loads.append(load_average())
        if 5 in args.sections:
            rows += busy_rows(cli, args.model, workdir, texts, args.busy_lines, args.repeats)
    loads.append(load_average())
    header.append(f"1-minute load average before sections 1, 2, 3, 4, 5 and at the end: {', '.join(loads)}.")
    table = markdown(rows, header)
    print(table)
    out = RESULTS if args.sections == {1, 2, 3, 4, 5} else RESULTS.with_name(f"speed-sections-{'-'.join(map(str, sorted(args.sections)))}.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table, encoding="utf-8")
    log(f"written to {out}")


if __name__ == "__main__":
    main()
