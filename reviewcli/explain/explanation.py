"""One review explained: its tokens with spans in the original text, which of them the model read
(long reviews lose their middle to max_length), attributions, and optionally the gates per token."""

from dataclasses import dataclass

from reviewcli.core.config import DEFAULT_THRESHOLD, EXPLAIN_METHODS
from reviewcli.core.spans import Token, token_spans
from reviewcli.explain.attribution import integrated_gradients, occlusion
from reviewcli.inference.batching import encode_tokens, truncate

METHODS = EXPLAIN_METHODS


@dataclass
class Explained:
    """Scores are in the logit of `positive`; None for a token the model never read."""

    text: str
    probability: float
    method: str
    completeness_error: float | None  # integrated gradients only
    tokens: list[Token]
    attribution: list[float | None]  # by `method`
    occlusion: list[float | None]
    gates: list[dict | None] | None = None  # per token: gates.summarise's entry; None without --gates
    cell: str = "gru"
    steps: int = 0  # integrated-gradient path points used
    threshold: float = DEFAULT_THRESHOLD  # P(positive) at or above which the label is positive
    judged: bool = True  # False: too few words the model knows; predict leaves such a review unscored
    max_length: int = 0  # tokens the model reads of a review; a longer one loses its middle

    @property
    def label(self) -> str:
        return "positive" if self.probability >= self.threshold else "negative"

    def seen(self, i: int) -> bool:
        return self.attribution[i] is not None

    @property
    def unread(self) -> int:
        """Tokens the model did not read: the middle of a review longer than max_length."""
        return sum(score is None for score in self.attribution)

    def to_dict(self, with_gates: bool = True) -> dict:
        """The JSON record: text, label, probability, method, completeness_error, tokens (with
        their gates when computed and with_gates)."""
        tokens = []
        for i, token in enumerate(self.tokens):
            entry = {"text": token.text, "start": token.start, "end": token.end,
                     "attribution": rounded(self.attribution[i]), "occlusion": rounded(self.occlusion[i])}  # fmt: skip
            if self.gates is not None and with_gates:
                entry["gates"] = self.gates[i]
            tokens.append(entry)
        error = None if self.completeness_error is None else round(self.completeness_error, 6)
        return {"text": self.text, "label": self.label, "probability": round(self.probability, 6),
                "method": self.method, "completeness_error": error, "tokens": tokens}  # fmt: skip


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def read_steps(count: int, max_length: int) -> list[int]:
    """Indices of the tokens the model reads, in order: batching.truncate's own choice."""
    return truncate(list(range(count)), max_length)


def explain(
    model, vocab, text: str, *, max_length: int, method: str = "ig", gates: bool = False,
    threshold: float = DEFAULT_THRESHOLD, strip_markup: bool = False,
) -> Explained:  # fmt: skip
    """Attributions (and gates) of one review under a loaded SentimentModel. strip_markup: read the
    text with its markup taken out, as predict does; spans still point into `text` as written."""
    import math

    tokens = token_spans(text, strip_markup=strip_markup)
    ids = encode_tokens([t.text for t in tokens], vocab, max_length)  # what predict feeds the model
    steps = read_steps(len(tokens), max_length)  # steps[k]: the token read at time step k
    occluded = occlusion(model, ids, vocab.unk_index)
    if method == "ig":
        found = integrated_gradients(model, ids)
        scores, error, logit, points = found.scores, found.completeness_error, found.logit, found.steps
    else:
        scores, error, logit, points = occluded, None, full_logit(model, ids), 0
    explained = Explained(
        text, 1 / (1 + math.exp(-logit)), method, error, tokens, spread(scores, steps, len(tokens)),
        spread(occluded, steps, len(tokens)), cell=model.config.cell, steps=points, threshold=threshold,
        max_length=max_length,
    )  # fmt: skip
    if gates and model.config.cell != "rnn":
        explained.gates = spread(gate_summary(model, ids), steps, len(tokens))
    return explained


def spread(per_step: list, steps: list[int], count: int) -> list:
    """Values per time step -> values per token, None where the model read no such token."""
    per_token = [None] * count
    for step, token in enumerate(steps):
        per_token[token] = per_step[step]
    return per_token


def device_of(model):
    return next(model.parameters()).device


def full_logit(model, ids: list[int]) -> float:
    import torch

    with torch.no_grad():
        return model(torch.tensor([ids], device=device_of(model)), torch.tensor([len(ids)])).item()


def gate_summary(model, ids: list[int]) -> list[dict]:
    import torch

    from reviewcli.model.gates import replay, summarise

    with torch.no_grad():
        words = model.embed(torch.tensor([ids], device=device_of(model)))  # (T, 1, E)
    replayed = replay(model.encoder, model.config.cell, words, torch.tensor([len(ids)]))
    return summarise(replayed, 0, len(ids))
