"""Is one cell better than another on the same test reviews? Paired bootstrap, exact McNemar, Holm, a verdict.

Pure functions on per-review correctness: `correct[seed][i]` is 1 when that seed's model got test
review i right. numpy only for the bootstrap draws.
"""

import math
from dataclasses import dataclass

ALPHA = 0.05
RESAMPLES = 2000


def mcnemar(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value from the discordant counts: b reviews only the first model got
    right, c only the second. Under no difference each discordant review is a fair coin."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


def discordant(first: list[int], second: list[int]) -> tuple[int, int]:
    """(b, c): reviews only `first` got right, reviews only `second` got right."""
    b = sum(1 for x, y in zip(first, second) if x and not y)
    c = sum(1 for x, y in zip(first, second) if y and not x)
    return b, c


def bootstrap(first: list[list[int]], second: list[list[int]], *, seed: int, resamples: int = RESAMPLES):
    """-> (low, high, p): the 95 % percentile interval of mean accuracy(first) - mean accuracy(second), both lists of seeds
    (the same seeds, in the same order) scored on the same reviews. Each draw resamples the reviews
    and, with several seeds, the seeds, both paired: seed k of one cell goes with seed k of the
    other, as review i does with review i. So the interval holds the spread that retraining with
    other seeds brings as well as the spread of a finite test set, and is [0, 0] for identical models."""
    import numpy as np

    rng = np.random.default_rng(seed)
    gap = np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64)  # (seeds, reviews)
    n = gap.shape[1]
    differences = np.empty(resamples)
    for start in range(0, resamples, 100):  # 100 draws at a time bound the (draws, reviews) arrays
        draws = min(100, resamples - start)
        rows = mean_of_seeds(gap, rng, draws)  # (draws, reviews)
        picked = rng.integers(0, n, size=(draws, n))
        differences[start : start + draws] = np.take_along_axis(rows, picked, axis=1).mean(axis=1)
    low, high = np.percentile(differences, [2.5, 97.5])
    # two-sided: twice the share of draws on the far side of 0 (all draws 0: p = 1)
    p = min(1.0, 2 * min(np.mean(differences <= 0), np.mean(differences >= 0)))
    return float(low), float(high), float(p)


def mean_of_seeds(values, rng, draws: int):
    """(seeds, reviews) -> (draws, reviews): per draw, the mean over seeds resampled with
    replacement; one seed is taken as it is."""
    import numpy as np

    seeds = values.shape[0]
    if seeds == 1:
        return np.repeat(values, draws, axis=0)
    chosen = rng.integers(0, seeds, size=(draws, seeds))
    weights = np.zeros((draws, seeds))
    np.add.at(weights, (np.arange(draws)[:, None], chosen), 1.0 / seeds)
    return weights @ values


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass
class Pair:
    first: str
    second: str
    difference: float  # mean accuracy of first minus second, in [-1, 1]
    interval: tuple[float, float]
    b: int
    c: int
    p: float  # exact McNemar
    p_bootstrap: float = 1.0
    p_holm: float = 1.0  # Holm over the pairs of max(p, p_bootstrap)

    @property
    def significant(self) -> bool:
        """The rule of a win: the interval excludes 0 and the corrected p is below 0.05."""
        low, high = self.interval
        return (low > 0 or high < 0) and self.p_holm < ALPHA

    def to_dict(self) -> dict:
        return {
            "cells": [self.first, self.second], "difference": self.difference, "ci95": list(self.interval),
            "mcnemar": {"b": self.b, "c": self.c, "p": self.p}, "p_bootstrap": self.p_bootstrap, "p_holm": self.p_holm,
            "significant": self.significant,
        }  # fmt: skip


def ensemble_correct(labels: list[int], probabilities: list[list[float]]) -> list[int]:
    """Per review, whether the mean of the seeds' probabilities is on the right side of 0.5: the
    cell's one vote for McNemar (ties between seeds need no rule)."""
    seeds = len(probabilities)
    return [int((sum(column) / seeds >= 0.5) == bool(y)) for y, column in zip(labels, zip(*probabilities))]


def compare_pair(first: str, second: str, correct: dict, votes: dict, *, seed: int) -> Pair:
    a, b = correct[first], correct[second]
    difference = mean(a) - mean(b)
    low, high, p_bootstrap = bootstrap(a, b, seed=seed)
    only_a, only_b = discordant(votes[first], votes[second])
    return Pair(first, second, difference, (low, high), only_a, only_b, mcnemar(only_a, only_b), p_bootstrap)


def mean(correct: list[list[int]]) -> float:
    return sum(sum(row) / len(row) for row in correct) / len(correct)


def compare_all(correct: dict, votes: dict | None = None, *, seed: int) -> list[Pair]:
    """Every pair of cells (in the order given), Holm-corrected over the pairs. correct: cell ->
    per-seed correctness; votes: cell -> correctness of its seeds' ensemble (ensemble_correct),
    for McNemar; without votes, the first seed's.

    The p corrected is the larger of McNemar's and the bootstrap's: McNemar judges the trained
    models and cannot see that other seeds would give other models (under no difference between
    the cells it called a third of 3-pair comparisons significant in tests/test_significance.py's
    simulation); the bootstrap resamples seeds but alone is uncorrected over the pairs."""
    votes = votes or {cell: rows[0] for cell, rows in correct.items()}
    cells = list(correct)
    pairs = [compare_pair(x, y, correct, votes, seed=seed) for i, x in enumerate(cells) for y in cells[i + 1 :]]
    for pair, adjusted in zip(pairs, holm([max(p.p, p.p_bootstrap) for p in pairs])):
        pair.p_holm = adjusted
    return pairs


def oriented(pairs: list[Pair], first: str, second: str) -> Pair:
    """The pair of two cells, turned so that `first` comes first."""
    for pair in pairs:
        if (pair.first, pair.second) == (first, second):
            return pair
        if (pair.second, pair.first) == (first, second):
            low, high = pair.interval
            return Pair(
                first, second, -pair.difference, (-high, -low), pair.c, pair.b, pair.p, pair.p_bootstrap, pair.p_holm
            )
    raise KeyError((first, second))


def verdict(accuracy: dict, pairs: list[Pair], costs: dict) -> dict:
    """One sentence with its evidence. accuracy: cell -> mean test accuracy; costs: cell ->
    {"train_seconds", "size_bytes"}. The most accurate cell wins when it beats every other one by
    the rule of Pair.significant; else the fastest to train of those it does not beat is chosen."""
    cells = sorted(accuracy, key=lambda cell: -accuracy[cell])  # stable: ties keep the given order
    leader = cells[0]
    if len(cells) == 1:
        return {"text": f"only {leader} was compared", "winner": None, "choose": leader}
    against = [oriented(pairs, leader, other) for other in cells[1:]]
    if all(pair.significant and pair.difference > 0 for pair in against):
        closest = against[0]
        text = f"{leader} is better than {closest.second} by {evidence(closest)}"
        return {"text": text, "winner": leader, "choose": leader}
    tied = [leader] + [pair.second for pair in against if not (pair.significant and pair.difference > 0)]
    choose = min(tied, key=lambda cell: costs[cell]["train_seconds"])
    other = leader if choose != leader else tied[1]
    ahead = oriented(pairs, leader, other if other != leader else choose)
    names = " and ".join(tied) if len(tied) == 2 else ", ".join(tied[:-1]) + " and " + tied[-1]
    text = (
        f"no significant difference between {names} ({ahead.first} ahead of {ahead.second} by {evidence(ahead)}); "
        f"{cost_comparison(choose, other, costs)}: choose {choose}"
    )
    return {"text": text, "winner": None, "choose": choose}


def evidence(pair: Pair) -> str:
    low, high = pair.interval
    return f"{100 * pair.difference:.1f} points (95 % CI {100 * low:.1f} to {100 * high:.1f}, p = {pair.p_holm:.2g})"


def cost_comparison(choose: str, other: str, costs: dict) -> str:
    mine, theirs = costs[choose], costs[other]
    speed = theirs["train_seconds"] / max(mine["train_seconds"], 1e-9)
    size = 1 - mine["size_bytes"] / max(theirs["size_bytes"], 1)
    sized = f"{100 * size:.0f} % smaller" if size >= 0 else f"{-100 * size:.0f} % larger"
    return f"{choose} trains {speed:.1f}× faster than {other} and is {sized}"
