"""Label mapping: whatever a dataset calls its labels -> 1 (positive), 0 (negative) or None (left out)."""

from collections.abc import Callable, Sequence
from typing import NamedTuple

from reviewcli.core.errors import DataError

LABEL_NAMES = ("negative", "positive")  # index = class id
SCHEMES = ("binary", "polarity", "signed", "stars", "words")
SKIP_OPTION = "--skip-unknown-labels"

_WORDS = {
    "positive": 1, "pos": 1, "true": 1, "yes": 1,
    "negative": 0, "neg": 0, "false": 0, "no": 0,
    "neutral": None,  # a 3-class dataset's middle class, left out as 3 stars are
}  # fmt: skip
# the values each numeric scheme reads; anything else in the column is not a label of it
_DOMAINS = {"binary": {0.0, 1.0}, "polarity": {1.0, 2.0}, "signed": {-1.0, 0.0, 1.0}}


def _number(value) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


STAR_COLUMNS = ("rating", "stars", "score", "overall")


def detect_scheme(values: Sequence, column: str = "") -> str:
    """'binary' (0/1, true/false), 'polarity' (1 negative, 2 positive), 'signed' (-1 negative, 1 positive,
    0 neutral), 'stars' (1-5 ratings) or 'words' (positive/neg/...). A column named like a rating holding
    only 1s is 1-star reviews, not all positive, and one holding 1s and 2s is 1- and 2-star reviews; any
    other column of 1s and 2s is classes 1 and 2."""
    distinct = {v for v in values if not _missing(v)}
    numbers = {_number(v) for v in distinct}
    rating = column.lower() in STAR_COLUMNS
    if None not in numbers and numbers <= {0.0, 1.0} and not (rating and 0.0 not in numbers):
        return "binary"
    if not rating and numbers == {1.0, 2.0}:  # fastText's / Zhang et al.'s polarity classes, not 1-2 stars
        return "polarity"
    if -1.0 in numbers and numbers <= _DOMAINS["signed"]:
        return "signed"
    if None not in numbers and numbers and all(1.0 <= n <= 5.0 for n in numbers):
        return "stars"
    return "words"


def _missing(value) -> bool:
    """None, or a blank string (an empty CSV cell)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _plausible(value) -> bool:
    """A value that some scheme reads: a word of _WORDS, -1, or a number from 0 to 5."""
    number = _number(value)
    return str(value).strip().lower() in _WORDS or (number is not None and (number == -1.0 or 0.0 <= number <= 5.0))


def map_label(value, scheme: str) -> int | None:
    """One label -> 1, 0, or None for a neutral one (3 stars, 0 of -1/0/1, 'neutral'); raises ValueError
    for a value the scheme does not read."""
    number = _number(value)
    if scheme in _DOMAINS:
        if number not in _DOMAINS[scheme]:
            raise ValueError(value)
        if scheme == "signed":
            return None if number == 0.0 else int(number > 0)
        return int(number) - (scheme == "polarity")
    if scheme == "stars":
        if number is None or not 1.0 <= number <= 5.0:
            raise ValueError(value)
        return 0 if number <= 2 else 1 if number >= 4 else None
    word = str(value).strip().lower()
    if word not in _WORDS:
        raise ValueError(word)
    return _WORDS[word]


class Mapped(NamedTuple):
    """A label column read: labels (None where a row is left out), how it was read, and what was left out."""

    labels: list[int | None]
    scheme: str
    meaning: str  # "1 → negative, 2 → positive", from the values the column holds
    neutral: int = 0  # rows left out as neither positive nor negative
    skipped: int = 0  # rows with an unknown or missing label, left out as asked (SKIP_OPTION)


def map_labels(
    values: Sequence, *, source: str, column: str, line_of: Callable[[int], int | None] | None = None,
    scheme: str | None = None, skip_unknown: bool = False,
) -> Mapped:  # fmt: skip
    """Map a whole column at once, so 1/0 and 1-5 stars are told apart by what the column holds.

    line_of: for line-based files (JSONL, fastText), row number -> line number, so an error names
    source:line; called only when there is an error. scheme: one of SCHEMES instead of detecting it.
    skip_unknown: leave out rows whose label no scheme reads (or is missing) instead of failing."""

    def line(row: int) -> int | None:
        return line_of(row) if line_of is not None else None

    def where(row: int) -> str:
        return f"{source}:{line(row)}" if line(row) is not None else f"{source}: row {row}"

    readable = [not _missing(v) and _hashable(v) for v in values]
    if not skip_unknown:
        check_present(values, readable, where, line, column)
    candidates = [v for v, ok in zip(values, readable) if ok and (not skip_unknown or _plausible(v))]
    used = scheme or detect_scheme(candidates, column)
    mapped, read = [], list(readable)  # read: the row's label was read (not skipped)
    for row, (value, ok) in enumerate(zip(values, readable), start=1):
        try:
            mapped.append(map_label(value, used) if ok else None)
        except ValueError:
            if not skip_unknown:
                # the row that made the column fall back to words, e.g. the 7 among 1s and 0s, not the first 1
                blamed = row if scheme else next((r for r, v in enumerate(values, 1) if not _plausible(v)), row)
                raise not_a_label(where(blamed), values[blamed - 1], column) from None
            mapped.append(None)
            read[row - 1] = False
    skipped = read.count(False)
    neutral = mapped.count(None) - skipped
    return Mapped(mapped, used, meaning(values, mapped, read), neutral, skipped)


def check_present(values: Sequence, readable: list[bool], where, line, column: str) -> None:
    """A missing or nested (JSON list or object) label is an error unless such rows are skipped."""
    for row, (value, ok) in enumerate(zip(values, readable), start=1):
        if ok:
            continue
        if not _missing(value):
            raise not_a_label(where(row), value, column)
        fix = f"Fill it in, remove it, or leave such rows out with {SKIP_OPTION}."
        if line(row) is not None:
            raise DataError(f"{where(row)}: no value in label column '{column}'. {fix}")
        raise DataError(f"{where(row)} has no value in label column '{column}'. {fix}")


def meaning(values: Sequence, mapped: list[int | None], read: list[bool], most: int = 6) -> str:
    """How the column's values were read, e.g. '1, 2 → negative, 4, 5 → positive, 3 → left out';
    read: which rows' labels were read (skipped ones are not shown)."""
    groups: dict[int | None, set] = {0: set(), 1: set(), None: set()}
    for value, label, ok in zip(values, mapped, read):
        if ok:
            groups[label].add(str(value).strip())
    parts = []
    for label, name in ((0, LABEL_NAMES[0]), (1, LABEL_NAMES[1]), (None, "left out")):
        shown = sorted(groups[label], key=lambda v: (_number(v) is None, _number(v) or 0.0, v.lower()))
        if shown:
            listed = ", ".join(shown[:most]) + (", …" if len(shown) > most else "")
            parts.append(f"{listed} → {name}")
    return ", ".join(parts) or "none"


# labels that already are the class names: how they were read goes without saying
SELF_EVIDENT = {f"{LABEL_NAMES[0]} → negative, {LABEL_NAMES[1]} → positive", f"{LABEL_NAMES[0]} → negative",
                f"{LABEL_NAMES[1]} → positive"}  # fmt: skip


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def not_a_label(where: str, value, column: str) -> DataError:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return DataError(
        f"{where}: label {shown} in column '{column}' is not a sentiment label. "
        "Use positive/negative, 1/0, 1/2, -1/1, true/false or 1-5 stars, pick another column "
        f"with --label-column, or leave such rows out with {SKIP_OPTION}."
    )
