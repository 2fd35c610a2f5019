"""Where a command's reviews come from: arguments, --input FILE or - (standard input), and the hint
that a command reading a terminal waits for typing."""

import sys

from reviewcli.cli.app import fail, stdin_is_a_person


def reviews_to_read(texts: list[str], input: str | None) -> tuple[list[str], str | None]:
    """(reviews given as arguments, the file or - to read them from): exactly one of the two."""
    if input is not None and texts:
        raise fail("give reviews as arguments (or -) or with --input FILE, not both.")
    if texts == ["-"]:
        return [], "-"
    if input is None and not texts:
        raise fail("no reviews given. Pass them as arguments, or - to read standard input.")
    return texts, input


def check_reading_options(input: str | None, text_column: str | None, input_format, delimiter: str | None = None) -> None:
    """--text-column, --input-format and --delimiter describe a file or stdin, not reviews given as arguments."""
    if input is None and (text_column or input_format or delimiter):
        option = "--text-column" if text_column else "--input-format" if input_format else "--delimiter"
        raise fail(f"{option} applies to --input FILE or - (standard input), not to reviews given as arguments.")


DELIMITER_NAMES = {",": ",", ";": ";", "|": "|", "tab": "\t", "\\t": "\t", "\t": "\t"}


def delimiter_of(value: str | None) -> str | None:
    """--delimiter: , ; | or a tab (tab, \\t, or the character itself)."""
    if value is None:
        return None
    if value.lower() not in DELIMITER_NAMES:
        raise fail(f"--delimiter {value!r}: give one of , ; tab |.")
    return DELIMITER_NAMES[value.lower()]


def hint_typing(input: str | None, quiet: bool = False) -> None:
    """Someone at a terminal who typed `- ` learns the command waits for them."""
    if input == "-" and not quiet and stdin_is_a_person():
        print("Reading reviews from standard input, one per line (Ctrl-D to end)...", file=sys.stderr)


def note_stdin(data: list[str], what: str, quiet: bool = False) -> None:
    """Typing into `reviewcli train -` at a terminal would otherwise look like a hang."""
    if "-" in data and not quiet and stdin_is_a_person():
        print(f"Reading {what} from standard input (Ctrl-D to end)...", file=sys.stderr)
