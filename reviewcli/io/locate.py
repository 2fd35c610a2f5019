"""Where DATA is: standard input (-), a local file or folder, or a Hugging Face dataset name.

A DATA that looks like a local path but is missing fails at once with the close names that exist,
instead of waiting on the Hub; the Hub is tried only for what can be a dataset name."""

import difflib
import os
import re
import sys
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from reviewcli.core.errors import UsageError
from reviewcli.io import formats

STDIN = "-"
STDIN_NAME = "<stdin>"
HUB_PREFIX = "hf:"  # hf:NAME goes to the Hub even when a local name is close to NAME
# --input-format of train/evaluate -> the file suffix data.load_file reads it by
STDIN_FORMATS = {
    "jsonl": ".jsonl",
    "json": ".json",
    "csv": ".csv",
    "tsv": ".tsv",
    "parquet": ".parquet",
    "fasttext": ".txt",
}
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
SUFFIX = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}$")  # .csv, .jsonl, .gz: a file name, never a hub name's
MOST_ENTRIES = 10_000  # a huge folder is not listed in full for a suggestion


def hub_name(source: str) -> str | None:
    """The Hugging Face dataset name DATA stands for, or None when it is a local file or folder.
    Raises UsageError at once for a local-looking path that does not exist, naming close ones."""
    if source.startswith(HUB_PREFIX):
        return source[len(HUB_PREFIX) :]
    if Path(source).expanduser().exists():
        return None
    path_like = looks_like_path(source)
    close = close_names(source, cutoff=0.6 if path_like else 0.8)  # only a near typo of a local name blocks the Hub
    if not path_like and not close:
        return source
    hint = f" Did you mean {' or '.join(close)}?" if close else " Check the path."
    if not path_like:
        hint += f" For the Hugging Face dataset, write {HUB_PREFIX}{source}."
    raise UsageError(f"{source}: no such file or directory.{hint}")


def looks_like_path(source: str) -> bool:
    """Relative or absolute, with a file suffix, deeper than owner/name, or under a local folder."""
    if source.startswith((".", "/", "~")) or "\\" in source or SUFFIX.search(source):
        return True
    return source.count("/") > 1 or ("/" in source and Path(source.split("/")[0]).exists())


def close_names(source: str, cutoff: float = 0.6) -> list[str]:
    """Paths like `source` that exist: its first missing part swapped for a close name beside it."""
    parts = Path(source).expanduser().parts
    base = Path(parts[0]) if Path(source).expanduser().is_absolute() else Path(".")
    start = 1 if base != Path(".") else 0
    for index in range(start, len(parts)):
        if (base / parts[index]).exists():
            base = base / parts[index]
            continue
        names = entries(base, hidden=parts[index].startswith("."))
        matches = difflib.get_close_matches(parts[index], names, n=3, cutoff=cutoff)
        return [str(Path(*parts[:index], match, *parts[index + 1 :])) for match in matches]
    return []


def entries(folder: Path, hidden: bool) -> list[str]:
    try:
        with os.scandir(folder) as found:
            names = [entry.name for _, entry in zip(range(MOST_ENTRIES), found)]
    except OSError:  # not a folder, or not readable
        return []
    return [name for name in names if hidden or not name.startswith(".")]


def hub_is_off() -> bool:
    """HF_HUB_OFFLINE=1 (or HF_DATASETS_OFFLINE=1), as huggingface_hub reads them."""
    return any(os.environ.get(name, "").strip().upper() in ("1", "ON", "YES", "TRUE") for name in OFFLINE_VARIABLES)


def sniff(raw: bytes) -> str:
    """The format of training or evaluation data on standard input: formats.sniff, the one detection."""
    return formats.sniff(raw[:65536], lines=False)


@contextmanager
def stdin_copy(form: str | None, say: Callable[[str], None]):
    """Standard input, read to the end, as a temporary file whose suffix is its format (given, else sniffed)."""
    raw = sys.stdin.buffer.read()
    chosen = form or sniff(raw)
    how = "" if form else " (detected; choose with --input-format)"
    say(f"reading {STDIN_NAME} as {chosen.upper()}{how}")
    with tempfile.TemporaryDirectory(prefix="reviewcli-stdin-") as folder:
        path = Path(folder) / f"stdin{STDIN_FORMATS[chosen]}"
        path.write_bytes(raw)
        yield path
