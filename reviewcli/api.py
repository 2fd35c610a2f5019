"""The Python API: load a model and predict, evaluate or explain with it; train one. The verbs of the
CLI as a notebook calls them: values returned, reviewcli's errors raised, nothing printed unless asked."""

import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reviewcli.core.config import (
    CELLS,
    DEFAULT_NGRAM_BUCKETS,
    DEVICES,
    EXPLAIN_METHODS,
    PRECISIONS,
    ModelConfig,
    TrainConfig,
)
from reviewcli.core.errors import UsageError
from reviewcli.core.labels import SCHEMES
from reviewcli.io import output
from reviewcli.io.data import Columns
from reviewcli.io.formats import DELIMITERS
from reviewcli.io.locate import STDIN_FORMATS
from reviewcli.store import artifacts
from reviewcli.training.events import EpochResult, Reporter


@dataclass(frozen=True)
class Prediction:
    """One review's result, with the same fields as `reviewcli predict`'s output plus the log-odds.
    All but text are None for a review the model cannot judge: an empty one, or one with too few words
    its vocabulary knows (another language, symbols only)."""

    text: str
    label: str | None  # "positive" or "negative"
    probability: float | None  # P(positive)
    score: float | None  # the probability of the label given: how sure the model is, from 0.5 to 1
    logit: float | None  # the model's log-odds of positive, log(p / (1 - p)): exact where p rounds to 0 or 1


@dataclass(frozen=True)
class Explanation:
    """Which words pushed one review's score, and how far, in the log-odds of positive."""

    text: str
    label: str
    probability: float
    method: str
    words: list[tuple[str, float | None]]  # in reading order; None for a word past max_length that was not read

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The k words with the largest |score|, largest first (ties keep reading order)."""
        scored = [(word, score) for word, score in self.words if score is not None]
        return sorted(scored, key=lambda pair: -abs(pair[1]))[:k]


class Model:
    """A loaded sentiment model. Make one with reviewcli.load() or reviewcli.train()."""

    def __init__(self, predictor, path: Path, *, device: str, precision: str):
        self._predictor = predictor
        self._device = device
        self._precision = precision
        self.path = Path(path)

    @property
    def cell(self) -> str:
        return self._predictor.model.config.cell

    def __repr__(self) -> str:
        return f"<reviewcli.Model {self.cell} from {self.path}>"

    def predict(self, texts: str | Iterable[str], *, threshold: float = 0.5) -> list[Prediction]:
        """One Prediction per text, in order; a single string gives a list of one."""
        check_threshold(threshold)
        texts = [texts] if isinstance(texts, str) else list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"predict takes strings, not {type(text).__name__}: {text!r}")
        logits = self._predictor.predict_known(texts, logits=True)
        return [prediction(text, logit, threshold) for text, logit in zip(texts, logits)]

    def evaluate(
        self, data: str | os.PathLike, *, threshold: float = 0.5, text_column: str | None = None,
        label_column: str | None = None, label_scheme: str | None = None, skip_unknown_labels: bool = False,
        delimiter: str | None = None,
    ) -> dict:  # fmt: skip
        """Metrics on labelled data (a file, a folder's test split, or hf:NAME): the dict that
        `reviewcli evaluate -f json` prints. delimiter: a CSV file's (default: sniffed)."""
        from reviewcli import commands

        check_threshold(threshold)
        columns = columns_of(text_column, label_column, label_scheme, skip_unknown_labels, delimiter)
        return commands.evaluate(
            str(data), model_dir=self.path, columns=columns, threshold=threshold, device=self._device,
            precision=self._precision, predictor=self._predictor,
        )  # fmt: skip

    def explain(self, text: str, *, method: str = "ig") -> Explanation:
        """Each word's share of the score: integrated gradients ("ig") or occlusion."""
        from reviewcli.explain.explanation import explain

        if not isinstance(text, str):
            raise TypeError(f"explain takes one string, not {type(text).__name__}")
        if method not in EXPLAIN_METHODS:
            raise UsageError(f"method {method!r}: use {' or '.join(map(repr, EXPLAIN_METHODS))}.")
        predictor = self._predictor
        found = explain(
            predictor.model, predictor.vocab, text, max_length=predictor.max_length, method=method,
            strip_markup=predictor.strip_markup,
        )  # fmt: skip
        words = [(token.text, score) for token, score in zip(found.tokens, found.attribution)]
        return Explanation(text, found.label, found.probability, method, words)

    def info(self) -> dict:
        """What the model directory holds: the dict that `reviewcli info -f json` prints."""
        from reviewcli.store.info import describe

        return describe(self.path)


def prediction(text: str, logit: float | None, threshold: float) -> Prediction:
    """The CLI's label, probability and score (io.output.prediction), with the text and the log-odds."""
    if logit is None:
        return Prediction(text, None, None, None, None)
    found = output.prediction(sigmoid(logit), threshold)
    return Prediction(text, found.label, found.probability, found.score, logit)


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x) without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def load(
    path: str | os.PathLike | None = None, *, device: str = "auto", precision: str = "auto", keep_markup: bool = False
) -> Model:
    """A model directory, loaded; None: the shipped model ($REVIEWCLI_MODEL if set).
    device: auto (CUDA when present), cpu or cuda; precision: auto, fp32 or bf16; keep_markup: read
    HTML and BBCode tags as words (by default they are taken out, as the model's training text was)."""
    from reviewcli.inference.predictor import load_predictor

    check_choice("device", device, DEVICES)
    check_choice("precision", precision, PRECISIONS)
    directory = artifacts.default_model_dir(None if path is None else Path(path))
    predictor = load_predictor(directory, device, precision, keep_markup)
    return Model(predictor, directory, device=device, precision=precision)


def train(
    data: str | os.PathLike | list[str | os.PathLike], *, out: str | os.PathLike, cell: str | None = None,
    epochs: int = TrainConfig.epochs, seed: int = TrainConfig.seed, quiet: bool = True,
    # the model
    embedding_dim: int | None = None, hidden: int | None = None, layers: int | None = None,
    bidirectional: bool | None = None, dropout: float = ModelConfig.dropout, ngram_buckets: int = DEFAULT_NGRAM_BUCKETS,
    from_scratch: bool = False, vectors: str | os.PathLike | None = None, init: str | os.PathLike | None = None,
    new_words: bool = False, gradual: bool = False,
    # training
    batch_size: int = TrainConfig.batch_size, lr: float = TrainConfig.lr, max_length: int = TrainConfig.max_length,
    min_freq: int = TrainConfig.min_freq, max_vocab: int = TrainConfig.max_vocab,
    val_fraction: float = TrainConfig.val_fraction, patience: int = TrainConfig.patience,
    adversarial: float = TrainConfig.adversarial, device: str = TrainConfig.device,
    # the data
    text_column: str | None = None, label_column: str | None = None, label_scheme: str | None = None,
    skip_unknown_labels: bool = False, input_format: str | None = None, keep_markup: bool = False,
    delimiter: str | None = None,
    # the output
    force: bool = False, resume: bool = False,
) -> Model:  # fmt: skip
    """`reviewcli train DATA --out OUT ...` as a function: the same options, named with underscores,
    the same defaults. -> the trained model, loaded. quiet=False: progress lines on stderr."""
    from reviewcli import commands

    if cell is not None:
        check_choice("cell", cell, CELLS)
    check_choice("device", device, DEVICES)
    if input_format is not None:
        check_choice("input_format", input_format, tuple(STDIN_FORMATS))
    if patience < 1:  # checked by the CLI's options, not by TrainConfig
        raise UsageError("patience must be at least 1")
    if max_vocab < 3:
        raise UsageError("max_vocab must be at least 3: <pad>, <unk> and a word")
    try:
        config = TrainConfig(
            epochs=epochs, batch_size=batch_size, lr=lr, max_length=max_length, patience=patience, seed=seed,
            device=device, min_freq=min_freq, max_vocab=max_vocab, val_fraction=val_fraction, adversarial=adversarial,
            strip_markup=not keep_markup,
        )  # fmt: skip
    except ValueError as error:
        raise UsageError(str(error)) from None
    given = {"cell": cell, "embedding_dim": embedding_dim, "hidden": hidden, "layers": layers,
             "bidirectional": bidirectional, "dropout": dropout, "ngram_buckets": ngram_buckets}  # fmt: skip
    model_options = {name: value for name, value in given.items() if value is not None}  # the rest: as train decides
    check_model_options(model_options)
    sources = [str(source) for source in (data if isinstance(data, (list, tuple)) else [data])]
    reporter = Reporter() if quiet else LineReporter()
    summary = commands.train(
        sources, columns=columns_of(text_column, label_column, label_scheme, skip_unknown_labels, delimiter),
        model_options=model_options, config=config, out=Path(out), reporter=reporter,
        vectors=optional_path(vectors), init=optional_path(init), gradual=gradual, new_words=new_words, force=force,
        resume=resume, command="the same reviewcli.train(...) with resume=True", stdin_format=input_format,
        from_scratch=from_scratch,
    )  # fmt: skip
    reporter.finish(summary)
    return load(summary["out"], device=device)


def check_model_options(options: dict) -> None:
    """The model options' values, checked now rather than after the data is read."""
    defaults = {"embedding_dim": ModelConfig.embedding_dim, "hidden": ModelConfig.hidden}
    try:
        ModelConfig(vocab_size=1, **{**defaults, **options, "cell": options.get("cell", CELLS[0])})
    except ValueError as error:
        raise UsageError(str(error)) from None


def check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise UsageError(f"{name} {value!r}: use one of {', '.join(choices)}.")


def check_threshold(threshold: float) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise TypeError(f"threshold must be a number, not {threshold!r}")
    if not 0.0 <= threshold <= 1.0:  # also refuses NaN
        raise UsageError(f"threshold {threshold}: a probability, from 0 to 1.")


def columns_of(
    text: str | None, label: str | None, scheme: str | None, skip_unknown: bool, delimiter: str | None = None
) -> Columns:
    if scheme is not None:
        check_choice("label_scheme", scheme, SCHEMES)
    if delimiter is not None and delimiter not in DELIMITERS:
        raise UsageError(f"delimiter {delimiter!r}: use one of {', '.join(map(repr, DELIMITERS))}.")
    return Columns(text, label, scheme, skip_unknown, delimiter)


def optional_path(value) -> Path | None:
    return None if value is None else Path(value)


class LineReporter(Reporter):
    """Training progress as plain lines on stderr: what the run trains, then a line per epoch."""

    def message(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def start(self, facts: dict) -> None:
        for name, value in facts.items():
            self.message(f"{name}: {value}")

    def epoch(self, result: EpochResult) -> None:
        best = ", best so far" if result.best else ""
        self.message(
            f"epoch {result.epoch}: train loss {result.train_loss:.4f}, accuracy {result.train_accuracy:.4f}; "
            f"validation loss {result.val_loss:.4f}, accuracy {result.val_accuracy:.4f}; {result.seconds:.1f}s{best}"
        )

    def finish(self, summary: dict) -> None:
        metrics = ", ".join(f"{name.replace('_', ' ')} {value:.4f}" for name, value in summary["best_metric"].items())
        self.message(f"best epoch {summary['best_epoch']} ({metrics}); saved to {summary['out']}")
