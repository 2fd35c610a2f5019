"""Prediction records, for the writers in reviewcli.cli.render.predictions and for Spark's rows.

Each review gets `label` (positive or negative), `probability` (of positive) and `score` (of the label
given: the probability for positive, 1 - probability for negative), with 4 decimals in every format. A
review with too few words the model knows, empty ones included, is not scored: its three are empty (null in
JSONL). Input with columns (CSV, TSV, JSONL, JSON, Parquet) keeps them, in their order, before ours.
"""

import json
from dataclasses import dataclass

from reviewcli.io.inputs import Review

OUTPUT_KEYS = ("label", "probability", "score")
DECIMALS = 4
# the columns of plain-text input (arguments, .txt, lines on stdin): the verdict first, as fastText prints it
PLAIN_COLUMNS = (*OUTPUT_KEYS, "text")


@dataclass(frozen=True)
class Prediction:
    label: str | None
    probability: float | None
    score: float | None


def label_of(probability: float, threshold: float) -> str:
    return "positive" if probability >= threshold else "negative"


def prediction(probability: float | None, threshold: float) -> Prediction:
    if probability is None:
        return Prediction(None, None, None)
    label = label_of(probability, threshold)
    return Prediction(label, probability, probability if label == "positive" else 1.0 - probability)


def one_line(text: str) -> str:
    """Tabs and line breaks inside a review would break a tsv row; spaces keep it one row."""
    return " ".join(text.split())


def record_of(review: Review, predicted: Prediction) -> dict:
    """The input's own fields (or its text), then ours; an input field named like ours is kept as input_<name>."""
    record = {"text": review.text} if review.fields is None else {}
    for key, value in (review.fields or {}).items():
        record[f"input_{key}" if key in OUTPUT_KEYS else str(key)] = value
    record["label"] = predicted.label
    record["probability"] = rounded(predicted.probability)
    record["score"] = rounded(predicted.score)
    return record


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def cell(value) -> str:
    """A field as CSV/TSV text: numbers as JSON writes them, nested values as JSON, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return f"{value:.{DECIMALS}f}"
    if isinstance(value, (bool, int, list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)  # dates, decimals, bytes from Parquet


class Unscored:
    """Counts the reviews left unscored, for one note on stderr at the end."""

    SHOWN = 5

    def __init__(self):
        self.seen = 0
        self.empty: list[int] = []
        self.unknown: list[int] = []
        self.missing: list[int] = []  # records without the input's text column
        self.column: str | None = None

    def add(self, texts: list[str], probabilities: list[float | None], missing: list[bool] | None = None) -> None:
        for text, p, lacks in zip(texts, probabilities, missing or [False] * len(texts)):
            self.seen += 1
            if lacks:
                self.missing.append(self.seen)
            elif p is None:
                (self.unknown if text.strip() else self.empty).append(self.seen)

    def note(self) -> str | None:
        count = len(self.empty) + len(self.unknown) + len(self.missing)
        if not count:
            return None
        without = f"without the column '{self.column}'" if self.column else "without the text column"
        found = (("empty", self.empty), ("with too few words the model knows", self.unknown), (without, self.missing))
        kinds = [f"{len(rows)} {kind} ({where(rows, self.SHOWN)})" for kind, rows in found if rows]
        return (
            f"Note: {count} of {self.seen:,} reviews not scored, their label, probability and score left "
            f"empty: {', '.join(kinds)}."
        )


def where(rows: list[int], shown: int) -> str:
    more = f" and {len(rows) - shown:,} more" if len(rows) > shown else ""
    return ("review " if len(rows) == 1 else "reviews ") + ", ".join(map(str, rows[:shown])) + more
