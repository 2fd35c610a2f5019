"""Where `reviewcli explain`'s output goes: stdout as each review is explained, or one file at the end."""

import sys

from reviewcli.cli.explain_page import page
from reviewcli.cli.explain_view import colour_wanted, json_line, plain, print_terminal
from reviewcli.io.files import write_atomic


class ExplainWriter:
    """Renders explanations in `form` (text, json, jsonl, html) to stdout as they come, or, with
    `out`, to that file once all are done (written atomically)."""

    def __init__(self, form: str, *, top_k: int, gates: bool, out=None, stream=None):
        self.form, self.top_k, self.gates, self.out = form, top_k, gates, out
        self.stream = stream or sys.stdout
        self.colour = form == "text" and out is None and colour_wanted()
        self.held: list = []  # html pages and --out files are written whole at the end

    def write(self, explained) -> None:
        if self.form == "html":
            self.held.append(explained)
        elif self.colour:
            print_terminal(explained, self.top_k, self.gates, self.stream)
        else:
            rendered = plain(explained, self.top_k) if self.form == "text" else json_line(explained, self.gates)
            if self.out is not None:
                self.held.append(rendered)
            else:
                self.stream.write(rendered)
                self.stream.flush()

    def close(self) -> None:
        text = page(self.held, self.top_k) if self.form == "html" else "".join(self.held)
        if self.out is not None:
            write_atomic(self.out, text.encode("utf-8"))
        elif self.form == "html":
            self.stream.write(text)
