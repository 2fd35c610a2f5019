"""`reviewcli explain` output: the review coloured as written on a terminal (rich), plain signed
scores for pipes and NO_COLOR, JSON lines. The HTML page and PNG heat map are in explain_page."""

import json
import os
import sys
from dataclasses import dataclass

from reviewcli.core.spans import overlap_groups

SCORE_NOTE = "scores: change in the logit (log-odds) of positive; + raises P(positive), - lowers it"
KEPT_NOTE = {
    "lstm": "LSTM: c = f*c_prev + i*g, h = o*tanh(c); the forget gate f is the share of the cell state kept",
    "gru": "GRU: h = (1-z)*n + z*h_prev; the update gate z is the share of the previous state kept",
}
SHORT = {"input": "input i", "forget": "forget f (kept)", "output": "output o", "cell_norm": "|c|",
         "update": "update z (kept)", "reset": "reset r"}  # fmt: skip
METHOD_NAMES = {"ig": "integrated gradients", "occlusion": "occlusion (<unk>)"}


def colour_wanted() -> bool:
    """Rich colours only for a person at a terminal: not when piped, not with NO_COLOR set.
    REVIEWCLI_FORCE_TERMINAL=1 forces the terminal path (tests have no TTY)."""
    if os.environ.get("NO_COLOR"):
        return False
    return os.environ.get("REVIEWCLI_FORCE_TERMINAL") == "1" or sys.stdout.isatty()


@dataclass
class Piece:
    """A stretch of the original text: one token, or tokens sharing characters, or the text between."""

    text: str
    score: float | None  # None: between tokens, or not read by the model
    token: bool
    read: bool = True


def pieces(explained) -> list[Piece]:
    """The original text cut at token spans, each token with its score; overlapping spans (one "…",
    three ".") become one piece with their scores summed."""
    text, tokens, found, at = explained.text, explained.tokens, [], 0
    for group in overlap_groups(tokens):
        start, end = min(tokens[i].start for i in group), max(tokens[i].end for i in group)
        if start > at:
            found.append(Piece(text[at:start], None, False))
        scores = [explained.attribution[i] for i in group]
        read = all(score is not None for score in scores)
        found.append(Piece(text[start:end], sum(scores) if read else None, True, read))
        at = end
    if at < len(text):
        found.append(Piece(text[at:], None, False))
    return found


def strongest(explained) -> float:
    scores = [abs(s) for s in explained.attribution if s is not None]
    return max(scores, default=0.0) or 1.0


def top_tokens(explained, k: int) -> list[int]:
    """Indices of the k read tokens with the largest |attribution|."""
    read = [i for i in range(len(explained.tokens)) if explained.seen(i)]
    return sorted(read, key=lambda i: -abs(explained.attribution[i]))[:k]


def headline(explained) -> str:
    how = METHOD_NAMES[explained.method]
    if explained.completeness_error is not None:
        how += f" ({explained.steps} steps, completeness error {explained.completeness_error:.4f})"
    return f"{explained.label}  P(positive) {explained.probability:.3f}  {how}"


def unread_note(explained) -> str | None:
    if not explained.tokens:
        return "no words: the model read one <unk> in their place"
    unread = sum(1 for i in range(len(explained.tokens)) if not explained.seen(i))
    return f"{unread:,} tokens in the middle were not read by the model (max_length)" if unread else None


# --- JSON -------------------------------------------------------------------------------------------


def json_line(explained, with_gates: bool) -> str:
    return json.dumps(explained.to_dict(with_gates), ensure_ascii=False) + "\n"


# --- plain text (pipes, NO_COLOR) -------------------------------------------------------------------


def gate_columns(explained) -> list[tuple[str, str]]:
    """(layer_direction, gate) pairs of the gate table, in order."""
    first = next((g for g in explained.gates or [] if g is not None), None)
    return [(part, gate) for part, gates in (first or {}).items() for gate in gates]


def gate_value(entry) -> float:
    return entry if isinstance(entry, (int, float)) else entry["mean"]


def plain(explained, k: int) -> str:
    """Tab-separated signed scores per token; unread tokens say so."""
    columns = gate_columns(explained)
    lines = [f"# {headline(explained)}", f"# {SCORE_NOTE}"]
    lines += [f"# {note}" for note in [unread_note(explained)] if note]
    lines.append("\t".join(["token", "start", "end", "attribution", "occlusion", *(f"{p}.{g}" for p, g in columns)]))
    for i, token in enumerate(explained.tokens):
        row = [token.text, str(token.start), str(token.end)]
        if not explained.seen(i):
            lines.append("\t".join(row + ["unread"] * (2 + len(columns))))
            continue
        row += [f"{explained.attribution[i]:+.4f}", f"{explained.occlusion[i]:+.4f}"]
        gates = explained.gates[i] if explained.gates else {}
        row += [f"{gate_value(gates[p][g]):.4f}" for p, g in columns]
        lines.append("\t".join(row))
    top = ", ".join(f"{explained.tokens[i].text} {explained.attribution[i]:+.3f}" for i in top_tokens(explained, k))
    lines.append(f"# top {k}: {top}")
    return "\n".join(lines) + "\n\n"


# --- terminal (rich) --------------------------------------------------------------------------------


def terminal_colour(score: float, scale: float) -> str:
    """Grey for nothing, to red (lowers P(positive)) or green (raises it) at the strongest score."""
    a = max(-1.0, min(1.0, score / scale))
    grey = 150
    target = (60, 220, 90) if a > 0 else (240, 60, 60)
    r, g, b = (round(grey + abs(a) * (t - grey)) for t in target)
    return f"rgb({r},{g},{b})"


def coloured_review(explained):
    from rich.text import Text

    scale, review = strongest(explained), Text()
    for piece in pieces(explained):
        if not piece.read:
            review.append(piece.text, style="dim strike")
        elif piece.score is None:
            review.append(piece.text)
        else:
            bold = " bold" if abs(piece.score) >= 0.5 * scale else ""
            review.append(piece.text, style=terminal_colour(piece.score, scale) + bold)
    return review


def legend(explained):
    from rich.text import Text

    scale = strongest(explained)
    bar = Text("lowers ")
    for step in range(-4, 5):
        bar.append("\u2588", style=terminal_colour(step / 4 * scale, scale))
    bar.append(f" raises P(positive)   (strongest {scale:.2f} in the logit)", style="")
    return bar


def top_table(explained, k: int):
    from rich.table import Table

    name = "IG" if explained.method == "ig" else "occlusion"
    table = Table("word", name, "occlusion", title=f"top {k} words", title_justify="left", box=None)
    for i in top_tokens(explained, k):
        a = explained.attribution[i]
        style = terminal_colour(a, strongest(explained))
        table.add_row(explained.tokens[i].text, f"[{style}]{a:+.3f}[/]", f"{explained.occlusion[i]:+.3f}")
    return table


def gate_tables(explained) -> list:
    """One table per layer and direction: a row per read token, a column per gate (mean over units,
    and the shares of units below 0.1 | above 0.9)."""
    from rich.table import Table

    tables = []
    read = [i for i in range(len(explained.tokens)) if explained.seen(i)]
    for part in dict.fromkeys(p for p, _ in gate_columns(explained)) if read else []:
        names = list(explained.gates[read[0]][part])
        table = Table("word", *(SHORT[n] for n in names), title=part.replace("_", " "), title_justify="left", box=None)
        for i in read:
            entry = explained.gates[i][part]
            table.add_row(explained.tokens[i].text, *(gate_cell(entry[n]) for n in names))
        tables.append(table)
    return tables


def gate_cell(entry) -> str:
    if isinstance(entry, (int, float)):
        return f"{entry:.2f}"
    shade = round(100 + 155 * entry["mean"])
    low, high = round(100 * entry["below_0.1"]), round(100 * entry["above_0.9"])
    return f"[rgb({shade},{shade},{shade})]{entry['mean']:.2f}[/] [dim]{low:>2}|{high:<3}%[/]"


def print_terminal(explained, k: int, gates: bool, stream) -> None:
    from rich.console import Console

    console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=False)
    console.print(headline(explained), style="bold green" if explained.label == "positive" else "bold red")
    console.print(coloured_review(explained))
    for note in [unread_note(explained)]:
        if note:
            struck = "[dim strike]struck through[/][dim]: " if explained.tokens else "[dim]"
            console.print(f"{struck}{note}[/]")
    console.print(legend(explained))
    console.print(top_table(explained, k))
    if gates:
        print_gates(console, explained)
    console.print()


def print_gates(console, explained) -> None:
    if explained.gates is None:
        console.print("a plain RNN has no gates: h = tanh(W x + U h_prev + b)", style="dim")
        return
    for table in gate_tables(explained):
        console.print(table)
    console.print(f"mean over units, then % of units below 0.1 | above 0.9. {KEPT_NOTE[explained.cell]}", style="dim")
