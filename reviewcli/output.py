"""Prediction writers: tsv, csv, jsonl for pipes; a rich table for people at a terminal."""

import csv
import json
import sys
from collections.abc import Iterable

from reviewcli.inputs import Review

FORMATS = ("table", "tsv", "jsonl", "csv")
OUTPUT_KEYS = ("label", "probability")


def label_of(probability: float, threshold: float) -> str:
    return "positive" if probability >= threshold else "negative"


def one_line(text: str) -> str:
    """Tabs and line breaks inside a review would break a tsv row; spaces keep it one row."""
    return " ".join(text.split())


def jsonl_record(review: Review, label: str, probability: float) -> dict:
    """The input's own fields, then ours; an input field named like ours is kept as input_<name>."""
    record = {"text": review.text} if review.fields is None else {}
    for key, value in (review.fields or {}).items():
        record[f"input_{key}" if key in OUTPUT_KEYS else key] = value
    record["label"] = label
    record["probability"] = round(probability, 6)
    return record


class Writer:
    """Writes predictions chunk by chunk so output streams as input arrives."""

    def __init__(self, form: str, threshold: float, stream=None):
        self.form = form
        self.threshold = threshold
        self.stream = stream or sys.stdout
        self.csv = csv.writer(self.stream, lineterminator="\n") if form == "csv" else None
        if self.csv is not None:
            self.csv.writerow(["label", "probability", "text"])

    def write(self, chunk: Iterable[tuple[Review, float]]) -> None:
        rows = [(review, label_of(p, self.threshold), p) for review, p in chunk]
        if self.form == "table":
            self.write_table(rows)
            return
        for review, label, p in rows:
            if self.form == "tsv":
                self.stream.write(f"{label}\t{p:.4f}\t{one_line(review.text)}\n")
            elif self.form == "csv":
                self.csv.writerow([label, f"{p:.4f}", review.text])
            else:
                self.stream.write(json.dumps(jsonl_record(review, label, p), ensure_ascii=False) + "\n")
        self.stream.flush()

    def write_table(self, rows) -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table("label", "P(positive)", "review", show_lines=False)
        for review, label, p in rows:
            colour = "green" if label == "positive" else "red"
            table.add_row(f"[{colour}]{label}[/]", f"{p:.3f}", Text(one_line(review.text)))
        Console(file=self.stream).print(table)
