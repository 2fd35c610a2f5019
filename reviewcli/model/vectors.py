"""Pretrained word vectors (word2vec or GloVe text, gzipped or not) -> the starting rows of an embedding.

The file is streamed and only the vectors of vocabulary words are kept, so a file of millions of
words costs the memory of the vocabulary, not of the file. Every line's count of numbers is checked;
the numbers themselves are parsed only on the lines that are used.
"""

import gzip
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from reviewcli.core.errors import DataError, UsageError
from reviewcli.core.text import normalize
from reviewcli.core.vocab import Vocabulary

GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class WordVectors:
    """The vectors found for a vocabulary: row index -> vector."""

    path: Path
    dimension: int
    rows: dict[int, list[float]]
    words: int  # vocabulary words looked for (<pad> and <unk> are ours, not words)

    def summary(self) -> str:
        line = (
            f"vectors: {len(self.rows):,} of {self.words:,} vocabulary words found in {self.path} "
            f"({self.dimension} dimensions)"
        )
        return line if self.rows else line + "; the embeddings start random"

    def record(self) -> dict:
        """For the model's config.json: where its embeddings came from."""
        return {"file": str(self.path), "dimension": self.dimension, "found": len(self.rows), "words": self.words}


def embedding_dim(path: Path, requested: int | None) -> int:
    """The embedding size for these vectors: theirs; a different explicit size is a usage error."""
    dimension = read_dimension(path)
    if requested is not None and requested != dimension:
        raise UsageError(
            f"--embedding-dim {requested} does not match the {dimension}-dimensional vectors in {path}. "
            f"Leave out --embedding-dim (it follows the vectors) or pass --embedding-dim {dimension}."
        )
    return dimension


def read_dimension(path: Path) -> int:
    """From the word2vec header "COUNT DIM", else from the first vector line (GloVe)."""
    for number, line in text_lines(path):
        dimension = header_dimension(line)
        if dimension is None:
            dimension = line.count(" ")  # GloVe: the word, then one space before each number
        if dimension < 1:
            raise DataError(
                f"{path}:{number}:{len(line) + 1}: no numbers after the word. "
                "Give a word2vec or GloVe text file: a word and its numbers on each line."
            )
        return dimension
    raise DataError(f"{path}: holds no word vectors. Give a word2vec or GloVe text file.")


def header_dimension(line: str) -> int | None:
    """DIM of a word2vec header line "COUNT DIM"; None for any other line."""
    fields = line.split(" ")
    if len(fields) == 2 and all(field.isascii() and field.isdigit() for field in fields):
        return int(fields[1])
    return None


def open_text(path: Path):
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"{path}: no such file. Check the --vectors path.")
    with open(path, "rb") as file:
        gzipped = file.read(2) == GZIP_MAGIC
    opener = gzip.open if gzipped else open
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="\n")


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line) of each line that is not blank, without its line ending or trailing spaces."""
    with open_text(path) as file:
        try:
            for number, line in enumerate(file, 1):
                line = line.rstrip("\r\n ")
                if line:
                    yield number, line
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(
                f"{path}: could not be read ({error}). Check that it is a complete word2vec or GloVe text file."
            ) from None


def read_vectors(path: Path, vocab: Vocabulary, dimension: int) -> WordVectors:
    """The vectors of vocabulary words: the file's exact word first, else the first word that
    normalizes (lower case, NFKC: the vocabulary's own rule) to it."""
    special = {vocab.pad_index, vocab.unk_index}
    exact: dict[int, list[float]] = {}
    folded: dict[int, list[float]] = {}
    first = True
    for number, line in text_lines(path):
        if first:
            first = False
            if header_dimension(line) is not None:
                continue  # word2vec's "COUNT DIM"
        word, numbers = split_entry(path, number, line, dimension)
        row = vocab.index.get(word)
        if row is not None and row not in special:
            if row not in exact:
                exact[row] = parse_numbers(path, number, len(word) + 2, numbers)
            continue
        row = vocab.index.get(normalize(word))
        if row is not None and row not in special and row not in exact and row not in folded:
            folded[row] = parse_numbers(path, number, len(word) + 2, numbers)
    return WordVectors(Path(path), dimension, {**folded, **exact}, len(vocab) - len(special))


def split_entry(path: Path, number: int, line: str, dimension: int) -> tuple[str, str]:
    """-> (word, its numbers as text). A word holding spaces (GloVe 840B has a few, such as ". . .")
    comes back as "" : no vocabulary word holds a space."""
    word, _, numbers = line.partition(" ")
    count = numbers.count(" ") + 1 if numbers else 0
    if count == dimension:
        return word, numbers
    fields = line.split(" ")
    if count > dimension and not is_number(fields[1]):
        return "", ""
    # the column where the next number was due, or where the first extra one starts
    column = len(line) + 1 if count < dimension else 1 + sum(len(field) + 1 for field in fields[: dimension + 1])
    raise DataError(
        f"{path}:{number}:{column}: {count} numbers after the word '{word}', expected {dimension}. "
        "Every vector in the file must have the same size; fix or remove that line."
    )


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_numbers(path: Path, number: int, column: int, numbers: str) -> list[float]:
    """The floats of one line; `column` is where `numbers` starts in the line."""
    values = []
    for field in numbers.split(" "):
        try:
            value = float(field)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise DataError(f"{path}:{number}:{column}: '{field}' is not a finite number. Fix or remove that line.")
        values.append(value)
        column += len(field) + 1
    return values


def initialise(embedding, vectors: WordVectors, pad_index: int) -> None:
    """Copy the found vectors into an nn.Embedding's rows. The other rows keep their random start,
    rescaled to the spread of the loaded vectors; <pad> stays zero. The weights stay trainable."""
    import torch

    if not vectors.rows:
        return
    rows = sorted(vectors.rows)
    weight = embedding.weight
    with torch.no_grad():
        values = torch.tensor([vectors.rows[row] for row in rows], dtype=weight.dtype, device=weight.device)
        if values.numel() > 1:
            spread, start = values.std(), weight.std()
            if spread > 0 and start > 0:
                weight.mul_(spread / start)
        weight[torch.tensor(rows, device=weight.device)] = values
        weight[pad_index] = 0.0
