"""`reviewcli explain --format html` and `--plot`: one self-contained page (inline CSS, no scripts,
nothing fetched from elsewhere) and a PNG heat map of token x gate."""

import html
import re
from pathlib import Path

from reviewcli.cli.render.explain_view import (
    KEPT_NOTE,
    METHOD_NAMES,
    SCORE_NOTE,
    gate_columns,
    gate_value,
    headline,
    pieces,
    strongest,
    top_tokens,
    unread_note,
)
from reviewcli.core.errors import ReviewCliError
from reviewcli.io.files import write_atomic

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }
.review { font-size: 1.25em; line-height: 1.9; white-space: pre-wrap; }
.review span.t { padding: 0.1em 0.15em; border-radius: 0.2em; }
.unread { color: #999; text-decoration: line-through; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
td, th { padding: 0.25em 0.5em; text-align: center; }
th.row { text-align: right; font-weight: normal; white-space: nowrap; }
.note { color: #666; font-size: 0.9em; }
.legend span { display: inline-block; width: 1.4em; height: 1em; vertical-align: middle; }
section { border-top: 1px solid #ddd; padding-top: 1em; margin-top: 1em; }
"""


def background(score: float, scale: float) -> str:
    """White for nothing, to red (lowers P(positive)) or green (raises it) at the strongest score."""
    a = max(-1.0, min(1.0, score / scale))
    target = (76, 175, 80) if a > 0 else (229, 57, 53)
    r, g, b = (round(255 + abs(a) * (t - 255)) for t in target)
    return f"#{r:02x}{g:02x}{b:02x}"


def grey(value: float) -> str:
    level = round(255 - 200 * max(0.0, min(1.0, value)))
    return f"#{level:02x}{level:02x}{level:02x}"


def escape(text: str) -> str:
    """HTML-escaped, and "http" in a review written with a character reference: the page holds no
    URL at all, even as text, so nothing can be mistaken for one to fetch."""
    return re.sub("(?i)h(?=ttp)", "&#104;", html.escape(text))


def review_html(explained) -> str:
    scale, parts = strongest(explained), []
    for piece in pieces(explained):
        text = escape(piece.text)
        if not piece.read:
            parts.append(f'<span class="unread" title="not read by the model (max_length)">{text}</span>')
        elif piece.score is None:
            parts.append(text)
        else:
            parts.append(f'<span class="t" style="background:{background(piece.score, scale)}" '
                         f'title="{piece.score:+.3f}">{text}</span>')  # fmt: skip
    return f'<p class="review">{"".join(parts)}</p>'


def legend_html(explained) -> str:
    scale = strongest(explained)
    cells = "".join(f'<span style="background:{background(s / 4 * scale, scale)}"></span>' for s in range(-4, 5))
    return f'<p class="legend note">lowers {cells} raises P(positive); strongest {scale:.2f}. {SCORE_NOTE}.</p>'


def top_html(explained, k: int) -> str:
    rows = "".join(
        f"<tr><td>{escape(explained.tokens[i].text)}</td><td>{explained.attribution[i]:+.3f}</td>"
        f"<td>{explained.occlusion[i]:+.3f}</td></tr>"
        for i in top_tokens(explained, k)
    )
    name = METHOD_NAMES[explained.method]
    return f"<table><tr><th>word</th><th>{name}</th><th>occlusion</th></tr>{rows}</table>"


def heat_map_html(explained) -> str:
    """Rows: the attribution, then each gate's mean per layer and direction; a column per read token."""
    read = [i for i in range(len(explained.tokens)) if explained.seen(i)]
    scale = strongest(explained)
    head = "".join(f"<th>{escape(explained.tokens[i].text)}</th>" for i in read)
    rows = ['<tr><th class="row">attribution</th>' + "".join(
        f'<td style="background:{background(explained.attribution[i], scale)}">{explained.attribution[i]:+.2f}</td>'
        for i in read) + "</tr>"]  # fmt: skip
    for part, gate in gate_columns(explained):
        if gate == "cell_norm":
            continue
        cells = "".join(gate_td(gate_value(explained.gates[i][part][gate])) for i in read)
        rows.append(f'<tr><th class="row">{part.replace("_", " ")} {gate}</th>{cells}</tr>')
    return f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>"


def gate_td(value: float) -> str:
    ink = "#fff" if value > 0.55 else "#222"
    return f'<td style="background:{grey(value)};color:{ink}">{value:.2f}</td>'


def section_html(explained, k: int) -> str:
    parts = [f"<h2>{escape(headline(explained))}</h2>", review_html(explained), legend_html(explained)]
    note = unread_note(explained)
    if note:
        struck = '<span class="unread">struck through</span>: ' if explained.tokens else ""
        parts.append(f'<p class="note">{struck}{escape(note)}</p>')
    parts.append(top_html(explained, k))
    if explained.gates is not None:
        parts += ["<h3>token &times; gate</h3>", heat_map_html(explained)]
        parts.append(
            f'<p class="note">gate cells: mean over units (0 white, 1 black). {KEPT_NOTE[explained.cell]}.</p>'
        )
    elif explained.cell == "rnn":
        parts.append('<p class="note">a plain RNN has no gates.</p>')
    return "<section>" + "\n".join(parts) + "</section>"


def page(explanations: list, k: int) -> str:
    body = "\n".join(section_html(e, k) for e in explanations)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>reviewcli explain</title><style>{STYLE}</style></head>"
        f"<body><h1>reviewcli explain</h1>\n{body}\n</body></html>\n"
    )


def plot(explained, path: Path) -> None:
    """PNG heat map: the attribution row (red to green), then each gate's mean (0 to 1) per read token."""
    try:
        import matplotlib
    except ImportError:
        raise ReviewCliError(
            "--plot needs matplotlib: pip install 'reviewcli[plot]' (or pip install matplotlib)."
        ) from None
    matplotlib.use("Agg")
    import io

    from matplotlib import pyplot

    read = [i for i in range(len(explained.tokens)) if explained.seen(i)]
    if not read:
        raise ReviewCliError(f"--plot {path}: the review has no words to draw.")
    labels = [explained.tokens[i].text for i in read]
    rows = [(f"{p} {g}".replace("_", " "), [gate_value(explained.gates[i][p][g]) for i in read])
            for p, g in gate_columns(explained) if g != "cell_norm"]  # fmt: skip
    figure, axes = pyplot.subplots(
        2 if rows else 1, 1, squeeze=False, figsize=(max(6, 0.5 * len(read) + 3), 1.5 + 0.4 * len(rows)),
        gridspec_kw={"height_ratios": [1, max(1, len(rows))] if rows else [1]},
    )  # fmt: skip
    scale = strongest(explained)
    top = axes[0][0].imshow(
        [[explained.attribution[i] for i in read]], cmap="RdYlGn", vmin=-scale, vmax=scale, aspect="auto"
    )
    axes[0][0].set_yticks([0], ["attribution"])
    axes[0][0].set_xticks(range(len(read)), labels, rotation=60, ha="right")
    axes[0][0].set_title(headline(explained), fontsize=9)
    figure.colorbar(top, ax=axes[0][0])
    if rows:
        image = axes[1][0].imshow([values for _, values in rows], cmap="viridis", vmin=0, vmax=1, aspect="auto")
        axes[1][0].set_yticks(range(len(rows)), [name for name, _ in rows])
        axes[1][0].set_xticks(range(len(read)), labels, rotation=60, ha="right")
        figure.colorbar(image, ax=axes[1][0])
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    pyplot.close(figure)
    write_atomic(path, buffer.getvalue())
