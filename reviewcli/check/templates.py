"""The suite's tests, generated from templates: each test a capability, a name, and either sentences
with the label a person would give them, or pairs of sentences that must get the same label.

Generation is deterministic: every test draws its sentences with its own random.Random seeded by a
string (SEED and the test's name), and uses only random(), whose sequence Python keeps the same across
versions and machines. See the package docstring: these sentences must never be training data."""

import random
import string
from dataclasses import dataclass
from itertools import product

from reviewcli.check import words as w

SEED = 36
POSITIVE, NEGATIVE = "positive", "negative"
CAPABILITIES = (
    "vocabulary", "intensity", "negation", "contrast", "change of mind", "whose opinion", "questions",
    "robustness", "invariance",
)  # fmt: skip


@dataclass(frozen=True)
class Test:
    """cases: (sentence, expected label); pairs: (sentence, variant) that must be labelled alike."""

    capability: str
    name: str
    cases: tuple[tuple[str, str], ...] = ()
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def n(self) -> int:
        return len(self.cases) or len(self.pairs)

    def sentences(self) -> list[str]:
        return [text for text, _ in self.cases] + [text for pair in self.pairs for text in pair]


def fill(templates, label: str, **slots) -> list[tuple[str, str]]:
    """Every template with every combination of the values of the slots it names, labelled `label`."""
    found = []
    for template in templates:
        names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
        for values in product(*(slots[name] for name in names)):
            found.append((template.format(**dict(zip(names, values))), label))
    return found


def pick(items: list, n: int, name: str) -> list:
    """n of items, the same n every run: drawn with a generator seeded by SEED and the test's name,
    kept in the order generated; duplicates removed first."""
    items = list(dict.fromkeys(items))
    if len(items) <= n:
        return items
    rng = random.Random(f"{SEED}:{name}")
    keys = [rng.random() for _ in items]
    chosen = sorted(sorted(range(len(items)), key=keys.__getitem__)[:n])
    return [items[i] for i in chosen]


def labelled(capability: str, name: str, n: int, *groups: list[tuple[str, str]]) -> Test:
    return Test(capability, name, cases=tuple(pick([case for group in groups for case in group], n, name)))


P, PA, NA = w.ALL_PRODUCTS, w.POSITIVE_ADJECTIVES, w.NEGATIVE_ADJECTIVES


def vocabulary() -> list[Test]:
    adjective = ("This {p} is {a}.", "The {p} was {a}.", "I found the {p} {a}.")
    verb = ("I {v} this {p}.", "We {v} the {p}.")
    phrase = ("This {p} {r}.", "Honestly, the {p} {r}.")
    return [
        labelled("vocabulary", "sentiment adjectives", 150,
                 fill(adjective, POSITIVE, p=P, a=PA), fill(adjective, NEGATIVE, p=P, a=NA)),
        labelled("vocabulary", "sentiment verbs", 100,
                 fill(verb, POSITIVE, p=P, v=w.POSITIVE_VERBS), fill(verb, NEGATIVE, p=P, v=w.NEGATIVE_VERBS)),
        labelled("vocabulary", "sentiment phrases", 100,
                 fill(phrase, POSITIVE, p=P, r=w.POSITIVE_PREDICATES),
                 fill(phrase, NEGATIVE, p=P, r=w.NEGATIVE_PREDICATES)),
    ]  # fmt: skip


def intensity() -> list[Test]:
    strong = ("This {p} is {i} {a}.", "The {p} was {i} {a}.")
    weak = ("This {p} is {d} {a}.", "The {p} felt {d} {a}.")
    return [
        labelled("intensity", "intensifiers", 120,
                 fill(strong, POSITIVE, p=P, i=w.INTENSIFIERS, a=PA), fill(strong, NEGATIVE, p=P, i=w.INTENSIFIERS, a=NA)),
        labelled("intensity", "diminishers", 120,
                 fill(weak, POSITIVE, p=P, d=w.DIMINISHERS, a=w.MILD_POSITIVE),
                 fill(weak, NEGATIVE, p=P, d=w.DIMINISHERS, a=w.MILD_NEGATIVE)),
    ]  # fmt: skip


def negation() -> list[Test]:
    of_positive = ("This {p} is not {a}.", "The {p} isn't {a}.", "The {p} was not {a}.")
    of_positive_verb = ("I don't {v} this {p}.", "I do not {v} the {p}.")
    of_negative = (
        "The {p} is not bad at all.", "I don't regret buying this {p}.", "I was not disappointed by this {p}.",
        "I have no complaints about this {p}.", "This {p} never let me down.",
        "I can't find anything wrong with this {p}.", "Nothing about this {p} disappointed me.",
    )  # fmt: skip
    between = (
        "This {p} is not, in my honest opinion, {a}.", "I don't think this {p} is {a}.",
        "I can't say that the {p} was {a}.", "This {p} is not what I would call {a}.",
        "I would not, after a month of use, call this {p} {a}.",
    )  # fmt: skip
    return [
        labelled("negation", "negated positive", 150,
                 fill(of_positive, NEGATIVE, p=P, a=PA), fill(of_positive_verb, NEGATIVE, p=P, v=w.POSITIVE_VERBS)),
        labelled("negation", "negated negative", 120, fill(of_negative, POSITIVE, p=P)),
        labelled("negation", "negation with words between", 150, fill(between, NEGATIVE, p=P, a=PA)),
    ]  # fmt: skip


def contrast() -> list[Test]:
    packaging_negative = tuple(a for a in NA if a != "useless")
    but_negative = ("I wanted to like this {p}, but it {r}.", "The {p} looks {a}, but it {r}.")
    but_positive = ("I had my doubts about this {p}, but it {r}.", "The box was {b}, but the {p} {r}.")
    although_positive = ("Although the packaging was {b}, the {p} {r}.", "Although the delivery was {b}, I {v} this {p}.")
    although_negative = ("Although the packaging was {a}, the {p} {r}.", "Although the {p} looks {a}, it {r}.")
    return [
        labelled("contrast", "but: the second clause counts", 120,
                 fill(but_negative, NEGATIVE, p=P, a=PA, r=w.NEGATIVE_PREDICATES),
                 fill(but_positive, POSITIVE, p=P, b=packaging_negative, r=w.POSITIVE_PREDICATES)),
        labelled("contrast", "although: the main clause counts", 120,
                 fill(although_positive, POSITIVE, p=P, b=packaging_negative, r=w.POSITIVE_PREDICATES,
                      v=w.POSITIVE_VERBS),
                 fill(although_negative, NEGATIVE, p=P, a=PA, r=w.NEGATIVE_PREDICATES)),
    ]  # fmt: skip


def change_of_mind() -> list[Test]:
    used_positive, used_negative = ("love", "like", "enjoy", "adore"), ("hate", "dislike", "despise")
    used_to = "I used to {old} this {p}, but now I {new} it."
    at_first = ("At first the {p} seemed {old}, but now I think it is {new}.",
                "At first I thought this {p} was {old}; after a month I find it {new}.")  # fmt: skip
    expected = ("I expected this {p} to be {old}, and it turned out {new}.",)
    return [
        labelled("change of mind", "used to, but now", 120,
                 fill([used_to], POSITIVE, p=P, old=used_negative, new=w.POSITIVE_VERBS),
                 fill([used_to], NEGATIVE, p=P, old=used_positive, new=w.NEGATIVE_VERBS)),
        labelled("change of mind", "at first, but now", 120,
                 fill(at_first, POSITIVE, p=P, old=NA, new=PA), fill(at_first, NEGATIVE, p=P, old=PA, new=NA)),
        labelled("change of mind", "expected, turned out", 120,
                 fill(expected, POSITIVE, p=P, old=NA, new=PA), fill(expected, NEGATIVE, p=P, old=PA, new=NA)),
    ]  # fmt: skip


def whose_opinion() -> list[Test]:
    others = "My {o} {past} this {p}, but I found it {a}."
    reviews = ("Other reviews call this {p} {x}; I think it is {a}.",
               "Everyone told me the {p} was {x}, but to me it is {a}.")  # fmt: skip
    return [
        labelled("whose opinion", "someone else's, then mine", 120,
                 fill([others], NEGATIVE, o=w.OTHERS, past=w.POSITIVE_PAST, p=P, a=NA),
                 fill([others], POSITIVE, o=w.OTHERS, past=w.NEGATIVE_PAST, p=P, a=PA)),
        labelled("whose opinion", "what reviews say, then mine", 120,
                 fill(reviews, POSITIVE, p=P, x=NA, a=PA), fill(reviews, NEGATIVE, p=P, x=PA, a=NA)),
    ]  # fmt: skip


def questions() -> list[Test]:
    asked = ("Is this {p} {a}? {answer}", "Was the {p} {a}? {answer}", "Do I think the {p} is {a}? {answer}")
    bad = ("Was the {p} a disappointment? {answer}", "Do I regret buying this {p}? {answer}",
           "Did the {p} let me down? {answer}")  # fmt: skip
    yes, no = ("Yes.", "Yes, definitely."), ("No.", "No, not really.")
    return [
        labelled("questions", "positive question, yes", 80, fill(asked, POSITIVE, p=P, a=PA, answer=yes)),
        labelled("questions", "positive question, no", 80, fill(asked, NEGATIVE, p=P, a=PA, answer=no)),
        labelled("questions", "negative question, yes", 80,
                 fill(asked, NEGATIVE, p=P, a=NA, answer=yes), fill(bad, NEGATIVE, p=P, answer=("Yes.",))),
        labelled("questions", "negative question, no", 80,
                 fill(bad, POSITIVE, p=P, answer=("No.", "No, not at all."))),
    ]  # fmt: skip
