"""The `reviewcli` command: parse options, call one function in `commands`, render, map errors to exit codes.

Only typer and the standard library are imported here at start-up, so `--help` and usage errors
answer without loading torch.
"""

import functools
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from reviewcli import __version__
from reviewcli.core.config import DEFAULT_NGRAM_BUCKETS, MAX_NGRAM_BUCKETS
from reviewcli.core.errors import ReviewCliError


def hide_type(param) -> None:
    """Help shows a value's metavar (DIR, COLUMN), not a Python type: nothing after a flag (--help,
    --force, --install-completion) instead of `<bool>`, and an argument's name (DATA) without `<list[str]>`."""
    if getattr(param, "is_flag", False) and param.metavar is None:
        param.metavar = ""
    if isinstance(param, TyperArgument) and param.metavar:
        param.display_type_rich = lambda ctx: None


class HelpWithoutTypes:
    def get_params(self, ctx):
        params = super().get_params(ctx)
        for param in params:
            hide_type(param)
        return params


class Group(HelpWithoutTypes, TyperGroup):
    pass


class Command(HelpWithoutTypes, TyperCommand):
    pass


app = typer.Typer(
    help="Sentiment of product reviews: train a GRU, LSTM or RNN classifier, evaluate it, predict.",
    cls=Group,
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)


def examples(*lines: str) -> str:
    """A command's help epilog: example command lines, one per line (rich help keeps the line breaks)."""
    return "\n".join(["Examples:", *(f"$ {line}" for line in lines)])


class Cell(str, Enum):
    gru = "gru"
    lstm = "lstm"
    rnn = "rnn"


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Precision(str, Enum):
    auto = "auto"
    fp32 = "fp32"
    bf16 = "bf16"


class PredictFormat(str, Enum):
    table = "table"
    tsv = "tsv"
    jsonl = "jsonl"
    csv = "csv"


class EvaluateFormat(str, Enum):
    table = "table"
    json = "json"
    tsv = "tsv"
    csv = "csv"


class InfoFormat(str, Enum):
    table = "table"
    json = "json"


class LabelScheme(str, Enum):
    binary = "binary"
    polarity = "polarity"
    signed = "signed"
    stars = "stars"
    words = "words"


class DataFormat(str, Enum):
    """--input-format of train and evaluate: how DATA - (standard input) is read."""

    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    parquet = "parquet"
    fasttext = "fasttext"


def fail(message: str, code: int) -> typer.Exit:
    print(f"Error: {message}", file=sys.stderr)
    return typer.Exit(code)


def user_errors(command):
    """Known failures become one line on stderr and an exit code; no traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ReviewCliError as error:
            print(f"{error.prefix}: {error}", file=sys.stderr)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            raise fail("interrupted.", 130) from None

    return wrapper


def show_version(value: bool) -> None:
    if value:
        print(f"reviewcli {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Sentiment of product reviews: train a GRU, LSTM or RNN classifier, evaluate it, predict."""


TextColumn = Annotated[Optional[str], typer.Option(metavar="COLUMN", help="Column holding the review text (found by name if not given).")]
LabelColumn = Annotated[Optional[str], typer.Option(metavar="COLUMN", help="Column holding the label (found by name if not given).")]
LabelSchemeOption = Annotated[
    Optional[LabelScheme],
    typer.Option(case_sensitive=False, help="How labels read: binary (0/1, true/false), polarity (1 negative, 2 positive), signed "
                 "(-1 negative, 1 positive, 0 neutral), stars (1-2 negative, 4-5 positive, 3 neutral) or words "
                 "(positive/negative, pos/neg, neutral). Default: detected from the column, and told on stderr.", show_default=False),
]
SkipUnknownLabels = Annotated[
    bool,
    typer.Option("--skip-unknown-labels", help="Leave out rows whose label is unknown or missing, with a count on stderr, instead "
                 "of stopping at the first. Neutral rows (3 stars, 0 of -1/0/1, neutral) are always left out and counted."),
]
DataInputFormat = Annotated[
    Optional[DataFormat],
    typer.Option("--input-format", case_sensitive=False, help="Format of DATA - (standard input): jsonl, json, csv, tsv, parquet or "
                 "fasttext (__label__positive text). Default: detected from the first line, and told on stderr.", show_default=False),
]
ModelDir = Annotated[
    Optional[Path],
    typer.Option("--model", "-m", metavar="DIR", help="Model directory. Default: $REVIEWCLI_MODEL, else the shipped model."),
]
DeviceOption = Annotated[Device, typer.Option(case_sensitive=False, help="auto takes CUDA when present.")]
PrecisionOption = Annotated[
    Precision, typer.Option(case_sensitive=False, help="auto: bf16 on CUDA, and for LSTMs on CPUs with bf16 matrix units; else fp32.")
]
Threshold = Annotated[float, typer.Option(min=0.0, max=1.0, metavar="P", help="P(positive) at or above which a review is positive.")]
# options train and pretrain share (their defaults differ)
Force = Annotated[bool, typer.Option("--force", help="Replace the model already in --out.")]
Resume = Annotated[
    bool, typer.Option("--resume", help="Go on from the checkpoint in --out of an interrupted run (same command and data).")
]
BatchSize = Annotated[int, typer.Option(min=1, metavar="N", help="Reviews per batch.", rich_help_panel="Training")]
LearningRate = Annotated[float, typer.Option(min=0.0, metavar="RATE", help="Peak learning rate of AdamW.", rich_help_panel="Training")]
MaxLength = Annotated[int, typer.Option(min=1, metavar="TOKENS", help="Tokens kept per review (start and end).", rich_help_panel="Data")]
MinFreq = Annotated[int, typer.Option(min=1, metavar="N", help="Fewest occurrences for a word to enter the vocabulary.", rich_help_panel="Data")]
MaxVocab = Annotated[int, typer.Option(min=3, metavar="WORDS", help="Largest vocabulary, <pad> and <unk> included.", rich_help_panel="Data")]


TRAIN_EXAMPLES = examples(
    "reviewcli train data/ --cell lstm --out models/mine",
    "reviewcli train reviews.csv --text-column body --label-column stars -q",
    "reviewcli train labelled.csv --init models/pretrained --out my-model",
)


@app.command(cls=Command, epilog=TRAIN_EXAMPLES)
@user_errors
def train(
    context: typer.Context,
    data: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="DATA", help="Files, folders (train/validation/test files), Hugging Face dataset names (hf:NAME "
                       "skips the local check), or - for standard input. Default: the project's data/ folder.", show_default=False),
    ] = None,
    cell: Annotated[Optional[Cell], typer.Option(case_sensitive=False, help="Recurrent cell: gru, lstm, or rnn (plain Elman baseline). Default: lstm (the shipped encoder's), or the --init model's. Another cell starts its encoder from random weights.", rich_help_panel="Model", show_default=False)] = None,
    embedding_dim: Annotated[
        Optional[int],
        typer.Option(min=1, metavar="N", help="Size of the word embeddings. Default: 300, the shipped vectors'; the dimension of --vectors; 128 with --from-scratch. Another size trains from scratch.",
                     rich_help_panel="Model", show_default=False),
    ] = None,
    from_scratch: Annotated[
        bool,
        typer.Option("--from-scratch", help="Start from random weights, not from the shipped word vectors and pretrained encoder.",
                     rich_help_panel="Model"),
    ] = False,
    vectors: Annotated[
        Optional[Path],
        typer.Option(metavar="FILE", help="Pretrained word vectors (word2vec or GloVe text, .gz too) to start the embeddings from.",
                     rich_help_panel="Model", show_default=False),
    ] = None,
    init: Annotated[
        Optional[Path],
        typer.Option(metavar="DIR", help="Fine-tune this model's vocabulary, embedding and encoder (from reviewcli pretrain, or any "
                     "reviewcli model) instead of starting from random; its architecture is used.",
                     rich_help_panel="Model", show_default=False),
    ] = None,
    new_words: Annotated[bool, typer.Option(help="With --init: add the training data's words that its vocabulary lacks (--min-freq or more; --max-vocab does not cap them), starting from its mean embedding. Off: it gained nothing on CR, MR and SST-2 validation.", rich_help_panel="Model")] = False,
    gradual: Annotated[bool, typer.Option(help="With --init: train the head first, then a layer per epoch from the top, each at 1/2.6 the rate above (ULMFiT). Off: all at once, which did better on CR and SST-2.", rich_help_panel="Model")] = False,
    hidden: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Hidden units per direction. Default: 128.", rich_help_panel="Model", show_default=False)] = None,
    layers: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Stacked recurrent layers. Default: 1.", rich_help_panel="Model", show_default=False)] = None,
    bidirectional: Annotated[Optional[bool], typer.Option(help="Read reviews in both directions. Default: both.", rich_help_panel="Model", show_default=False)] = None,
    dropout: Annotated[float, typer.Option(min=0.0, max=0.95, metavar="P", help="Dropout on embeddings and pooled states.", rich_help_panel="Model")] = 0.3,
    ngram_buckets: Annotated[int, typer.Option(min=0, max=MAX_NGRAM_BUCKETS, metavar="N", help="Weights for hashed word pairs in the linear bag of words and pairs whose score joins the encoder's. 0 leaves the bag out.", rich_help_panel="Model")] = DEFAULT_NGRAM_BUCKETS,
    epochs: Annotated[int, typer.Option(min=1, metavar="N", help="Most passes over the training data.", rich_help_panel="Training")] = 10,
    batch_size: BatchSize = 64,
    lr: LearningRate = 2e-3,
    max_length: MaxLength = 400,
    min_freq: MinFreq = 2,
    max_vocab: MaxVocab = 30000,
    val_fraction: Annotated[float, typer.Option(min=0.01, max=0.9, metavar="FRACTION", help="Held out for validation when the data has no validation split.", rich_help_panel="Data")] = 0.1,
    patience: Annotated[int, typer.Option(min=1, metavar="EPOCHS", help="Stop after this many epochs without a better validation score.", rich_help_panel="Training")] = 3,
    seed: Annotated[int, typer.Option(metavar="N", help="Same seed and data give the same model on the CPU.", rich_help_panel="Training")] = 13,
    adversarial: Annotated[float, typer.Option(min=0.0, metavar="FRACTION", help="Also train on each review's word vectors pushed against the model by this fraction of their norm (adversarial training, Miyato et al. 2017). 0 turns it off and makes each step about twice as fast.", rich_help_panel="Training")] = 0.05,
    device: DeviceOption = Device.auto,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    label_scheme: LabelSchemeOption = None,
    skip_unknown_labels: SkipUnknownLabels = False,
    input_format: DataInputFormat = None,
    out: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Model directory to write (after every epoch, with a checkpoint). Default: models/<cell>.", show_default=False)] = None,
    force: Force = False,
    resume: Resume = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Train a sentiment model on labelled reviews and save it as a model directory.

    Ctrl-C (or SIGTERM) stops at the next batch and keeps the best model so far and a checkpoint;
    the same command with --resume goes on from there."""
    from reviewcli import commands
    from reviewcli.cli.progress import make_reporter
    from reviewcli.core.config import TrainConfig
    from reviewcli.io.data import Columns

    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, patience=patience, seed=seed,
        device=device.value, min_freq=min_freq, max_vocab=max_vocab, val_fraction=val_fraction,
        adversarial=adversarial,
    )  # fmt: skip
    model_options = given_options(
        cell=cell.value if cell else None, embedding_dim=embedding_dim, hidden=hidden, layers=layers,
        bidirectional=bidirectional, dropout=dropout, ngram_buckets=ngram_buckets,
    )  # fmt: skip; what is left out comes from ModelConfig, --vectors or --init
    reporter = make_reporter(quiet)
    note_stdin(list(data or []), "training data", quiet)
    columns = Columns(text_column, label_column, value_of(label_scheme), skip_unknown_labels)
    summary = commands.train(
        list(data or []), columns=columns, model_options=model_options,
        config=config, out=out, reporter=reporter, vectors=vectors, init=init, gradual=gradual,
        new_words=new_words, force=force, resume=resume, command=resume_command(context),
        stdin_format=value_of(input_format), from_scratch=from_scratch,
    )  # fmt: skip
    reporter.finish(summary)


def resume_command(context: typer.Context) -> str:
    """The command line being run, as the user gave it, with --resume: what continues this run."""
    import shlex

    words = ["reviewcli", context.info_name]
    for param in context.command.params:
        source = context.get_parameter_source(param.name)
        if getattr(source, "name", None) != "COMMANDLINE" or param.name in ("force", "resume"):
            continue
        words += command_words(param, context.params.get(param.name))
    return shlex.join([*words, "--resume"])


def command_words(param, value) -> list[str]:
    """One parameter as it would be typed."""
    values = value if isinstance(value, (list, tuple)) else [value]
    values = [v.value if isinstance(v, Enum) else str(v) for v in values]
    if param.param_type_name == "argument":
        return values
    if param.is_flag:
        if value:
            return [param.opts[0]]
        return [param.secondary_opts[0]] if param.secondary_opts else []
    return [param.opts[0], *values]


def value_of(choice: Optional[Enum]) -> Optional[str]:
    return choice.value if choice is not None else None


def note_stdin(data: list[str], what: str, quiet: bool = False) -> None:
    """Typing into `reviewcli train -` at a terminal would otherwise look like a hang."""
    if "-" in data and not quiet and sys.stdin.isatty() and os.environ.get("CI") != "true":
        print(f"Reading {what} from standard input (JSONL or CSV; Ctrl-D to end)...", file=sys.stderr)


def given_options(**options) -> dict:
    """The options the user gave (not None)."""
    return {name: value for name, value in options.items() if value is not None}


def explicit_options(context: typer.Context, options: dict) -> dict:
    """Those of options typed on the command line, not defaults."""
    typed = (name for name in options if getattr(context.get_parameter_source(name), "name", None) == "COMMANDLINE")
    return {name: options[name] for name in typed}


PRETRAIN_EXAMPLES = examples(
    "reviewcli pretrain unlabeled.txt --cell lstm --out models/pretrained",
    "reviewcli pretrain reviews/ --epochs 3 --out models/pretrained --resume",
)


@app.command(cls=Command, epilog=PRETRAIN_EXAMPLES)
@user_errors
def pretrain(
    context: typer.Context,
    data: Annotated[
        list[str],
        typer.Argument(metavar="DATA", help="Unlabeled review text: .jsonl/.csv/.tsv files (text column found by name), .txt (a "
                       "review a line), or folders (their train.* and unlabeled.* files; test splits never).",
                       show_default=False),
    ],
    cell: Annotated[Cell, typer.Option(case_sensitive=False, help="Recurrent cell of the encoder (lstm: train's default, and the shipped encoder's).", rich_help_panel="Model")] = Cell.lstm,
    init: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Go on from this pretrained encoder (an earlier stage: general text first, then reviews); its architecture is kept.", rich_help_panel="Model", show_default=False)] = None,
    from_scratch: Annotated[bool, typer.Option("--from-scratch", help="Learn an embedding instead of reading words through the shipped 300-dimensional vectors (held fixed, not saved).", rich_help_panel="Model")] = False,
    embedding_dim: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Size of the word embeddings. Default: 300, the shipped vectors'; 128 with --from-scratch.", rich_help_panel="Model", show_default=False)] = None,
    hidden: Annotated[int, typer.Option(min=1, metavar="N", help="Hidden units per direction.", rich_help_panel="Model")] = 128,
    layers: Annotated[int, typer.Option(min=1, metavar="N", help="Stacked recurrent layers.", rich_help_panel="Model")] = 1,
    bidirectional: Annotated[bool, typer.Option(help="Train a backward language model too.", rich_help_panel="Model")] = True,
    dropout: Annotated[float, typer.Option(min=0.0, max=0.95, metavar="P", help="Dropout on embeddings and states.", rich_help_panel="Model")] = 0.1,
    epochs: Annotated[int, typer.Option(min=1, metavar="N", help="Passes over the text.", rich_help_panel="Training")] = 2,
    batch_size: BatchSize = 64,
    lr: LearningRate = 2e-3,
    max_length: Annotated[int, typer.Option(min=2, metavar="TOKENS", help="Tokens kept per review (start and end); 2 or more, as each word predicts its neighbour.", rich_help_panel="Data")] = 400,
    min_freq: MinFreq = 3,
    max_vocab: MaxVocab = 30000,
    max_tokens: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Read no more text than this many tokens (files in order). Default: all.", rich_help_panel="Data", show_default=False)] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Same seed and text give the same encoder on the CPU.", rich_help_panel="Training")] = 13,
    device: DeviceOption = Device.auto,
    text_column: TextColumn = None,
    out: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Directory to write the encoder to (the best so far after every epoch, with a checkpoint). Default: models/pretrained.", show_default=False)] = None,
    force: Force = False,
    resume: Resume = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Pretrain the embedding and encoder as next-word language models on unlabeled reviews, for train --init.

    Ctrl-C (or SIGTERM) stops at the next batch and keeps a checkpoint; the same command with
    --resume goes on from there."""
    from reviewcli import commands
    from reviewcli.cli.progress import make_reporter
    from reviewcli.core.config import TrainConfig

    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, seed=seed, device=device.value,
        min_freq=min_freq, max_vocab=max_vocab, adversarial=0.0,
    )  # fmt: skip; the language model trains without adversarial steps
    model_options = dict(cell=cell.value, hidden=hidden, layers=layers, bidirectional=bidirectional, dropout=dropout)
    if embedding_dim is not None or from_scratch:
        model_options["embedding_dim"] = embedding_dim or 128
    if init is not None:  # the stage before decides the architecture
        model_options = {"dropout": dropout, **explicit_options(context, model_options)}
    reporter = make_reporter(quiet)
    summary = commands.pretrain(
        data, text_column=text_column, model_options=model_options, config=config, out=out, reporter=reporter,
        force=force, resume=resume, command=resume_command(context), table=not from_scratch, init=init,
        max_tokens=max_tokens,
    )  # fmt: skip
    reporter.finish(summary)


EVALUATE_EXAMPLES = examples(
    "reviewcli evaluate data/test.jsonl",
    "reviewcli evaluate reviews.csv --model my-model --format json",
    "reviewcli evaluate test.csv | awk -F'\\t' '$1 == \"accuracy\" {print $2}'",
    "zcat test.jsonl.gz | reviewcli evaluate - --format csv",
)


@app.command(cls=Command, epilog=EVALUATE_EXAMPLES)
@user_errors
def evaluate(
    data: Annotated[str, typer.Argument(metavar="DATA", help="Labelled file, folder (its test split is used), Hugging Face "
                                         "dataset (hf:NAME skips the local check), or - for standard input.")],
    model: ModelDir = None,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    label_scheme: LabelSchemeOption = None,
    skip_unknown_labels: SkipUnknownLabels = False,
    input_format: DataInputFormat = None,
    format: Annotated[
        Optional[EvaluateFormat],
        typer.Option("--format", "-f", case_sensitive=False, help="table on a terminal, tsv (name<TAB>value lines) when piped; "
                     "or json, csv (metric,value).", show_default=False),
    ] = None,
    threshold: Threshold = 0.5,
    device: DeviceOption = Device.auto,
    precision: PrecisionOption = Precision.auto,
) -> None:
    """Score a model on labelled reviews: accuracy, per-class precision/recall/F1, macro-F1, ROC-AUC."""
    import json

    from reviewcli import commands
    from reviewcli.cli import report
    from reviewcli.io.data import Columns

    note_stdin([data], "labelled reviews")
    result = commands.evaluate(
        data, model_dir=model, columns=Columns(text_column, label_column, value_of(label_scheme), skip_unknown_labels),
        threshold=threshold, device=device.value, precision=precision.value, stdin_format=value_of(input_format),
        say=lambda text: print(text, file=sys.stderr),
    )  # fmt: skip
    form = format or (EvaluateFormat.table if sys.stdout.isatty() else EvaluateFormat.tsv)
    if form == EvaluateFormat.json:
        print(json.dumps(result, indent=2))
    elif form == EvaluateFormat.table:
        report.print_metrics(result)
    else:
        report.write_rows(result, form.value)


COMPARE_EXAMPLES = examples(
    "reviewcli compare data/ --budget 20m",
    "reviewcli compare reviews.csv --cells gru,lstm --trials 20 --study compare.db --out compare/",
    "reviewcli compare data/ --trials 8 --seeds 3 --format json --plot plots/",
)


class Pruner(str, Enum):
    median = "median"
    hyperband = "hyperband"


class CompareFormat(str, Enum):
    table = "table"
    json = "json"


def parse_cells(text: str) -> list[str]:
    """'gru, LSTM' -> ['gru', 'lstm']; an unknown or missing cell is a usage error."""
    cells = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in cells if name not in Cell.__members__]
    if unknown or not cells:
        what = f"unknown cell {unknown[0]!r}" if unknown else "no cell given"
        raise fail(f"--cells {text}: {what}. Give some of gru, lstm, rnn, separated by commas.", 2)
    return list(dict.fromkeys(cells))


@app.command(cls=Command, epilog=COMPARE_EXAMPLES)
@user_errors
def compare(
    data: Annotated[str, typer.Argument(metavar="DATA", help="Labelled file, folder (train/validation/test files) or Hugging Face dataset.", show_default=False)],
    cells: Annotated[str, typer.Option(metavar="CELLS", help="Cells to compare, separated by commas.", rich_help_panel="Search")] = "gru,lstm,rnn",
    trials: Annotated[Optional[int], typer.Option(min=1, metavar="N", help="Trials per cell, counting those already in --study. Default: 10, or as many as --budget holds.", rich_help_panel="Search", show_default=False)] = None,
    budget: Annotated[Optional[str], typer.Option(metavar="DURATION", help="Time for the search (90s, 20m, 1h30m); rounds of one trial per cell run while the next fits. Retraining the seeds comes on top.", rich_help_panel="Search", show_default=False)] = None,
    epochs: Annotated[int, typer.Option(min=1, metavar="N", help="Epochs of every trial and of the retraining.", rich_help_panel="Search")] = 5,
    pruner: Annotated[Pruner, typer.Option(case_sensitive=False, help="Stops trials below the median of earlier ones at the same epoch (from epoch 2, after 3 trials), or Hyperband.", rich_help_panel="Search")] = Pruner.median,
    study: Annotated[Optional[Path], typer.Option(metavar="FILE", help="SQLite file keeping the search; a second call resumes or extends it. Default: in memory.", rich_help_panel="Search", show_default=False)] = None,
    seeds: Annotated[int, typer.Option(min=1, metavar="N", help="Seeds each cell's best configuration is retrained with and tested.")] = 3,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the search, of the trials and of the first retraining (then N+1, ...).")] = 13,
    batch_size: BatchSize = 64,
    max_length: MaxLength = 400,
    min_freq: MinFreq = 2,
    max_vocab: MaxVocab = 30000,
    device: DeviceOption = Device.auto,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    out: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Folder for each cell's best model (DIR/gru, ...; for predict and evaluate), trials.csv and compare.json.", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace models already in --out.")] = False,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", case_sensitive=False, help="table (rich on a terminal) or json.")] = CompareFormat.table,
    plot: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Write PNGs: accuracy by review length, validation curves, accuracy against training time.", show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Compare GRU, LSTM and plain RNN on your data: the same hyperparameter search for each, the
    best of each retrained with several seeds, tested on the same test reviews, and a verdict.

    Search space (Optuna TPE, seeded; each trial scored on its best epoch's validation accuracy):
    learning rate 3e-4 to 1e-2 (log scale); hidden units 64, 128 or 256; layers 1 or 2; dropout 0 to
    0.5; adversarial size 0, 0.02, 0.05 or 0.1; for LSTMs, the forget-gate bias at the start, 0 or 1
    (Jozefowicz et al. 2015). Fixed: embeddings of 128, bidirectional, max+mean pooling.

    Test reviews: DATA's test split, used once at the end; without one, 20 % of train (stratified)
    is set aside before the search. Pairs: accuracy difference with a paired bootstrap 95 % interval
    (reviews and seeds resampled), exact McNemar on the seeds' ensembles (mean probability); the
    larger of the two p-values, Holm-corrected over the pairs. A cell wins only when the interval
    excludes 0 and the corrected p is below 0.05."""
    from reviewcli.compare import search
    from reviewcli.core.config import TrainConfig

    chosen = parse_cells(cells)
    seconds = search.parse_duration(budget) if budget is not None else None
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, max_length=max_length, min_freq=min_freq, max_vocab=max_vocab,
        seed=seed, device=device.value,
    )  # fmt: skip
    settings = search.Settings(
        cells=chosen, config=config, space=search.SPACE, trials=trials or (None if seconds else 10), budget=seconds,
        pruner=pruner.value, study=study,
    )  # fmt: skip
    run_compare(data, settings, text_column, label_column, seeds=seeds, out=out, plot=plot, force=force,
                form=format, quiet=quiet)  # fmt: skip


def run_compare(data: str, settings, text_column, label_column, *, seeds, out, plot, force, form, quiet) -> None:
    import json

    from reviewcli import commands
    from reviewcli.compare.report import print_table
    from reviewcli.io.data import Columns

    say = (lambda text: None) if quiet else (lambda text: print(text, file=sys.stderr))
    report = commands.compare(
        data, columns=Columns(text_column, label_column), settings=settings, seeds=seeds, out=out, plot=plot,
        force=force, say=say,
    )  # fmt: skip
    if form == CompareFormat.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)


def reviews_to_read(texts: list[str], input: str | None) -> tuple[list[str], str | None]:
    """(reviews given as arguments, the file or - to read them from): exactly one of the two."""
    if input is not None and texts:
        raise fail("give reviews as arguments (or -) or with --input FILE, not both.", 2)
    if texts == ["-"]:
        return [], "-"
    if input is None and not texts:
        raise fail("no reviews given. Pass them as arguments, or - to read standard input.", 2)
    return texts, input


def hint_typing(input: str | None) -> None:
    """Someone at a terminal who typed `- ` learns the command waits for them."""
    if input == "-" and sys.stdin.isatty() and os.environ.get("CI") != "true":
        print("Reading reviews from standard input, one per line (Ctrl-D to end)...", file=sys.stderr)


PREDICT_EXAMPLES = examples(
    'reviewcli predict "great taste" "soggy and stale, never again"',
    'reviewcli predict -- "-1 stars if I could"',
    "cat reviews.txt | reviewcli predict - --format jsonl",
    "reviewcli predict --input reviews.csv --text-column body --format csv > scored.csv",
    "zcat reviews.jsonl.gz | reviewcli predict - --input-format jsonl",
    "reviewcli predict --input 'reviews/*.parquet' --engine spark --master local[2] --output scored/",
)


class Engine(str, Enum):
    local = "local"
    spark = "spark"


class InputFormat(str, Enum):
    lines = "lines"
    csv = "csv"
    tsv = "tsv"
    jsonl = "jsonl"
    json = "json"
    parquet = "parquet"


@app.command(cls=Command, epilog=PREDICT_EXAMPLES)
@user_errors
def predict(
    texts: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="TEXT", help="Reviews to classify; - reads one review per line from standard input. A review "
                       "starting with - goes after -- (reviewcli predict -- \"-1 stars\").", show_default=False),
    ] = None,
    input: Annotated[
        Optional[str],
        typer.Option("--input", "-i", metavar="FILE", help="File of reviews: one per line (.txt), a column of .csv, .tsv, "
                     ".jsonl, .json or .parquet, any of them .gz-compressed.", show_default=False),
    ] = None,
    input_format: Annotated[
        Optional[InputFormat],
        typer.Option(case_sensitive=False, help="How to read --input or - : lines, csv, tsv, jsonl, json or parquet. "
                     "Default: by file name; standard input is lines (jsonl with --text-column).", show_default=False),
    ] = None,
    model: ModelDir = None,
    text_column: TextColumn = None,
    format: Annotated[
        Optional[PredictFormat],
        typer.Option("--format", "-f", case_sensitive=False, help="table on a terminal, tsv when piped; or jsonl, csv. "
                     "Each gives label, probability (of positive) and score (of the label); input columns are kept.",
                     show_default=False),
    ] = None,
    header: Annotated[bool, typer.Option("--header", help="Start tsv output with a line of column names (csv always has one).")] = False,
    threshold: Threshold = 0.5,
    device: DeviceOption = Device.auto,
    precision: PrecisionOption = Precision.auto,
    engine: Annotated[
        Engine, typer.Option(case_sensitive=False, help="local: this process. spark: --input is a pattern of Parquet "
                             "files, scored on Spark into Parquet files in --output (needs reviewcli[spark]).",
                             rich_help_panel="Spark")
    ] = Engine.local,
    master: Annotated[Optional[str], typer.Option(metavar="URL", help="Spark master (local[2], spark://host:7077, yarn). "
                      "Default: Spark's own (spark-submit's --master, else local[*]).", rich_help_panel="Spark",
                      show_default=False)] = None,
    output: Annotated[Optional[str], typer.Option(metavar="DIR", help="With --engine spark: the folder (or URL) to write "
                      "the scored Parquet files to (must not exist).", rich_help_panel="Spark", show_default=False)] = None,
) -> None:
    """Classify reviews as positive or negative, with the probability of positive.

    One line out per review in, in order. A review with no word the model knows (an empty line, another
    language) is not scored: its label, probability and score are left empty, and a note on stderr counts them."""
    texts = list(texts or [])
    if engine == Engine.spark or master or output:
        check_spark_options(texts, input, engine, output, format, header, input_format)
        run_predict_spark(input, output, model, master, text_column, threshold, precision.value)
        return
    texts, input = reviews_to_read(texts, input)
    if input is None and (text_column or input_format):
        option = "--text-column" if text_column else "--input-format"
        raise fail(f"{option} applies to --input FILE or - (standard input), not to reviews given as arguments.", 2)
    hint_typing(input)
    form = (format or (PredictFormat.table if sys.stdout.isatty() else PredictFormat.tsv)).value
    if header and form not in ("tsv", "csv"):
        raise fail(f"--header applies to tsv output (csv always has one), not to {form}. Add --format tsv.", 2)
    run_predict(
        texts, input, model, text_column, form, threshold, device.value, precision.value,
        input_format=input_format.value if input_format else None, header=header,
    )  # fmt: skip


def check_spark_options(texts, input, engine, output, format, header, input_format) -> None:
    if engine != Engine.spark:
        raise fail("--master and --output apply to --engine spark. Add --engine spark, or leave them out.", 2)
    if texts or input is None or output is None:
        raise fail("--engine spark scores Parquet files: give --input 'PATTERN' (e.g. 'reviews/*.parquet') and "
                   "--output DIR, and no reviews as arguments.", 2)  # fmt: skip
    if format or header or input_format:
        raise fail("--engine spark writes Parquet: --format, --header and --input-format do not apply. Leave them out.", 2)


def run_predict_spark(input, output, model, master, text_column, threshold, precision) -> None:
    from reviewcli import commands

    done = commands.predict_spark(
        input, output=output, model_dir=model, master=master, text_column=text_column, threshold=threshold,
        precision=precision,
    )  # fmt: skip
    print(f"scored {done['rows']:,} reviews of {done['files']:,} file(s) into {done['output']}", file=sys.stderr)


def reading_bar(name: str, size: int | None):
    """predict's progress through a file it reads, on stderr at a terminal (never when stdout is one)."""
    from reviewcli.cli.progress import read_progress

    return read_progress(name, size, sys.stdout.isatty())


def run_predict(texts, input, model, text_column, form, threshold, device, precision, **options) -> None:
    from reviewcli import commands

    try:
        report = commands.predict(
            texts, input_path=input, model_dir=model, text_column=text_column, form=form, threshold=threshold,
            device=device, precision=precision, progress=reading_bar, **options,
        )  # fmt: skip
    except BrokenPipeError:
        # The reader (`| head -1`) has gone: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    for line in report.warnings():
        print(line, file=sys.stderr)


class ExplainMethod(str, Enum):
    ig = "ig"
    occlusion = "occlusion"


class ExplainFormat(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    html = "html"


EXPLAIN_EXAMPLES = examples(
    'reviewcli explain "Not bad at all, my kids ask for it every morning" --gates',
    'reviewcli explain "soggy and stale" --format json | jq .tokens',
    'reviewcli explain "great taste, awful price" --format html --out why.html --plot why.png',
)


@app.command(cls=Command, epilog=EXPLAIN_EXAMPLES)
@user_errors
def explain(
    texts: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="TEXT", help="Reviews to explain; - reads one review per line from standard input.", show_default=False),
    ] = None,
    input: Annotated[
        Optional[str],
        typer.Option("--input", "-i", metavar="FILE", help="File of reviews: one per line (.txt), or a .csv/.tsv/.jsonl column.", show_default=False),
    ] = None,
    model: ModelDir = None,
    text_column: TextColumn = None,
    method: Annotated[
        ExplainMethod,
        typer.Option(case_sensitive=False, help="ig: integrated gradients on the word vectors (from the padding vector); "
                     "occlusion: each word replaced by <unk>. Occlusion is always shown beside."),
    ] = ExplainMethod.ig,
    gates: Annotated[
        bool, typer.Option("--gates", help="Also show each LSTM/GRU gate per word, layer and direction (what the cell kept and forgot).")
    ] = False,
    format: Annotated[
        ExplainFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="text: coloured on a terminal, signed scores when piped or "
                     "with NO_COLOR; json (= jsonl): one object per review per line; html: one self-contained page."),
    ] = ExplainFormat.text,
    out: Annotated[Optional[Path], typer.Option(metavar="FILE", help="Write the output to FILE instead of standard output.", show_default=False)] = None,
    top_k: Annotated[int, typer.Option("--top-k", min=1, metavar="K", help="Words listed as deciding most.")] = 5,
    plot: Annotated[Optional[Path], typer.Option(metavar="FILE.png", help="Also draw the word x gate heat map of the review as a PNG (needs matplotlib).", show_default=False)] = None,
    device: DeviceOption = Device.auto,
) -> None:
    """Show which words decided a review's label, and with --gates what the recurrent cell kept and forgot.

    Scores are in the logit (log-odds) of positive: + pushed the review towards positive, - towards
    negative. Integrated gradients add up to the logit minus the baseline's; the gap is reported."""
    texts = list(texts or [])
    texts, input = reviews_to_read(texts, input)
    if plot is not None and len(texts) > 1:
        raise fail(f"--plot draws one review; {len(texts)} were given. Give one, or leave --plot out.", 2)
    hint_typing(input)
    from reviewcli import commands
    from reviewcli.cli.explain_page import plot as draw
    from reviewcli.cli.explain_writer import ExplainWriter

    explanations, report = commands.explain(
        texts, input_path=input, model_dir=model, text_column=text_column, method=method.value,
        gates=gates or format.value == "html" or plot is not None, device=device.value, one=plot is not None,
    )  # fmt: skip
    writer = ExplainWriter(format.value, top_k=top_k, gates=gates, out=out)
    for explained in explanations:
        writer.write(explained)
        if plot is not None:
            draw(explained, plot)
    writer.close()
    if report is not None and report.warning():
        print(report.warning(), file=sys.stderr)


INFO_EXAMPLES = examples(
    "reviewcli info",
    "reviewcli info --model models/lstm --format json | jq .metrics",
)


@app.command(cls=Command, epilog=INFO_EXAMPLES)
@user_errors
def info(
    model: ModelDir = None,
    format: Annotated[
        InfoFormat, typer.Option("--format", "-f", case_sensitive=False, help="table or json.")
    ] = InfoFormat.table,
) -> None:
    """What a model is: architecture, vocabulary, training data, labels, validation metrics, creation,
    versions and size on disk, from config.json and the weights' header (no weights are loaded)."""
    import json

    from reviewcli.store import artifacts
    from reviewcli.store.info import describe, table_rows

    described = describe(artifacts.default_model_dir(model))
    if format == InfoFormat.json:
        print(json.dumps(described, indent=2, ensure_ascii=False))
        return
    rows = table_rows(described)
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        print(f"{name:<{width}}{value}")


def main() -> None:
    from reviewcli.core.interrupts import terminate_as_interrupt

    terminate_as_interrupt()
    app(prog_name="reviewcli")
