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
from reviewcli.errors import ReviewCliError


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
        typer.Argument(metavar="DATA", help="Files, folders (train/validation/test files) or Hugging Face dataset names. "
                       "Default: the project's data/ folder.", show_default=False),
    ] = None,
    cell: Annotated[Optional[Cell], typer.Option(case_sensitive=False, help="Recurrent cell: gru, lstm, or rnn (plain Elman baseline). Default: gru, or the --init model's.", rich_help_panel="Model", show_default=False)] = None,
    embedding_dim: Annotated[
        Optional[int],
        typer.Option(min=1, metavar="N", help="Size of the word embeddings. Default: 128, or the dimension of --vectors.",
                     rich_help_panel="Model", show_default=False),
    ] = None,
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
    out: Annotated[Optional[Path], typer.Option(metavar="DIR", help="Model directory to write (after every epoch, with a checkpoint). Default: models/<cell>.", show_default=False)] = None,
    force: Force = False,
    resume: Resume = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    """Train a sentiment model on labelled reviews and save it as a model directory.

    Ctrl-C (or SIGTERM) stops at the next batch and keeps the best model so far and a checkpoint;
    the same command with --resume goes on from there."""
    from reviewcli import commands
    from reviewcli.config import TrainConfig
    from reviewcli.data import Columns
    from reviewcli.progress import make_reporter

    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, patience=patience, seed=seed,
        device=device.value, min_freq=min_freq, max_vocab=max_vocab, val_fraction=val_fraction,
        adversarial=adversarial,
    )  # fmt: skip
    model_options = given_options(
        cell=cell.value if cell else None, embedding_dim=embedding_dim, hidden=hidden, layers=layers,
        bidirectional=bidirectional, dropout=dropout,
    )  # fmt: skip; what is left out comes from ModelConfig, --vectors or --init
    reporter = make_reporter(quiet)
    summary = commands.train(
        list(data or []), columns=Columns(text_column, label_column), model_options=model_options,
        config=config, out=out, reporter=reporter, vectors=vectors, init=init, gradual=gradual,
        new_words=new_words, force=force, resume=resume, command=resume_command(context),
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


def given_options(**options) -> dict:
    """The options the user gave (not None)."""
    return {name: value for name, value in options.items() if value is not None}


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
    cell: Annotated[Cell, typer.Option(case_sensitive=False, help="Recurrent cell of the encoder.", rich_help_panel="Model")] = Cell.gru,
    embedding_dim: Annotated[int, typer.Option(min=1, metavar="N", help="Size of the word embeddings.", rich_help_panel="Model")] = 128,
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
    from reviewcli.config import TrainConfig
    from reviewcli.progress import make_reporter

    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, seed=seed, device=device.value,
        min_freq=min_freq, max_vocab=max_vocab, adversarial=0.0,
    )  # fmt: skip; the language model trains without adversarial steps
    model_options = dict(
        cell=cell.value, embedding_dim=embedding_dim, hidden=hidden, layers=layers, bidirectional=bidirectional,
        dropout=dropout,
    )  # fmt: skip
    reporter = make_reporter(quiet)
    summary = commands.pretrain(
        data, text_column=text_column, model_options=model_options, config=config, out=out, reporter=reporter,
        force=force, resume=resume, command=resume_command(context),
    )  # fmt: skip
    reporter.finish(summary)


EVALUATE_EXAMPLES = examples(
    "reviewcli evaluate data/test.jsonl",
    "reviewcli evaluate reviews.csv --model my-model --format json",
)


@app.command(cls=Command, epilog=EVALUATE_EXAMPLES)
@user_errors
def evaluate(
    data: Annotated[str, typer.Argument(metavar="DATA", help="Labelled file, folder (its test split is used) or Hugging Face dataset.")],
    model: ModelDir = None,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    format: Annotated[
        Optional[EvaluateFormat], typer.Option("--format", "-f", case_sensitive=False, help="table (terminal) or json.", show_default=False)
    ] = None,
    threshold: Threshold = 0.5,
    device: DeviceOption = Device.auto,
    precision: PrecisionOption = Precision.auto,
) -> None:
    """Score a model on labelled reviews: accuracy, per-class precision/recall/F1, macro-F1, ROC-AUC."""
    import json

    from reviewcli import commands
    from reviewcli.data import Columns

    result = commands.evaluate(
        data, model_dir=model, columns=Columns(text_column, label_column), threshold=threshold,
        device=device.value, precision=precision.value,
    )  # fmt: skip
    if (format or EvaluateFormat.table) == EvaluateFormat.json:
        print(json.dumps(result, indent=2))
    else:
        from reviewcli.report import print_metrics

        print_metrics(result)


PREDICT_EXAMPLES = examples(
    'reviewcli predict "great taste" "soggy and stale, never again"',
    "cat reviews.txt | reviewcli predict - --format jsonl",
    "reviewcli predict --input reviews.csv --text-column body --model my-model",
)


@app.command(cls=Command, epilog=PREDICT_EXAMPLES)
@user_errors
def predict(
    texts: Annotated[
        Optional[list[str]],
        typer.Argument(metavar="TEXT", help="Reviews to classify; - reads one review per line from standard input.", show_default=False),
    ] = None,
    input: Annotated[
        Optional[str],
        typer.Option("--input", "-i", metavar="FILE", help="File of reviews: one per line (.txt), or a .csv/.tsv/.jsonl column.", show_default=False),
    ] = None,
    model: ModelDir = None,
    text_column: TextColumn = None,
    format: Annotated[
        Optional[PredictFormat],
        typer.Option("--format", "-f", case_sensitive=False, help="table on a terminal, tsv when piped; or jsonl, csv.", show_default=False),
    ] = None,
    threshold: Threshold = 0.5,
    device: DeviceOption = Device.auto,
    precision: PrecisionOption = Precision.auto,
) -> None:
    """Classify reviews as positive or negative, with the probability of positive."""
    texts = list(texts or [])
    if input is not None and texts:
        raise fail("give reviews as arguments (or -) or with --input FILE, not both.", 2)
    if texts == ["-"]:
        texts, input = [], "-"
    if input is None and not texts:
        raise fail("no reviews given. Pass them as arguments, or - to read standard input.", 2)
    if input == "-" and sys.stdin.isatty() and os.environ.get("CI") != "true":
        print("Reading reviews from standard input, one per line (Ctrl-D to end)...", file=sys.stderr)
    form = (format or (PredictFormat.table if sys.stdout.isatty() else PredictFormat.tsv)).value
    run_predict(texts, input, model, text_column, form, threshold, device.value, precision.value)


def run_predict(texts, input, model, text_column, form, threshold, device, precision) -> None:
    from reviewcli import commands

    try:
        report = commands.predict(
            texts, input_path=input, model_dir=model, text_column=text_column, form=form,
            threshold=threshold, device=device, precision=precision,
        )  # fmt: skip
    except BrokenPipeError:
        # The reader (`| head -1`) has gone: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    if report is not None and report.warning():
        print(report.warning(), file=sys.stderr)


def main() -> None:
    from reviewcli.interrupts import terminate_as_interrupt

    terminate_as_interrupt()
    app(prog_name="reviewcli")
