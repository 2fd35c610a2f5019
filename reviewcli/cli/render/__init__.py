"""Results drawn for people (rich tables) or written for programs (tsv, csv, jsonl, json) on a stream."""

import sys
from contextlib import contextmanager
from pathlib import Path

SUFFIX_FORMATS = {".tsv": "tsv", ".csv": "csv", ".jsonl": "jsonl", ".json": "json", ".html": "html"}


@contextmanager
def results_to(out: Path | None):
    """Standard output, or with --out a file that appears whole when the command succeeds."""
    if out is None:
        yield sys.stdout
        return
    from reviewcli.io.files import open_atomic

    with open_atomic(Path(out), "w") as stream:
        yield stream


def chosen_format(given, out: Path | None, offered: tuple[str, ...], piped: str) -> str:
    """--format if given; else by --out's suffix when the command offers it (scored.csv: csv); else
    table at a terminal and `piped` in a pipe or file."""
    if given is not None:
        return given.value
    by_name = SUFFIX_FORMATS.get(Path(out).suffix.lower()) if out is not None else None
    if by_name in offered:
        return by_name
    return "table" if out is None and sys.stdout.isatty() else piped
