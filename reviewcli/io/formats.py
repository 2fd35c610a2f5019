"""The one detection of input formats, for every command that reads reviews: by file name, else by the
first bytes (standard input, a file without a known suffix); and a CSV's delimiter, sniffed."""

import csv
import json
from pathlib import Path

TEXT_COLUMNS = ("text", "review", "review_text", "reviewtext", "content", "sentence", "body", "comment", "document")
# file suffix -> format; .txt is a review a line for predict, fastText's format for training
SUFFIX_FORMS = {
    ".txt": "lines", ".text": "lines", ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet",
}  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")
PARQUET_MAGIC = b"PAR1"
SNIFF_LINES = 20  # header and rows the delimiter is sniffed from
SNIFF_BYTES = 8192  # the first bytes a format and a delimiter are sniffed from


def form_of_name(path: str) -> str | None:
    """The format a file name says (a .gz by the name inside), or None: no suffix, or one we do not know."""
    name = Path(path).name.lower()
    return SUFFIX_FORMS.get(Path(name.removesuffix(".gz")).suffix)


def first_lines(head: bytes) -> list[str]:
    """The non-blank lines of the first bytes, as text; the last one left out if it may be cut short."""
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines = text.splitlines()
    if lines and not text.endswith(("\n", "\r")) and len(lines) > 1:
        lines = lines[:-1]
    return [line for line in lines if line.strip()][:SNIFF_LINES]


def sniff(head: bytes, *, text_column: str | None = None, lines: bool = True) -> str:
    """The format of data from its first bytes: parquet, jsonl, json, csv, tsv; fasttext for training
    data whose lines start with __label__; else lines (lines=True: a review a line is a format, as for
    predict) or csv. With lines=True a delimited first row is a header only if it names a text column
    (text_column, else one of TEXT_COLUMNS): "great, really" is one review, not two columns."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    found = first_lines(head)
    first = found[0].strip() if found else ""
    if first.startswith('{"') or (first.startswith("{") and is_object(first)):
        return "jsonl"
    if first.startswith("[") and not lines:
        return "json"
    if first.startswith("[") and is_json_start(head):
        return "json"
    if first.startswith("__label__") and not lines:
        return "fasttext"
    delimiter = sniff_delimiter(found)
    if lines and not names_text_column(found[0] if found else "", delimiter, text_column):
        return "lines"
    return "tsv" if delimiter == "\t" else "csv"


def is_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def is_json_start(head: bytes) -> bool:
    """'[{' or '[ {': an array of objects, not a review in brackets."""
    return head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n[").startswith("{")


def sniff_delimiter(lines: list[str]) -> str:
    """The one of , ; tab | that splits the header into the most fields and every sniffed row alike;
    a comma when none does."""
    best, most = ",", 1
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        steady = sum(1 for width in widths if width == widths[0]) >= 0.5 * len(widths)  # short rows happen
        if steady and widths[0] > most:
            best, most = delimiter, widths[0]
    return best


def names_text_column(header: str, delimiter: str, text_column: str | None) -> bool:
    names = [name.strip().lower() for name in next(csv.reader([header], delimiter=delimiter), [])]
    if text_column is not None:
        return text_column.lower() in names
    return len(names) > 1 and any(name in TEXT_COLUMNS for name in names)
