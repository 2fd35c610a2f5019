"""`compare`: data prepared once, a search per cell, each cell's best configuration retrained with
several seeds and scored once, at the end, on the test reviews; then the pairs tested.
"""

import time
from dataclasses import dataclass, replace
from pathlib import Path

from reviewcli.compare import significance
from reviewcli.compare.search import Settings, build_trainer, trial_config
from reviewcli.core.errors import DataError
from reviewcli.core.text import tokenize
from reviewcli.inference.batching import encode_tokens
from reviewcli.io.data import Columns, Examples, load_splits, stratified_split
from reviewcli.store import artifacts
from reviewcli.training import stages

TEST_FRACTION = 0.2  # of train, set aside as the test part when DATA has no test split
PREDICT_SAMPLE = 2000  # test reviews timed for predict speed


@dataclass
class CompareData:
    prepared: stages.PreparedData
    test: Examples
    test_ids: list[list[int]]
    test_tokens: list[int]  # tokens of each test review before truncation, for the length quartiles
    test_note: str  # where the test reviews came from
    set_aside: bool  # the test reviews were taken out of DATA's train split


def load_data(source: str, columns: Columns, config, say, stdin_format: str | None = None) -> CompareData:
    """Train / validation / test of one DATA, tokenised and encoded once for every trial; DATA - is
    standard input in stdin_format (None: detected)."""
    splits = load_splits(source, columns, stdin_format=stdin_format, say=say)
    train = splits["train"]
    if "test" in splits:
        test, note = splits["test"], "the test split of DATA"
    else:
        train, test = stratified_split(train, TEST_FRACTION, config.seed)
        note = f"DATA has no test split: {len(test):,} reviews ({TEST_FRACTION:.0%} of train, stratified) set aside before the search"
        say(f"compare: {note}")
    if "validation" in splits:
        validation = splits["validation"]
    else:
        train, validation = stratified_split(train, config.val_fraction, config.seed)
    if len(set(train.labels)) < 2 or len(set(test.labels)) < 2:
        raise DataError(f"{source}: compare needs both positive and negative reviews in train and test.")
    prepared = stages.prepare_split(train, validation, [source], config, say=say)
    tokens = [tokenize(text, strip_markup=config.strip_markup) for text in test.texts]
    ids = [encode_tokens(t, prepared.vocab, config.max_length) for t in tokens]
    return CompareData(prepared, test, ids, [len(t) for t in tokens], note, "test" not in splits)


@dataclass
class SeedRun:
    seed: int
    trainer: object
    probabilities: list[float]
    metrics: dict
    train_seconds: float
    tokens_per_second: float


def fit_seed(data: CompareData, cell: str, params: dict, settings: Settings, device, seed: int) -> SeedRun:
    """One seed of a configuration: every epoch, the best on validation kept, then scored on test."""
    from reviewcli.core.metrics import evaluate
    from reviewcli.inference.predictor import score

    trainer = build_trainer(data.prepared, params, cell, settings, device, seed)
    for _ in trainer.fit(data.prepared.train, data.prepared.validation):
        pass
    trainer.model.load_state_dict(trainer.best_state)
    probabilities = score(trainer.model, data.test_ids, batch_size=128, device=device)
    history = trainer.history
    seconds = sum(h["train_seconds"] for h in history)
    tokens = sum(h["tokens"] for h in history)
    metrics = evaluate(data.test.labels, probabilities)
    return SeedRun(seed, trainer, probabilities, metrics, seconds, tokens / max(seconds, 1e-9))


def correctness(labels: list[int], probabilities: list[float]) -> list[int]:
    return [int((p >= 0.5) == bool(y)) for y, p in zip(labels, probabilities)]


def spread(values: list[float]) -> dict:
    import statistics

    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return {"mean": statistics.fmean(values), "sd": sd, "min": min(values), "max": max(values)}


def by_length(tokens: list[int], correct: list[list[int]]) -> list[dict]:
    """Accuracy (mean over seeds) in four groups of test reviews of equal size, shortest first."""
    order = sorted(range(len(tokens)), key=lambda i: tokens[i])
    groups = []
    for quartile in range(4):
        members = order[quartile * len(order) // 4 : (quartile + 1) * len(order) // 4]
        if not members:
            continue
        hits = sum(row[i] for row in correct for i in members) / (len(members) * len(correct))
        span = [tokens[members[0]], tokens[members[-1]]]
        groups.append({"quartile": quartile + 1, "tokens": span, "n": len(members), "accuracy": hits})
    return groups


def training_memory(trainer, data) -> int:
    """Bytes a training step holds at its peak, estimated: the weights, their gradients and AdamW's
    two moments (4 copies of the parameters) plus every tensor the forward pass of the largest
    training batch keeps for its backward pass. Counted, not sampled, so it is the same on every
    run and for every cell order; allocator overhead and the kernels' scratch space are not in it."""
    import random

    import torch

    model = trainer.model
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    batches = trainer.objective.batches(data.train, random.Random(0))
    _, ids, lengths, _ = max(batches, key=lambda batch: batch[1].numel())
    saved: dict = {}

    def keep(tensor):
        saved[(tensor.data_ptr(), tensor.numel(), tensor.dtype)] = tensor.numel() * tensor.element_size()
        return tensor

    model.train()
    with torch.autograd.graph.saved_tensors_hooks(keep, lambda tensor: tensor):
        logits = model(ids.to(trainer.device), lengths)
    del logits
    model.zero_grad(set_to_none=True)
    return 4 * weights + sum(saved.values())


def predict_speed(trainer, vocab, texts: list[str], max_length: int, device) -> float:
    """Reviews per second of inference.Predictor on raw test text (tokenising included)."""
    from reviewcli.inference.predictor import Predictor

    predictor = Predictor(trainer.model, vocab, max_length=max_length, device=device)
    sample = texts[:PREDICT_SAMPLE]
    predictor.predict(sample[:64])  # the first batches pay for one-off set-up
    started = time.perf_counter()
    predictor.predict(sample)
    return len(sample) / max(time.perf_counter() - started, 1e-9)


def write_test_part(path: Path, test: Examples) -> None:
    """The reviews set aside as the test part, as JSONL, so `evaluate PATH` can score them again."""
    import json

    from reviewcli.core.labels import LABEL_NAMES
    from reviewcli.io.files import write_atomic

    rows = (
        json.dumps({"text": text, "label": LABEL_NAMES[label]}, ensure_ascii=False)
        for text, label in zip(test.texts, test.labels)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, "".join(row + "\n" for row in rows).encode())


def weights_bytes(state: dict) -> int:
    """Size of model.safetensors for these weights."""
    from safetensors.torch import save

    return len(save({k: v.contiguous() for k, v in state.items()}))


def best_trial(study):
    """The complete trial with the best validation accuracy (the lowest number among equals); when
    every trial was pruned (Hyperband can), the pruned one that got furthest and scored best."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if complete:
        return max(complete, key=lambda t: (t.value, -t.number))
    pruned = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.PRUNED,))
    return max(pruned, key=lambda t: (len(t.intermediate_values), t.value, -t.number))


def evaluate_cell(data: CompareData, cell: str, study, settings: Settings, device, seeds: list[int], out, say):
    """Retrain the cell's best configuration with each seed, score it, measure the first seed. ->
    (the cell's report, its per-seed correctness on the test reviews, its ensemble's)."""
    trial = best_trial(study)
    params = dict(trial.params)
    runs, cuda_peak = [], None
    for k, seed in enumerate(seeds):
        if k == 0:
            reset_cuda_peak(device)
        runs.append(fit_seed(data, cell, params, settings, device, seed))
        if k == 0:
            cuda_peak = read_cuda_peak(device)
        say(f"{cell} seed {seed}: test accuracy {runs[-1].metrics['accuracy']:.4f}")
    first = runs[0]
    correct = [correctness(data.test.labels, run.probabilities) for run in runs]
    report = {
        "cell": cell,
        "accuracy": spread([run.metrics["accuracy"] for run in runs]),
        "macro_f1": spread([run.metrics["macro_f1"] for run in runs]),
        "seeds": [seed_record(run) for run in runs],
        "parameters": sum(p.numel() for p in first.trainer.model.parameters()),
        "size_bytes": weights_bytes(first.trainer.best_state),
        "train_seconds": sum(run.train_seconds for run in runs) / len(runs),
        "tokens_per_second": sum(run.tokens_per_second for run in runs) / len(runs),
        "peak_memory_bytes": training_memory(first.trainer, data.prepared),
        "cuda_peak_bytes": cuda_peak,  # measured, on CUDA only
        "predict_reviews_per_second": predict_speed(
            first.trainer, data.prepared.vocab, data.test.texts, settings.config.max_length, device
        ),
        "accuracy_by_length": by_length(data.test_tokens, correct),
        "best_params": params,
        "best_trial": trial.number,
        "best_validation_accuracy": trial.value,
        "model": None,
    }
    if out is not None:
        report["model"] = str(save_model(Path(out) / cell, first, data, params, settings))
    votes = significance.ensemble_correct(data.test.labels, [run.probabilities for run in runs])
    return report, correct, votes


def seed_record(run: SeedRun) -> dict:
    return {
        "seed": run.seed, "accuracy": run.metrics["accuracy"], "macro_f1": run.metrics["macro_f1"],
        "best_epoch": run.trainer.best_epoch, "train_seconds": run.train_seconds,
        "tokens_per_second": run.tokens_per_second,
    }  # fmt: skip


def reset_cuda_peak(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def read_cuda_peak(device) -> int | None:
    """Peak bytes allocated on the GPU since reset_cuda_peak; None elsewhere."""
    import torch

    return int(torch.cuda.max_memory_allocated(device)) if device.type == "cuda" else None


def save_model(out: Path, run: SeedRun, data: CompareData, params: dict, settings: Settings) -> Path:
    """The first seed's model as a model directory, for predict and evaluate."""
    trainer = run.trainer
    config = replace(trial_config(params, settings.config), seed=run.seed)
    record = {**data.prepared.record, "vectors": None, "init": None, "compare": {"params": params,
              "test": data.test_note}}  # fmt: skip
    metrics = {"best_epoch": trainer.best_epoch, **trainer.objective.metrics(trainer.best_key),
               "test_accuracy": run.metrics["accuracy"]}  # fmt: skip
    record = artifacts.Record(
        artifacts.SENTIMENT_KIND, config, record, metrics, trainer.history, trainer.epochs_done, True
    )
    return artifacts.save(out, trainer.model.config, trainer.best_state, data.prepared.vocab, record)


def run(
    source: str, *, columns: Columns, settings: Settings, seeds: list[int], out: Path | None, say,
    stdin_format: str | None = None,
) -> dict:  # fmt: skip
    """The whole comparison -> its report (cells, pairs, verdict, search, data). seeds: each cell's
    best configuration is retrained with each of them."""
    from reviewcli.compare import search
    from reviewcli.inference.device import keep_freed_memory, resolve_device

    data = load_data(source, columns, settings.config, say, stdin_format)
    device = resolve_device(settings.config.device)
    keep_freed_memory()
    train, validation = len(data.prepared.train[0]), len(data.prepared.validation[0])
    say(f"compare: {train:,} train, {validation:,} validation, {len(data.test):,} test reviews; {device}")
    started = time.perf_counter()
    studies = search.run_search(data.prepared, settings, device, say)
    search_seconds = time.perf_counter() - started
    say(f"search: {search_seconds:.0f}s; retraining each cell's best configuration with {len(seeds)} seed(s)")
    cells, correct, votes = [], {}, {}
    for cell, study in studies.items():
        report, correct[cell], votes[cell] = evaluate_cell(data, cell, study, settings, device, seeds, out, say)
        cells.append(report)
    if out is not None and data.set_aside:
        write_test_part(Path(out) / "test.jsonl", data.test)
    pairs = significance.compare_all(correct, votes, seed=settings.config.seed)
    accuracy = {c["cell"]: c["accuracy"]["mean"] for c in cells}
    costs = {c["cell"]: c for c in cells}
    return {
        "cells": cells,
        "pairs": [pair.to_dict() for pair in pairs],
        "verdict": significance.verdict(accuracy, pairs, costs),
        "search": search_record(studies, settings, search_seconds),
        "data": data_record(data, source),
        "device": str(device),
    }


def search_record(studies: dict, settings: Settings, seconds: float) -> dict:
    trials = {cell: [trial_record(t) for t in study.get_trials(deepcopy=False) if t.state.is_finished()]
              for cell, study in studies.items()}  # fmt: skip
    return {
        "space": settings.space.to_dict(), "epochs": settings.config.epochs, "pruner": settings.pruner,
        "seed": settings.config.seed, "budget_seconds": settings.budget, "seconds": seconds,
        "study": str(settings.study) if settings.study else None, "trials": trials,
    }  # fmt: skip


def trial_record(trial) -> dict:
    return {
        "number": trial.number, "state": trial.state.name.lower(), "value": trial.value, "params": trial.params,
        "history": trial.user_attrs.get("history", []), "seconds": trial.user_attrs.get("seconds"),
    }  # fmt: skip


def data_record(data: CompareData, source: str) -> dict:
    record = data.prepared.record
    return {
        "source": stages.describe_source(source), "train": record["train_examples"],
        "validation": record["validation_examples"], "test": len(data.test), "test_source": data.test_note,
        "vocabulary": len(data.prepared.vocab),
    }  # fmt: skip
