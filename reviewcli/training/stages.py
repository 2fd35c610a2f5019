"""The stages of a training run, each a plain function with a typed result:
prepare data -> build model -> fit -> save.

commands.train and commands.pretrain conduct them; a comparison prepares the data once and builds
and fits many models on it. `say` is where a stage tells the user something (a line on stderr).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.core.errors import ReviewCliError, UsageError
from reviewcli.core.text import tokenize
from reviewcli.core.vocab import Vocabulary
from reviewcli.inference.batching import encode_tokens
from reviewcli.io.data import Columns, Examples, training_data
from reviewcli.io.locate import STDIN, STDIN_NAME
from reviewcli.store import artifacts
from reviewcli.training import shipped
from reviewcli.training.shipped import InitModel, read_init  # noqa: F401 (stages.read_init is the public name)

Say = Callable[[str], None]


class Interrupted(ReviewCliError):
    """Ctrl-C or SIGTERM stopped a run; what was kept is saved and the message says how to resume."""

    exit_code = 130
    prefix = "Interrupted"


@dataclass
class PreparedData:
    """Labelled reviews tokenised and encoded with the vocabulary built from the training split."""

    vocab: Vocabulary
    train: tuple[list[list[int]], list[int]]  # (encoded reviews, labels)
    validation: tuple[list[list[int]], list[int]]
    record: dict  # config.json's "data" section
    new_words: int = 0  # words of the data added to an --init vocabulary

    @property
    def fingerprint(self) -> str:
        return self.record["fingerprint"]


def describe_source(source) -> str:
    """A data source as config.json records it: as given, but never the build machine's absolute
    path; of that, its folder and name (data/train.jsonl), so that two sources' files stay apart."""
    if str(source) == STDIN:
        return STDIN_NAME
    path = Path(str(source))
    return str(Path(*path.parts[-2:])) if path.is_absolute() else str(source)


def prepare_data(
    sources: list[str], columns: Columns, config: TrainConfig, *, say: Say, init: InitModel | None = None,
    new_words: bool = False, stdin_format: str | None = None,
) -> PreparedData:  # fmt: skip
    """Load, split, tokenise, build (or extend) the vocabulary from train only, encode.
    stdin_format: the format of DATA '-' (None: detected)."""
    train_set, val_set = training_data(
        sources, columns, val_fraction=config.val_fraction, seed=config.seed, stdin_format=stdin_format, say=say
    )
    return prepare_split(train_set, val_set, sources, config, say=say, init=init, new_words=new_words)


def prepare_split(
    train_set: Examples, val_set: Examples, sources: list[str], config: TrainConfig, *, say: Say,
    init: InitModel | None = None, new_words: bool = False,
) -> PreparedData:  # fmt: skip
    """prepare_data for splits already made (compare sets a test part aside first)."""
    for note in train_set.notes():
        say(note)
    train_tokens = [tokenize(text, strip_markup=config.strip_markup) for text in train_set.texts]
    if init is None:
        vocab = Vocabulary.build(train_tokens, min_freq=config.min_freq, max_vocab=config.max_vocab)
    elif new_words:
        vocab = init.vocab.extended(train_tokens, min_freq=config.min_freq)
        added, known = len(vocab) - len(init.vocab), len(init.vocab)
        say(f"init: {added:,} words of the training data joined the vocabulary of {known:,}")
    else:
        vocab = init.vocab
    train_ids = [encode_tokens(tokens, vocab, config.max_length) for tokens in train_tokens]
    val_ids = [encode_tokens(tokenize(t, strip_markup=config.strip_markup), vocab, config.max_length) for t in val_set.texts]
    record = {
        "sources": [describe_source(s) for s in sources] or ["data/"],
        "fingerprint": f"{train_set.fingerprint()}-{val_set.fingerprint()}",
        "train_examples": len(train_set),
        "validation_examples": len(val_set),
        "left_out_3_stars": train_set.dropped,  # every neutral row: 3 stars, 0 of -1/0/1, 'neutral'
        "skipped_unknown_labels": train_set.skipped,
        "labels": {describe_source(source): meaning for source, (_, meaning) in train_set.read_as.items()},
    }
    added = len(vocab) - len(init.vocab) if init is not None else 0
    return PreparedData(vocab, (train_ids, train_set.labels), (val_ids, val_set.labels), record, added)


@dataclass
class BuiltModel:
    """A model ready to fit, with its optional parameter groups and where its start came from."""

    model: object
    groups: list[dict] | None = None
    start: dict = field(default_factory=dict)  # config.json "data" entries: vectors, init, ...


def build_model(
    data: PreparedData, model_options: dict, *, seed: int, say: Say, vectors: Path | None = None,
    init: InitModel | None = None, gradual: bool = False, table=None,
) -> BuiltModel:  # fmt: skip
    """A SentimentModel over data's vocabulary: random, from word vectors (a file, or the shipped
    table), from an --init model, or from an encoder pretrained over the table with the table's rows."""
    from reviewcli.model.network import SentimentModel, with_new_words
    from reviewcli.model.vectors import initialise, read_vectors
    from reviewcli.training.loop import fine_tuning_groups, set_seed

    set_seed(seed)
    model = SentimentModel(ModelConfig(vocab_size=len(data.vocab), **model_options))
    start = {"vectors": None, "init": None, "gradual_unfreezing": gradual, "new_words": data.new_words > 0}
    groups = None
    if vectors is not None:
        found = read_vectors(vectors, data.vocab, model.config.embedding_dim)
        initialise(model.embedding, found, data.vocab.pad_index)
        say(found.summary())
        start["vectors"] = {**found.record(), "file": describe_source(found.path)}
    if table is not None:
        import torch

        rows, found = table.embedding_rows(data.vocab)
        with torch.no_grad():
            model.embedding.weight.copy_(rows)
        words = len(data.vocab) - 2
        say(f"vectors: {found:,} of {words:,} vocabulary words found in the shipped vectors ({table.dimension} dimensions)")
        start["vectors"] = table.record(found, words)
    if init is not None:
        weights = with_new_words(init.weights, data.new_words) if data.new_words else init.weights
        model.load_state_dict(weights, strict=False)  # the head starts fresh
        groups = fine_tuning_groups(model) if gradual else None
        how = "; layers unfreeze one per epoch from the top" if gradual else ""
        what = "encoder" if init.table_based else "vocabulary, embedding and encoder"
        say(f"init: {what} from {describe_init(init.path)}{how}")
        start["init"] = describe_init(init.path)
    return BuiltModel(model, groups, start)


def describe_init(path: Path) -> str:
    """An --init model as config.json records it; the shipped encoder by name, not by where it is installed."""
    return "shipped encoder" if Path(path) == shipped.encoder_dir() else str(path)


@dataclass
class Run:
    """One run's fixed parts: where it writes, what it saves beside the weights, and `identity`,
    what a checkpoint must match to be resumed (settings and the data's fingerprint)."""

    out: Path
    kind: str
    config: TrainConfig
    vocab: Vocabulary
    data_record: dict
    identity: dict
    command: str  # the command line that continues this run
    saves: bool = True  # False for torchrun's workers other than rank 0, which saves for all

    def save(self, trainer, *, finished: bool) -> None:
        """The best model so far (else the current one) and, unless finished, the checkpoint."""
        if not self.saves:
            return
        model = trainer.model
        weights = trainer.best_state or {k: v.detach().cpu() for k, v in model.state_dict().items()}
        metrics = {"best_epoch": trainer.best_epoch or None}
        if trainer.best_key is not None:
            metrics.update(trainer.objective.metrics(trainer.best_key))
        record = artifacts.Record(
            self.kind, self.config, self.data_record, metrics, trainer.history, trainer.epochs_done, finished
        )
        kept = None if finished else (trainer.state(), self.identity)
        artifacts.save(self.out, model.config, weights, self.vocab, record, checkpoint=kept)


def resume(trainer, run: Run) -> None:
    """Load the checkpoint in run.out into the trainer; settings or data that differ are refused."""
    import json

    from reviewcli.store import checkpoint

    state, saved = checkpoint.read(run.out)
    now = json.loads(json.dumps(run.identity))  # as it would be stored: tuples as lists
    changed = checkpoint.differences(saved, now)
    if changed:
        raise UsageError(
            f"{run.out}: the checkpoint was made with other settings or data ({'; '.join(changed)}). "
            "Resume with the same command and data, or start over with --force."
        )
    trainer.load_state(state)


@dataclass
class FitResult:
    seconds: float
    tokens_per_second: float  # training steps only, over every epoch of the run (resumed ones too)
    best_epoch: int
    epochs_done: int


def fit(trainer, run: Run, data_train, data_validation, *, reporter, should_stop) -> FitResult:
    """Train to the end, saving the model and a checkpoint after every epoch; when should_stop()
    ends it early, save both and raise Interrupted with the command that resumes."""
    started = time.perf_counter()
    try:
        for result in trainer.fit(data_train, data_validation, on_step=reporter.step, should_stop=should_stop):
            reporter.epoch(result)
            if not trainer.finished:
                run.save(trainer, finished=False)
        if trainer.interrupted:
            run.save(trainer, finished=False)
            raise Interrupted(interrupted_message(trainer, run, getattr(should_stop, "requested", None)))
        run.save(trainer, finished=True)
    finally:
        reporter.close()
    history = trainer.history
    tokens = sum(h["tokens"] for h in history)
    train_seconds = sum(h["train_seconds"] for h in history)
    return FitResult(
        time.perf_counter() - started, tokens / max(train_seconds, 1e-9), trainer.best_epoch, trainer.epochs_done
    )


def interrupted_message(trainer, run: Run, signal_name: str | None) -> str:
    position = trainer.position
    where = f"epoch {position.epoch}, batch {position.done} of {trainer.steps_per_epoch}"
    if trainer.best_epoch:
        done = f"{trainer.epochs_done} of {run.config.epochs} epochs done"
        kept = f"the best model so far (epoch {trainer.best_epoch}; {done})"
    else:
        kept = "the model as it was (no epoch finished yet)"
    return f"{signal_name or 'a signal'} in {where}. {run.out} holds {kept} and a checkpoint. Resume: {run.command}"
