"""The hyperparameter search of `compare`: one Optuna study per cell over the same space, trials run
in rounds (one per cell) so every cell gets as many trials and epochs as the others.

Each trial fits a model on data prepared once, reports validation accuracy after every epoch so the
pruner can stop it, and is scored on its best epoch. optuna is imported only when a search runs.
"""

import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from reviewcli.core.config import CompareDefaults, TrainConfig
from reviewcli.core.errors import UsageError


@dataclass(frozen=True)
class Space:
    """What the search may choose; everything but the cell, the same for every cell. forget_bias
    (the LSTM's forget-gate bias at the start, 0 PyTorch's default or 1) is searched for LSTMs only."""

    lr: tuple = (3e-4, 1e-2)  # log-uniform
    hidden: tuple = (64, 128, 256)
    layers: tuple = (1, 2)
    dropout: tuple = (0.0, 0.5)  # uniform
    adversarial: tuple = (0.0, 0.02, 0.05, 0.1)
    forget_bias: tuple = (0.0, 1.0)
    embedding_dim: int = 128  # fixed, as are bidirectional reading and max+mean pooling

    def to_dict(self) -> dict:
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}


PRUNERS = ("median", "hyperband")  # trials stopped below the median of earlier ones, or Hyperband
SPACE = Space()  # what `compare` searches; `compare --help` and the README describe it


def suggest(trial, space: Space, cell: str) -> dict:
    """One point of the space, as the trial's parameters."""
    params = {
        "lr": trial.suggest_float("lr", *space.lr, log=True),
        "hidden": trial.suggest_categorical("hidden", list(space.hidden)),
        "layers": trial.suggest_categorical("layers", list(space.layers)),
        "dropout": trial.suggest_float("dropout", *space.dropout),
        "adversarial": trial.suggest_categorical("adversarial", list(space.adversarial)),
    }
    if cell == "lstm":
        params["forget_bias"] = trial.suggest_categorical("forget_bias", list(space.forget_bias))
    return params


@dataclass
class Settings:
    """How the search runs. trials: per cell, counted with those already in the study; budget:
    seconds for the whole search; pruner: median or hyperband; study: an SQLite file, or None to
    keep the study in memory."""

    cells: list[str]
    config: TrainConfig  # epochs per trial, seed, batch size ...
    space: Space = field(default_factory=lambda: SPACE)
    trials: int | None = CompareDefaults.trials
    budget: float | None = None
    pruner: str = PRUNERS[0]
    study: Path | None = None


def model_options(params: dict, cell: str, space: Space) -> dict:
    return {
        "cell": cell, "embedding_dim": space.embedding_dim, "hidden": params["hidden"], "layers": params["layers"],
        "dropout": params["dropout"],
    }  # fmt: skip


def trial_config(params: dict, config: TrainConfig) -> TrainConfig:
    """Every epoch runs (patience = epochs): the pruner, not early stopping, ends a trial early."""
    return replace(config, lr=params["lr"], adversarial=params["adversarial"], patience=config.epochs)


def build_trainer(data, params: dict, cell: str, settings: Settings, device, seed: int):
    """A Trainer for one configuration, on the prepared data."""
    from reviewcli.model.network import set_forget_bias
    from reviewcli.training import stages
    from reviewcli.training.loop import Trainer
    from reviewcli.training.objectives import Classification

    config = replace(trial_config(params, settings.config), seed=seed)
    built = stages.build_model(data, model_options(params, cell, settings.space), seed=seed, say=lambda _: None)
    if params.get("forget_bias"):
        set_forget_bias(built.model, params["forget_bias"])
    objective = Classification(config, device, built.model.config.pad_index)
    return Trainer(built.model, objective, config, device, objective.steps(data.train))


def run_trial(study, cell: str, data, settings: Settings, device, say) -> None:
    """Ask the study for a configuration, fit it epoch by epoch, tell the result (or the pruning)."""
    import optuna

    trial = study.ask()
    params = suggest(trial, settings.space, cell)
    started, history, pruned = time.perf_counter(), [], False
    try:
        trainer = build_trainer(data, params, cell, settings, device, settings.config.seed)
        for result in trainer.fit(data.train, data.validation):
            history.append({"epoch": result.epoch, "val_accuracy": result.val_accuracy, "val_loss": result.val_loss,
                            "train_loss": result.train_loss, "seconds": result.seconds})  # fmt: skip
            trial.report(result.val_accuracy, result.epoch)
            if trial.should_prune():
                pruned = True
                break
    except BaseException:
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        raise
    trial.set_user_attr("history", history)
    trial.set_user_attr("seconds", time.perf_counter() - started)
    best = max(h["val_accuracy"] for h in history)
    if pruned:
        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        study.tell(trial, best)
    state = f"pruned after epoch {len(history)}" if pruned else f"{len(history)} epochs"
    say(
        f"{cell} trial {trial.number + 1}: best validation accuracy {best:.4f} ({state}, {time.perf_counter() - started:.1f}s)"
    )


def make_pruner(name: str, epochs: int):
    import optuna

    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3)
    # the first 3 trials run in full; later ones stop from epoch 2 on when below the median so far
    return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)  # steps are epochs, from 1


def open_study(cell: str, settings: Settings, fingerprint: str):
    """The cell's study, new or from --study; one made on other data or settings is refused."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # reviewcli says what each trial did
    storage = f"sqlite:///{settings.study}" if settings.study is not None else None
    from sqlalchemy.exc import SQLAlchemyError

    try:
        study = optuna.create_study(
            study_name=cell, storage=storage, load_if_exists=True, direction="maximize",
            pruner=make_pruner(settings.pruner, settings.config.epochs),
        )  # fmt: skip
    except SQLAlchemyError:
        raise UsageError(f"{settings.study}: not an Optuna study (SQLite) file. Give another --study file.") from None
    identity = study_identity(settings, fingerprint)
    if not study.user_attrs:
        for key, value in identity.items():
            study.set_user_attr(key, value)
    elif {key: study.user_attrs.get(key) for key in identity} != identity:
        raise UsageError(
            f"{settings.study}: its {cell} study was made on other data or settings (space, epochs, pruner). "
            "Give the same data and options, or another --study file."
        )
    abandon_running(study)
    # seeded by the trials already there, so a resumed study does not draw its first points again
    study.sampler = optuna.samplers.TPESampler(seed=settings.config.seed + len(study.trials), n_startup_trials=5)
    return study


def study_identity(settings: Settings, fingerprint: str) -> dict:
    config = settings.config
    fixed = {"epochs": config.epochs, "batch_size": config.batch_size, "max_length": config.max_length,
             "seed": config.seed}  # fmt: skip
    return {"data": fingerprint, "space": settings.space.to_dict(), "train": fixed, "pruner": settings.pruner}


def abandon_running(study) -> None:
    """Trials still marked running are from a run that was killed: they count as failed."""
    import optuna

    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)


def finished(study) -> int:
    import optuna

    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return len(study.get_trials(deepcopy=False, states=states))


def run_search(data, settings: Settings, device, say) -> dict:
    """Rounds of one trial per cell until each cell has settings.trials, or until the next round
    would not fit in the budget (the longest round so far is the measure). -> cell: study."""
    started = time.perf_counter()
    studies = {cell: open_study(cell, settings, data.fingerprint) for cell in settings.cells}
    longest = check_budget(data, settings, device, started) if settings.budget is not None else 0.0
    measured = False
    while True:
        done = {cell: finished(study) for cell, study in studies.items()}
        target = min(done.values()) + 1
        if settings.trials is not None and target > settings.trials:
            break
        if settings.budget is not None and time.perf_counter() - started + longest > settings.budget:
            trials = "1 trial" if target == 2 else f"{target - 1} trials"
            say(f"search: the budget has no room for another round after {trials} per cell")
            break
        round_started = time.perf_counter()
        for cell, study in studies.items():
            if done[cell] < target:
                run_trial(study, cell, data, settings, device, say)
        took = time.perf_counter() - round_started
        longest, measured = (max(longest, took) if measured else took), True
    return studies


def check_budget(data, settings: Settings, device, started: float) -> float:
    """A budget that cannot hold one round is an error before any trial. -> the round's estimate."""
    estimate = sum(probe_trial(data, cell, settings, device) for cell in settings.cells)
    if time.perf_counter() - started + estimate > settings.budget:
        rounds = f"one trial of each of {', '.join(settings.cells)} ({settings.config.epochs} epochs over "
        rounds += f"{len(data.train[0]):,} reviews)"
        raise UsageError(
            f"--budget {duration(settings.budget)} cannot hold {rounds}: that takes about {duration(estimate)} here. "
            f"Give --budget {duration(60 * (estimate // 60 + 1))} or more, or fewer --epochs or --cells."
        )
    return estimate


def probe_trial(data, cell: str, settings: Settings, device, steps: int = 3) -> float:
    """Seconds one trial of the middle of the space would take: a few timed training steps, scaled to
    every epoch's tokens plus validation (a forward pass, about a third of a step per token)."""
    import random

    space = settings.space
    middle = {"lr": space.lr[0], "hidden": space.hidden[len(space.hidden) // 2], "layers": space.layers[0],
              "dropout": space.dropout[0], "adversarial": space.adversarial[len(space.adversarial) // 2]}  # fmt: skip
    trainer = build_trainer(data, middle, cell, settings, device, settings.config.seed)
    batches = trainer.objective.batches(data.train, random.Random(0))[: steps + 1]
    trainer.model.train()
    trainer.step(batches[0])  # the first step pays for one-off set-up
    tokens, began = 0, time.perf_counter()
    for batch in batches[1:]:
        trainer.step(batch)
        tokens += int(batch[2].sum())
    per_token = (time.perf_counter() - began) / max(tokens, 1)
    train_tokens = sum(len(ids) for ids in data.train[0])
    val_tokens = sum(len(ids) for ids in data.validation[0])
    return settings.config.epochs * per_token * (train_tokens + val_tokens / 3)


def duration(seconds: float) -> str:
    """90 -> 1m30s, 3600 -> 1h, 42 -> 42s."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def parse_duration(text: str) -> float:
    """'20m', '90s', '1h30m', '1.5h' -> seconds; anything else is a usage error."""
    import re

    units = {"h": 3600, "m": 60, "s": 1}
    parts = re.findall(r"(\d+(?:\.\d+)?)([hms])", text.strip().lower())
    if not parts or "".join(number + unit for number, unit in parts) != text.strip().lower():
        raise UsageError(f"--budget {text}: give a duration such as 90s, 20m or 1h30m.")
    seconds = sum(float(number) * units[unit] for number, unit in parts)
    if seconds <= 0:
        raise UsageError(f"--budget {text}: give a duration above zero, such as 90s, 20m or 1h30m.")
    return seconds
