"""Errors a user can fix; the CLI turns them into one message on stderr and an exit code."""


class ReviewCliError(Exception):
    """A failure the user can act on. `exit_code` 1 means a runtime error."""

    exit_code = 1
    prefix = "Error"  # the CLI prints "Error: <message>"


class UsageError(ReviewCliError):
    """The command was given something it cannot use (missing file, unknown column...)."""

    exit_code = 2


class DataError(ReviewCliError):
    """The data could be opened but is unusable (no labels, empty, malformed)."""

    exit_code = 1


class ModelError(ReviewCliError):
    """A model directory is missing, incomplete, or from a newer format."""

    exit_code = 1


class OutputError(ReviewCliError):
    """A model directory could not be written (disk full, read-only file system)."""

    exit_code = 1
