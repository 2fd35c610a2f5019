"""Which words decided: integrated gradients on the word vectors, and occlusion with <unk>.

Both explain f, the model's logit of `positive` (log-odds; sigmoid(f) is P(positive)). A positive
score means the word pushed the review towards positive.

Integrated gradients (Sundararajan et al. 2017): the path from a baseline review, the padding
vector at every step (what the model reads as "nothing"), straight to the review's own word
vectors; each word's score is its vector's difference from the baseline times the mean gradient
along the path, summed over dimensions. The scores add up to f(x) - f(baseline) ("completeness")
as the number of steps grows; steps double until the gap is within 1 % of max(1, |f(x) - f(baseline)|).
A model's bag of n-grams (reviewcli.model.ngrams) is linear: each word gets its exact share of that score
on top, and the baseline has no n-grams, so the scores still add up to f(x) - f(baseline).
"""

from dataclasses import dataclass

FIRST_STEPS = 16
MAX_STEPS = 1024
TOLERANCE = 0.01
CHUNK_TOKENS = 16384  # path points (or occluded copies) per batch, times review length


@dataclass
class Integrated:
    scores: list[float]  # one per time step the model read
    completeness_error: float  # |sum(scores) - (f(x) - f(baseline))|
    logit: float  # f(x)
    baseline_logit: float
    steps: int


def integrated_gradients(model, ids: list[int], *, device=None, first_steps: int = FIRST_STEPS) -> Integrated:
    """Scores of one encoded review (the ids the model reads, all real: no padding)."""
    import torch

    model.eval()
    device = device or next(model.parameters()).device
    ids_row = torch.tensor([ids], dtype=torch.long, device=device)  # (1, T)
    with torch.no_grad():
        words = model.embed(ids_row)  # (T, 1, E)
        baseline = model.embedding.weight[model.config.pad_index].expand_as(words)
    shares = ngram_shares(model, ids_row)
    steps = first_steps
    while True:
        scores, logit, baseline_logit = path_scores(model, ids_row, words, baseline, steps)
        scores = [score + share for score, share in zip(scores, shares)]
        baseline_logit -= sum(shares)  # the path's ends both had the bag's score; the baseline has none
        error = abs(sum(scores) - (logit - baseline_logit))
        if error <= TOLERANCE * max(1.0, abs(logit - baseline_logit)) or steps >= MAX_STEPS:
            return Integrated(scores, error, logit, baseline_logit, steps)
        steps *= 2


def ngram_shares(model, ids_row) -> list[float]:
    """Each word's share of the model's bag of n-grams score (all 0 for a model without one)."""
    import torch

    if model.ngrams is None:
        return [0.0] * ids_row.size(1)
    with torch.no_grad():
        return model.ngrams.shares(ids_row, torch.tensor([ids_row.size(1)]))[0].tolist()


def path_scores(model, ids_row, words, baseline, steps: int) -> tuple[list[float], float, float]:
    """Midpoint rule over `steps` points of the straight path -> (scores, f(x), f(baseline)).

    The points run as a batch through the model's own forward with perturbation
    (alpha - 1)(x - baseline), so it reads baseline + alpha (x - baseline); the two ends (alpha 1
    and 0) ride along in the first batch, and batches stay near CHUNK_TOKENS tokens."""
    import torch

    midpoints = (torch.arange(steps, dtype=words.dtype, device=words.device) + 0.5) / steps  # (S,)
    alphas = torch.cat([torch.tensor([1.0, 0.0], dtype=words.dtype, device=words.device), midpoints])
    difference = words - baseline  # (T, 1, E)
    length = ids_row.size(1)
    total = torch.zeros_like(difference[:, 0])  # (T, E): the gradient summed over path points
    ends = None
    for chunk in alphas.split(max(3, CHUNK_TOKENS // length)):
        perturbation = ((chunk - 1).view(1, -1, 1) * difference).requires_grad_()  # (T, S', E)
        rows = len(chunk)
        logits = model(ids_row.expand(rows, -1), torch.tensor([length] * rows), perturbation=perturbation)
        first = ends is None
        if first:
            ends = logits[:2].tolist()
        path = logits[2:] if first else logits  # each row depends on its own perturbation only
        (gradient,) = torch.autograd.grad(path.sum(), perturbation)  # (T, S', E)
        total += gradient.sum(dim=1)
    scores = (total / steps * difference[:, 0]).sum(dim=-1).tolist()  # (T,)
    return scores, ends[0], ends[1]


def occlusion(model, ids: list[int], unk_index: int, *, device=None) -> list[float]:
    """f(x) - f(x with word t replaced by <unk>), for every time step t; 0 for a word already <unk>."""
    import torch

    model.eval()
    device = device or next(model.parameters()).device
    length = len(ids)
    review = torch.tensor([ids], dtype=torch.long, device=device)  # (1, T)
    scores = []
    with torch.no_grad():
        logit = model(review, torch.tensor([length])).item()
        for steps in torch.arange(length, device=device).split(max(1, CHUNK_TOKENS // length)):
            batch = review.repeat(len(steps), 1)  # (S', T), row k hides word steps[k]
            batch[torch.arange(len(steps), device=device), steps] = unk_index
            scores += (logit - model(batch, torch.tensor([length] * len(steps)))).tolist()
    # batches of other sizes may round differently; an unchanged review changes nothing
    return [0.0 if word == unk_index else score for word, score in zip(ids, scores)]
