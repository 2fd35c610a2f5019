"""`reviewcli train` and `reviewcli pretrain`: options to TrainConfig and model options, progress on stderr."""

import shlex
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from reviewcli.cli.app import Command, app, examples, fail, user_errors
from reviewcli.cli.options import (
    DATA,
    MODEL,
    OUTPUT,
    TRAINING,
    BatchSize,
    Cell,
    DataInputFormat,
    Delimiter,
    Device,
    DeviceOption,
    Epochs,
    Force,
    KeepMarkup,
    LabelColumn,
    LabelSchemeOption,
    LearningRate,
    MaxLength,
    MaxVocab,
    MinFreq,
    Quiet,
    Resume,
    ReviewInputFormat,
    Seed,
    SkipUnknownLabels,
    TextColumn,
    alias,
    option,
    value_of,
)
from reviewcli.cli.reading import delimiter_of, note_stdin
from reviewcli.core.config import (
    DEFAULT_CELL,
    DEFAULT_NGRAM_BUCKETS,
    MAX_NGRAM_BUCKETS,
    ModelConfig,
    PretrainDefaults,
    TrainConfig,
)

TRAIN = TrainConfig()  # every training default, read from the one place that holds them
NET = ModelConfig(vocab_size=1)  # the network's defaults (vocab_size is a placeholder)
PRETRAIN = PretrainDefaults()

Data = Annotated[
    Optional[list[str]],
    typer.Argument(metavar="DATA", show_default=False,
                   help="Files, folders, hf:NAME or - for stdin (default: data/)."),
]  # fmt: skip
OutDir = Annotated[
    Optional[Path], option("--out", "-o", metavar="DIR", panel=OUTPUT, help="Model directory to write (default: models/CELL).")
]

TRAIN_EXAMPLES = examples(
    "reviewcli train data/ --cell lstm --out models/mine",
    "reviewcli train reviews.csv --text-column body --label-column stars -q",
    "reviewcli train labelled.csv --init models/pretrained --out my-model",
)


@app.command(cls=Command, epilog=TRAIN_EXAMPLES, short_help="Train a model on labelled reviews.")
@user_errors
def train(
    context: typer.Context,
    data: Data = None,
    cell: Annotated[Optional[Cell], option(metavar="CELL", panel=MODEL, help=f"gru, lstm or rnn (default: {DEFAULT_CELL}, or --init's).")] = None,
    embedding_dim: Annotated[Optional[int], option(min=1, metavar="N", panel=MODEL, help="Word vector size (default: the vectors').")] = None,
    from_scratch: Annotated[bool, option("--from-scratch", panel=MODEL, help="Start from random weights.")] = False,
    vectors: Annotated[Optional[Path], option(metavar="FILE", panel=MODEL, help="Start from these word2vec/GloVe vectors.")] = None,
    init: Annotated[Optional[Path], option(metavar="DIR", panel=MODEL, help="Fine-tune this model (from pretrain, or any).")] = None,
    new_words: Annotated[bool, option("--new-words", panel=MODEL, help="With --init: add the data's new words.")] = False,
    gradual: Annotated[bool, option("--gradual", panel=MODEL, help="With --init: unfreeze a layer per epoch.")] = False,
    hidden: Annotated[Optional[int], option(min=1, metavar="N", panel=MODEL, help=f"Hidden units per direction (default: {NET.hidden}).")] = None,
    layers: Annotated[Optional[int], option(min=1, metavar="N", panel=MODEL, help=f"Stacked layers (default: {NET.layers}).")] = None,
    unidirectional: Annotated[bool, option("--unidirectional", panel=MODEL, help="Read forwards only (default: both ways).")] = False,
    dropout: Annotated[float, option(min=0.0, max=0.95, metavar="P", panel=MODEL, show_default=True, help="Dropout on words and states.")] = NET.dropout,
    ngram_buckets: Annotated[int, option(min=0, max=MAX_NGRAM_BUCKETS, metavar="N", panel=MODEL, help="Rows for hashed word pairs; 0: none.")] = DEFAULT_NGRAM_BUCKETS,
    epochs: Epochs = TRAIN.epochs,
    batch_size: BatchSize = TRAIN.batch_size,
    lr: LearningRate = TRAIN.lr,
    patience: Annotated[int, option(min=1, metavar="N", show_default=True, panel=TRAINING, help="Stop after N epochs without gain.")] = TRAIN.patience,
    adversarial: Annotated[float, option(min=0.0, metavar="SIZE", show_default=True, panel=TRAINING, help="Adversarial step size; 0: off.")] = TRAIN.adversarial,
    seed: Seed = TRAIN.seed,
    device: DeviceOption = Device(TRAIN.device),
    max_length: MaxLength = TRAIN.max_length,
    min_freq: MinFreq = TRAIN.min_freq,
    max_vocab: MaxVocab = TRAIN.max_vocab,
    val_fraction: Annotated[float, option(min=0.01, max=0.9, metavar="F", show_default=True, panel=DATA, help="Share held out for validation.")] = TRAIN.val_fraction,
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    label_scheme: LabelSchemeOption = None,
    skip_unknown_labels: SkipUnknownLabels = False,
    input_format: DataInputFormat = None,
    keep_markup: KeepMarkup = False,
    delimiter: Delimiter = None,
    out: OutDir = None,
    force: Force = False,
    resume: Resume = False,
    quiet: Quiet = False,
    bidirectional: Annotated[Optional[bool], alias("--bidirectional/--no-bidirectional")] = None,
    no_new_words: Annotated[bool, alias("--no-new-words")] = False,
    no_gradual: Annotated[bool, alias("--no-gradual")] = False,
) -> None:
    """Train a model on labelled reviews and save it as a model directory.

    Ctrl-C stops at the next batch and keeps the best model and a checkpoint: add --resume to go on."""
    from reviewcli import commands
    from reviewcli.cli.render.progress import make_reporter
    from reviewcli.io.data import Columns

    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, patience=patience, seed=seed,
        device=device.value, min_freq=min_freq, max_vocab=max_vocab, val_fraction=val_fraction,
        adversarial=adversarial, strip_markup=not keep_markup,
    )  # fmt: skip
    model_options = given_options(
        cell=value_of(cell), embedding_dim=embedding_dim, hidden=hidden, layers=layers,
        bidirectional=directions(unidirectional, bidirectional), dropout=dropout, ngram_buckets=ngram_buckets,
    )  # fmt: skip; what is left out comes from ModelConfig, --vectors or --init
    reporter = make_reporter(quiet)
    note_stdin(list(data or []), "training data", quiet)
    columns = Columns(text_column, label_column, value_of(label_scheme), skip_unknown_labels, delimiter_of(delimiter))
    summary = commands.train(
        list(data or []), columns=columns, model_options=model_options,
        config=config, out=out, reporter=reporter, vectors=vectors, init=init, gradual=gradual and not no_gradual,
        new_words=new_words and not no_new_words, force=force, resume=resume, command=resume_command(context),
        stdin_format=value_of(input_format), from_scratch=from_scratch,
    )  # fmt: skip
    reporter.finish(summary)


PRETRAIN_EXAMPLES = examples(
    "reviewcli pretrain unlabeled.txt --cell lstm --out models/pretrained",
    "reviewcli pretrain reviews/ --epochs 3 --out models/pretrained --resume",
)


@app.command(cls=Command, epilog=PRETRAIN_EXAMPLES, short_help="Pretrain an encoder on unlabelled reviews.")
@user_errors
def pretrain(
    context: typer.Context,
    data: Annotated[
        list[str],
        typer.Argument(metavar="DATA", show_default=False,
                       help="Files or folders of unlabelled reviews, or -."),
    ],  # fmt: skip
    cell: Annotated[Cell, option(metavar="CELL", panel=MODEL, show_default=True, help="gru, lstm or rnn.")] = Cell(DEFAULT_CELL),
    init: Annotated[Optional[Path], option(metavar="DIR", panel=MODEL, help="Go on from this pretrained encoder.")] = None,
    from_scratch: Annotated[bool, option("--from-scratch", panel=MODEL, help="Learn an embedding, not the shipped one.")] = False,
    embedding_dim: Annotated[Optional[int], option(min=1, metavar="N", panel=MODEL, help="Word vector size (default: the vectors').")] = None,
    hidden: Annotated[int, option(min=1, metavar="N", panel=MODEL, show_default=True, help="Hidden units per direction.")] = NET.hidden,
    layers: Annotated[int, option(min=1, metavar="N", panel=MODEL, show_default=True, help="Stacked layers.")] = NET.layers,
    unidirectional: Annotated[bool, option("--unidirectional", panel=MODEL, help="Forward language model only (default: both).")] = False,
    dropout: Annotated[float, option(min=0.0, max=0.95, metavar="P", panel=MODEL, show_default=True, help="Dropout on words and states.")] = PRETRAIN.dropout,
    epochs: Epochs = PRETRAIN.epochs,
    batch_size: BatchSize = TRAIN.batch_size,
    lr: LearningRate = TRAIN.lr,
    seed: Seed = TRAIN.seed,
    device: DeviceOption = Device(TRAIN.device),
    max_length: Annotated[int, option(min=2, metavar="N", panel=DATA, show_default=True, help="Tokens kept per review.")] = TRAIN.max_length,
    min_freq: MinFreq = PRETRAIN.min_freq,
    max_vocab: MaxVocab = TRAIN.max_vocab,
    max_tokens: Annotated[Optional[int], option(min=1, metavar="N", panel=DATA, help="Read no more tokens (default: all).")] = None,
    text_column: TextColumn = None,
    input_format: ReviewInputFormat = None,
    keep_markup: KeepMarkup = False,
    out: Annotated[Optional[Path], option("--out", "-o", metavar="DIR", panel=OUTPUT, help="Folder to write (default: models/pretrained).")] = None,
    force: Force = False,
    resume: Resume = False,
    quiet: Quiet = False,
    bidirectional: Annotated[Optional[bool], alias("--bidirectional/--no-bidirectional")] = None,
) -> None:
    """Pretrain the embedding and encoder as language models on unlabelled reviews, for train --init.

    Ctrl-C stops at the next batch and keeps a checkpoint: add --resume to go on."""
    from reviewcli import commands
    from reviewcli.cli.render.progress import make_reporter

    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, seed=seed, device=device.value,
        min_freq=min_freq, max_vocab=max_vocab, adversarial=0.0, strip_markup=not keep_markup,
    )  # fmt: skip; the language model trains without adversarial steps
    two_ways = directions(unidirectional, bidirectional) is not False
    model_options = dict(cell=cell.value, hidden=hidden, layers=layers, bidirectional=two_ways, dropout=dropout)
    if embedding_dim is not None or from_scratch:
        model_options["embedding_dim"] = embedding_dim or PRETRAIN.scratch_embedding_dim
    if init is not None:  # the stage before decides the architecture
        model_options = {"dropout": dropout, **explicit_options(context, model_options)}
    reporter = make_reporter(quiet)
    note_stdin(data, "unlabelled reviews", quiet)
    summary = commands.pretrain(
        data, text_column=text_column, model_options=model_options, config=config, out=out, reporter=reporter,
        force=force, resume=resume, command=resume_command(context), table=not from_scratch, init=init,
        max_tokens=max_tokens, input_format=value_of(input_format),
    )  # fmt: skip
    reporter.finish(summary)


def directions(unidirectional: bool, bidirectional: Optional[bool]) -> Optional[bool]:
    """--unidirectional, or the old --bidirectional/--no-bidirectional; None: the default (both ways)."""
    if unidirectional and bidirectional:
        raise fail("--unidirectional and --bidirectional contradict each other; give one of them.")
    return False if unidirectional else bidirectional


def given_options(**options) -> dict:
    """The options the user gave (not None)."""
    return {name: value for name, value in options.items() if value is not None}


def typed(context: typer.Context, name: str) -> bool:
    return getattr(context.get_parameter_source(name), "name", None) == "COMMANDLINE"


def explicit_options(context: typer.Context, options: dict) -> dict:
    """Those of options typed on the command line, not defaults (--unidirectional counts for bidirectional)."""
    sources = {"bidirectional": ("bidirectional", "unidirectional")}
    return {name: value for name, value in options.items() if any(typed(context, s) for s in sources.get(name, (name,)))}


def resume_command(context: typer.Context) -> str:
    """The command line being run, as the user gave it, with --resume: what continues this run."""
    words = ["reviewcli", context.info_name]
    for param in context.command.params:
        if not typed(context, param.name) or param.name in ("force", "resume"):
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
