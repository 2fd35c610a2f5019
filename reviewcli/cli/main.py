"""The `reviewcli` command: the app with every command registered, and the entry point.

Each command lives in its own module (training, evaluate, predict, explain, compare, check); importing them
registers them on the app, in the order the top-level help lists them."""

from reviewcli.cli import check, compare, evaluate, explain, predict, training  # noqa: F401  (registers the commands)
from reviewcli.cli.app import app


def main() -> None:
    from reviewcli.core.interrupts import terminate_as_interrupt

    terminate_as_interrupt()
    app(prog_name="reviewcli")


__all__ = ["app", "main"]
