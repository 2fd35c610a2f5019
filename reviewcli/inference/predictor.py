"""Scoring: a loaded model + vocabulary -> probability of `positive` for each review, in order."""

from dataclasses import dataclass
from pathlib import Path

from reviewcli.core.config import MIN_KNOWN_SHARE
from reviewcli.core.judgeable import Judge
from reviewcli.core.text import tokenize
from reviewcli.inference.batching import Unread, batches, truncate
from reviewcli.inference.device import autocast
from reviewcli.inference.threads import MAX_WORKERS, in_threads, workers_for


def score(
    model, encoded: list[list[int]], *, batch_size: int, device, bf16: bool | None = None, forward=None,
    workers: int = 1, logits: bool = False,
) -> list[float]:  # fmt: skip
    """P(positive) for already-encoded reviews, returned in input order. forward: what maps (ids,
    lengths) to logits, such as a gate_tables.Reader of the model; the model itself by default.
    workers > 1: batches run on that many threads at once (threads.in_threads); forward must allow it.
    logits: the log-odds of positive instead (the Python API's score), exact where P rounds to 0 or 1."""
    import torch

    model.eval()
    forward = model if forward is None else forward
    probabilities = [0.0] * len(encoded)

    def one(batch):
        indices, ids, lengths, _ = batch
        # grad mode and autocast are per thread: set here, on the thread that runs the batch
        with torch.inference_mode(), autocast(device, bf16):
            found = forward(ids.to(device), lengths).float()
            return indices, (found if logits else torch.sigmoid(found)).tolist()

    # Few distinct batch shapes keep oneDNN's per-shape caches, and so memory, bounded over
    # millions of reviews; padding never changes a result.
    work = batches(encoded, None, batch_size, model.config.pad_index, multiple=8)
    for indices, found in in_threads(one, work, workers):
        for i, p in zip(indices, found):
            probabilities[i] = p
    return probabilities


@dataclass
class Prepared:
    """Reviews ready to score: how many there were, which of them are judged, their ids (truncated),
    and the judged reviews' lengths before truncation (for batching.Unread)."""

    count: int
    known: list[int]
    encoded: list[list[int]]
    lengths: list[int]


@dataclass
class Reading:
    """Raw texts -> Prepared, as a model reads them: all Python, no torch, so that it can be sent to
    a helper process (inference.helper) and run there."""

    vocab: object  # core.vocab.Vocabulary
    judge: Judge
    strip_markup: bool
    max_length: int

    def __call__(self, texts: list[str]) -> Prepared:
        tokens = [tokenize(text, strip_markup=self.strip_markup) for text in texts]
        ids = [self.vocab.encode(words) for words in tokens]
        known = [i for i, (words, row) in enumerate(zip(tokens, ids)) if self.judge(words, row)]
        lengths = [len(ids[i]) for i in known]
        return Prepared(len(texts), known, [truncate(ids[i], self.max_length) for i in known], lengths)


class Predictor:
    """A loaded artifact ready to score raw text."""

    # 64 beat batches of 16-1024 reviews and of 2k-32k tokens for the shipped model on 2 CPU
    # cores (4,000 reviews of bench/speed.py's file): bigger batches of long reviews fall out of cache.
    # Scored two at a time (in_threads), 48 took 60 MB less memory than 64 and 3% more time.
    def __init__(
        self, model, vocab, *, max_length: int, device, batch_size: int = 64, bf16: bool = False,
        strip_markup: bool = False,
    ):  # fmt: skip
        """strip_markup: take HTML and BBCode out before tokenizing, as the model's training text was."""
        self.model = model.to(device).eval()
        self.vocab = vocab
        self.max_length = max_length
        self.strip_markup = strip_markup
        self.device = device
        self.batch_size = batch_size
        self.bf16 = bf16
        self.judge = Judge(vocab.tokens, vocab.unk_index, MIN_KNOWN_SHARE)
        self.reading = Reading(vocab, self.judge, strip_markup, max_length)
        from reviewcli.inference import gate_tables  # imports torch

        self.forward = gate_tables.reader_for(self.model, device, bf16)

    def tokens(self, text: str) -> list[str]:
        """A review's tokens as this model reads them."""
        return tokenize(text, strip_markup=self.strip_markup)

    def predict(self, texts: list[str], *, unread: Unread | None = None) -> list[float]:
        """P(positive) of each review; unread: counts what truncation left out."""
        ids = [self.vocab.encode(self.tokens(text)) or [self.vocab.unk_index] for text in texts]
        return self.score(self.truncated(ids, unread))

    def predict_known(self, texts: list[str], *, logits: bool = False, unread: Unread | None = None) -> list[float | None]:
        """P(positive), or None for a review the model cannot judge (core.judgeable: too few words the
        vocabulary knows; empty ones, other languages, symbols only): such a review would be scored on
        unknown tokens and punctuation, a confident answer whatever it says. logits: the log-odds of
        positive instead of P; unread: counts what truncation left out of those scored."""
        return self.finish(self.prepare(texts, unread), logits=logits)

    def prepare(self, texts: list[str], unread: Unread | None = None) -> "Prepared":
        """predict_known's first half, all Python: tokens, ids, which reviews are judged, truncation."""
        prepared = self.reading(texts)
        for length in prepared.lengths if unread is not None else []:
            unread.add(length)
        return prepared

    def finish(self, prepared: "Prepared", *, logits: bool = False) -> list[float | None]:
        """predict_known's second half, mostly torch: the judged reviews scored, None for the others."""
        probabilities: list[float | None] = [None] * prepared.count
        for i, p in zip(prepared.known, self.score(prepared.encoded, logits=logits)):
            probabilities[i] = p
        return probabilities

    def judges(self, tokens: list[str]) -> bool:
        return self.judge(tokens, self.vocab.encode(tokens))

    def truncated(self, ids: list[list[int]], unread: Unread | None) -> list[list[int]]:
        for review in ids if unread is not None else []:
            unread.add(len(review))
        return [truncate(review, self.max_length) for review in ids]

    def score(self, encoded: list[list[int]], *, logits: bool = False) -> list[float]:
        return score(
            self.model, encoded, batch_size=self.batch_size, device=self.device, bf16=self.bf16, forward=self.forward,
            workers=self.workers(len(encoded)), logits=logits,
        )  # fmt: skip

    def reads_apart(self) -> bool:
        """Whether a long input is worth tokenizing in a helper process (inference.helper): when
        scoring runs on more than one core, or on a GPU."""
        return self.device.type != "cpu" or workers_for(MAX_WORKERS, self.device) > 1

    def workers(self, reviews: int) -> int:
        """Threads to score on, one torch thread each (threads.workers_for), the gate tables and the
        module alike: never more than the batches."""
        return workers_for(-(-reviews // self.batch_size), self.device)

    def runs_as(self) -> str:
        """What scoring runs on here, in words: the path and its threads."""
        import torch

        path = "gate tables, fp32" if self.forward is not self.model else "the module, " + ("bf16" if self.bf16 else "fp32")
        if self.device.type != "cpu":
            return f"{path} on {self.device.type}"
        workers = workers_for(MAX_WORKERS, self.device)
        threads = max(1, torch.get_num_threads() // workers)
        return f"{path}; {workers} batch{'es' if workers > 1 else ''} at a time, {threads} torch thread{'s' if threads > 1 else ''} each"


def load_predictor(model_dir: Path | None, device_name: str = "auto", precision: str = "fp32", keep_markup: bool = False):
    """precision: fp32, bf16, or auto (see device.use_bf16). Markup is taken out before tokenizing
    where the model's training text had it taken out (artifacts.strips_markup), unless keep_markup."""
    from reviewcli.inference.device import resolve_device, use_bf16
    from reviewcli.store import artifacts

    directory = artifacts.default_model_dir(model_dir)
    model, vocab, config = artifacts.load(directory)
    device = resolve_device(device_name)
    bf16 = use_bf16(precision, device, model.config.cell)
    strip = artifacts.strips_markup(config) and not keep_markup
    return Predictor(
        model, vocab, max_length=config["tokenizer"]["max_length"], device=device, bf16=bf16, strip_markup=strip
    )
