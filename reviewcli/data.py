"""Any labelled input (file, folder, Hugging Face dataset) -> train / validation / test examples."""

import csv
import hashlib
import json
import random
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from reviewcli.errors import DataError, UsageError
from reviewcli.labels import map_labels

TEXT_COLUMNS = ("text", "review", "review_text", "reviewtext", "content", "sentence", "body", "comment", "document")
LABEL_COLUMNS = ("label", "labels", "sentiment", "polarity", "rating", "stars", "score", "overall", "class")
# file suffix -> (datasets builder, extra builder arguments)
BUILDERS = {
    ".jsonl": ("json", {}),
    ".json": ("json", {}),
    # na_filter off: a review reading "N/A", "null" or "NaN" stays that text instead of becoming empty
    ".csv": ("csv", {"na_filter": False}),
    ".tsv": ("csv", {"delimiter": "\t", "na_filter": False}),
    ".parquet": ("parquet", {}),
    ".txt": ("text", {}),
}
SPLIT_NAMES = {
    "train": ("train",),
    "validation": ("validation", "valid", "val", "dev"),
    "test": ("test",),
}
PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"
# fastText splits a line at spaces, tabs, vertical tabs and form feeds
FASTTEXT_SPACE = re.compile(r"[ \t\v\f]+")


@dataclass
class Examples:
    """Texts with labels (1 positive, 0 negative); `dropped` counts 3-star rows left out."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: "Examples") -> None:
        self.texts += other.texts
        self.labels += other.labels
        self.dropped += other.dropped

    def subset(self, indices: list[int]) -> "Examples":
        return Examples([self.texts[i] for i in indices], [self.labels[i] for i in indices])

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels):
            digest.update(f"{label}\t{text}\n".encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Columns:
    text: str | None = None
    label: str | None = None


def quiet_datasets() -> None:
    """datasets' progress bars and logs would land on stderr of a pipeline; keep them off."""
    import datasets
    import huggingface_hub

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)  # reviewcli reports failures itself
    huggingface_hub.utils.logging.set_verbosity_error()  # offline retries would print a line each


def load_splits(source: str | Path, columns: Columns = Columns()) -> dict[str, Examples]:
    """Every split a source has: a file is 'train', a folder or hub dataset may add validation/test."""
    path = Path(source)
    if path.is_dir():
        files = split_files(path)
        return {split: load_file(file, columns) for split, file in files.items()}
    if path.is_file():
        return {"train": load_file(path, columns)}
    if looks_like_path(str(source)):
        raise UsageError(f"{source}: no such file or directory. Check the path.")
    return load_hub(str(source), columns)


def load_examples(source: str | Path, columns: Columns = Columns()) -> Examples:
    """One file's examples, or the test split (else train) of a folder or hub dataset, for evaluation."""
    splits = load_splits(source, columns)
    return splits.get("test") or splits["train"]


def looks_like_path(source: str) -> bool:
    return Path(source).suffix.lower() in BUILDERS or source.startswith((".", "/", "~")) or source.count("/") > 1


def split_files(folder: Path) -> dict[str, Path]:
    """train.* / validation|valid|val|dev.* / test.* in a folder, by file stem."""
    found = {}
    for split, stems in SPLIT_NAMES.items():
        for file in sorted(folder.iterdir()):
            if file.stem.lower() in stems and file.suffix.lower() in BUILDERS and split not in found:
                found[split] = file
    if "train" not in found:
        raise UsageError(
            f"{folder}: no train file found. Put the training data in train.jsonl (or .csv, .tsv, .json, "
            ".parquet, .txt), or give the file itself."
        )
    return found


def load_file(path: Path, columns: Columns) -> Examples:
    """Read one local file through `datasets`; bad bytes are replaced and reported, never a crash."""
    import datasets

    quiet_datasets()
    builder, options = BUILDERS.get(path.suffix.lower(), (None, None))
    if builder is None:
        known = ", ".join(BUILDERS)
        raise UsageError(f"{path}: unknown file type '{path.suffix}'. Use one of {known}.")
    with utf8_copy(path) as readable:
        if builder == "json":
            check_json(path, readable)
        try:
            table = datasets.load_dataset(builder, data_files=str(readable), split="train", **options)
        except Exception as error:  # datasets wraps parser errors in many types
            raise diagnose(path, readable, error) from None
        if builder == "text":
            return from_fasttext(table["text"], path)
        if builder == "csv" and "__index_level_0__" in table.column_names:
            raise extra_fields(path, readable, options.get("delimiter", ","))
        line_of = jsonl_line_of(readable, len(table)) if path.suffix.lower() == ".jsonl" else None
        return from_table(table, columns, str(path), line_of)


def check_json(path: Path, readable: Path) -> None:
    """pyarrow's JSON reader can crash the whole process on malformed input (a segmentation fault
    when a line starts with null, pyarrow 26), so JSON is checked here before it gets any: every
    non-blank line an object. A .json file may instead hold one document, an array of objects."""
    if path.suffix.lower() == ".json" and is_json_document(readable):
        return
    problem = json_lines_problem(path, readable, objects_only=True)
    if problem is not None:
        raise problem


def is_json_document(readable: Path) -> bool:
    try:
        document = parse_json(readable.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError:
        return False
    rows = document if isinstance(document, list) else [document]
    return all(isinstance(row, dict) for row in rows)


def json_lines_problem(path: Path, readable: Path, *, objects_only: bool) -> DataError | None:
    """The first line that is not valid JSON (or, with objects_only, not a JSON object), as file:line:column."""
    # lines end at \n only, as for the JSON reader; a byte-order mark is no JSON error, datasets skips it
    with open(readable, encoding="utf-8-sig", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip(" \t\r\n"):  # JSON's whitespace
                continue
            try:
                record = parse_json(line.rstrip("\r\n"))
            except json.JSONDecodeError as bad:
                return DataError(f"{path}:{number}:{bad.colno}: not valid JSON ({bad.msg}). Fix or remove that line.")
            if objects_only and not isinstance(record, dict):
                return DataError(
                    f"{path}:{number}:1: expected a JSON object such as {{\"text\": ..., \"label\": ...}}, "
                    f"got {json_type(record)}. Write one review object per line, or remove that line."
                )
    return None


def json_type(value) -> str:
    return "null" if value is None else {dict: "object", list: "array", str: "string", bool: "true/false"}.get(
        type(value), "a number"
    )


def extra_fields(path: Path, readable: Path, delimiter: str) -> DataError:
    """pandas reads a first row with one field more than the header as an index and every column shifted
    by one, so 'great, really,1' would be the review ' really' with label 1: refuse it instead."""
    with open(readable, encoding="utf-8-sig", newline="") as file:
        rows = csv.reader(file, delimiter=delimiter)
        try:
            header = next((row for row in rows if row), [])
            next((row for row in rows if row), None)
            where = f"{path}:{rows.line_num}"
        except csv.Error:
            header, where = [], f"{path}: the first row"
    name = "a tab" if delimiter == "\t" else f"a '{delimiter}'"
    return DataError(
        f"{where}: more fields than the header's {len(header)} names. Put quotes around a review that holds "
        f"{name}, or name every column in the header."
    )


def jsonl_line_of(path: Path, rows: int):
    """row -> line number in a JSONL file, whose reader skips blank lines; None where the counts disagree
    (a .jsonl file holding one JSON array). Reads the file only when asked, for an error message."""
    numbers = []

    def line_of(row: int) -> int | None:
        if not numbers:
            lines = path.read_bytes().split(b"\n")
            numbers.extend(n for n, line in enumerate(lines, start=1) if line.strip(b" \t\r"))
        return numbers[row - 1] if len(numbers) == rows and 1 <= row <= rows else None

    return line_of


def parse_json(line: str):
    """json.loads, with every failure a json.JSONDecodeError: also nesting too deep for the parser and
    integers longer than Python converts (sys.get_int_max_str_digits)."""
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", line, 0) from None
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        long_number = re.search(r"\d{%d,}" % max(sys.get_int_max_str_digits(), 1), line)
        at = long_number.start() if long_number else 0
        raise json.JSONDecodeError("a number with too many digits", line, at) from None


class utf8_copy:
    """Context manager: the file itself if it is valid UTF-8, else a repaired temporary copy."""

    def __init__(self, path: Path):
        self.path = path
        self.temp = None

    def __enter__(self) -> Path:
        if self.path.suffix.lower() == ".parquet":
            return self.path
        raw = self.path.read_bytes()
        try:
            raw.decode("utf-8")
            return self.path
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
        text = raw.decode("utf-8", errors="replace")
        replaced = text.count("\ufffd") - raw.decode("utf-8", errors="ignore").count("\ufffd")
        print(
            f"Warning: {self.path}:{line}: not valid UTF-8; replaced {replaced} undecodable byte sequence(s) "
            "with \ufffd.",
            file=sys.stderr,
        )
        self.temp = tempfile.NamedTemporaryFile("w", suffix=self.path.suffix, encoding="utf-8", delete=False)
        with self.temp:
            self.temp.write(text)
        return Path(self.temp.name)

    def __exit__(self, *exc) -> None:
        if self.temp is not None:
            Path(self.temp.name).unlink(missing_ok=True)


def diagnose(path: Path, readable: Path, error: Exception) -> DataError:
    """Turn a parser failure into file:line:column and what to do."""
    # JSON was checked line by line before it was parsed (check_json): what fails here is something else
    if not readable.read_bytes().strip():
        return DataError(f"{path}: the file is empty. Give a file with reviews and labels.")
    if "corresponds to no data" in str(error):  # datasets' words for a table without rows
        return DataError(
            f"{path}: holds no reviews, only a header or blank lines. Give a file with reviews and labels."
        )
    reason = parser_reason(error)
    return DataError(f"{path}: could not be read ({reason}). Check that it is a well-formed {path.suffix} file.")


def parser_reason(error: Exception) -> str:
    """The first line of the parser's own message (pandas, pyarrow), which datasets wraps in
    'An error occurred while generating the dataset'."""
    chain = [error]
    while len(chain) < 20 and (cause := chain[-1].__cause__ or chain[-1].__context__) not in (None, *chain):
        chain.append(cause)
    parser = next((e for e in chain if type(e).__name__ in ("ArrowInvalid", "ParserError", "EmptyDataError")), error)
    reason = next((line.strip() for line in str(parser).splitlines() if line.strip()), type(parser).__name__)
    return reason.removeprefix("Error tokenizing data. C error: ").removeprefix("JSON parse error: ")


def from_table(table, columns: Columns, source: str, line_of=None) -> Examples:
    """Pick the text and label columns by name (or as told) and map labels to 0/1; line_of (row -> line)
    lets a label error name the line of a line-based file."""
    names = table.column_names
    text_column = pick_column(names, columns.text, TEXT_COLUMNS, "text", source)
    label_column = pick_column(names, columns.label, LABEL_COLUMNS, "label", source)
    label_values = table[label_column]
    feature = table.features[label_column]
    if hasattr(feature, "int2str") and feature.num_classes == 2:
        label_values = class_label_names(feature, label_values)
    labels, _ = map_labels(label_values, source=source, column=label_column, line_of=line_of)
    texts = table[text_column]
    examples = Examples()
    for row, (text, label) in enumerate(zip(texts, labels), start=1):
        if label is None:
            examples.dropped += 1
            continue
        examples.texts.append("" if text is None else str(text))
        examples.labels.append(label)
    if not examples.texts:
        raise DataError(f"{source}: no labelled reviews found. Check --label-column and that the file is not empty.")
    return examples


def class_label_names(feature, values: list) -> list:
    """A binary ClassLabel: use its names when they are sentiment words, else index 0 = negative."""
    names = [name.lower() for name in feature.names]
    if set(names) <= {"negative", "positive", "neg", "pos"}:
        return [names[v] for v in values]
    return values


def name_list(names, limit: int = 20) -> str:
    """Column or field names for a one-line message: odd characters (line breaks, tabs) escaped, long
    names cut short."""
    shown = [name if name.isprintable() else repr(name) for name in map(str, names)]
    shown = [name if len(name) <= 40 else name[:37] + "..." for name in shown]
    more = f" and {len(shown) - limit} more" if len(shown) > limit else ""
    return ", ".join(shown[:limit]) + more


def pick_column(names: list[str], asked: str | None, candidates: tuple, kind: str, source: str) -> str:
    if asked is not None:
        if asked not in names:
            raise UsageError(
                f"{source}: no column '{asked}'. Its columns are: {name_list(names)}. "
                f"Pass one of them with --{kind}-column."
            )
        return asked
    lowered = {name.lower(): name for name in names}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    raise UsageError(
        f"{source}: cannot tell which column holds the {kind}. Its columns are: {name_list(names)}. "
        f"Name it with --{kind}-column."
    )


def from_fasttext(lines: list[str], path: Path) -> Examples:
    """fastText's supervised format: `__label__positive Great taste.` one review a line."""
    labels, texts, numbers = [], [], []
    for number, line in enumerate(lines, start=1):
        if number == 1:
            line = line.removeprefix("\ufeff")  # byte-order mark of Notepad files
        if not line.strip():
            continue
        head, _, text = FASTTEXT_SPACE.sub(" ", line.strip(), count=1).partition(" ")
        if not head.startswith("__label__"):
            raise DataError(
                f"{path}:{number}:1: expected a line starting with __label__<label>. "
                "Write .txt training files in fastText's format, e.g. '__label__positive great taste'."
            )
        labels.append(head[len("__label__") :])
        texts.append(text)
        numbers.append(number)
    # fastText's Amazon/Yelp polarity files, __label__1 negative and __label__2 positive, are map_labels' 'polarity'
    mapped, _ = map_labels(labels, source=str(path), column="__label__", line_of=lambda row: numbers[row - 1])
    examples = Examples()
    for text, label in zip(texts, mapped):
        if label is None:
            examples.dropped += 1
        else:
            examples.texts.append(text)
            examples.labels.append(label)
    if not examples.texts:
        raise DataError(f"{path}: no labelled reviews found. Give lines like '__label__positive great taste'.")
    return examples


def load_hub(name: str, columns: Columns) -> dict[str, Examples]:
    """A Hugging Face hub dataset such as imdb, amazon_polarity or yelp_polarity (needs a network)."""
    import datasets

    quiet_datasets()
    try:
        dataset = datasets.load_dataset(name)
    except Exception as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UsageError(
            f"{name}: not a local file or folder, and not loadable as a Hugging Face dataset ({reason}). "
            "Check the path, or the dataset name and your network connection."
        ) from None
    splits = {}
    for split, aliases in SPLIT_NAMES.items():
        for alias in aliases:
            if alias in dataset and split not in splits:
                splits[split] = from_table(dataset[alias], columns, f"{name}[{alias}]")
    if "train" not in splits:
        raise DataError(f"{name}: the dataset has no train split (it has {', '.join(dataset)}).")
    return splits


def stratified_split(examples: Examples, fraction: float, seed: int) -> tuple[Examples, Examples]:
    """Deterministic: the same data, fraction and seed always hold out the same reviews."""
    rng = random.Random(seed)
    held_out = []
    for label in sorted(set(examples.labels)):
        indices = [i for i, y in enumerate(examples.labels) if y == label]
        rng.shuffle(indices)
        count = round(len(indices) * fraction)
        held_out += indices[: max(1, count) if len(indices) > 1 else 0]
    held = set(held_out)
    train = examples.subset([i for i in range(len(examples)) if i not in held])
    train.dropped = examples.dropped
    return train, examples.subset(sorted(held))


def training_data(
    sources: list[str], columns: Columns, *, val_fraction: float, seed: int
) -> tuple[Examples, Examples]:
    """Pool the training splits of all sources; each uses its own validation split if it has one."""
    train, validation = Examples(), Examples()
    for source in sources or [default_source()]:
        splits = load_splits(source, columns)
        if "validation" in splits:
            part_train, part_val = splits["train"], splits["validation"]
        else:
            part_train, part_val = stratified_split(splits["train"], val_fraction, seed)
        train.extend(part_train)
        validation.extend(part_val)
    if len(set(train.labels)) < 2:
        raise DataError("the training data holds only one class. Give both positive and negative reviews.")
    return train, validation


def default_source() -> Path:
    """The project's own hand-written reviews, when reviewcli runs from a checkout."""
    if not (PROJECT_DATA / "train.jsonl").is_file():
        raise UsageError("no training data given. Pass a file, a folder or a Hugging Face dataset name as DATA.")
    return PROJECT_DATA
