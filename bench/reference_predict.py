"""A plain PyTorch scorer, the baseline that bench/speed.py compares `reviewcli predict` with.

    python bench/reference_predict.py --model DIR FILE > predictions.tsv

It loads the same model directory as reviewcli (weights, vocabulary, config via reviewcli.store.artifacts.load)
and tokenizes with reviewcli.core.text.tokenize, then does what a tutorial would: read the file, score it in
batches of 256 in file order, pad each batch to its longest review, fp32, torch.no_grad, default
threads, and print `label<TAB>P(positive)` per input line. No length bucketing, no chunked streaming
tricks. It runs the loaded network itself, so its predictions must equal reviewcli's.
"""

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's reviewcli, also when run as a plain script

from reviewcli.core.text import tokenize  # noqa: E402
from reviewcli.store import artifacts  # noqa: E402

BATCH_SIZE = 256


def keep_head_and_tail(ids: list[int], max_length: int) -> list[int]:
    """The same cut as reviewcli makes: a quarter from the start, the rest from the end."""
    if len(ids) <= max_length:
        return ids
    head = max_length // 4
    return ids[:head] + ids[len(ids) - (max_length - head) :]


def read_batches(path: str, size: int):
    """Lists of up to `size` review texts, in file order, one per line."""
    batch = []
    with open(path, encoding="utf-8") as file:
        for line in file:
            batch.append(line.rstrip("\n"))
            if len(batch) == size:
                yield batch
                batch = []
    if batch:
        yield batch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=artifacts.shipped_model_dir())
    parser.add_argument("file")
    args = parser.parse_args()

    model, vocab, config = artifacts.load(args.model)
    model.eval()
    max_length = config["tokenizer"]["max_length"]
    negative, positive = config["labels"]
    pad = model.config.pad_index
    out = sys.stdout
    with torch.no_grad():
        for texts in read_batches(args.file, BATCH_SIZE):
            sequences = [keep_head_and_tail(vocab.encode(tokenize(t)) or [vocab.unk_index], max_length) for t in texts]
            longest = max(len(s) for s in sequences)
            ids = torch.tensor([s + [pad] * (longest - len(s)) for s in sequences], dtype=torch.long)
            lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
            probabilities = torch.sigmoid(model(ids, lengths)).tolist()
            out.write("".join(f"{positive if p >= 0.5 else negative}\t{p:.4f}\n" for p in probabilities))


if __name__ == "__main__":
    main()
