"""Entry point for `python -m reviewcli`."""

from reviewcli.cli.main import main

main()
