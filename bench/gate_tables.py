"""What the per-word gate tables (reviewcli/gate_tables.py) buy at prediction: the model time of
the same batches through the module (oneDNN's recurrent kernels) and through a gate_tables.Reader.

    .venv/bin/python bench/gate_tables.py                 # 3,000 reviews, 2 and 1 threads, 3 rounds
    .venv/bin/python bench/gate_tables.py --lines 10000 --model DIR

The reviews are the start of bench/speed.py's throughput file (every ../shared/data split, shuffled
with seed 13), encoded and batched as `reviewcli predict` does (chunks of 2,048, batches of 64 by
length). Each round times the module, then the Reader, in this one process; the table gives the
medians, and the largest difference in P(positive) between the two. A second table gives, with 2
threads, the tables scoring one batch at a time on both against 2 batches at once on one thread
each, as predict runs them (inference.in_threads). Tokenizing and start-up are left out:
bench/speed.py times whole processes. Asserts nothing.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's reviewcli, also when run as a plain script
sys.path.insert(0, str(ROOT / "bench"))

from speed import all_reviews  # noqa: E402

from reviewcli.inference import gate_tables  # noqa: E402
from reviewcli.inference.batching import batches, encode  # noqa: E402
from reviewcli.inference.predictor import in_threads  # noqa: E402
from reviewcli.store import artifacts

CHUNK = 2048  # as commands.predict
BATCH = 64  # as inference.Predictor


def predictor_batches(encoded: list[list[int]], pad: int) -> list[tuple]:
    found = []
    for start in range(0, len(encoded), CHUNK):
        found += [
            (ids, lengths)
            for _, ids, lengths, _ in batches(encoded[start : start + CHUNK], None, BATCH, pad, multiple=8)
        ]
    return found


def timed(forward, work: list[tuple]) -> tuple[float, list]:
    started = time.perf_counter()
    with torch.inference_mode():
        probabilities = [torch.sigmoid(forward(ids, lengths)) for ids, lengths in work]
    return time.perf_counter() - started, probabilities


def timed_in_threads(reader, work: list[tuple], workers: int) -> tuple[float, list]:
    """As timed, with batches on `workers` threads at once, as inference.score runs them for predict."""

    def one(batch):
        with torch.inference_mode():
            return torch.sigmoid(reader(*batch))

    started = time.perf_counter()
    probabilities = list(in_threads(one, work, workers))
    return time.perf_counter() - started, probabilities


def threads_rows(model, work: list[tuple], reviews: int, rounds: int) -> None:
    """The tables on all of torch's threads for one batch at a time, against a batch per thread."""
    threads = torch.get_num_threads()
    reader = gate_tables.Reader(model)
    timed(reader, work)  # fills the rows, so that both sides only look them up
    alone, shared, worst = [], [], 0.0
    for _ in range(rounds):
        seconds, expected = timed(reader, work)
        alone.append(seconds)
        seconds, found = timed_in_threads(reader, work, threads)
        shared.append(seconds)
        worst = max(worst, max((a - b).abs().max().item() for a, b in zip(expected, found)))
    one_s, many_s = statistics.median(alone), statistics.median(shared)
    print(
        f"\nGate tables, {threads} of torch's threads: one batch at a time on all of them, or {threads} batches "
        "at once on one each (inference.in_threads, as predict runs):\n"
    )
    print("| batches at once | torch threads each | tables (s) | reviews/s | ratio | max Δp |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(f"| 1 | {threads} | {one_s:.2f} | {reviews / one_s:,.0f} | 1.00× | |")
    print(
        f"| {threads} | 1 | {many_s:.2f} | {reviews / many_s:,.0f} | {one_s / many_s:.2f}× | {worst:.1e} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, default=artifacts.shipped_model_dir())
    args = parser.parse_args()

    model, vocab, config = artifacts.load(args.model)
    model.eval()
    texts = all_reviews()[: args.lines]
    encoded = [encode(text, vocab, config["tokenizer"]["max_length"]) for text in texts]
    work = predictor_batches(encoded, model.config.pad_index)
    tokens = sum(len(ids) for ids in encoded)
    print(f"# gate tables against the module: {len(texts):,} reviews, {tokens / len(texts):.0f} tokens on average\n")
    print(
        f"Model {args.model}: {model.config.cell}, embedding {model.config.embedding_dim}, hidden {model.config.hidden}; torch {torch.__version__}.\n"
    )
    print("| threads | module (s) | gate tables (s) | reviews/s, module | reviews/s, tables | ratio | max Δp |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for threads in (2, 1):
        torch.set_num_threads(threads)
        reader = gate_tables.Reader(model)  # a fresh one: its rows fill during the first round, as in predict
        plain, tables, worst = [], [], 0.0
        for _ in range(args.rounds):
            seconds, expected = timed(model, work)
            plain.append(seconds)
            seconds, found = timed(reader, work)
            tables.append(seconds)
            worst = max(worst, max((a - b).abs().max().item() for a, b in zip(expected, found)))
        module_s, tables_s = statistics.median(plain), statistics.median(tables)
        print(
            f"| {threads} | {module_s:.2f} | {tables_s:.2f} | {len(texts) / module_s:,.0f} | {len(texts) / tables_s:,.0f} "
            f"| {module_s / tables_s:.2f}× | {worst:.1e} |",
            flush=True,
        )
    torch.set_num_threads(2)
    threads_rows(model, work, len(texts), args.rounds)
    words, row_bytes = int(reader.filled.sum()), reader.table.element_size() * reader.table.size(1) * len(reader.w_ih)
    print(
        f"\nThe tables ({reader.table.numel() * reader.table.element_size() / 1e6:.1f} MB reserved, for "
        f"{len(reader.filled):,} words) hold rows for the {words:,} words seen: {words * row_bytes / 1e6:.1f} MB "
        f"written; the copy of the embedding they are computed from takes {reader.embedding.numel() * 4 / 1e6:.1f} MB."
    )


if __name__ == "__main__":
    main()
