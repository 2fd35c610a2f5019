"""A bag of words and word pairs beside the recurrent encoder: a linear score added to the logit.

A review's features are its token ids (each vocabulary word a weight of its own, <unk> included)
and every pair of neighbouring ids, hashed into `buckets` weights after the vocabulary's. Its
score is SCALE times the sum of its features' weights over the square root of their count
(2 * length - 1), so that a long review does not outweigh the encoder by its length alone. The
weights start at zero and are trained with the rest of the model, through its forward, by the
same loop; at zero the model is the encoder alone.

Why: on small sets a linear model of word pairs is hard to beat (TF-IDF + LR beat reviewcli on
amazon-multidomain), and it remembers phrases that an encoder pretrained to predict words reads
as neutral. Wide & Deep (Cheng et al. 2016) joins the two the same way. Measured on validation
(seeds 13 and 14, against the encoder alone): CR 84.4 against 82.9, MR 82.4 against 82.1, SST-2
84.1 against 83.3 (bench/validation.py; rows in bench/results/validation.jsonl).

Pairs are hashed from vocabulary ids, not strings: the features of a batch come from the ids
the model reads, on whatever device it runs, and a model's vocabulary never changes.
"""

import torch
from torch import nn

PAIR_MULTIPLIER = 1_000_003  # a prime above any vocabulary: (a, b) and (b, a) fall apart
# Under Adam each weight moves about the learning rate a step whatever its gradient's size, so
# scaling the score by 10 makes the bag learn 10 times as fast as the encoder: a linear model of
# sparse features wants that. 1 and 10 were measured on CR validation: 84.05 and 86.38 (seed 13).
SCALE = 10.0


class BagOfNgrams(nn.Module):
    def __init__(self, vocab_size: int, buckets: int, pad_index: int, initialise: bool = True):
        """initialise=False: rows left unset, for weights about to be loaded."""
        super().__init__()
        self.vocab_size = vocab_size
        self.buckets = buckets
        self.pad_index = pad_index
        unset = None if initialise else torch.empty(vocab_size + buckets, 1)
        self.rows = nn.Embedding(vocab_size + buckets, 1, padding_idx=pad_index, _weight=unset)
        if initialise:
            with torch.no_grad():
                self.rows.weight.zero_()

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (B, T) padded with pad_index, lengths (B,) all >= 1 -> scores (B,)."""
        words, pairs = self.weights(ids)
        total = words.sum(dim=1) + pairs.sum(dim=1)
        return total * self.norm(lengths.to(total.device), total.dtype)

    def shares(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(B, T) each token's part of the score: its own weight and half of each pair it is in
        (a linear score splits exactly); they add up to forward's, 0 at padding."""
        words, pairs = self.weights(ids)
        halves = pairs / 2  # (B, T - 1): to the pair's first word, and to its second
        parts = words + nn.functional.pad(halves, (0, 1)) + nn.functional.pad(halves, (1, 0))
        return parts * self.norm(lengths.to(parts.device), parts.dtype).unsqueeze(1)

    def weights(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T) weights of the words and (B, T - 1) of the pairs; 0 at padding."""
        return self.rows(ids).squeeze(-1), self.rows(self.pair_ids(ids)).squeeze(-1)

    def pair_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, T) -> (B, T - 1) feature rows of the neighbouring pairs; pad_index where a pair
        reaches into padding."""
        first, second = ids[:, :-1], ids[:, 1:]
        hashed = self.vocab_size + (first * PAIR_MULTIPLIER + second) % self.buckets
        padding = (first == self.pad_index) | (second == self.pad_index)
        return hashed.masked_fill(padding, self.pad_index)

    def norm(self, lengths: torch.Tensor, dtype) -> torch.Tensor:
        """(B,) SCALE / sqrt(features): T words and T - 1 pairs."""
        return SCALE / (2 * lengths - 1).clamp(min=1).to(dtype).sqrt()
