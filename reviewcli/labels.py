"""Label mapping: whatever a dataset calls its labels -> 1 (positive), 0 (negative) or None (left out)."""

from collections.abc import Callable, Sequence

from reviewcli.errors import DataError

LABEL_NAMES = ("negative", "positive")  # index = class id

_WORDS = {
    "positive": 1, "pos": 1, "true": 1, "yes": 1,
    "negative": 0, "neg": 0, "false": 0, "no": 0,
}  # fmt: skip


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
    """'binary' (0/1, true/false), 'polarity' (1 negative, 2 positive), 'stars' (1-5 ratings) or 'words'
    (positive/neg/...). A column named like a rating holding only 1s is 1-star reviews, not all positive,
    and one holding 1s and 2s is 1- and 2-star reviews; any other column of 1s and 2s is classes 1 and 2."""
    distinct = {v for v in values if not _missing(v)}
    numbers = {_number(v) for v in distinct}
    rating = column.lower() in STAR_COLUMNS
    if None not in numbers and numbers <= {0.0, 1.0} and not (rating and 0.0 not in numbers):
        return "binary"
    if not rating and numbers == {1.0, 2.0}:  # fastText's / Zhang et al.'s polarity classes, not 1-2 stars
        return "polarity"
    if None not in numbers and numbers and all(1.0 <= n <= 5.0 for n in numbers):
        return "stars"
    return "words"


def _missing(value) -> bool:
    """None, or a blank string (an empty CSV cell)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _plausible(value) -> bool:
    """A value that some scheme reads: a word of _WORDS or a number from 0 to 5."""
    number = _number(value)
    return str(value).strip().lower() in _WORDS or (number is not None and 0.0 <= number <= 5.0)


def map_label(value, scheme: str) -> int | None:
    """One label -> 1, 0, or None for a 3-star rating; raises ValueError for anything unknown."""
    if scheme == "binary":
        return int(_number(value))
    if scheme == "polarity":
        return int(_number(value)) - 1
    if scheme == "stars":
        stars = _number(value)
        return 0 if stars <= 2 else 1 if stars >= 4 else None
    word = str(value).strip().lower()
    if word not in _WORDS:
        raise ValueError(word)
    return _WORDS[word]


def map_labels(
    values: Sequence, *, source: str, column: str, line_of: Callable[[int], int | None] | None = None
) -> tuple[list[int | None], str]:
    """Map a whole column at once, so 1/0 and 1-5 stars are told apart by what the column holds.

    line_of: for line-based files (JSONL, fastText), row number -> line number, so an error names
    source:line; called only when there is an error."""

    def line(row: int) -> int | None:
        return line_of(row) if line_of is not None else None

    def where(row: int) -> str:
        return f"{source}:{line(row)}" if line(row) is not None else f"{source}: row {row}"

    for row, value in enumerate(values, start=1):
        if _missing(value):
            if line(row) is not None:
                raise DataError(f"{where(row)}: no value in label column '{column}'. Fill it in or remove the line.")
            raise DataError(f"{where(row)} has no value in label column '{column}'. Fill it in or remove the row.")
        if not _hashable(value):  # a nested JSON list or object: no label, and detect_scheme could not count it
            raise not_a_label(where(row), value, column)
    scheme = detect_scheme(values, column)
    mapped = []
    for value in values:
        try:
            mapped.append(map_label(value, scheme))
        except ValueError:
            # the row that made the column fall back to words, e.g. the 7 among 1s and 0s, not the first 1
            row = next((r for r, v in enumerate(values, start=1) if not _plausible(v)), len(mapped) + 1)
            raise not_a_label(where(row), values[row - 1], column) from None
    return mapped, scheme


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
        "Use positive/negative, pos/neg, 1/0, true/false or 1-5 stars, or pick another column "
        "with --label-column."
    )
