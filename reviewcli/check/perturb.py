"""Robustness and invariance tests: the suite's own sentences changed in ways that must not change
their label (typos, punctuation, contractions, case; a brand, another product, a neutral sentence).
Every change is drawn with a generator seeded by the test's name (see templates.pick)."""

import random
import re

from reviewcli.check import words as w
from reviewcli.check.templates import SEED, Test, labelled

# longest first, so "pair of boots" is found before any shorter name inside it
PRODUCT_PATTERN = re.compile(r"\b(" + "|".join(sorted(map(re.escape, w.ALL_PRODUCTS), key=len, reverse=True)) + r")\b")
CATEGORY = {name: group for group in w.PRODUCTS.values() for name in group}
CONTRACTIONS = {"is not": "isn't", "was not": "wasn't", "do not": "don't", "would not": "wouldn't",
                "can not": "can't", "I have": "I've", "it is": "it's"}  # fmt: skip
EXPANSIONS = {short: long for long, short in CONTRACTIONS.items()} | {"can't": "cannot"}


def rng_for(name: str) -> random.Random:
    return random.Random(f"{SEED}:{name}:change")


def typo(text: str, rng: random.Random) -> str:
    """Two neighbouring letters of one word of four letters or more swapped (a word whose swap changes it)."""
    spans = [m.span() for m in re.finditer(r"[A-Za-z]{4,}", text)]
    start, end = spans[int(rng.random() * len(spans))]
    for _ in range(4):  # "coffee": swapping the two f's changes nothing; try another place
        at = start + int(rng.random() * (end - start - 1))
        if text[at] != text[at + 1]:
            return text[:at] + text[at + 1] + text[at] + text[at + 2:]
    return text


def punctuation(text: str, rng: random.Random) -> str:
    changes = (
        lambda t: t.rstrip(".!?"),
        lambda t: t[:-1] + "!" if t.endswith(".") else t + "!",
        lambda t: t[:-1] + "..." if t.endswith(".") else t + "...",
        lambda t: t.replace(",", "").replace(";", ""),
    )  # fmt: skip
    return changes[int(rng.random() * len(changes))](text)


def contraction(text: str) -> str:
    """Contracted where the sentence spells a form out, else spelled out where it contracts one."""
    table = CONTRACTIONS if any(re.search(rf"\b{k}\b", text) for k in CONTRACTIONS) else EXPANSIONS
    for long, short in table.items():
        text = re.sub(rf"\b{re.escape(long)}(?!\w)", short, text)
    return text


def case(text: str, rng: random.Random) -> str:
    return text.upper() if rng.random() < 0.5 else text.lower()


def robustness(base: list[tuple[str, str]]) -> list[Test]:
    """base: clean sentences with their labels; each changed sentence keeps its clean label."""

    def changed(name: str, change) -> list[tuple[str, str]]:
        rng = rng_for(name)
        found = [(change(text, rng), label) for text, label in base]
        return [(new, label) for (new, label), (old, _) in zip(found, base) if new != old]

    def twice(text, rng):
        return typo(typo(text, rng), rng)

    return [
        labelled("robustness", "one typo", 120, changed("one typo", typo)),
        labelled("robustness", "two typos", 120, changed("two typos", twice)),
        labelled("robustness", "punctuation", 120, changed("punctuation", punctuation)),
        labelled("robustness", "contractions", 120, changed("contractions", lambda text, rng: contraction(text))),
        labelled("robustness", "upper or lower case", 120, changed("upper or lower case", case)),
    ]


def branded(text: str, rng: random.Random) -> str:
    brand = w.BRANDS[int(rng.random() * len(w.BRANDS))]
    return PRODUCT_PATTERN.sub(lambda m: f"{brand} {m.group(1)}", text, count=1)


def other_product(text: str, rng: random.Random) -> str:
    def swap(match):
        others = [p for p in CATEGORY[match.group(1)] if p != match.group(1)]
        return others[int(rng.random() * len(others))]

    return PRODUCT_PATTERN.sub(swap, text, count=1)


def with_clause(text: str, rng: random.Random) -> str:
    clause = w.NEUTRAL_CLAUSES[int(rng.random() * len(w.NEUTRAL_CLAUSES))]
    return f"{text} {clause}" if rng.random() < 0.5 else f"{clause} {text}"


def invariance(base: list[str]) -> list[Test]:
    """base: sentences whatever their label; each variant must get the original's predicted label."""

    def pairs(name: str, change) -> Test:
        rng = rng_for(name)
        chosen = labelled("invariance", name, 120, [(text, "") for text in base]).cases
        return Test("invariance", name, pairs=tuple((text, change(text, rng)) for text, _ in chosen))

    return [
        pairs("a brand name", branded),
        pairs("another product of its kind", other_product),
        pairs("a neutral sentence added", with_clause),
    ]
