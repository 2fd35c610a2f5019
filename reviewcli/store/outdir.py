"""The directory a run writes its model to: checked before any data is read, and locked while the run lasts."""

import os
import tempfile
from pathlib import Path

from reviewcli.core.errors import UsageError
from reviewcli.store import checkpoint


def check_out(out: Path, *, force: bool, resume: bool, create_parent: bool = False) -> None:
    """Refuses, before anything is read or trained, an --out the run could not or should not write.

    force: an existing model may be replaced; resume: `out` must hold a checkpoint to go on from;
    create_parent: a missing parent folder is made (the default models/<cell>), else it is an error."""
    from reviewcli.store.artifacts import shipped_model_dir

    out = Path(out)
    if out.resolve() == shipped_model_dir().resolve():
        raise UsageError(
            f"{out}: this is the model shipped with reviewcli, which train never writes. Choose another --out."
        )
    if out.exists():
        check_existing(out, force=force, resume=resume)
    elif resume:
        raise UsageError(f"{out}: no such model directory, so there is nothing to resume. Leave out --resume.")
    parent = out.parent
    if not parent.is_dir():
        if not create_parent:
            raise UsageError(
                f"{out}: its folder {parent} does not exist. Create it (mkdir -p {parent}) or choose another --out."
            )
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror
            raise UsageError(f"{out}: cannot create its folder {parent} ({reason}). Choose another --out.") from None
    check_writable(out)


def check_existing(out: Path, *, force: bool, resume: bool) -> None:
    if not out.is_dir():
        raise UsageError(f"{out}: exists and is not a directory. Choose another --out or remove it.")
    if not (out / "config.json").is_file():
        if any(out.iterdir()):
            raise UsageError(
                f"{out}: exists and is not a reviewcli model, so it was left alone. Choose another --out or remove it."
            )
        if resume:
            raise UsageError(f"{out}: empty, so there is nothing to resume. Leave out --resume.")
        return
    unfinished = checkpoint.exists(out)
    if resume and not unfinished:
        raise UsageError(f"{out}: its training finished, so there is nothing to resume. Leave out --resume.")
    if resume or force:
        return
    if unfinished:
        raise UsageError(
            f"{out}: holds an unfinished run. Continue it with --resume, or start over with --force."
        )
    raise UsageError(f"{out}: a model is already there. Replace it with --force, or choose another --out.")


def check_writable(out: Path) -> None:
    """A real write in the folder: permission bits say nothing of read-only or special file systems."""
    try:
        descriptor, probe = tempfile.mkstemp(prefix=f".{out.name}.probe-", dir=out.parent)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        raise UsageError(f"{out}: cannot write in {out.parent} ({error.strerror}). Choose another --out.") from None


class RunLock:
    """`with RunLock(out) as lock:` holds .OUT.lock beside `out` for the run; a second run on the same
    `out` is refused at once. The lock is the kernel's (flock), so a killed run leaves none behind:
    its file stays, with its process id, and the next run reports it as stale (`lock.stale`)."""

    def __init__(self, out: Path):
        out = Path(out)
        self.out = out
        self.path = out.parent / f".{out.name}.lock"
        self.descriptor = None
        self.stale = None  # process id of the run that stopped without releasing its lock

    def __enter__(self) -> "RunLock":
        try:
            import fcntl
        except ImportError:  # no flock (Windows): runs are not locked
            return self
        while self.descriptor is None:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
                os.close(descriptor)
                raise UsageError(
                    f"{self.out}: another reviewcli run (process {holder}) is writing it. "
                    "Wait for it to finish, or choose another --out."
                ) from None
            if self.still_linked(descriptor):
                self.descriptor = descriptor
            else:  # the holder removed the file between our open and flock: lock the new one
                os.close(descriptor)
        self.stale = os.read(self.descriptor, 32).decode(errors="replace").strip() or None
        os.ftruncate(self.descriptor, 0)
        os.pwrite(self.descriptor, str(os.getpid()).encode(), 0)
        return self

    def still_linked(self, descriptor: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(descriptor).st_ino
        except FileNotFoundError:
            return False

    def __exit__(self, *exc) -> None:
        if self.descriptor is None:
            return
        import fcntl

        self.path.unlink(missing_ok=True)  # before unlocking, so no one can lock the old file
        fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        os.close(self.descriptor)
        self.descriptor = None
