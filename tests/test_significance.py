"""The statistics of `compare`: McNemar by hand, the bootstrap's edge cases, Holm, the verdict rule under the null."""

import math
import random

import pytest

from reviewcli.compare.significance import (
    Pair,
    bootstrap,
    compare_all,
    ensemble_correct,
    holm,
    mcnemar,
    oriented,
    verdict,
)  # fmt: skip


def test_mcnemar_hand_worked():
    # 12 discordant reviews, 2 or fewer going one way: (1 + 12 + 66) / 2^12, twice for two sides
    assert mcnemar(10, 2) == pytest.approx(2 * 79 / 4096)
    assert mcnemar(10, 2) == pytest.approx(0.0386, abs=1e-4)
    assert mcnemar(2, 10) == mcnemar(10, 2)


def test_mcnemar_no_discordant_reviews_or_even_split():
    assert mcnemar(0, 0) == 1.0
    assert mcnemar(5, 5) == 1.0


def test_identical_predictions_give_zero_interval_and_p_one():
    rng = random.Random(1)
    seeds = [[rng.randint(0, 1) for _ in range(200)] for _ in range(3)]
    (pair,) = compare_all({"gru": seeds, "lstm": [list(row) for row in seeds]}, seed=0)
    assert pair.interval == (0.0, 0.0)
    assert (pair.b, pair.c, pair.p, pair.p_bootstrap, pair.p_holm) == (0, 0, 1.0, 1.0, 1.0)
    assert not pair.significant


def planted(accuracy: float, n: int, seeds: int, rng: random.Random) -> list[list[int]]:
    return [[int(rng.random() < accuracy) for _ in range(n)] for _ in range(seeds)]


def test_planted_better_model_is_significant_and_wins():
    rng = random.Random(2)
    correct = {"gru": planted(0.70, 400, 3, rng), "lstm": planted(0.85, 400, 3, rng)}
    (pair,) = compare_all(correct, seed=0)
    low, high = pair.interval
    assert high < 0  # gru minus lstm
    assert low < pair.difference < high
    assert pair.significant
    costs = {"gru": {"train_seconds": 1.0, "size_bytes": 10}, "lstm": {"train_seconds": 2.0, "size_bytes": 20}}
    accuracy = {"gru": 0.70, "lstm": 0.85}
    found = verdict(accuracy, compare_all(correct, seed=0), costs)
    assert found["winner"] == "lstm"
    assert found["text"].startswith("lstm is better than gru by ")


def test_bootstrap_interval_covers_the_difference_and_is_seeded():
    rng = random.Random(3)
    a, b = planted(0.8, 300, 1, rng), planted(0.75, 300, 1, rng)
    low, high, p = bootstrap(a, b, seed=5)
    assert (low, high, p) == bootstrap(a, b, seed=5)
    difference = sum(a[0]) / 300 - sum(b[0]) / 300
    assert low < difference < high
    assert 0 < p <= 1


def test_holm_by_hand():
    # sorted 0.01, 0.02, 0.04 -> 0.03, 0.04, 0.04 (monotone), back in the input order
    assert holm([0.04, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_ensemble_votes_with_the_mean_probability():
    # review 1: 0.9 and 0.2 average 0.55 -> positive, right; review 2: 0.4 and 0.55 -> negative, wrong
    assert ensemble_correct([1, 1, 0], [[0.9, 0.4, 0.1], [0.2, 0.55, 0.3]]) == [1, 0, 1]


def test_oriented_turns_a_pair_around():
    pair = Pair("gru", "lstm", 0.02, (-0.01, 0.05), 7, 3, 0.3, 0.2, 0.6)
    turned = oriented([pair], "lstm", "gru")
    assert (turned.difference, turned.interval, turned.b, turned.c) == (-0.02, (-0.05, 0.01), 3, 7)


def test_no_significant_difference_chooses_the_faster_cell():
    pair = Pair("gru", "lstm", -0.004, (-0.02, 0.012), 10, 12, 0.83, 0.5, 0.83)
    costs = {"gru": {"train_seconds": 10.0, "size_bytes": 75}, "lstm": {"train_seconds": 14.0, "size_bytes": 100}}
    found = verdict({"gru": 0.80, "lstm": 0.804}, [pair], costs)
    assert found == {
        "text": "no significant difference between lstm and gru (lstm ahead of gru by 0.4 points (95 % CI -1.2 to 2.0, "
        "p = 0.83)); gru trains 1.4× faster than lstm and is 25 % smaller: choose gru",
        "winner": None,
        "choose": "gru",
    }


def seeds_of_one_model(difficulty: list[float], seeds: int, rng: random.Random) -> list[list[float]]:
    """Probabilities of the right class (every label positive here) from seeds of one training
    recipe: each seed's model is a little better or worse overall (a shift of its logits) and
    scatters around each review's difficulty."""
    rows = []
    for _ in range(seeds):
        shift = rng.gauss(0, 0.15)
        rows.append([1 / (1 + math.exp(-(math.log(p / (1 - p)) + shift + rng.gauss(0, 1)))) for p in difficulty])
    return rows


@pytest.mark.slow
def test_null_simulation_calls_significant_in_about_five_percent_at_most():
    """Same model, different seeds: the whole rule (interval and Holm-corrected p, three cells) calls
    some pair significant in at most about 5 % of draws, where McNemar alone, blind to the seeds'
    spread, would in far more: the simulation is hard enough for the rule to fail."""
    rng = random.Random(4)
    draws, significant, mcnemar_alone = 150, 0, 0
    labels = [1] * 250
    for draw in range(draws):
        difficulty = [min(0.98, max(0.02, rng.betavariate(4, 1.5))) for _ in range(250)]
        probabilities = {cell: seeds_of_one_model(difficulty, 3, rng) for cell in ("gru", "lstm", "rnn")}
        correct = {cell: [[int(p >= 0.5) for p in row] for row in rows] for cell, rows in probabilities.items()}
        votes = {cell: ensemble_correct(labels, rows) for cell, rows in probabilities.items()}
        pairs = compare_all(correct, votes, seed=draw)
        significant += any(pair.significant for pair in pairs)
        mcnemar_alone += any(pair.p < 0.05 for pair in pairs)
    assert significant / draws <= 0.07
    assert mcnemar_alone / draws > 0.15
