"""The verbs as plain functions with keyword-only options; the CLI parses and renders around them.

train and pretrain conduct the stages in reviewcli.training.stages: check --out, prepare data, build, fit, save."""

from collections.abc import Iterator
from pathlib import Path

from reviewcli.core.config import DEFAULT_CELL, DEFAULT_THRESHOLD, ModelConfig, TrainConfig
from reviewcli.core.errors import DataError, UsageError
from reviewcli.io.data import Columns, load_examples, reviews
from reviewcli.io.inputs import DecodeReport, Review, Source, input_form
from reviewcli.io.locate import STDIN, STDIN_NAME
from reviewcli.io.output import Prediction, Unscored, prediction
from reviewcli.model.vectors import embedding_dim
from reviewcli.store import artifacts, checkpoint, outdir
from reviewcli.training import distributed, stages


def train(
    sources: list[str], *, columns: Columns, model_options: dict, config: TrainConfig, out: Path | None, reporter,
    vectors: Path | None = None, init: Path | None = None, gradual: bool = False, new_words: bool = False,
    force: bool = False, resume: bool = False, command: str = "reviewcli train --resume", stdin_format: str | None = None,
    from_scratch: bool = False,
) -> dict:  # fmt: skip
    """Load data, build the vocabulary from train only, fit, keep the best epoch, save. -> summary.
    stdin_format: the format of a source '-' (standard input); None: detected.

    vectors: a word2vec/GloVe text file to start the embeddings from; its dimension is the embedding
    size, and an explicit different model_options["embedding_dim"] is a usage error.
    init: a model directory (from `pretrain`, or any sentiment model) whose vocabulary, embedding and
    encoder are fine-tuned; gradual: with ULMFiT's discriminative rates and gradual unfreezing;
    new_words: the training data's words missing from init's vocabulary join it.
    Given none of vectors, init and from_scratch, the model starts from the shipped vectors and
    encoder (reviewcli.training.shipped); from_scratch: from random weights.
    out: None for models/<cell>; force: replace a model there; resume: go on from its checkpoint;
    command: the command line that resumes this run, for the message when it is interrupted.
    Under torchrun, each worker trains on its part of every batch and rank 0 alone reports and saves."""
    parallel = distributed.from_environment()
    reporter = parallel.reporter(reporter)
    check_fine_tuning(vectors, init, gradual, new_words, from_scratch)
    if vectors is not None:  # a missing or mis-sized vectors file fails before the data is read
        model_options = {**model_options, "embedding_dim": embedding_dim(vectors, model_options.get("embedding_dim"))}
    start = stages.read_init(init) if init is not None else None  # a bad --init fails before the data, too
    table, shipped = None, None
    if start is not None:
        model_options = options_from_init(init, start.config, model_options)
        table = table_for(start, new_words)
    elif vectors is None and not from_scratch:
        from reviewcli.training import shipped as knowledge

        shipped = knowledge.plan(model_options)
        model_options = shipped.model_options
    model_options = {"cell": DEFAULT_CELL, **model_options}
    default_out = out is None
    out = Path("models") / model_options["cell"] if default_out else Path(out)
    resume = resume or parallel.resumes(out)
    outdir.check_out(out, force=force, resume=resume, create_parent=default_out)
    with parallel.lock(out) as lock, parallel:
        report_stale(lock, reporter)
        vocab_from = start if start is not None and not start.table_based else None  # else built from the data
        data = stages.prepare_data(
            sources, columns, config, say=reporter.message, init=vocab_from, new_words=new_words,
            stdin_format=stdin_format,
        )  # fmt: skip
        if shipped is not None:
            table, start = shipped.load()
        from reviewcli.inference.device import (  # torch only once the data is known to be good
            keep_freed_memory,
            resolve_device,
        )
        from reviewcli.model.network import count_parameters
        from reviewcli.training.loop import Trainer
        from reviewcli.training.objectives import Classification

        device = parallel.start(resolve_device(config.device))
        keep_freed_memory()
        built = stages.build_model(
            data, model_options, seed=config.seed, say=reporter.message, vectors=vectors, init=start, gradual=gradual,
            table=table,
        )  # fmt: skip
        model = built.model
        objective = Classification(config, device, model.config.pad_index)
        trainer = Trainer(model, objective, config, device, objective.steps(data.train), built.groups, parallel)
        identity = run_identity(config, model.config, data.fingerprint, built.start)
        record = {**data.record, **built.start}
        kind = artifacts.SENTIMENT_KIND
        run = stages.Run(out, kind, config, data.vocab, record, identity, command, saves=parallel.is_main)
        facts = {
            "data": f"{len(data.train[0]):,} train, {len(data.validation[0]):,} validation reviews",
            "model": f"{model.config.cell}, {count_parameters(model):,} parameters, vocabulary {len(data.vocab):,}"
            + "".join(f"; {note}" for note in (shipped.notes if shipped is not None else [])),
            "device": str(device) + (f", {parallel.world} processes" if parallel.world > 1 else ""),
        }
        return conduct(run, trainer, data.train, data.validation, reporter, facts, resume=resume)


def check_fine_tuning(vectors, init, gradual: bool, new_words: bool, from_scratch: bool = False) -> None:
    if vectors is not None and init is not None:
        raise UsageError("--vectors and --init both set the embeddings; give one of them.")
    if from_scratch and (vectors is not None or init is not None):
        flag = "--vectors" if vectors is not None else "--init"
        raise UsageError(f"--from-scratch starts from random weights, {flag} from others; give one of them.")
    if init is None and (gradual or new_words):
        flag = "--gradual" if gradual else "--new-words"
        raise UsageError(f"{flag} changes how an --init model is fine-tuned; give --init DIR, or leave {flag} out.")


def table_for(start: stages.InitModel, new_words: bool):
    """The shipped vectors, for an --init encoder that read words through them (else None)."""
    if not start.table_based:
        return None
    if new_words:
        raise UsageError(
            f"--new-words: {start.path} reads words through the shipped vectors, so the vocabulary is built "
            "from the data already. Leave --new-words out."
        )
    from reviewcli.store import wordtable

    return wordtable.load()


def report_stale(lock, reporter) -> None:
    if lock.stale:
        reporter.message(
            f"{lock.out}: cleared the lock of an earlier run (process {lock.stale}) that stopped without releasing it"
        )


def run_identity(config: TrainConfig, model_config, fingerprint: str, start: dict) -> dict:
    """What a checkpoint must match to be resumed: every setting but the device, and the data."""
    train = {k: v for k, v in config.to_dict().items() if k != "device"}
    return {"train": train, "model": model_config.to_dict(), "data": fingerprint, "start": start}


def conduct(run, trainer, train_data, validation_data, reporter, facts: dict, *, resume: bool) -> dict:
    """Resume if asked, fit with Ctrl-C caught, summarise; the stages do the work."""
    from reviewcli.core.interrupts import StopRequest
    from reviewcli.model.network import count_parameters

    if resume:
        stages.resume(trainer, run)
        position = trainer.position
        batches = f"after batch {position.done} of {trainer.steps_per_epoch}"
        reporter.message(f"resuming {run.out}: epoch {position.epoch}, {batches}")
    reporter.start(facts)

    def tell(name: str) -> None:
        reporter.message(f"{name}: stopping after this step to save the model and a checkpoint (again to quit at once)")

    try:
        with StopRequest(tell) as stop:
            result = stages.fit(trainer, run, train_data, validation_data, reporter=reporter, should_stop=stop)
    except KeyboardInterrupt:
        kept = "what was saved last and its checkpoint" if checkpoint.exists(run.out) else "nothing from this run"
        raise stages.Interrupted(f"stopped at once. {run.out} holds {kept}. Resume: {run.command}") from None
    return {
        "parameters": count_parameters(trainer.model),
        "seconds": result.seconds,
        "tokens_per_second": result.tokens_per_second,
        "best_epoch": result.best_epoch,
        "best_metric": trainer.objective.metrics(trainer.best_key),  # validation accuracy, or next-word loss
        "out": str(run.out),
    }


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
    sources: list[str], *, text_column: str | None, model_options: dict, config: TrainConfig, out: Path | None,
    reporter, force: bool = False, resume: bool = False, command: str = "reviewcli pretrain --resume",
    table: bool = True, init: Path | None = None, max_tokens: int | None = None, input_format: str | None = None,
) -> dict:  # fmt: skip
    """Unlabeled reviews -> vocabulary + embedding and encoder trained as language models, saved after
    every epoch (the best so far, by held-out loss) as a model directory of kind pretrained-encoder. -> summary.

    table: read words through the shipped vectors (held fixed, not saved); False: learn an embedding.
    init: an encoder of an earlier stage to go on from (its vocabulary does not carry over: words
    are read through the table); max_tokens: read no more text than this; input_format: how to read
    the sources (reviewcli.io.inputs.FORMS; None: by file name, standard input as lines)."""
    from reviewcli.training.pretraining import corpus_files, prepare_corpus

    parallel = distributed.from_environment()
    reporter = parallel.reporter(reporter)
    corpus_files(sources)  # missing files and test splits are refused before --out is looked at
    vectors = load_table(model_options, reporter.message) if table else None
    start = read_stage(init, vectors is not None) if init is not None else None
    if start is not None:
        model_options = options_from_init(init, start.config, model_options)
    default_out = out is None
    out = Path("models/pretrained") if default_out else Path(out)
    resume = resume or parallel.resumes(out)
    outdir.check_out(out, force=force, resume=resume, create_parent=default_out)
    with parallel.lock(out) as lock, parallel:
        report_stale(lock, reporter)
        corpus = prepare_corpus(
            sources, text_column, config, reporter.message, table=vectors, max_tokens=max_tokens, input_format=input_format
        )
        from reviewcli.inference.device import keep_freed_memory, resolve_device
        from reviewcli.model.language_model import LanguageModel
        from reviewcli.model.network import count_parameters
        from reviewcli.training.loop import Trainer, set_seed
        from reviewcli.training.objectives import LanguageModelling

        device = parallel.start(resolve_device(config.device))
        keep_freed_memory()
        set_seed(config.seed)
        rows = vectors.embedding_rows(corpus.vocab)[0] if vectors is not None else None
        model_config = ModelConfig(vocab_size=len(corpus.vocab), **model_options)
        model = LanguageModel(model_config, corpus.counts, table_rows=rows)
        if start is not None:
            model.load_state_dict(start.weights, strict=False)  # the encoder; output layer and bias start fresh
            reporter.message(f"init: encoder from {init}")
        corpus.record["init"] = stages.describe_source(init) if init is not None else None
        objective = LanguageModelling(config, device, model.config.pad_index, model.config.bidirectional)
        trainer = Trainer(model, objective, config, device, objective.steps(corpus.train), parallel=parallel)
        identity = run_identity(config, model.config, corpus.fingerprint, {"init": corpus.record["init"]})
        run = stages.Run(
            out, artifacts.ENCODER_KIND, config, corpus.vocab, corpus.record, identity, command, saves=parallel.is_main
        )
        record = corpus.record
        facts = {
            "data": f"{record['reviews']:,} reviews, {record['tokens']:,} tokens from {files(len(record['sources']))} "
            f"({record['held_out']:,} held out)",
            "model": f"{model.config.cell}, {count_parameters(model):,} parameters, vocabulary {len(corpus.vocab):,}"
            + (", words read through the shipped vectors" if vectors is not None else ""),
            "device": str(device) + (f", {parallel.world} processes" if parallel.world > 1 else ""),
        }
        return conduct(run, trainer, corpus.train, corpus.validation, reporter, facts, resume=resume)


def load_table(model_options: dict, say):
    """The shipped vectors, their size set in model_options; None (an embedding is learned) when
    an --embedding-dim other than theirs was given."""
    from reviewcli.store import wordtable

    requested, dimension = model_options.get("embedding_dim"), wordtable.shipped_dimension()
    if requested is not None and requested != dimension:
        say(f"--embedding-dim {requested}: the shipped vectors have {dimension}; learning an embedding instead")
        return None
    vectors = wordtable.load()
    model_options["embedding_dim"] = vectors.dimension
    return vectors


def read_stage(init: Path, table: bool) -> stages.InitModel:
    """The encoder a pretraining stage goes on from; it must read words the way this stage does."""
    found = stages.read_init(init)
    if found.table_based != table:
        how = "through the shipped vectors" if found.table_based else "with its own embedding"
        fix = "leave out --from-scratch" if found.table_based else "add --from-scratch"
        raise UsageError(f"--init {init}: that encoder reads words {how}; {fix} to go on from it.")
    return found


def compare(
    source: str, *, columns: Columns, settings, seeds: list[int] | int, out: Path | None, plot: Path | None,
    force: bool, say, stdin_format: str | None = None,
) -> dict:  # fmt: skip
    """Search each cell (reviewcli.compare.search), retrain the best of each with each of `seeds` (an int:
    that many, from settings.config.seed), test the pairs (reviewcli.compare.run) -> the report; with out,
    each cell's model, trials.csv and compare.json; with plot, PNGs in that folder."""
    from reviewcli.compare import run as comparison
    from reviewcli.compare.report import write_out, write_plots

    if settings.study is not None and not Path(settings.study).parent.is_dir():
        raise UsageError(f"--study {settings.study}: its folder does not exist. Create it or choose another file.")
    for cell in settings.cells if out is not None else []:
        outdir.check_out(Path(out) / cell, force=force, resume=False, create_parent=True)
    if isinstance(seeds, int):
        seeds = [settings.config.seed + k for k in range(seeds)]
    report = comparison.run(
        source, columns=columns, settings=settings, seeds=list(seeds), out=out, say=say, stdin_format=stdin_format
    )
    if plot is not None:
        report["plots"] = [str(path) for path in write_plots(report, plot)]
    if out is not None:
        write_out(report, out)
    return report


def files(count: int) -> str:
    return "1 file" if count == 1 else f"{count:,} files"


def evaluate(
    source: str, *, model_dir: Path | None, columns: Columns, threshold: float = DEFAULT_THRESHOLD, device: str = "auto",
    precision: str = "fp32", stdin_format: str | None = None, say=lambda text: None, predictor=None,
    keep_markup: bool = False,
) -> dict:  # fmt: skip
    """Metrics of a model on labelled data (a folder's test split, or the whole file), with the model
    directory and data named and what was left out counted; say: how the labels were read, and at
    the end how much of long reviews was not read. predictor: model_dir's, already loaded (the
    Python API's Model keeps one); None: loaded here. keep_markup: tokenize HTML and BBCode as text."""
    from reviewcli.core.metrics import evaluate as metrics
    from reviewcli.inference.batching import Unread
    from reviewcli.inference.predictor import load_predictor

    examples = load_examples(source, columns, stdin_format=stdin_format, say=say)
    directory = artifacts.default_model_dir(model_dir)
    predictor = predictor or load_predictor(directory, device, precision, keep_markup)
    unread = Unread(predictor.max_length)
    probabilities = predictor.predict_known(examples.texts, unread=unread)
    judged = [(label, p) for label, p in zip(examples.labels, probabilities) if p is not None]
    unjudged = len(examples.labels) - len(judged)
    if not judged:
        raise DataError(f"{source}: no review holds enough words the model knows to be scored (another language, "
                        "or the wrong column?). Check --text-column, or evaluate a model trained on such reviews.")  # fmt: skip
    for note in examples.notes():
        say(note)
    if unjudged:
        say(f"left out {reviews(unjudged, 'reviews')} with too few words the model knows")
    if unread.note():
        say(unread.note())
    result = metrics([label for label, _ in judged], [p for _, p in judged], threshold)
    left_out = {"neutral": examples.dropped, "unknown_label": examples.skipped, "unjudgeable": unjudged}
    data = STDIN_NAME if str(source) == STDIN else str(source)
    return {"model": str(directory), "data": data, **result, "left_out": left_out}


class Predictions:
    """predict's result, lazily: iterate for chunks of (Review, Prediction) in input order, each as soon
    as it is scored; afterwards warnings() tells of undecodable bytes, reviews left unscored, and
    what of long reviews was not read."""

    def __init__(
        self, chunks: Iterator[list[tuple[Review, Prediction]]], decode: DecodeReport | None, unscored: Unscored,
        unread=None,
    ):  # fmt: skip
        self.chunks, self.decode, self.unscored, self.unread = chunks, decode, unscored, unread

    def __iter__(self) -> Iterator[list[tuple[Review, Prediction]]]:
        return self.chunks

    def warnings(self) -> list[str]:
        found = [self.decode.warning() if self.decode else None, self.unscored.note()]
        found.append(self.unread.note() if self.unread is not None else None)
        return [line for line in found if line]


def predict(
    texts: list[str], *, input_path: str | None, model_dir: Path | None, text_column: str | None,
    threshold: float = DEFAULT_THRESHOLD, device: str = "auto", precision: str = "fp32",
    input_format: str | None = None, chunk_size: int = 2048, pause: float = 0.05, progress=None,
    delimiter: str | None = None, say=lambda text: None, keep_markup: bool = False,
) -> Predictions:  # fmt: skip
    """Score reviews as a stream: chunks of reviews in, the same reviews with their predictions out,
    in input order. From a pipe or terminal a chunk also ends when input pauses for `pause` seconds.
    The model loads (and a file is checked) before this returns. progress(name, size): the caller's
    bar for reading a file (update(position), close()), or None. delimiter: a CSV's (None: sniffed);
    say: where the user hears the format detected and the text column chosen. keep_markup: tokenize
    HTML and BBCode as text."""
    from reviewcli.inference.batching import Unread
    from reviewcli.inference.predictor import load_predictor

    # from standard input the model loads while the user types or the pipe fills; a file is checked first
    predictor = load_predictor(model_dir, device, precision, keep_markup) if input_path == "-" else None
    source = None
    if input_path is not None:
        report = DecodeReport(STDIN_NAME if input_path == STDIN else input_path)
        form = input_form(input_path, text_column, input_format)
        source = Source(input_path, form, report, text_column=text_column, delimiter=delimiter, say=say)
        reviews = source.reviews(text_column)
    else:
        reviews = iter([Review(text) for text in texts])
    predictor = predictor or load_predictor(model_dir, device, precision, keep_markup)
    unscored, unread = Unscored(), Unread(predictor.max_length)
    return Predictions(
        scored_chunks(predictor, reviews, source, (unscored, unread), threshold, chunk_size, pause, progress),
        source.report if source else None, unscored, unread,
    )  # fmt: skip


def scored_chunks(predictor, reviews, source, counts: tuple, threshold: float, chunk_size: int, pause, progress):
    """Chunks of (review, prediction), in order. From a file or a list, a chunk is scored on a thread
    of its own while the next is read, and from the second chunk on tokenized in a helper process
    (inference.helper: in this one, tokenizing would hold Python's lock that scoring needs). From a
    pipe or a terminal each chunk is scored at once, so that its results show before more input
    arrives."""
    unscored, unread = counts
    from concurrent.futures import ThreadPoolExecutor

    from reviewcli.inference.helper import Helper
    from reviewcli.io.chunks import chunks

    bar = progress(source.name, source.size) if source and progress else None
    streaming = bool(source and source.is_pipe())
    scorer = None if streaming else ThreadPoolExecutor(1, thread_name_prefix="reviewcli-chunk")
    helper = None
    pending = None  # (chunk, a future of (Prepared, probabilities))

    def score(texts, reading=None):
        """(Prepared, probabilities); reading: the helper's future Prepared, if it has the texts."""
        try:
            prepared = reading.result() if reading is not None else None
        except Exception:  # the helper could not start or was killed: tokenize here instead
            prepared = None
        prepared = prepared or predictor.prepare(texts)
        return prepared, predictor.finish(prepared)

    def done(chunk, result):
        prepared, probabilities = result
        for length in prepared.lengths:
            unread.add(length)
        unscored.add([review.text for review in chunk], probabilities, [review.missing for review in chunk])
        unscored.column = source.column.chosen if source and source.column else None
        return [(review, prediction(p, threshold)) for review, p in zip(chunk, probabilities)]

    stream = chunks(reviews, chunk_size, pause if streaming else None)
    try:
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                break
            except Exception:  # the input broke: the chunk being scored comes out first, then the error
                if pending is not None:
                    yield done(pending[0], pending[1].result())
                    pending = None
                raise
            texts = [review.text for review in chunk]
            if scorer is None:
                yield done(chunk, score(texts))
            else:
                if helper is None and pending is not None and predictor.reads_apart():
                    helper = Helper(predictor.reading)  # a second chunk: the input is long enough
                # queued behind the chunk being scored, so that it starts as soon as that one ends,
                # while that one's results are written
                scoring = (chunk, scorer.submit(score, texts, helper.submit(texts) if helper else None))
                if pending is not None:
                    yield done(pending[0], pending[1].result())
                pending = scoring
            if bar:
                bar.update(source.position())
        if pending is not None:
            yield done(pending[0], pending[1].result())
    finally:
        if scorer is not None:
            scorer.shutdown(wait=False, cancel_futures=True)
        if helper is not None:
            helper.close()
        if bar:
            bar.close()


def explain(
    texts: list[str], *, input_path: str | None, model_dir: Path | None, text_column: str | None, method: str,
    gates: bool, device: str = "auto", one: bool = False, threshold: float = DEFAULT_THRESHOLD,
    input_format: str | None = None, delimiter: str | None = None, say=lambda text: None, keep_markup: bool = False,
) -> tuple[Iterator, DecodeReport | None]:  # fmt: skip
    """Explain each review lazily: attributions in the logit of positive (and gates when asked). ->
    (explanations, the input's decode report or None). one: a usage error if the input holds more than
    one review (for a plot of one review). Scores run in fp32: gradients in bf16 would not add up.
    keep_markup: tokenize HTML and BBCode as text."""
    from reviewcli.explain.explanation import Explained
    from reviewcli.explain.explanation import explain as explain_review
    from reviewcli.inference.predictor import load_predictor
    from reviewcli.inference.threads import MAX_WORKERS, in_threads, workers_for
    from reviewcli.io.inputs import read_reviews

    report = None
    if input_path is not None:
        report = DecodeReport("<stdin>" if input_path == "-" else input_path)
        form = input_form(input_path, text_column, input_format)
        reviews = read_reviews(input_path, report, text_column=text_column, form=form, delimiter=delimiter, say=say)
    else:
        reviews = iter([Review(text) for text in texts])
    predictor = load_predictor(model_dir, device, "fp32", keep_markup)

    def explained(numbered) -> Explained:
        number, review = numbered
        if one and number > 1:
            raise UsageError(f"--plot draws one review, and {report.name if report else 'the arguments'} hold "
                             "more. Give one review, or leave --plot out.")  # fmt: skip
        explanation = explain_review(
            predictor.model, predictor.vocab, review.text, max_length=predictor.max_length, method=method,
            gates=gates, threshold=threshold, strip_markup=predictor.strip_markup,
        )  # fmt: skip
        explanation.judged = predictor.judges(predictor.tokens(review.text))
        return explanation

    # Reviews on separate threads, one torch thread each (inference.threads: on torch's own threads,
    # one review's gradients ran many times slower beside a busy core). Not from stdin: there each
    # explanation shows as soon as its line arrives, not once the next ones are read.
    workers = 1 if one or input_path == "-" else workers_for(MAX_WORKERS, predictor.device)

    def explanations():
        yield from in_threads(explained, enumerate(reviews, start=1), workers)

    return explanations(), report


def predict_spark(
    input_pattern: str, *, output: str, model_dir: Path | None, master: str | None, text_column: str | None,
    threshold: float = DEFAULT_THRESHOLD, precision: str = "auto",
) -> dict:  # fmt: skip
    """`predict --engine spark`: Parquet files matching input_pattern scored on Spark, written as
    Parquet to output (the input's columns plus label and probability). -> {"rows", "files", "output"}."""
    from reviewcli.engines import spark

    return spark.score_files(
        input_pattern, output, model_dir, master, text_column, threshold=threshold, precision=precision
    )


def check(model_dir: Path | None = None, *, save: bool | None = None, say=lambda text: None, predictor=None) -> dict:
    """Run the behavioural suite (reviewcli.check) on a model: per test its n, failure rate and a few
    failing examples; per capability and overall the failure rate. save: write the summary to the
    model's check.json (True always, False never, None where writable and not the shipped model); say:
    where it went. predictor: model_dir's, already loaded; None: loaded here."""
    from reviewcli.check import suite
    from reviewcli.core.version import __version__

    directory = artifacts.default_model_dir(model_dir)
    if predictor is None:
        from reviewcli.inference.predictor import load_predictor

        predictor = load_predictor(directory)
    result = {"model": str(directory), "reviewcli": __version__,
              **suite.run(suite.build(), predictor.predict, DEFAULT_THRESHOLD)}  # fmt: skip
    saved = suite.save(directory, result, save)
    if saved is not None:
        say(f"saved the summary to {saved} (reviewcli info shows it)")
    return result
