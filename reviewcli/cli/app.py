"""The Typer app, help without Python types, and the one place known errors become `Error: …` and an exit code.

Only typer and the standard library are imported here at start-up, so `--help` and usage errors
answer without loading torch.
"""

import functools
import os
import sys
from collections.abc import Callable

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from reviewcli import __version__
from reviewcli.core.errors import ReviewCliError


def hide_type(param) -> None:
    """Help shows a value's metavar (DIR, COLUMN), not a Python type: nothing after a flag (--help,
    --force, --install-completion) instead of `<bool>`, and an argument's name (DATA) without `<list[str]>`.
    Ranges (`[x>=1]`) are left out too: they would squeeze the help of every option in the panel onto
    two lines; a value out of range is still refused, with the range in the message."""
    if getattr(param, "is_flag", False) and param.metavar is None:
        param.metavar = ""
    if isinstance(param, TyperArgument) and param.metavar:
        param.display_type_rich = lambda ctx: None
    param._get_number_range_help_str = lambda: ""


class HelpWithoutTypes:
    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            hide_type(param)
        return params


# the top-level help lists the commands in the order a user meets them
COMMAND_ORDER = ("train", "pretrain", "evaluate", "predict", "explain", "compare", "check", "info")


class Group(HelpWithoutTypes, TyperGroup):
    def list_commands(self, ctx) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: COMMAND_ORDER.index(name) if name in COMMAND_ORDER else len(COMMAND_ORDER))


class Command(HelpWithoutTypes, TyperCommand):
    pass


SUMMARY = "Sentiment of product reviews: train a GRU, LSTM or RNN classifier, evaluate it, predict."

app = typer.Typer(
    help=SUMMARY,
    cls=Group,
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)


def examples(*lines: str) -> str:
    """A command's help epilog: example command lines, one per line (rich help keeps the line breaks).
    Square brackets are escaped, so `reviewcli[spark]` is shown, not read as rich markup."""
    return "\n".join(["Examples:", *(f"$ {line}".replace("[", "\\[") for line in lines)])


def fail(message: str, code: int = 2) -> typer.Exit:
    """A usage error found by the CLI itself: one line on stderr; raise what this returns."""
    print(f"Error: {message}", file=sys.stderr)
    return typer.Exit(code)


def user_errors(command):
    """Known failures become one line on stderr and an exit code; no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ReviewCliError as error:
            print(f"{error.prefix}: {error}", file=sys.stderr)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted.", 130) from None

    return wrapper


def stderr_say(quiet: bool) -> Callable[[str], None]:
    """Where notes go: stderr, or with -q nowhere; a warning about the data (`Warning: …`) shows either way."""

    def say(text: str) -> None:
        if not quiet or text.startswith("Warning:"):
            print(text, file=sys.stderr, flush=True)

    return say


def stdin_is_a_person() -> bool:
    return sys.stdin.isatty() and os.environ.get("CI") != "true"


def show_version(value: bool) -> None:
    if value:
        print(f"reviewcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=show_version, is_eager=True, help="Show the version."),
) -> None:
    """Sentiment of product reviews: train a GRU, LSTM or RNN classifier, evaluate it, predict."""
