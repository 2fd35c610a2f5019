"""Reviews to predict, streamed: arguments, stdin or a file, one review per line or a CSV/JSONL column."""

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reviewcli.data import TEXT_COLUMNS, name_list, parse_json
from reviewcli.errors import DataError, UsageError


@dataclass
class Review:
    """One input line: its text, and for CSV/JSONL input the record's other fields."""

    text: str
    fields: dict | None = None


@dataclass
class DecodeReport:
    """Counts bytes that were not UTF-8 and were replaced, so the CLI can warn once at the end."""

    name: str
    replaced: int = 0
    first_line: int | None = None
    lines: int = field(default=0)

    def decode(self, raw: bytes) -> str:
        self.lines += 1
        if self.lines == 1 and raw.startswith(b"\xef\xbb\xbf"):  # byte-order mark of Excel / Notepad files
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", errors="replace")
            self.replaced += text.count("\ufffd") - raw.decode("utf-8", errors="ignore").count("\ufffd")
            self.first_line = self.first_line or self.lines
            return text

    def warning(self) -> str | None:
        if not self.replaced:
            return None
        return (
            f"Warning: {self.name}:{self.first_line}: not valid UTF-8; replaced {self.replaced} undecodable "
            "byte sequence(s) with \ufffd."
        )


def open_source(path: str | None) -> io.BufferedReader:
    if path in (None, "-"):
        return sys.stdin.buffer
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file. Check the path, or use - to read standard input.")
    return open(path, "rb")


def read_lines(stream, report: DecodeReport) -> Iterator[str]:
    """Decoded lines, line endings kept; a final line without a newline still counts."""
    for raw in stream:
        yield report.decode(raw)


def read_reviews(path: str | None, report: DecodeReport, *, text_column: str | None, form: str) -> Iterator[Review]:
    """form: 'lines', 'jsonl' or 'csv'/'tsv'. Exactly one Review per input line (or CSV row)."""
    stream = open_source(path)
    lines = read_lines(stream, report)
    if form == "lines":
        return (Review(line.rstrip("\r\n")) for line in lines)
    if form == "jsonl":
        return jsonl_reviews(lines, report.name, text_column)
    return csv_reviews(lines, report.name, text_column, "\t" if form == "tsv" else ",")


def input_form(path: str | None, text_column: str | None) -> str:
    """From the file name; standard input is plain lines unless --text-column asks for JSONL."""
    suffix = Path(path).suffix.lower() if path not in (None, "-") else ""
    if suffix in (".jsonl", ".csv", ".tsv"):
        return suffix[1:]
    if suffix == "" and text_column is not None:
        return "jsonl"
    return "lines"


def jsonl_reviews(lines, name: str, text_column: str | None) -> Iterator[Review]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield Review("", {})
            continue
        try:
            record = parse_json(line)
        except json.JSONDecodeError as bad:
            raise DataError(f"{name}:{number}:{bad.colno}: not valid JSON ({bad.msg}). Fix or remove that line.") from None
        if not isinstance(record, dict):
            raise DataError(f"{name}:{number}:1: expected a JSON object with a text field.")
        yield Review(text_of(record, text_column, name, number), record)


# a lone carriage return ends a line too (classic Mac OS, Excel's "CSV (Macintosh)"); csv.reader wants it split off
_BARE_CR = re.compile(r"(?<=\r)(?!\n)")


def csv_reviews(lines, name: str, text_column: str | None, delimiter: str) -> Iterator[Review]:
    """One Review per CSV row after the header; blank lines are no rows, as for csv.DictReader."""
    split = (piece for line in lines for piece in _BARE_CR.split(line) if piece)
    rows = csv.reader(split, delimiter=delimiter)
    try:
        header = next((row for row in rows if row), None)
        if header is None:
            return
        for row in rows:
            if not row:
                continue
            record = dict(zip(header, row))
            yield Review(text_of(record, text_column, name, rows.line_num), record)
    except csv.Error as error:
        raise DataError(f"{name}:{rows.line_num}: not valid CSV ({error}). Fix or remove that line.") from None


def text_of(record: dict, text_column: str | None, name: str, number: int) -> str:
    if text_column is not None:
        if text_column not in record:
            raise UsageError(
                f"{name}:{number}: no field '{text_column}'. Fields there: {name_list(record) or 'none'}. "
                "Pass the right one with --text-column."
            )
        return str(record[text_column] or "")
    lowered = {key.lower(): key for key in record}
    for candidate in TEXT_COLUMNS:
        if candidate in lowered:
            return str(record[lowered[candidate]] or "")
    raise UsageError(
        f"{name}:{number}: cannot tell which field holds the review ({name_list(record) or 'no fields'}). "
        "Name it with --text-column."
    )
