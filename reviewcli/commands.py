"""The three verbs as plain functions with keyword-only options; the CLI parses and renders around them."""

import time
from itertools import islice
from pathlib import Path

from reviewcli import artifacts
from reviewcli.batching import encode_tokens
from reviewcli.config import ModelConfig, TrainConfig
from reviewcli.data import Columns, load_examples, training_data
from reviewcli.errors import DataError, UsageError
from reviewcli.inputs import DecodeReport, input_form, read_reviews
from reviewcli.output import Writer
from reviewcli.text import tokenize
from reviewcli.vectors import embedding_dim, initialise, read_vectors
from reviewcli.vocab import Vocabulary


def train(
    sources: list[str], *, columns: Columns, model_options: dict, config: TrainConfig, out: Path, reporter,
    vectors: Path | None = None, init: Path | None = None, gradual: bool = False, new_words: bool = False,
) -> dict:  # fmt: skip
    """Load data, build the vocabulary from train only, fit, keep the best epoch, save. -> summary.

    vectors: a word2vec/GloVe text file to start the embeddings from; its dimension is the embedding
    size, and an explicit different model_options["embedding_dim"] is a usage error.
    init: a model directory (from `pretrain`, or any sentiment model) whose vocabulary, embedding and
    encoder are fine-tuned; gradual: with ULMFiT's discriminative rates and gradual unfreezing;
    new_words: the training data's words missing from init's vocabulary join it."""
    if vectors is not None and init is not None:
        raise UsageError("--vectors and --init both set the embeddings; give one of them.")
    if init is None and (gradual or new_words):
        flag = "--gradual" if gradual else "--new-words"
        raise UsageError(f"{flag} changes how an --init model is fine-tuned; give --init DIR, or leave {flag} out.")
    if vectors is not None:  # a missing or mis-sized vectors file fails before the data is read
        model_options = {**model_options, "embedding_dim": embedding_dim(vectors, model_options.get("embedding_dim"))}
    if init is not None:  # a bad --init fails before the data is read, too
        init_config, vocab, weights = artifacts.load_encoder(init)
        model_options = options_from_init(init, init_config, model_options)
    train_set, val_set = training_data(sources, columns, val_fraction=config.val_fraction, seed=config.seed)
    from reviewcli.device import keep_freed_memory, resolve_device  # torch only once the data is known to be good
    from reviewcli.model import SentimentModel, count_parameters, with_new_words
    from reviewcli.training import Trainer, fine_tuning_groups, set_seed

    device = resolve_device(config.device)
    keep_freed_memory()
    if train_set.dropped:
        reporter.message(f"left out {train_set.dropped:,} reviews rated 3 stars (neither positive nor negative)")
    train_tokens = [tokenize(text) for text in train_set.texts]
    if init is None:
        vocab = Vocabulary.build(train_tokens, min_freq=config.min_freq, max_vocab=config.max_vocab)
    elif new_words:
        known = len(vocab)
        vocab = vocab.extended(train_tokens, min_freq=config.min_freq)
        weights = with_new_words(weights, len(vocab) - known)
        reporter.message(f"init: {len(vocab) - known:,} words of the training data joined the vocabulary of {known:,}")
    train_ids = [encode_tokens(tokens, vocab, config.max_length) for tokens in train_tokens]
    val_ids = [encode_tokens(tokenize(text), vocab, config.max_length) for text in val_set.texts]
    set_seed(config.seed)
    model = SentimentModel(ModelConfig(vocab_size=len(vocab), **model_options))
    found, groups = None, None
    if vectors is not None:
        found = read_vectors(vectors, vocab, model.config.embedding_dim)
        initialise(model.embedding, found, vocab.pad_index)
        reporter.message(found.summary())
    if init is not None:
        model.load_state_dict(weights, strict=False)  # the head starts fresh
        groups = fine_tuning_groups(model) if gradual else None
        how = "; layers unfreeze one per epoch from the top" if gradual else ""
        reporter.message(f"init: vocabulary, embedding and encoder from {init}{how}")
    reporter.start({
        "data": f"{len(train_set):,} train, {len(val_set):,} validation reviews",
        "model": f"{model.config.cell}, {count_parameters(model):,} parameters, vocabulary {len(vocab):,}",
        "device": str(device),
    })  # fmt: skip
    trainer = Trainer(model, config, device, groups)
    started, tokens, train_seconds, history = time.perf_counter(), 0, 0.0, []
    for result in trainer.fit((train_ids, train_set.labels), (val_ids, val_set.labels), on_step=reporter.step):
        reporter.epoch(result)
        history.append(vars(result))
        tokens += result.tokens
        train_seconds += result.train_seconds
    seconds = time.perf_counter() - started
    model.load_state_dict(trainer.best_state)
    summary = {
        "parameters": count_parameters(model),
        "seconds": seconds,
        "tokens_per_second": tokens / max(train_seconds, 1e-9),  # training steps, not validation
        "best_epoch": trainer.best_epoch,
        "best_val_accuracy": trainer.best_key[0],
        "out": str(out),
    }
    extra = {
        "train": config.to_dict(),
        "data": {
            "sources": [str(s) for s in sources] or ["data/"],
            "fingerprint": train_set.fingerprint(),
            "train_examples": len(train_set),
            "validation_examples": len(val_set),
            "left_out_3_stars": train_set.dropped,
            "vectors": found.record() if found else None,
            "init": str(init) if init else None,
            "gradual_unfreezing": gradual,
            "new_words": new_words,
        },
        "metrics": {"validation_accuracy": trainer.best_key[0], "best_epoch": trainer.best_epoch},
        "history": history,
    }
    artifacts.save(out, model, vocab, max_length=config.max_length, extra=extra)
    return summary


ARCHITECTURE = ("cell", "embedding_dim", "hidden", "layers", "bidirectional")


def options_from_init(init: Path, init_config: ModelConfig, model_options: dict) -> dict:
    """The architecture of an --init model; an explicit option that contradicts it is a usage error."""
    taken = {name: getattr(init_config, name) for name in ARCHITECTURE}
    for name, value in model_options.items():
        if name in taken and value != taken[name]:
            flag = "--" + name.replace("_", "-")
            raise UsageError(f"{flag} {value} contradicts {init}, which has {name} {taken[name]}. Leave {flag} out.")
    return {**model_options, **taken}


def pretrain(
    sources: list[str], *, text_column: str | None, model_options: dict, config: TrainConfig, out: Path, reporter
) -> dict:
    """Unlabeled reviews -> vocabulary + embedding and encoder trained as language models, saved after
    every epoch as a model directory of kind pretrained-encoder. -> summary."""
    from reviewcli.pretraining import corpus_files, held_out, read_texts

    files = corpus_files(sources)
    texts = read_texts(files, text_column, reporter.message)
    if not texts:
        raise DataError(f"no review text in {', '.join(map(str, files))}.")
    from reviewcli.device import keep_freed_memory, resolve_device
    from reviewcli.language_model import LanguageModel
    from reviewcli.model import count_parameters
    from reviewcli.pretraining import Pretrainer
    from reviewcli.training import set_seed

    device = resolve_device(config.device)
    keep_freed_memory()
    tokens = [tokenize(text) for text in texts]
    vocab = Vocabulary.build(tokens, min_freq=config.min_freq, max_vocab=config.max_vocab)
    encoded = [encode_tokens(review, vocab, config.max_length) for review in tokens]
    counts = [0] * len(vocab)
    for review in encoded:
        for index in review:
            counts[index] += 1
    train_ids, val_ids = held_out(encoded, config.seed)
    set_seed(config.seed)
    model = LanguageModel(ModelConfig(vocab_size=len(vocab), **model_options), counts)
    reporter.start({
        "data": f"{len(texts):,} reviews, {sum(counts):,} tokens from {len(files)} files ({len(val_ids):,} held out)",
        "model": f"{model.config.cell}, {count_parameters(model):,} parameters, vocabulary {len(vocab):,}",
        "device": str(device),
    })  # fmt: skip
    trainer = Pretrainer(model, config, device)
    started, tokens_seen, train_seconds, history = time.perf_counter(), 0, 0.0, []
    for result in trainer.fit(train_ids, val_ids, on_step=reporter.step):
        reporter.epoch(result)
        history.append(vars(result))
        tokens_seen += result.tokens
        train_seconds += result.train_seconds
        extra = {
            "kind": artifacts.ENCODER_KIND,
            "train": config.to_dict(),
            "data": {"sources": [str(f) for f in files], "reviews": len(texts), "tokens": sum(counts)},
            "metrics": {"next_word_loss": result.val_loss, "epochs": result.epoch},
            "history": history,
        }
        artifacts.save(out, model, vocab, max_length=config.max_length, extra=extra)  # each epoch: Ctrl-C keeps it
    return {
        "parameters": count_parameters(model),
        "seconds": time.perf_counter() - started,
        "tokens_per_second": tokens_seen / max(train_seconds, 1e-9),
        "best_epoch": len(history),
        "best_val_accuracy": history[-1]["val_accuracy"],
        "out": str(out),
    }


def load_predictor(model_dir: Path | None, device_name: str = "auto", precision: str = "fp32"):
    """precision: fp32, bf16, or auto (see device.use_bf16)."""
    from reviewcli.device import resolve_device, use_bf16
    from reviewcli.inference import Predictor

    directory = artifacts.default_model_dir(model_dir)
    model, vocab, config = artifacts.load(directory)
    device = resolve_device(device_name)
    bf16 = use_bf16(precision, device, model.config.cell)
    return Predictor(model, vocab, max_length=config["tokenizer"]["max_length"], device=device, bf16=bf16)


def evaluate(
    source: str, *, model_dir: Path | None, columns: Columns, threshold: float, device: str, precision: str = "fp32"
) -> dict:
    """Metrics of a model on labelled data (a folder's test split, or the whole file)."""
    from reviewcli.metrics import evaluate as metrics

    examples = load_examples(source, columns)
    predictor = load_predictor(model_dir, device, precision)
    return metrics(examples.labels, predictor.predict(examples.texts), threshold)


def predict(
    texts: list[str], *, input_path: str | None, model_dir: Path | None, text_column: str | None,
    form: str, threshold: float, device: str, precision: str = "fp32", chunk_size: int = 2048,
) -> DecodeReport | None:  # fmt: skip
    """Stream predictions: a chunk of reviews in, the same number of lines out, in input order."""
    from reviewcli.inputs import Review

    predictor = load_predictor(model_dir, device, precision)
    writer = Writer(form, threshold)
    report = None
    if input_path is not None:
        report = DecodeReport("<stdin>" if input_path == "-" else input_path)
        reviews = read_reviews(input_path, report, text_column=text_column, form=input_form(input_path, text_column))
    else:
        reviews = iter([Review(text) for text in texts])
    while chunk := list(islice(reviews, chunk_size)):
        writer.write(zip(chunk, predictor.predict([review.text for review in chunk])))
    return report
