"""Label mapping: whatever a dataset calls its labels -> 1 (positive), 0 (negative) or None (left out)."""

from collections.abc import Sequence

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
    """'binary' (0/1, true/false), 'stars' (1-5 ratings) or 'words' (positive/neg/...).
    A column named like a rating holding only 1s is 1-star reviews, not all positive."""
    distinct = {v for v in values if v is not None}
    numbers = {_number(v) for v in distinct}
    if None not in numbers and numbers <= {0.0, 1.0} and not (column.lower() in STAR_COLUMNS and 0.0 not in numbers):
        return "binary"
    if None not in numbers and numbers and all(1.0 <= n <= 5.0 for n in numbers):
        return "stars"
    return "words"


def map_label(value, scheme: str) -> int | None:
    """One label -> 1, 0, or None for a 3-star rating; raises ValueError for anything unknown."""
    if scheme == "binary":
        return int(_number(value))
    if scheme == "stars":
        stars = _number(value)
        return 0 if stars <= 2 else 1 if stars >= 4 else None
    word = str(value).strip().lower()
    if word not in _WORDS:
        raise ValueError(word)
    return _WORDS[word]


def map_labels(values: Sequence, *, source: str, column: str) -> tuple[list[int | None], str]:
    """Map a whole column at once, so 1/0 and 1-5 stars are told apart by what the column holds."""
    scheme = detect_scheme(values, column)
    mapped = []
    for row, value in enumerate(values, start=1):
        if value is None:
            raise DataError(f"{source}: row {row} has no value in label column '{column}'. Fill it in or remove the row.")
        try:
            mapped.append(map_label(value, scheme))
        except ValueError:
            raise DataError(
                f"{source}: row {row}: label {value!r} in column '{column}' is not a sentiment label. "
                "Use positive/negative, pos/neg, 1/0, true/false or 1-5 stars, or pick another column "
                "with --label-column."
            ) from None
    return mapped, scheme
