"""Entry point for `python -m reviewcli`."""

from reviewcli.cli import main

main()
