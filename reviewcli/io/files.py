"""Files on disk: the one atomic writer (with the user's usual permissions) and the one finder of the
files the package ships (models/ of a checkout, installed as reviewcli.bundled)."""

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from reviewcli.core.errors import OutputError, UsageError

BUNDLED = ("default", "vectors", "encoder")


def bundled(name: str) -> Path:
    """models/NAME of the checkout, installed as the package reviewcli.bundled.NAME; found the same way
    in editable and regular installs, and in a checkout that was never installed."""
    from importlib.resources import files

    if name not in BUNDLED:
        raise ValueError(f"no bundled folder {name!r}; there are {', '.join(BUNDLED)}")
    try:
        return Path(str(files("reviewcli.bundled") / name))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "models" / name


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def open_atomic(path: Path, mode: str = "wb"):
    """A file to write that appears at `path` whole, or not at all: a temporary file beside `path`,
    flushed to disk and renamed over it when the block ends without error, removed if it fails. The
    file gets the permissions the user's umask gives a new file (mkstemp's are private). mode: wb or w
    (UTF-8 text, \\n line ends)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise UsageError(f"{path}: folder {path.parent} does not exist. Create it or choose another path.")
    temporary = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
        os.fchmod(descriptor, 0o666 & ~umask())
        text = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(descriptor, mode, **text) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        raise OutputError(
            f"{path}: could not write it ({error.strerror or error}). Free some space or choose another folder."
        ) from None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)  # gone already after the rename


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write `data` to `path` atomically (open_atomic): a reader sees the old file or the new one,
    never half of one."""
    with open_atomic(path) as file:
        file.write(data.encode("utf-8") if isinstance(data, str) else data)


def write_json(path: Path, data) -> None:
    """`data` as indented UTF-8 JSON, written atomically."""
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))


def make_readable(directory: Path) -> None:
    """mkdtemp makes private directories: give a directory and its files the user's usual permissions."""
    mask = umask()
    directory.chmod(0o777 & ~mask)
    for file in directory.iterdir():
        if file.is_file():
            file.chmod(0o666 & ~mask)
