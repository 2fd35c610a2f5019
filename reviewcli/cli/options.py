"""Options shared by the commands: one name, one meaning, one line of help each; choices are built
from the library's tuples and defaults read from reviewcli.core.config, never written here again."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from reviewcli.compare.search import PRUNERS
from reviewcli.core.config import CELLS, DEFAULT_THRESHOLD, DEVICES, ENGINES, EXPLAIN_METHODS, PRECISIONS
from reviewcli.core.labels import SCHEMES
from reviewcli.io.inputs import FORMS
from reviewcli.io.locate import STDIN_FORMATS


def choice(name: str, values) -> type[Enum]:
    """A `str` Enum whose members are `values`, for Typer to offer (`--cell gru|lstm|rnn`)."""
    return Enum(name, {value: value for value in values}, type=str)


def value_of(chosen: Optional[Enum]) -> Optional[str]:
    return chosen.value if chosen is not None else None


# --format: one set of values across the commands, each offering those that apply
FORMATS = ("table", "tsv", "csv", "jsonl", "json", "html")
Cell = choice("Cell", CELLS)
Device = choice("Device", DEVICES)
Precision = choice("Precision", PRECISIONS)
LabelScheme = choice("LabelScheme", SCHEMES)
DataFormat = choice("DataFormat", STDIN_FORMATS)  # labelled DATA on standard input
ReviewFormat = choice("ReviewFormat", FORMS)  # reviews to read: --input FILE or -
Engine = choice("Engine", ENGINES)
Pruner = choice("Pruner", PRUNERS)
ExplainMethod = choice("ExplainMethod", EXPLAIN_METHODS)
PredictFormat = choice("PredictFormat", ("table", "tsv", "csv", "jsonl", "json"))
EvaluateFormat = choice("EvaluateFormat", ("table", "tsv", "csv", "json", "jsonl"))
# `text` is the old name of `table`, accepted for one release and not shown
ExplainFormat = choice("ExplainFormat", ("table", "jsonl", "json", "html", "text"))
TableOrJson = choice("TableOrJson", ("table", "json"))

# help panels, in the order they show
INPUT, OUTPUT, MODEL, TRAINING, DATA, SEARCH, SPARK = "Input", "Output", "Model", "Training", "Data", "Search", "Spark"


def option(*names: str, help: str, panel: Optional[str] = None, metavar: Optional[str] = None, **more):
    """typer.Option with the house defaults: choices ignore case, no default shown unless asked."""
    more.setdefault("show_default", False)
    more.setdefault("case_sensitive", False)
    return typer.Option(*names, help=help, rich_help_panel=panel, metavar=metavar, **more)


def alias(*names: str, **more):
    """An old spelling, accepted for one release and left out of help."""
    return typer.Option(*names, hidden=True, show_default=False, case_sensitive=False, **more)


# --- reviews in ---------------------------------------------------------------------------------
TextColumn = Annotated[Optional[str], option(metavar="COLUMN", help="Text column (default: by name).", panel=INPUT)]
LabelColumn = Annotated[Optional[str], option(metavar="COLUMN", help="Label column (default: by name).", panel=INPUT)]
LabelSchemeOption = Annotated[
    Optional[LabelScheme],
    option(metavar="SCHEME", help="How labels read (default: detected).", panel=INPUT),
]
SkipUnknownLabels = Annotated[
    bool, option("--skip-unknown-labels", help="Leave out rows with unknown labels.", panel=INPUT)
]
DataInputFormat = Annotated[
    Optional[DataFormat],
    option("--input-format", metavar="FORMAT", panel=INPUT,
           help="Format of DATA - (default: detected)."),
]  # fmt: skip
ReviewInputFormat = Annotated[
    Optional[ReviewFormat],
    option("--input-format", metavar="FORMAT", panel=INPUT,
           help="lines, csv, tsv, jsonl, json or parquet."),
]  # fmt: skip
Delimiter = Annotated[
    Optional[str],
    option(metavar="CHAR", panel=INPUT, help="CSV delimiter (default: sniffed)."),
]
KeepMarkup = Annotated[
    bool, option("--keep-markup", help="Read HTML and BBCode tags as words.", panel=INPUT)
]
InputFile = Annotated[
    Optional[str], option("--input", "-i", metavar="FILE", help="File of reviews, or - for stdin.", panel=INPUT)
]

# --- the model ----------------------------------------------------------------------------------
ModelDir = Annotated[
    Optional[Path], option("--model", "-m", metavar="DIR", help="Model (default: $REVIEWCLI_MODEL or shipped).")
]
DeviceOption = Annotated[Device, option(metavar="DEVICE", help="auto (CUDA when present), cpu or cuda.")]
PrecisionOption = Annotated[Precision, option(metavar="DTYPE", help="fp32, bf16, or auto: bf16 on CUDA only.")]
Threshold = Annotated[
    float, option(min=0.0, max=1.0, metavar="P", help=f"Positive from this P (default: {DEFAULT_THRESHOLD})."),
]
DEFAULT_P = DEFAULT_THRESHOLD

# --- results out --------------------------------------------------------------------------------
OutFile = Annotated[Optional[Path], option("--out", "-o", metavar="FILE", help="Write to FILE (atomically), not stdout.", panel=OUTPUT)]
Quiet = Annotated[bool, option("--quiet", "-q", help="No progress or notes on stderr.")]

# --- training -----------------------------------------------------------------------------------
Force = Annotated[bool, option("--force", help="Replace the model already in --out.", panel=OUTPUT)]
Resume = Annotated[bool, option("--resume", help="Go on from the checkpoint in --out.", panel=OUTPUT)]
Epochs = Annotated[int, option(min=1, metavar="N", show_default=True, help="Most passes over the data.", panel=TRAINING)]
BatchSize = Annotated[int, option(min=1, metavar="N", show_default=True, help="Reviews per batch.", panel=TRAINING)]
LearningRate = Annotated[float, option(min=0.0, metavar="RATE", show_default=True, help="Peak rate of AdamW.", panel=TRAINING)]
Seed = Annotated[int, option(metavar="N", show_default=True, help="Random seed.", panel=TRAINING)]
MaxLength = Annotated[int, option(min=1, metavar="N", show_default=True, help="Tokens kept per review.", panel=DATA)]
MinFreq = Annotated[int, option(min=1, metavar="N", show_default=True, help="Fewest uses of a word to keep it.", panel=DATA)]
MaxVocab = Annotated[int, option(min=3, metavar="N", show_default=True, help="Largest vocabulary.", panel=DATA)]
