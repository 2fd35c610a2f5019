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

from reviewcli.core.errors import DataError, UsageError
from reviewcli.core.labels import LABEL_NAMES, SCHEMES, SELF_EVIDENT, SKIP_OPTION, map_labels
from reviewcli.io.formats import SNIFF_BYTES, TEXT_COLUMNS, first_lines, sniff_delimiter
from reviewcli.io.locate import STDIN, STDIN_NAME, hub_is_off, hub_name, stdin_copy

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
    """Texts with labels (1 positive, 0 negative); `dropped` counts neutral rows left out (3 stars,
    0 of -1/0/1, 'neutral'), `skipped` rows with unknown labels left out as asked; `read_as`: each
    source's label scheme and how its values were read."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    dropped: int = 0
    skipped: int = 0
    read_as: dict[str, tuple[str, str]] = field(default_factory=dict)  # source -> (scheme, meaning)

    def __len__(self) -> int:
        return len(self.texts)

    def extend(self, other: "Examples") -> None:
        self.texts += other.texts
        self.labels += other.labels
        self.dropped += other.dropped
        self.skipped += other.skipped
        self.read_as.update(other.read_as)

    def subset(self, indices: list[int]) -> "Examples":
        return Examples([self.texts[i] for i in indices], [self.labels[i] for i in indices])

    def notes(self) -> list[str]:
        """What the user should hear about the labels: how they were read (unless they are the class
        names themselves), and what was left out."""
        meanings = {meaning for _, meaning in self.read_as.values()}
        if meanings <= SELF_EVIDENT:
            lines = []
        elif len(meanings) == 1:
            lines = [f"labels: {meanings.pop()}"]
        else:
            lines = [f"labels of {source}: {meaning}" for source, (_, meaning) in self.read_as.items()]
        if self.dropped:
            stars = {scheme for scheme, _ in self.read_as.values()} == {"stars"}
            what = "reviews rated 3 stars" if stars else "neutral reviews"
            lines.append(f"left out {reviews(self.dropped, what)} (neither positive nor negative)")
        if self.skipped:
            lines.append(f"left out {reviews(self.skipped)} whose label is unknown or missing ({SKIP_OPTION})")
        return lines

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels):
            digest.update(f"{label}\t{text}\n".encode())
        return digest.hexdigest()[:16]


def reviews(count: int, what: str = "reviews") -> str:
    """'1 review', '2 reviews', '1 neutral review'."""
    return f"{count:,} {what.removesuffix('s') if count == 1 else what}"


@dataclass(frozen=True)
class Columns:
    """Which columns hold the text and the label (None: found by name), and how labels are read:
    scheme, one of labels.SCHEMES (None: detected); skip_unknown: leave out rows whose label is
    unknown or missing instead of failing; delimiter: a CSV file's (None: sniffed)."""

    text: str | None = None
    label: str | None = None
    scheme: str | None = None
    skip_unknown: bool = False
    delimiter: str | None = None  # of a CSV file (None: .tsv a tab, else sniffed)

    def __post_init__(self):
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, not {self.scheme!r}")


def quiet_datasets() -> None:
    """datasets' progress bars and logs would land on stderr of a pipeline; keep them off."""
    import datasets
    import huggingface_hub

    datasets.disable_progress_bars()
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)  # reviewcli reports failures itself
    huggingface_hub.utils.logging.set_verbosity_error()  # offline retries would print a line each


def silent(_: str) -> None:
    pass


def load_splits(
    source: str | Path, columns: Columns = Columns(), *, stdin_format: str | None = None, say=silent
) -> dict[str, Examples]:
    """Every split a source has: a file is 'train', a folder or hub dataset may add validation/test.
    source '-' is standard input, in stdin_format (jsonl, json, csv, tsv, txt; None: detected).
    say: where the user is told which format stdin was read as, and that the Hub is being tried."""
    if str(source) == STDIN:
        with stdin_copy(stdin_format, say) as path:
            return {"train": load_file(path, columns, name=STDIN_NAME, say=say)}
    name = hub_name(str(source))
    if name is not None:
        return load_hub(name, columns, say)
    path = Path(source).expanduser()
    if path.is_dir():
        files = split_files(path)
        return {split: load_file(file, columns, say=say) for split, file in files.items()}
    return {"train": load_file(path, columns, say=say)}


def load_examples(
    source: str | Path, columns: Columns = Columns(), *, stdin_format: str | None = None, say=silent
) -> Examples:
    """One file's examples, or the test split (else train) of a folder or hub dataset, for evaluation."""
    splits = load_splits(source, columns, stdin_format=stdin_format, say=say)
    return splits.get("test") or splits["train"]


def plain_name(path: Path) -> Path:
    """The name a file is read by: train.jsonl.gz is read as train.jsonl."""
    return path.with_suffix("") if path.suffix.lower() == ".gz" else path


def split_files(folder: Path) -> dict[str, Path]:
    """train.* / validation|valid|val|dev.* / test.* in a folder (.gz too), by file stem."""
    found = {}
    for split, stems in SPLIT_NAMES.items():
        for file in sorted(folder.iterdir()):
            name = plain_name(file)
            if name.stem.lower() in stems and name.suffix.lower() in BUILDERS and split not in found:
                found[split] = file
    if "train" not in found:
        raise UsageError(
            f"{folder}: no train file found. Put the training data in train.jsonl (or .csv, .tsv, .json, "
            ".parquet, .txt), or give the file itself."
        )
    return found


def load_file(path: Path, columns: Columns, name: str | None = None, say=silent) -> Examples:
    """Read one local file through `datasets`; bad bytes are replaced and reported through say, never a
    crash. name: what messages call the file (<stdin> for a copy of standard input); its path if None."""
    import datasets

    quiet_datasets()
    shown = Path(name) if name is not None else path  # messages name `shown`; the bytes come from `path`
    if path.suffix.lower() == ".gz" and plain_name(path).suffix.lower() in BUILDERS:
        with gunzipped(path, shown) as plain:
            return load_file(plain, columns, name=str(shown), say=say)
    builder, options = BUILDERS.get(path.suffix.lower(), (None, None))
    if builder is None:
        known = ", ".join(BUILDERS)
        raise UsageError(f"{path}: unknown file type '{path.suffix}'. Use one of {known}.")
    with utf8_copy(path, shown, say) as readable:
        if builder == "json":
            check_json(shown, readable)
        if builder == "csv" and columns.delimiter is not None:
            options = {**options, "delimiter": columns.delimiter}
        elif builder == "csv" and "delimiter" not in options:  # ; and | as well as , (formats.sniff_delimiter)
            with open(readable, "rb") as file:
                options = {**options, "delimiter": sniff_delimiter(first_lines(file.read(SNIFF_BYTES)))}
        try:
            table = datasets.load_dataset(builder, data_files=str(readable), split="train", **options)
        except Exception as error:  # datasets wraps parser errors in many types
            raise diagnose(shown, readable, error) from None
        if builder == "text":
            return from_fasttext(table["text"], shown, columns)
        if builder == "csv" and "__index_level_0__" in table.column_names:
            raise extra_fields(shown, readable, options["delimiter"])
        line_of = jsonl_line_of(readable, len(table)) if path.suffix.lower() == ".jsonl" else None
        return from_table(table, columns, str(shown), line_of)


def check_json(path: Path, readable: Path) -> None:
    """pyarrow's JSON reader can crash the whole process on malformed input (a segmentation fault
    when a line starts with null, pyarrow 26), so JSON is checked here before it gets any: every
    non-blank line an object. A .json file may instead hold one document, an array of objects."""
    if readable.suffix.lower() == ".json" and is_json_document(readable):
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


class gunzipped:
    """Context manager: a gzip-compressed file decompressed into a temporary file of the inner suffix."""

    def __init__(self, path: Path, shown: Path):
        self.path = path
        self.shown = shown
        self.temp = None

    def __enter__(self) -> Path:
        import gzip
        import shutil
        import zlib

        self.temp = tempfile.NamedTemporaryFile("wb", suffix=plain_name(self.path).suffix, delete=False)
        try:
            with self.temp, gzip.open(self.path, "rb") as compressed:
                shutil.copyfileobj(compressed, self.temp)
        except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
            self.__exit__()
            raise DataError(f"{self.shown}: not a readable gzip file ({error}). Check the file.") from None
        return Path(self.temp.name)

    def __exit__(self, *exc) -> None:
        Path(self.temp.name).unlink(missing_ok=True)


class utf8_copy:
    """Context manager: the file itself if it is valid UTF-8, else a repaired temporary copy.
    shown: what the warning calls the file; say: where the warning goes."""

    def __init__(self, path: Path, shown: Path | None = None, say=silent):
        self.path = path
        self.shown = shown or path
        self.say = say
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
        self.say(
            f"Warning: {self.shown}:{line}: not valid UTF-8; replaced {replaced} undecodable byte sequence(s) "
            "with \ufffd."
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
    return DataError(f"{path}: could not be read ({reason}). Check that it is a well-formed {readable.suffix} file.")


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
    mapped = map_labels(label_values, source=source, column=label_column, line_of=line_of, **label_options(columns))
    texts = ["" if text is None else str(text) for text in table[text_column]]
    examples = labelled(texts, mapped, source)
    if not examples.texts:
        raise DataError(f"{source}: no labelled reviews found. Check --label-column and that the file is not empty.")
    return examples


def label_options(columns: Columns) -> dict:
    return {"scheme": columns.scheme, "skip_unknown": columns.skip_unknown}


def labelled(texts: list[str], mapped, source: str) -> Examples:
    """The reviews whose label was read (labels.Mapped), with what was left out counted."""
    kept = [(text, label) for text, label in zip(texts, mapped.labels) if label is not None]
    examples = Examples([text for text, _ in kept], [label for _, label in kept])
    examples.dropped, examples.skipped = mapped.neutral, mapped.skipped
    examples.read_as = {source: (mapped.scheme, mapped.meaning)}
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


def from_fasttext(lines: list[str], path: Path, columns: Columns = Columns()) -> Examples:
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
    mapped = map_labels(
        labels, source=str(path), column="__label__", line_of=lambda row: numbers[row - 1], **label_options(columns)
    )
    examples = labelled(texts, mapped, str(path))
    if not examples.texts:
        raise DataError(f"{path}: no labelled reviews found. Give lines like '__label__positive great taste'.")
    return examples


def load_hub(name: str, columns: Columns, say=silent) -> dict[str, Examples]:
    """A Hugging Face hub dataset such as imdb, amazon_polarity or yelp_polarity: from the datasets
    cache, else downloaded; with HF_HUB_OFFLINE=1 from the cache only, which answers at once."""
    import datasets

    quiet_datasets()
    offline = hub_is_off()
    if not offline:
        say(f"trying the Hugging Face Hub for {name} …")
    try:
        dataset = datasets.load_dataset(name)
    except Exception as error:
        if offline:
            raise UsageError(
                f"{name}: not a local file or folder, nor a dataset in the datasets cache, and the Hugging Face "
                "Hub is off (HF_HUB_OFFLINE=1). Check the name, or unset HF_HUB_OFFLINE to download it."
            ) from None
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
    train.dropped, train.skipped, train.read_as = examples.dropped, examples.skipped, dict(examples.read_as)
    return train, examples.subset(sorted(held))


def training_data(
    sources: list[str], columns: Columns, *, val_fraction: float, seed: int, stdin_format: str | None = None,
    say=silent,
) -> tuple[Examples, Examples]:  # fmt: skip
    """Pool the training splits of all sources; each uses its own validation split if it has one."""
    if [str(s) for s in sources].count(STDIN) > 1:
        raise UsageError(f"{STDIN} (standard input) can be read only once; give it once among DATA.")
    train, validation = Examples(), Examples()
    for source in sources or [default_source()]:
        splits = load_splits(source, columns, stdin_format=stdin_format, say=say)
        if "validation" in splits:
            part_train, part_val = splits["train"], splits["validation"]
        else:
            part_train, part_val = stratified_split(splits["train"], val_fraction, seed)
        train.extend(part_train)
        validation.extend(part_val)
    if len(set(train.labels)) < 2:
        raise one_class(train)
    return train, validation


def one_class(train: Examples) -> DataError:
    """Only positive or only negative reviews; a rating column of 1s and 2s may be classes, not stars."""
    name = LABEL_NAMES[train.labels[0]] if train.labels else "no"
    meanings = "; ".join(meaning for _, meaning in train.read_as.values())
    fix = "Give both positive and negative reviews"
    if any(scheme == "stars" for scheme, _ in train.read_as.values()):
        fix += ", or, if the labels are classes (1 negative, 2 positive), pass --label-scheme polarity"
    return DataError(f"the training data holds only one class ({name}; labels: {meanings}). {fix}.")


def default_source() -> Path:
    """The project's own hand-written reviews, when reviewcli runs from a checkout."""
    if not (PROJECT_DATA / "train.jsonl").is_file():
        raise UsageError("no training data given. Pass a file, a folder or a Hugging Face dataset name as DATA.")
    return PROJECT_DATA
