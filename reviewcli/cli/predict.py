"""`reviewcli predict`: reviews in (arguments, --input FILE, -), one line out per review, in order."""

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from reviewcli.cli.app import Command, app, examples, fail, stderr_say, user_errors
from reviewcli.cli.options import (
    DEFAULT_P,
    OUTPUT,
    SPARK,
    Delimiter,
    Device,
    DeviceOption,
    Engine,
    InputFile,
    KeepMarkup,
    ModelDir,
    OutFile,
    Precision,
    PrecisionOption,
    PredictFormat,
    Quiet,
    ReviewInputFormat,
    TextColumn,
    Threshold,
    alias,
    option,
    value_of,
)
from reviewcli.cli.reading import check_reading_options, delimiter_of, hint_typing, reviews_to_read

PREDICT_EXAMPLES = examples(
    'reviewcli predict "great taste" "soggy and stale, never again"',
    'reviewcli predict -- "-1 stars if I could"',
    "cat reviews.txt | reviewcli predict - --format jsonl",
    "reviewcli predict -i reviews.csv --text-column body --out scored.csv",
    "reviewcli predict -i 'reviews/*.parquet' --engine spark --out scored/",
)


@app.command(cls=Command, epilog=PREDICT_EXAMPLES, short_help="Classify reviews as positive or negative.")
@user_errors
def predict(
    texts: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="TEXT", show_default=False,
                       help="Reviews to classify, or - to read stdin."),
    ] = None,  # fmt: skip
    input: InputFile = None,
    input_format: ReviewInputFormat = None,
    text_column: TextColumn = None,
    delimiter: Delimiter = None,
    keep_markup: KeepMarkup = False,
    model: ModelDir = None,
    threshold: Threshold = DEFAULT_P,
    device: DeviceOption = Device.auto,
    precision: PrecisionOption = Precision.auto,
    format: Annotated[
        Optional[PredictFormat],
        option("--format", "-f", metavar="FORMAT", panel=OUTPUT, help="tsv, csv, jsonl, json, or table at a terminal."),
    ] = None,
    header: Annotated[bool, option("--header", panel=OUTPUT, help="Start tsv with a line of column names.")] = False,
    out: OutFile = None,
    quiet: Quiet = False,
    engine: Annotated[Engine, option(metavar="ENGINE", panel=SPARK, help="local, or spark: score Parquet files on Spark.")] = Engine.local,
    master: Annotated[Optional[str], option(metavar="URL", panel=SPARK, help="Spark master (default: Spark's own).")] = None,
    output: Annotated[Optional[str], alias("--output")] = None,
) -> None:
    """Classify reviews as positive or negative, with the probability of positive.

    One line out per review in, in order; a review with too few words the model knows (another language, symbols only) is left unscored. With --engine spark, --input is a pattern of Parquet files and --out the folder to write (needs reviewcli\\[spark]).
    """
    texts = list(texts or [])
    if output is not None and out is not None:
        raise fail("--output is the old name of --out; give one of them.")
    out = out if output is None else Path(output)
    if engine == Engine.spark or master:
        check_spark_options(texts, input, engine, out, format, header, input_format)
        run_predict_spark(input, str(out), model, master, text_column, threshold, precision.value, quiet)
        return
    texts, input = reviews_to_read(texts, input)
    check_reading_options(input, text_column, input_format, delimiter)
    hint_typing(input, quiet)
    from reviewcli.cli.render import chosen_format

    form = chosen_format(format, out, ("tsv", "csv", "jsonl", "json"), piped="tsv")
    if header and form not in ("tsv", "csv"):
        raise fail(f"--header applies to tsv output (csv always has one), not to {form}. Add --format tsv.")
    run_predict(
        texts, input, model, text_column, form, threshold, device.value, precision.value,
        input_format=value_of(input_format), header=header, out=out, quiet=quiet, delimiter=delimiter_of(delimiter),
        keep_markup=keep_markup,
    )  # fmt: skip


def check_spark_options(texts, input, engine, out, format, header, input_format) -> None:
    if engine != Engine.spark:
        raise fail("--master applies to --engine spark. Add --engine spark, or leave it out.")
    if texts or input is None or out is None:
        raise fail("--engine spark scores Parquet files: give --input 'PATTERN' (e.g. 'reviews/*.parquet') and "
                   "--out DIR, and no reviews as arguments.")  # fmt: skip
    if format or header or input_format:
        raise fail("--engine spark writes Parquet: --format, --header and --input-format do not apply. Leave them out.")


def run_predict_spark(input, out, model, master, text_column, threshold, precision, quiet) -> None:
    from reviewcli import commands

    done = commands.predict_spark(
        input, output=out, model_dir=model, master=master, text_column=text_column, threshold=threshold,
        precision=precision,
    )  # fmt: skip
    stderr_say(quiet)(f"scored {done['rows']:,} reviews of {done['files']:,} file(s) into {done['output']}")


def reading_bar(name: str, size: int | None):
    """predict's progress through a file it reads, on stderr at a terminal (never when stdout is one)."""
    from reviewcli.cli.render.progress import read_progress

    return read_progress(name, size, sys.stdout.isatty())


def run_predict(
    texts, input, model, text_column, form, threshold, device, precision, *, input_format, header, out, quiet, delimiter,
    keep_markup=False,
):  # fmt: skip
    from reviewcli import commands
    from reviewcli.cli.render import results_to
    from reviewcli.cli.render.predictions import PredictionWriter

    predictions = commands.predict(
        texts, input_path=input, model_dir=model, text_column=text_column, threshold=threshold, device=device,
        precision=precision, input_format=input_format, progress=None if quiet else reading_bar, delimiter=delimiter,
        say=stderr_say(quiet), keep_markup=keep_markup,
    )  # fmt: skip
    try:
        with results_to(out) as stream:
            writer = PredictionWriter(form, stream, header=header)
            for chunk in predictions:
                writer.write(chunk)
            writer.close()
    except BrokenPipeError:
        # The reader (`| head -1`) has gone: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    say = stderr_say(quiet)
    for line in predictions.warnings():
        say(line)
