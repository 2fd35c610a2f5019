"""`reviewcli explain`: which words decided a review, drawn for people or written for programs."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from reviewcli.cli.app import Command, app, examples, fail, stderr_say, user_errors
from reviewcli.cli.options import (
    DEFAULT_P,
    OUTPUT,
    Delimiter,
    Device,
    DeviceOption,
    ExplainFormat,
    ExplainMethod,
    InputFile,
    KeepMarkup,
    ModelDir,
    OutFile,
    Quiet,
    ReviewInputFormat,
    TextColumn,
    Threshold,
    option,
    value_of,
)
from reviewcli.cli.reading import check_reading_options, delimiter_of, hint_typing, reviews_to_read
from reviewcli.core.config import DEFAULT_TOP_K

PLOT_NAME = "explain.png"
EXPLAIN_EXAMPLES = examples(
    'reviewcli explain "Not bad at all, my kids ask for it every morning" --gates',
    'reviewcli explain "soggy and stale" --format json | jq ".[0].tokens"',
    'reviewcli explain "great taste, awful price" -f html -o why.html --plot p/',
)


@app.command(cls=Command, epilog=EXPLAIN_EXAMPLES, short_help="Show which words decided a review's label.")
@user_errors
def explain(
    texts: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="TEXT", show_default=False, help="Reviews to explain, or - to read stdin."),
    ] = None,
    input: InputFile = None,
    input_format: ReviewInputFormat = None,
    text_column: TextColumn = None,
    delimiter: Delimiter = None,
    keep_markup: KeepMarkup = False,
    model: ModelDir = None,
    threshold: Threshold = DEFAULT_P,
    device: DeviceOption = Device.auto,
    method: Annotated[ExplainMethod, option(metavar="METHOD", help="ig or occlusion (default: ig).")] = ExplainMethod.ig,
    gates: Annotated[bool, option("--gates", help="Also show each gate of the cell per word.")] = False,
    top_k: Annotated[int, option("--top-k", min=1, metavar="K", show_default=True, help="Words listed as deciding most.")] = DEFAULT_TOP_K,
    format: Annotated[
        ExplainFormat, option("--format", "-f", metavar="FORMAT", panel=OUTPUT, show_default=True, help="table, jsonl, json or html.")
    ] = ExplainFormat.table,
    out: OutFile = None,
    plot: Annotated[Optional[Path], option(metavar="DIR", panel=OUTPUT, help=f"Draw the word x gate heat map as DIR/{PLOT_NAME}.")] = None,
    quiet: Quiet = False,
) -> None:
    """Show which words decided a review's label, and with --gates what the recurrent cell kept and forgot.

    Scores are in the logit of positive: + pushed towards positive, - towards negative."""
    texts = list(texts or [])
    texts, input = reviews_to_read(texts, input)
    check_reading_options(input, text_column, input_format, delimiter)
    if plot is not None and len(texts) > 1:
        raise fail(f"--plot draws one review; {len(texts)} were given. Give one, or leave --plot out.")
    hint_typing(input, quiet)
    say = stderr_say(quiet)
    png = plot_file(plot, say) if plot is not None else None
    form = "table" if format == ExplainFormat.text else format.value
    from reviewcli import commands
    from reviewcli.cli.render import results_to
    from reviewcli.cli.render.explain_page import plot as draw
    from reviewcli.cli.render.explain_writer import ExplainWriter
    from reviewcli.inference.batching import Unread

    explanations, report = commands.explain(
        texts, input_path=input, model_dir=model, text_column=text_column, method=method.value,
        gates=gates or form == "html" or png is not None, device=device.value, one=png is not None,
        threshold=threshold, input_format=value_of(input_format), delimiter=delimiter_of(delimiter), say=say,
        keep_markup=keep_markup,
    )  # fmt: skip
    with results_to(out) as stream:
        writer = ExplainWriter(form, top_k=top_k, gates=gates, stream=stream, to_file=out is not None)
        unread = None
        for number, explained in enumerate(explanations, start=1):
            unread = unread or Unread(explained.max_length)
            unread.add(len(explained.tokens))
            writer.write(explained)
            if not explained.judged:
                say(f"Note: review {number} has too few words the model knows (another language, symbols only?): "
                    f"predict leaves it unscored, and its {explained.label} here is a guess.")
            if png is not None:
                draw(explained, png)
        writer.close()
    if report is not None and report.warning():
        say(report.warning())
    if unread is not None and unread.note():
        say(unread.note())


def plot_file(plot: Path, say) -> Path:
    """--plot DIR: DIR/explain.png, DIR made if missing. A name ending in .png is the old --plot FILE,
    still taken as the file for one release."""
    if plot.suffix.lower() == ".png":
        say(f"Note: --plot takes a folder now; {plot} is written as given this once. Use --plot DIR for DIR/{PLOT_NAME}.")
        return plot
    try:
        plot.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise fail(f"--plot {plot}: cannot make that folder ({error.strerror or error}). Choose another.") from None
    return plot / PLOT_NAME
