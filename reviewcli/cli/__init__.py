"""The `reviewcli` command: Typer commands, option types and everything that prints or draws."""

from reviewcli.cli.main import app, main

__all__ = ["app", "main"]
