"""Where `reviewcli explain`'s output goes: a stream, written as each review is explained (html and
json once all are in)."""

import json

from reviewcli.cli.render.explain_page import page
from reviewcli.cli.render.explain_view import colour_wanted, json_line, plain, print_terminal


class ExplainWriter:
    """Renders explanations in `form` (table, jsonl, json, html) to `stream`. table is coloured for a
    person at a terminal (not when to_file), else tab-separated signed scores; json is one array."""

    def __init__(self, form: str, *, top_k: int, gates: bool, stream, to_file: bool = False):
        self.form, self.top_k, self.gates, self.stream = form, top_k, gates, stream
        self.colour = form == "table" and not to_file and colour_wanted()
        self.held: list = []  # html pages and json arrays are written whole at the end

    def write(self, explained) -> None:
        if self.form == "html":
            self.held.append(explained)
        elif self.form == "json":
            self.held.append(explained.to_dict(self.gates))
        elif self.colour:
            print_terminal(explained, self.top_k, self.gates, self.stream)
        else:
            self.stream.write(plain(explained, self.top_k) if self.form == "table" else json_line(explained, self.gates))
            self.stream.flush()

    def close(self) -> None:
        if self.form == "html":
            self.stream.write(page(self.held, self.top_k))
        elif self.form == "json":
            self.stream.write(json.dumps(self.held, ensure_ascii=False, indent=1) + "\n")
