"""Reviews to predict, streamed: arguments, stdin or a file: one review per line (.txt), a column of a
.csv/.tsv/.jsonl/.json/.parquet file, or any of those gzip-compressed (.gz)."""

import csv
import gzip
import io
import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from reviewcli.core.errors import DataError, UsageError
from reviewcli.io.data import TEXT_COLUMNS, name_list, parse_json

FORMS = ("lines", "csv", "tsv", "jsonl", "json", "parquet")
SUFFIX_FORMS = {
    ".txt": "lines", ".text": "lines", ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json", ".parquet": "parquet",
}  # fmt: skip
KNOWN_FILES = ".txt (a review a line), .csv, .tsv, .jsonl, .json, .parquet, and any of them as .gz"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
# first bytes of files people mistake for text: (magic, what it is, what to do)
BINARY_KINDS = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or .docx file?)", "Export it as CSV"),
    (b"%PDF", "a PDF document", "Copy its text into a .txt file"),
    (b"SQLite format 3\x00", "an SQLite database", "Export the table as CSV"),
    (b"\xff\xfe", "UTF-16 text", "Save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text", "Save it as UTF-8"),
)
SNIFF_BYTES = 8192


@dataclass
class Review:
    """One input line: its text, and for CSV/JSONL/JSON/Parquet input the record's other fields."""

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


def input_form(path: str | None, text_column: str | None, input_format: str | None = None) -> str:
    """How to read an input: --input-format if given, else by file name (a .gz by the name inside);
    standard input is plain lines unless --text-column asks for JSONL."""
    if input_format is not None:
        return input_format
    if path in (None, "-"):
        return "jsonl" if text_column is not None else "lines"
    name = Path(path).name.lower()
    suffix = Path(name.removesuffix(".gz")).suffix
    if suffix in SUFFIX_FORMS:
        return SUFFIX_FORMS[suffix]
    if suffix == "":
        return "lines"
    raise UsageError(
        f"{path}: unknown file type '{suffix}'. predict reads {KNOWN_FILES}. Rename it, or say how to read it "
        "with --input-format lines|csv|tsv|jsonl|json|parquet."
    )


def check_options(name: str, form: str, text_column: str | None) -> None:
    """Options that cannot apply to this input are refused rather than ignored."""
    if form == "lines" and text_column is not None:
        raise UsageError(
            f"{name}: read one review per line, so there is no column for --text-column. Drop --text-column, "
            "or give --input-format csv|tsv|jsonl|json|parquet."
        )


class Source:
    """An open input: its bytes (decompressed if gzip), its form, and how far reading has got."""

    def __init__(self, path: str | None, form: str, report: DecodeReport):
        self.name = report.name
        self.report = report
        self.raw = open_raw(path)
        self.size = file_size(self.raw)
        self.stream = self.raw
        if peek(self.raw).startswith(GZIP_MAGIC):
            self.stream = io.BufferedReader(gzip.GzipFile(fileobj=self.raw, mode="rb"))
        self.form = form
        self.check_content(path)

    def check_content(self, path: str | None) -> None:
        """Refuse bytes that are not the text (or Parquet) the form says, before scoring any of them."""
        head = peek(self.stream)
        if head.startswith(PARQUET_MAGIC) and self.form != "parquet":
            if self.form != "lines" or (path not in (None, "-") and Path(path).suffix):
                raise DataError(f"{self.name}: is a Parquet file, not {self.form}. Name it .parquet, or pass "
                                "--input-format parquet.")
            self.form = "parquet"  # standard input or a file without a suffix: the bytes say what it is
        if self.form == "parquet":
            if not head.startswith(PARQUET_MAGIC):
                raise DataError(f"{self.name}: not a Parquet file (it does not start with PAR1). Check the file.")
            return
        for magic, kind, fix in BINARY_KINDS:
            if head.startswith(magic):
                raise DataError(f"{self.name}: is {kind}, not text. {fix}, then predict that.")
        if b"\x00" in head:
            where = head.count(b"\n", 0, head.index(b"\x00")) + 1
            raise DataError(
                f"{self.name}:{where}: holds NUL bytes, so it is binary, not text. predict reads {KNOWN_FILES}."
            )

    def is_pipe(self) -> bool:
        """A pipe or terminal (not a regular file): input may arrive slowly."""
        try:
            return not stat.S_ISREG(os.fstat(self.raw.fileno()).st_mode)
        except (OSError, ValueError, io.UnsupportedOperation):
            return False

    def position(self) -> int | None:
        """Bytes of the (compressed) file read so far, for a progress bar."""
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return None

    def reviews(self, text_column: str | None) -> Iterator[Review]:
        check_options(self.name, self.form, text_column)
        if self.form == "parquet":
            seekable = self.stream is self.raw and self.raw.seekable()  # Parquet's footer is read first
            return parquet_reviews(self.stream if seekable else io.BytesIO(self.stream.read()), self.name, text_column)
        lines = (self.report.decode(raw) for raw in self.stream)
        if self.form == "lines":
            return (Review(line.rstrip("\r\n")) for line in lines)
        if self.form == "jsonl":
            return jsonl_reviews(lines, self.name, text_column)
        if self.form == "json":
            return json_reviews(lines, self.name, text_column)
        return csv_reviews(lines, self.name, text_column, "\t" if self.form == "tsv" else ",")


def open_raw(path: str | None):
    if path in (None, "-"):
        stream = sys.stdin.buffer
        return stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # a test's BytesIO
    if Path(path).is_dir():
        raise UsageError(f"{path}: is a folder. Give one file, or pipe several in: cat {path}/*.txt | reviewcli predict -")
    if not Path(path).is_file():
        raise UsageError(f"{path}: no such file. Check the path, or use - to read standard input.")
    return open(path, "rb")


def file_size(raw) -> int | None:
    try:
        status = os.fstat(raw.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def peek(stream) -> bytes:
    """The first bytes of a stream, left in it to be read (fewer on a slow pipe: what has arrived)."""
    if hasattr(stream, "peek"):
        return stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    return b""


def read_reviews(path: str | None, report: DecodeReport, *, text_column: str | None, form: str) -> Iterator[Review]:
    """form: one of FORMS. Exactly one Review per input line (CSV row, JSON object, Parquet row)."""
    return Source(path, form, report).reviews(text_column)


def jsonl_reviews(lines, name: str, text_column: str | None) -> Iterator[Review]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            yield Review("")
            continue
        try:
            record = parse_json(line)
        except json.JSONDecodeError as bad:
            raise DataError(f"{name}:{number}:{bad.colno}: not valid JSON ({bad.msg}). Fix or remove that line.") from None
        if not isinstance(record, dict):
            raise DataError(f"{name}:{number}:1: expected a JSON object with a text field.")
        yield Review(text_of(record, text_column, f"{name}:{number}"), record)


def json_reviews(lines, name: str, text_column: str | None) -> Iterator[Review]:
    """A .json file: one JSON document (an array of objects, or one object), else JSON lines."""
    lines = list(lines)
    try:
        document = parse_json("".join(lines))
    except json.JSONDecodeError:
        yield from jsonl_reviews(lines, name, text_column)
        return
    records = document if isinstance(document, list) else [document]
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise DataError(f"{name}: item {number} of the array is not a JSON object with a text field.")
        yield Review(text_of(record, text_column, f"{name}: item {number}"), record)


def parquet_reviews(stream, name: str, text_column: str | None) -> Iterator[Review]:
    """Row by row, a batch at a time, from a seekable stream."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(stream)
        batches = table.iter_batches(batch_size=1024)
        number = 0
        for batch in batches:
            for record in batch.to_pylist():
                number += 1
                yield Review(text_of(record, text_column, f"{name}: row {number}"), record)
    except (OSError, ValueError) as error:  # pyarrow.ArrowInvalid is a ValueError
        raise DataError(f"{name}: not a readable Parquet file ({one_line_reason(error)}). Check the file.") from None


def one_line_reason(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


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
            yield Review(text_of(record, text_column, f"{name}:{rows.line_num}"), record)
    except csv.Error as error:
        raise DataError(f"{name}:{rows.line_num}: not valid CSV ({error}). Fix or remove that line.") from None


def text_of(record: dict, text_column: str | None, where: str) -> str:
    """The review in a record: --text-column, else the first field named like a review."""
    if text_column is not None:
        if text_column not in record:
            raise UsageError(
                f"{where}: no field '{text_column}'. Fields there: {name_list(record) or 'none'}. "
                "Pass the right one with --text-column."
            )
        return as_text(record[text_column])
    lowered = {str(key).lower(): key for key in record}
    for candidate in TEXT_COLUMNS:
        if candidate in lowered:
            return as_text(record[lowered[candidate]])
    raise UsageError(
        f"{where}: cannot tell which field holds the review ({name_list(record) or 'no fields'}). "
        "Name it with --text-column."
    )


def as_text(value) -> str:
    return "" if value is None else str(value)
