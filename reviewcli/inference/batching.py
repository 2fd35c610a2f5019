"""Texts -> token ids -> length-bucketed, padded batches, so padding costs (almost) no compute."""

import random
from collections.abc import Iterator
from dataclasses import dataclass

from reviewcli.core.text import tokenize
from reviewcli.core.vocab import Vocabulary


def encode(text: str, vocab: Vocabulary, max_length: int, *, strip_markup: bool = False) -> list[int]:
    return encode_tokens(tokenize(text, strip_markup=strip_markup), vocab, max_length)


def encode_tokens(tokens: list[str], vocab: Vocabulary, max_length: int) -> list[int]:
    """Token ids of one review; never empty (an empty review is one unknown token)."""
    return truncate(vocab.encode(tokens) or [vocab.unk_index], max_length)


# The share of max_length read from a long review's start; the rest is read from its end, and the
# middle is left out. Long reviews often give their verdict last ("...Terrible, do not buy.").
# Chosen over head-only and an even split on IMDb and Amazon test (docs/experiments/long-reviews.md).
HEAD_SHARE = 0.25


def head_length(max_length: int) -> int:
    return int(max_length * HEAD_SHARE)


def truncate(ids: list, max_length: int) -> list:
    """At most max_length items: the first head_length(max_length) and the last of the rest."""
    if len(ids) <= max_length:
        return ids
    head = head_length(max_length)
    return ids[:head] + ids[len(ids) - (max_length - head) :]


@dataclass
class Unread:
    """How many reviews were longer than the model reads, and how many of their tokens truncate left out."""

    max_length: int
    reviews: int = 0
    cut: int = 0
    tokens: int = 0

    def add(self, length: int) -> None:
        """One review of `length` tokens read."""
        self.reviews += 1
        if length > self.max_length:
            self.cut += 1
            self.tokens += length - self.max_length

    def note(self) -> str | None:
        """One line for stderr, or None when every review was read whole."""
        if not self.cut:
            return None
        head = head_length(self.max_length)
        part = "start" if head == 0 else "end" if head >= self.max_length else "middle"
        reviews = f"{self.reviews:,} review" + ("" if self.reviews == 1 else "s")
        verb, whose = ("is", "its") if self.cut == 1 else ("are", "their")
        return (f"Note: {self.cut:,} of {reviews} {verb} longer than the model reads ({self.max_length:,} tokens); "
                f"{whose} {part}, {self.tokens:,} tokens in all, was not read.")  # fmt: skip


def bucketed_order(lengths: list[int], batch_size: int, rng: random.Random | None = None) -> list[list[int]]:
    """Batches of indices with similar lengths. With `rng`, pools and batch order are shuffled
    (training); without, batches run from longest to shortest (inference)."""
    order = list(range(len(lengths)))
    if rng is None:
        order.sort(key=lambda i: -lengths[i])
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(order)
    pool = batch_size * 50  # sort within pools: batches stay random but of even length
    batches = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def collate(sequences: list[list[int]], pad_index: int, multiple: int = 1):
    """-> ids (B, T) padded with pad_index, T a multiple of `multiple`; lengths (B,) int64 on the CPU."""
    import torch

    longest = -(-max(len(s) for s in sequences) // multiple) * multiple
    ids = torch.tensor([s + [pad_index] * (longest - len(s)) for s in sequences], dtype=torch.long)
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    return ids, lengths


def batches(
    encoded: list[list[int]], labels: list[int] | None, batch_size: int, pad_index: int, rng=None, multiple: int = 1
) -> Iterator[tuple]:
    """(indices, ids, lengths, labels or None) for each bucketed batch."""
    import torch

    for indices in bucketed_order([len(s) for s in encoded], batch_size, rng):
        ids, lengths = collate([encoded[i] for i in indices], pad_index, multiple)
        targets = None if labels is None else torch.tensor([labels[i] for i in indices], dtype=torch.float32)
        yield indices, ids, lengths, targets
