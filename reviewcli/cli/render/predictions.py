"""predict's output, chunk by chunk as reviews are scored: a rich table for people at a terminal;
tsv, csv, jsonl or one json array for programs. The records come from reviewcli.io.output."""

import csv
import json
from collections.abc import Iterable

from reviewcli.io.inputs import Review
from reviewcli.io.output import DECIMALS, PLAIN_COLUMNS, Prediction, cell, one_line, record_of

FORMATS = ("table", "tsv", "csv", "jsonl", "json")


class PredictionWriter:
    """Writes (review, prediction) chunks to `stream` so output streams as input arrives. CSV and TSV
    take their columns from the first review (input columns, then label, probability, score); TSV has
    a header line only with `header`. A table keeps its column widths, so chunks read as one table.
    json is one array of the jsonl records: call close() to end it."""

    def __init__(self, form: str, stream, *, header: bool = False):
        self.form = form
        self.stream = stream
        self.header = header or form == "csv"
        self.columns: list[str] | None = None
        self.records = 0
        self.csv = csv.writer(self.stream, lineterminator="\n") if form == "csv" else None

    def write(self, chunk: Iterable[tuple[Review, Prediction]]) -> None:
        rows = list(chunk)
        if not rows:
            return
        if self.form == "table":
            self.write_table(rows)
        elif self.form in ("jsonl", "json"):
            self.write_json(rows)
        else:
            self.write_rows([record_of(review, predicted) for review, predicted in rows], plain=rows[0][0].fields is None)
        self.stream.flush()

    def close(self) -> None:
        if self.form == "json":
            self.stream.write("[]\n" if self.records == 0 else "\n]\n")
            self.stream.flush()

    def write_json(self, rows) -> None:
        for review, predicted in rows:
            line = json.dumps(record_of(review, predicted), ensure_ascii=False, default=str)
            if self.form == "jsonl":
                self.stream.write(line + "\n")
            else:  # one array, one record a line: `[` before the first, `,` between, `]` at close()
                self.stream.write(("[\n" if self.records == 0 else ",\n") + line)
            self.records += 1

    def write_rows(self, records: list[dict], plain: bool) -> None:
        if self.columns is None:
            self.columns = list(PLAIN_COLUMNS) if plain else list(records[0])
            if self.header:
                self.write_row(self.columns)
        for record in records:
            self.write_row([cell(record.get(column)) for column in self.columns])

    def write_row(self, values: list[str]) -> None:
        if self.csv is not None:
            self.csv.writerow(values)
        else:
            self.stream.write("\t".join(one_line(value) for value in values) + "\n")

    def write_table(self, rows) -> None:
        from rich import box
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(box=box.SIMPLE_HEAD, show_header=self.columns is None, show_edge=False, expand=True)
        table.add_column("label", width=10, no_wrap=True)
        table.add_column("P(positive)", width=11, justify="right", no_wrap=True)
        table.add_column("score", width=6, justify="right", no_wrap=True)
        table.add_column("review", ratio=1)
        self.columns = ["label", "probability", "score", "review"]
        for review, predicted in rows:
            if predicted.label is None:
                table.add_row("[dim]not scored[/]", "", "", Text(one_line(review.text), style="dim"))
                continue
            colour = "green" if predicted.label == "positive" else "red"
            table.add_row(
                f"[{colour}]{predicted.label}[/]", f"{predicted.probability:.{DECIMALS}f}",
                f"{predicted.score:.{DECIMALS}f}", Text(one_line(review.text)),
            )  # fmt: skip
        Console(file=self.stream).print(table)
