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
from reviewcli.io.data import name_list, parse_json
from reviewcli.io.formats import (
    DELIMITERS,
    PARQUET_MAGIC,
    SNIFF_BYTES,
    TEXT_COLUMNS,
    first_lines,
    form_of_name,
    sniff,
    sniff_delimiter,
)

FORMS = ("lines", "csv", "tsv", "jsonl", "json", "parquet")
KNOWN_FILES = ".txt (a review a line), .csv, .tsv, .jsonl, .json, .parquet, and any of them as .gz"
GZIP_MAGIC = b"\x1f\x8b"
# first bytes of files people mistake for text: (magic, what it is, what to do)
BINARY_KINDS = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or .docx file?)", "Export it as CSV"),
    (b"%PDF", "a PDF document", "Copy its text into a .txt file"),
    (b"SQLite format 3\x00", "an SQLite database", "Export the table as CSV"),
    (b"\xff\xfe", "UTF-16 text", "Save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text", "Save it as UTF-8"),
)


@dataclass
class Review:
    """One input line: its text, and for CSV/JSONL/JSON/Parquet input the record's other fields;
    missing: the record lacks the input's text column, so it is not scored."""

    text: str
    fields: dict | None = None
    missing: bool = False


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


def input_form(path: str | None, text_column: str | None, input_format: str | None = None) -> str | None:
    """How to read an input: --input-format if given, else by file name (a .gz by the name inside);
    None: from its first bytes (standard input, a file without a suffix), formats.sniff."""
    if input_format is not None:
        return input_format
    if path in (None, "-"):
        return None
    found = form_of_name(path)
    if found is not None:
        return found
    suffix = Path(Path(path).name.lower().removesuffix(".gz")).suffix
    if suffix == "":
        return None
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


def silent(_: str) -> None:
    pass


class Source:
    """An open input: its bytes (decompressed if gzip), its form (given, by name, else detected from
    its first bytes), a CSV's delimiter (given, else sniffed), and how far reading has got.
    say: where the user hears the format detected and the text column chosen."""

    def __init__(self, path: str | None, form: str | None, report: DecodeReport, *, text_column: str | None = None,
                 delimiter: str | None = None, say=silent):  # fmt: skip
        self.name = report.name
        self.report = report
        self.say = say
        self.column: Column | None = None  # once reading has begun
        self.raw = open_raw(path)
        self.size = file_size(self.raw)
        self.stream = self.raw
        if peek(self.raw).startswith(GZIP_MAGIC):
            self.stream = io.BufferedReader(gzip.GzipFile(fileobj=self.raw, mode="rb"))
        self.detected = form is None
        self.form = form if form is not None else sniff(self.first_bytes(), text_column=text_column)
        if self.detected and self.form == "lines" and text_column is not None:
            self.form = "jsonl"  # a column was asked for: records, whose first fault is then named
        self.check_content(path)
        self.delimiter = self.choose_delimiter(delimiter)
        if self.detected and self.form != "lines":  # a review a line is what predict - always read
            how = f", {delimiter_name(self.delimiter)}-separated" if self.form == "csv" and self.delimiter != "," else ""
            say(f"reading {self.name} as {self.form.upper()}{how} (detected; choose with --input-format)")

    def first_bytes(self) -> bytes:
        """What peek gives, waiting on a slow pipe for a first whole line (or the end) to detect from."""
        head = peek(self.stream)
        if b"\n" in head or not hasattr(self.stream, "peek"):
            return head
        return self.stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]  # at the end of input peek gives what is left

    def choose_delimiter(self, delimiter: str | None) -> str | None:
        if self.form == "tsv":
            return "\t"
        if self.form != "csv":
            return None
        if delimiter is not None:
            return delimiter
        found = sniff_delimiter(first_lines(self.first_bytes()))
        if found != "," and not self.detected:
            self.say(f"reading {self.name} as {delimiter_name(found)}-separated (detected; choose with --delimiter)")
        return found

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
        self.column = column = Column(self.name, text_column, self.say)
        if self.form == "parquet":
            seekable = self.stream is self.raw and self.raw.seekable()  # Parquet's footer is read first
            return parquet_reviews(self.stream if seekable else io.BytesIO(self.stream.read()), self.name, column)
        lines = (self.report.decode(raw) for raw in self.stream)
        if self.form == "lines":
            return (Review(line.rstrip("\r\n")) for line in lines)
        if self.form == "jsonl":
            return jsonl_reviews(lines, self.name, column)
        if self.form == "json":
            return json_reviews(lines, self.name, column)
        return csv_reviews(lines, self.name, column, self.delimiter)


def delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(delimiter, repr(delimiter))


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


def read_reviews(
    path: str | None, report: DecodeReport, *, text_column: str | None, form: str | None, delimiter: str | None = None,
    say=silent,
) -> Iterator[Review]:  # fmt: skip
    """form: one of FORMS, or None to detect. Exactly one Review per input line (CSV row, JSON object,
    Parquet row)."""
    return Source(path, form, report, text_column=text_column, delimiter=delimiter, say=say).reviews(text_column)


def jsonl_reviews(lines, name: str, column: "Column") -> Iterator[Review]:
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
        yield column.review(record, f"{name}:{number}")


def json_reviews(lines, name: str, column: "Column") -> Iterator[Review]:
    """A .json file: one JSON document (an array of objects, or one object), else JSON lines."""
    lines = list(lines)
    try:
        document = parse_json("".join(lines))
    except json.JSONDecodeError:
        yield from jsonl_reviews(lines, name, column)
        return
    records = document if isinstance(document, list) else [document]
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise DataError(f"{name}: item {number} of the array is not a JSON object with a text field.")
        yield column.review(record, f"{name}: item {number}")


def parquet_reviews(stream, name: str, column: "Column") -> Iterator[Review]:
    """Row by row, a batch at a time, from a seekable stream."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(stream)
        batches = table.iter_batches(batch_size=1024)
        number = 0
        for batch in batches:
            for record in batch.to_pylist():
                number += 1
                yield column.review(record, f"{name}: row {number}")
    except (OSError, ValueError) as error:  # pyarrow.ArrowInvalid is a ValueError
        raise DataError(f"{name}: not a readable Parquet file ({one_line_reason(error)}). Check the file.") from None


def one_line_reason(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


# a lone carriage return ends a line too (classic Mac OS, Excel's "CSV (Macintosh)"); csv.reader wants it split off
_BARE_CR = re.compile(r"(?<=\r)(?!\n)")


def csv_reviews(lines, name: str, column: "Column", delimiter: str) -> Iterator[Review]:
    """One Review per CSV row after the header; blank lines are no rows, as for csv.DictReader. A quoted
    field never closed is an error naming the line it opens on, not a review running to the end."""
    split = (piece for line in lines for piece in _BARE_CR.split(line) if piece)
    rows = csv.reader(split, delimiter=delimiter, strict=True)
    start = 1
    try:
        header = next((row for row in rows if row), None)
        if header is None:
            return
        column.choose(header, f"{name}:{rows.line_num}", delimiter)
        while True:
            start = rows.line_num + 1
            row = next(rows, None)
            if row is None:
                return
            if row:
                yield column.review(dict(zip(header, row)), f"{name}:{rows.line_num}")
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise DataError(
                f"{name}:{start}: a quoted field opens here and is never closed. Close its quote, or remove that line."
            ) from None
        raise DataError(f"{name}:{rows.line_num}: not valid CSV ({error}). Fix or remove that line.") from None


class Column:
    """The text column of one input, chosen once, from the first record (or a CSV's header): --text-column,
    else the first field named like a review; said through `say`. A later record without it is a Review
    marked missing, not scored."""

    def __init__(self, name: str, asked: str | None, say=silent):
        self.name, self.asked, self.say = name, asked, say
        self.chosen: str | None = None

    def choose(self, names, where: str, delimiter: str | None = None) -> None:
        names = list(names)
        if self.asked is not None:
            if self.asked not in names:
                raise UsageError(
                    f"{where}: no field '{self.asked}'. Fields there: {name_list(names) or 'none'}. "
                    "Pass one of them with --text-column."
                )
            self.chosen = self.asked
        else:
            lowered = {str(key).lower(): key for key in names}
            found = next((lowered[c] for c in TEXT_COLUMNS if c in lowered), None)
            if found is None:
                raise UsageError(f"{where}: cannot tell which field holds the review "
                                 f"({name_list(names) or 'no fields'}). {self.hint(names, delimiter)}")  # fmt: skip
            self.chosen = found
        self.say(f"reading column '{self.chosen}' of {self.name}")

    def hint(self, names: list, delimiter: str | None) -> str:
        """A fix that works: a one-field CSV header holding another delimiter is split wrong, not misnamed."""
        if delimiter is not None and len(names) == 1:
            other = next((d for d in DELIMITERS if d != delimiter and d in str(names[0])), None)
            if other is not None:
                shown = "tab" if other == "\t" else other
                return f"Its fields look {shown!r}-separated: pass --delimiter '{shown}'."
        return "Name it with --text-column." if names else "Give records with a text field."

    def review(self, record: dict, where: str) -> Review:
        if self.chosen is None:
            self.choose(record, where)
        if self.chosen not in record:
            return Review("", record, missing=True)
        return Review(as_text(record[self.chosen]), record)


def as_text(value) -> str:
    return "" if value is None else str(value)
