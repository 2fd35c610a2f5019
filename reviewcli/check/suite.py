"""The whole suite: every test built, scored with one call of a predict function, and summarised.
Library code only: returns data, prints nothing."""

import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from reviewcli.check import perturb, templates
from reviewcli.check.templates import CAPABILITIES, NEGATIVE, POSITIVE, Test
from reviewcli.core.errors import OutputError
from reviewcli.core.version import __version__
from reviewcli.io.files import write_json
from reviewcli.store.artifacts import shipped_model_dir
from reviewcli.store.info import CHECK_FILE

EXAMPLES = 3  # failing examples kept per test


def build() -> list[Test]:
    """Every test, in the order of CAPABILITIES; the same sentences on every run and machine."""
    tests = [
        *templates.vocabulary(), *templates.intensity(), *templates.negation(), *templates.contrast(),
        *templates.change_of_mind(), *templates.whose_opinion(), *templates.questions(),
    ]  # fmt: skip
    by_name = {test.name: test for test in tests}
    clean = [case for name in ("sentiment adjectives", "sentiment verbs", "sentiment phrases", "intensifiers",
                               "negated positive", "negated negative") for case in by_name[name].cases]  # fmt: skip
    varied = [text for test in tests if test.capability in ("vocabulary", "negation", "contrast", "change of mind")
              for text, _ in test.cases]  # fmt: skip
    return tests + perturb.robustness(clean) + perturb.invariance(varied)


def label_of(p: float, threshold: float) -> str:
    return POSITIVE if p >= threshold else NEGATIVE


def run(tests: list[Test], predict: Callable[[list[str]], list[float]], threshold: float = 0.5) -> dict:
    """predict: sentences -> P(positive), called once with every sentence of the suite. -> the result:
    per test its n, failures, failure rate and a few failing examples; per capability and overall the
    failures over all their tests' cases (pooled)."""
    sentences = list(dict.fromkeys(text for test in tests for text in test.sentences()))
    scores = dict(zip(sentences, predict(sentences)))
    rows = [scored(test, scores, threshold) for test in tests]
    capabilities = {}
    for capability in CAPABILITIES:
        mine = [row for row in rows if row["capability"] == capability]
        capabilities[capability] = rate(sum(r["failures"] for r in mine), sum(r["n"] for r in mine))
    return {
        "sentences": len(sentences),
        "threshold": threshold,
        "failure_rate": rate(sum(r["failures"] for r in rows), sum(r["n"] for r in rows)),
        "capabilities": capabilities,
        "tests": rows,
    }


def scored(test: Test, scores: dict[str, float], threshold: float) -> dict:
    failing = []
    for text, expected in test.cases:
        if label_of(scores[text], threshold) != expected:
            failing.append({"text": text, "expected": expected, "p_positive": round(scores[text], 4)})
    for text, variant in test.pairs:
        if label_of(scores[text], threshold) != label_of(scores[variant], threshold):
            failing.append({"text": text, "p_positive": round(scores[text], 4),
                            "variant": variant, "variant_p_positive": round(scores[variant], 4)})  # fmt: skip
    return {
        "capability": test.capability,
        "test": test.name,
        "kind": "same label" if test.pairs else "expected label",
        "n": test.n,
        "failures": len(failing),
        "failure_rate": rate(len(failing), test.n),
        "examples": failing[:EXAMPLES],
    }


def rate(failures: int, n: int) -> float:
    return round(failures / n, 4) if n else 0.0


def summary(result: dict) -> dict:
    """What check.json keeps of a result: the rates, when, by which version, on how many sentences."""
    return {
        "failure_rate": result["failure_rate"],
        "capabilities": result["capabilities"],
        "sentences": result["sentences"],
        "tests": len(result["tests"]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "reviewcli": __version__,
    }


def save(directory: Path, result: dict, when: bool | None) -> Path | None:
    """Write the result's summary to DIR/check.json (atomically) for `reviewcli info`. when: True
    always (an error if the folder is not writable), False never, None where the folder is writable
    and is not the shipped model (which changes only with a new release). -> the file, or None."""
    directory = Path(directory)
    if when is False:
        return None
    if when is None and (not os.access(directory, os.W_OK) or directory.resolve() == shipped_model_dir().resolve()):
        return None
    if not os.access(directory, os.W_OK):
        raise OutputError(f"{directory}: not writable, so check.json cannot be saved there. Leave out --save.")
    path = directory / CHECK_FILE
    write_json(path, summary(result))
    return path
