"""Scoring: a loaded model + vocabulary -> probability of `positive` for each review, in order."""

from reviewcli.batching import batches, encode, truncate
from reviewcli.device import autocast
from reviewcli.text import tokenize


def score(
    model, encoded: list[list[int]], *, batch_size: int, device, bf16: bool | None = None, forward=None
) -> list[float]:
    """P(positive) for already-encoded reviews, returned in input order. forward: what maps (ids,
    lengths) to logits, such as a gate_tables.Reader of the model; the model itself by default."""
    import torch

    model.eval()
    forward = model if forward is None else forward
    probabilities = [0.0] * len(encoded)
    with torch.inference_mode(), autocast(device, bf16):
        # Few distinct batch shapes keep oneDNN's per-shape caches, and so memory, bounded over
        # millions of reviews; padding never changes a result.
        for indices, ids, lengths, _ in batches(encoded, None, batch_size, model.config.pad_index, multiple=8):
            logits = forward(ids.to(device), lengths)
            for i, p in zip(indices, torch.sigmoid(logits.float()).tolist()):
                probabilities[i] = p
    return probabilities


class Predictor:
    """A loaded artifact ready to score raw text."""

    # 64 beat batches of 16-1024 reviews and of 2k-32k tokens for the shipped model on 2 CPU
    # cores (4,000 reviews of bench/speed.py's file): bigger batches of long reviews fall out of cache.
    def __init__(self, model, vocab, *, max_length: int, device, batch_size: int = 64, bf16: bool = False):
        self.model = model.to(device).eval()
        self.vocab = vocab
        self.max_length = max_length
        self.device = device
        self.batch_size = batch_size
        self.bf16 = bf16
        from reviewcli import gate_tables  # imports torch

        self.forward = gate_tables.reader_for(self.model, device, bf16)

    def predict(self, texts: list[str]) -> list[float]:
        encoded = [encode(text, self.vocab, self.max_length) for text in texts]
        return self.score(encoded)

    def predict_known(self, texts: list[str]) -> list[float | None]:
        """P(positive), or None for a review with no word the vocabulary knows (empty ones included):
        such a review would be scored on the unknown token alone, the same answer whatever it says."""
        ids = [self.vocab.encode(tokenize(text)) for text in texts]
        known = [i for i, review in enumerate(ids) if any(token != self.vocab.unk_index for token in review)]
        encoded = [truncate(ids[i], self.max_length) for i in known]
        probabilities: list[float | None] = [None] * len(texts)
        scored = self.score(encoded)
        for i, p in zip(known, scored):
            probabilities[i] = p
        return probabilities

    def score(self, encoded: list[list[int]]) -> list[float]:
        return score(
            self.model, encoded, batch_size=self.batch_size, device=self.device, bf16=self.bf16, forward=self.forward
        )
