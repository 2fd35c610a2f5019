"""`reviewcli compare`: the same search for each cell, the best retrained with several seeds, a verdict."""

from pathlib import Path
from typing import Annotated, Optional

import typer

from reviewcli.cli.app import Command, app, examples, fail, stderr_say, user_errors
from reviewcli.cli.options import (
    OUTPUT,
    SEARCH,
    BatchSize,
    DataInputFormat,
    Delimiter,
    Device,
    DeviceOption,
    LabelColumn,
    MaxLength,
    MaxVocab,
    MinFreq,
    Pruner,
    Quiet,
    TableOrJson,
    TextColumn,
    alias,
    option,
    value_of,
)
from reviewcli.cli.reading import delimiter_of
from reviewcli.compare.search import SPACE
from reviewcli.core.config import CELLS, CompareDefaults, TrainConfig

TRAIN = TrainConfig()
COMPARE = CompareDefaults()
DEFAULT_SEEDS = ",".join(str(TRAIN.seed + k) for k in range(COMPARE.seeds))
COMPARE_EXAMPLES = examples(
    "reviewcli compare data/ --budget 20m",
    "reviewcli compare reviews.csv --cells gru,lstm --trials 20 --study s.db",
    "reviewcli compare data/ --seeds 1,2,3 -f json --out results/ --plot plots/",
)




def choices(values: tuple) -> str:
    shown = [f"{v:g}" for v in values]
    return ", ".join(shown[:-1]) + f" or {shown[-1]}"


def space_text(space: SPACE.__class__) -> str:
    """The search space, read from reviewcli.compare.search so help cannot drift from it."""
    rate = " to ".join(f"{v:.0e}".replace("e-0", "e-") for v in space.lr)
    return (
        f"Search space: learning rate {rate} (log scale); hidden units {choices(space.hidden)}; layers "
        f"{choices(space.layers)}; dropout {space.dropout[0]:g} to {space.dropout[1]:g}; adversarial size "
        f"{choices(space.adversarial)}; for LSTMs, forget-gate bias {choices(space.forget_bias)}."
    )


COMPARE_HELP = (
    "Compare GRU, LSTM and plain RNN on your data: the same hyperparameter search for each, the best of each "
    "retrained with several seeds, tested on the same test reviews, and a verdict.\n\n" + space_text(SPACE)
)


@app.command(cls=Command, epilog=COMPARE_EXAMPLES, help=COMPARE_HELP, short_help="Compare GRU, LSTM and RNN on your data.")
@user_errors
def compare(
    data: Annotated[str, typer.Argument(metavar="DATA", show_default=False, help="Labelled file, folder, hf:NAME or -.")],
    cells: Annotated[str, option(metavar="CELLS", panel=SEARCH, show_default=True, help="Cells to compare.")] = ",".join(CELLS),
    trials: Annotated[Optional[int], option(min=1, metavar="N", panel=SEARCH, help=f"Trials per cell (default: {COMPARE.trials}).")] = None,
    budget: Annotated[Optional[str], option(metavar="TIME", panel=SEARCH, help="Time for the search: 90s, 20m, 1h30m.")] = None,
    epochs: Annotated[int, option(min=1, metavar="N", panel=SEARCH, show_default=True, help="Epochs of each trial and retraining.")] = COMPARE.epochs,
    pruner: Annotated[Pruner, option(metavar="PRUNER", panel=SEARCH, show_default=True, help="median or hyperband.")] = Pruner.median,
    study: Annotated[Optional[Path], option(metavar="FILE", panel=SEARCH, help="SQLite file to keep and resume the search.")] = None,
    seeds: Annotated[Optional[str], option(metavar="N,N,...", panel=SEARCH, help=f"Seeds to retrain with (default: {DEFAULT_SEEDS}).")] = None,
    batch_size: BatchSize = TRAIN.batch_size,
    max_length: MaxLength = TRAIN.max_length,
    min_freq: MinFreq = TRAIN.min_freq,
    max_vocab: MaxVocab = TRAIN.max_vocab,
    device: DeviceOption = Device(TRAIN.device),
    text_column: TextColumn = None,
    label_column: LabelColumn = None,
    input_format: DataInputFormat = None,
    delimiter: Delimiter = None,
    format: Annotated[TableOrJson, option("--format", "-f", metavar="FORMAT", panel=OUTPUT, show_default=True, help="table or json.")] = TableOrJson.table,
    out: Annotated[Optional[Path], option("--out", "-o", metavar="DIR", panel=OUTPUT, help="Folder for the models, trials.csv, compare.json.")] = None,
    force: Annotated[bool, option("--force", panel=OUTPUT, help="Replace models already in --out.")] = False,
    plot: Annotated[Optional[Path], option(metavar="DIR", panel=OUTPUT, help="Folder for PNG plots.")] = None,
    quiet: Quiet = False,
    seed: Annotated[Optional[int], alias("--seed")] = None,
) -> None:
    """See COMPARE_HELP."""
    from reviewcli.compare import search

    chosen = parse_cells(cells)
    seed_list = parse_seeds(seeds, seed, stderr_say(quiet))
    seconds = search.parse_duration(budget) if budget is not None else None
    config = TrainConfig(
        epochs=epochs, batch_size=batch_size, max_length=max_length, min_freq=min_freq, max_vocab=max_vocab,
        seed=seed_list[0], device=device.value,
    )  # fmt: skip; the search and its trials use the first seed
    settings = search.Settings(
        cells=chosen, config=config, space=search.SPACE, trials=trials or (None if seconds else COMPARE.trials),
        budget=seconds, pruner=pruner.value, study=study,
    )  # fmt: skip
    run_compare(data, settings, text_column, label_column, seeds=seed_list, out=out, plot=plot, force=force,
                form=format.value, quiet=quiet, input_format=value_of(input_format),
                delimiter=delimiter_of(delimiter))  # fmt: skip


def parse_cells(text: str) -> list[str]:
    """'gru, LSTM' -> ['gru', 'lstm']; an unknown or missing cell is a usage error."""
    cells = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in cells if name not in CELLS]
    if unknown or not cells:
        what = f"unknown cell {unknown[0]!r}" if unknown else "no cell given"
        raise fail(f"--cells {text}: {what}. Give some of {', '.join(CELLS)}, separated by commas.")
    return list(dict.fromkeys(cells))


def parse_seeds(text: Optional[str], first: Optional[int], say) -> list[int]:
    """--seeds '13,14,15' -> [13, 14, 15]. The old spelling, --seed FIRST with --seeds COUNT (or the
    default count), still means COUNT seeds from FIRST for one release."""
    if first is not None:
        if text is not None and "," in text:
            raise fail("--seed is the old way to give the first seed; with --seeds N,N,... leave it out.")
        count = COMPARE.seeds if text is None else whole(text, "--seeds")
        if count < 1:
            raise fail(f"--seeds {text}: give at least one seed.")
        say(f"Note: --seed is the old spelling; this is --seeds {','.join(str(first + k) for k in range(count))}.")
        return [first + k for k in range(count)]
    if text is None:
        return [int(seed) for seed in DEFAULT_SEEDS.split(",")]
    found = [whole(part, "--seeds") for part in text.split(",") if part.strip()]
    if not found:
        raise fail(f"--seeds {text}: give seeds as whole numbers separated by commas, e.g. --seeds {DEFAULT_SEEDS}.")
    if len(set(found)) < len(found):
        raise fail(f"--seeds {text}: a seed is repeated; each retraining needs its own.")
    if len(found) == 1:  # once a count of seeds: say what it means now
        say(f"Note: --seeds {text.strip()} retrains with the one seed {found[0]}; several: --seeds {DEFAULT_SEEDS}.")
    return found


def whole(text: str, option: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise fail(f"{option} {text}: not a whole number. Give seeds separated by commas, e.g. {DEFAULT_SEEDS}.") from None


def run_compare(
    data: str, settings, text_column, label_column, *, seeds, out, plot, force, form, quiet, input_format, delimiter=None
):
    import json
    import sys

    from reviewcli import commands
    from reviewcli.cli.render.compare import print_table
    from reviewcli.io.data import Columns

    report = commands.compare(
        data, columns=Columns(text_column, label_column, delimiter=delimiter), settings=settings, seeds=seeds, out=out, plot=plot,
        force=force, say=stderr_say(quiet), stdin_format=input_format,
    )  # fmt: skip
    if form == "json":
        print(json.dumps(report, indent=2))
    else:
        print_table(report, sys.stdout)
