"""`reviewcli evaluate` and `reviewcli info`: what a model scores on labelled reviews, and what it is."""

from typing import Annotated, Optional

import typer

from reviewcli.cli.app import Command, app, examples, stderr_say, user_errors
from reviewcli.cli.options import (
    DEFAULT_P,
    OUTPUT,
    DataInputFormat,
    Delimiter,
    Device,
    DeviceOption,
    EvaluateFormat,
    KeepMarkup,
    LabelColumn,
    LabelSchemeOption,
    ModelDir,
    OutFile,
    Precision,
    PrecisionOption,
    Quiet,
    SkipUnknownLabels,
    TableOrJson,
    TextColumn,
    Threshold,
    option,
    value_of,
)
from reviewcli.cli.reading import delimiter_of, note_stdin

EVALUATE_EXAMPLES = examples(
    "reviewcli evaluate data/test.jsonl",
    "reviewcli evaluate reviews.csv --model my-model --format json",
    "reviewcli evaluate test.csv | awk -F'\\t' '$1 == \"accuracy\" {print $2}'",
    "zcat test.jsonl.gz | reviewcli evaluate - --format csv --out metrics.csv",
)


@app.command(cls=Command, epilog=EVALUATE_EXAMPLES, short_help="Score a model on labelled reviews.")
@user_errors
def evaluate(
    data: Annotated[str, typer.Argument(metavar="DATA", help="Labelled file, folder, hf:NAME or -.")],
    model: ModelDir = None,
    threshold: Threshold = DEFAULT_P,
    device: DeviceOption = Device.auto,
    precision: PrecisionOption = Precision.auto,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    label_scheme: LabelSchemeOption = None,
    skip_unknown_labels: SkipUnknownLabels = False,
    input_format: DataInputFormat = None,
    keep_markup: KeepMarkup = False,
    delimiter: Delimiter = None,
    format: Annotated[
        Optional[EvaluateFormat],
        option("--format", "-f", metavar="FORMAT", panel=OUTPUT, help="tsv, csv, json, jsonl, or table at a terminal."),
    ] = None,
    out: OutFile = None,
    quiet: Quiet = False,
) -> None:
    """Score a model on labelled reviews: accuracy, per-class precision/recall/F1, macro-F1, ROC-AUC."""
    from reviewcli import commands
    from reviewcli.cli.render import chosen_format, results_to
    from reviewcli.cli.render.metrics import write_metrics
    from reviewcli.io.data import Columns

    form = chosen_format(format, out, ("tsv", "csv", "json", "jsonl"), piped="tsv")
    note_stdin([data], "labelled reviews", quiet)
    result = commands.evaluate(
        data, model_dir=model, columns=Columns(text_column, label_column, value_of(label_scheme), skip_unknown_labels, delimiter_of(delimiter)),
        threshold=threshold, device=device.value, precision=precision.value, stdin_format=value_of(input_format),
        say=stderr_say(quiet), keep_markup=keep_markup,
    )  # fmt: skip
    with results_to(out) as stream:
        write_metrics(result, form, stream)


INFO_EXAMPLES = examples(
    "reviewcli info",
    "reviewcli info --model models/lstm --format json | jq .metrics",
)


@app.command(cls=Command, epilog=INFO_EXAMPLES, short_help="Describe a model without loading its weights.")
@user_errors
def info(
    model: ModelDir = None,
    format: Annotated[TableOrJson, option("--format", "-f", metavar="FORMAT", show_default=True, help="table or json.")] = TableOrJson.table,
    quiet: Quiet = False,
) -> None:
    """What a model is: architecture, vocabulary, training data, labels, validation metrics, creation,
    versions and size on disk, from config.json and the weights' header (no weights are loaded)."""
    import json

    from reviewcli.store import artifacts
    from reviewcli.store.info import describe, table_rows

    described = describe(artifacts.default_model_dir(model))
    if format == TableOrJson.json:
        print(json.dumps(described, indent=2, ensure_ascii=False))
        return
    rows = table_rows(described)
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        print(f"{name:<{width}}{value}")
