"""`reviewcli pretrain`: unlabeled review text -> an embedding and encoder trained as language models.

Only text is read, never labels, and never a test split: a folder gives its train and unlabeled
files, and a file named like a test or validation split is refused.
"""

import hashlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reviewcli.core.config import TrainConfig
from reviewcli.core.errors import DataError, UsageError
from reviewcli.core.text import tokenize
from reviewcli.core.vocab import Vocabulary
from reviewcli.inference.batching import encode_tokens
from reviewcli.io.data import plain_name
from reviewcli.io.inputs import DecodeReport, input_form, read_reviews
from reviewcli.io.locate import STDIN, STDIN_NAME
from reviewcli.store.artifacts import TABLE_EMBEDDING
from reviewcli.training.stages import describe_source

CORPUS_STEMS = ("train", "unlabeled", "unlabelled")
HELD_OUT_STEMS = ("test", "dev", "validation", "valid", "val")
CORPUS_SUFFIXES = (".jsonl", ".csv", ".tsv", ".txt")


def corpus_files(sources: list[str]) -> list[Path | str]:
    """Files to read: each file given, and from each folder its train.* and unlabeled.* files; - is
    standard input (once)."""
    files = []
    if list(map(str, sources)).count(STDIN) > 1:
        raise UsageError(f"{STDIN} (standard input) can be read only once; give it once among DATA.")
    for source in sources:
        path = Path(source)
        if str(source) == STDIN:
            files.append(STDIN)
        elif path.is_dir():
            found = sorted(f for f in path.iterdir()
                           if plain_name(f).stem.lower() in CORPUS_STEMS and plain_name(f).suffix in CORPUS_SUFFIXES)  # fmt: skip
            if not found:
                raise UsageError(f"{path}: no train.* or unlabeled.* file to pretrain on. Give the files themselves.")
            files += found
        elif path.is_file():
            if plain_name(path).stem.lower() in HELD_OUT_STEMS:
                raise UsageError(
                    f"{path}: looks like a held-out split; pretraining on it would leak it into every model "
                    "fine-tuned from this one. Rename it if it really is training text."
                )
            files.append(path)
        else:
            raise UsageError(f"{source}: no such file or directory. Check the path.")
    return files


def read_texts(
    files: list[Path | str], text_column: str | None, on_warning: Callable[[str], None], input_format: str | None = None
) -> Iterator[str]:  # fmt: skip
    """Non-empty review texts of every file, in order: .jsonl/.csv/.tsv by column (text found by name), else
    lines; input_format (io.inputs.FORMS) says how to read them all, standard input included."""
    for file in files:
        report = DecodeReport(STDIN_NAME if str(file) == STDIN else str(file))
        form = input_form(str(file), text_column, input_format)
        for review in read_reviews(str(file), report, text_column=text_column, form=form):
            if review.text.strip():
                yield review.text
        if report.warning():
            on_warning(report.warning())


def read_tokens(
    texts: Iterator[str], max_tokens: int | None, strip_markup: bool = True
) -> tuple[list[str], list[list[str]]]:
    """(texts, their tokens), reading no further once max_tokens tokens are in (None: everything).
    strip_markup: HTML and BBCode out first, as train and predict read reviews."""
    kept, tokens, total = [], [], 0
    for text in texts:
        if max_tokens is not None and total >= max_tokens:
            break
        kept.append(text)
        tokens.append(tokenize(text, strip_markup=strip_markup))
        total += len(tokens[-1])
    return kept, tokens


def held_out(encoded: list[list[int]], seed: int) -> tuple[list[list[int]], list[list[int]]]:
    """(train, validation): 2% of the reviews, at most 2,000, to report the language model's loss on."""
    order = list(range(len(encoded)))
    random.Random(seed).shuffle(order)
    count = min(2_000, len(encoded) // 50)
    return [encoded[i] for i in order[count:]], [encoded[i] for i in order[:count]]


@dataclass
class PreparedCorpus:
    """Unlabeled reviews encoded with a vocabulary built from them, 2% held out."""

    vocab: Vocabulary
    train: list[list[int]]
    validation: list[list[int]]
    counts: list[int]  # occurrences of each vocabulary id, for the sampled softmax
    record: dict  # config.json's "data" section

    @property
    def fingerprint(self) -> str:
        return self.record["fingerprint"]


def prepare_corpus(
    sources: list[str], text_column: str | None, config: TrainConfig, say, *, table=None, max_tokens: int | None = None,
    input_format: str | None = None,
) -> PreparedCorpus:  # fmt: skip
    """table: a wordtable.VectorTable; only words it knows enter the vocabulary (the others read
    as <unk>), as the language model reads words through it. max_tokens: read no more text."""
    files = corpus_files(sources)
    texts, tokens = read_tokens(read_texts(files, text_column, say, input_format), max_tokens, config.strip_markup)
    if not texts:
        raise DataError(f"no review text in {', '.join(map(str, files))}.")
    counted = tokens if table is None else ([t for t in review if table.knows(t)] for review in tokens)
    vocab = Vocabulary.build(counted, min_freq=config.min_freq, max_vocab=config.max_vocab)
    encoded = [encode_tokens(review, vocab, config.max_length) for review in tokens]
    counts = [0] * len(vocab)
    for review in encoded:
        for index in review:
            counts[index] += 1
    train, validation = held_out(encoded, config.seed)
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode() + b"\n")
    record = {
        "sources": [describe_source(f) for f in files], "reviews": len(texts), "tokens": sum(counts),
        "held_out": len(validation), "fingerprint": digest.hexdigest()[:16],
        "embedding": TABLE_EMBEDDING if table is not None else "learned",
    }  # fmt: skip
    return PreparedCorpus(vocab, train, validation, counts, record)
