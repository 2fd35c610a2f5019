"""The word vectors reviewcli ships: a table of 300-number rows and a map from words to rows.

Made by `make vectors` (build()) from spaCy's en_core_web_md static vectors (CC0): 20,000 rows,
stored as int8 with a scale per row (6 MB; within 0.4% of each row's largest number),
and every key that reviewcli's tokenizer can produce as one token, lower-cased (266,583
words; a rare word shares the row of a frequent word near it, as spaCy prunes its table).
Installed as the package reviewcli.bundled.vectors, beside the shipped model. `train` starts a
vocabulary's embedding rows from it and `pretrain` reads words through it, so an encoder
pretrained over these vectors understands any word of a user's data that the table knows.
"""

import functools
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

from reviewcli.core.errors import ModelError
from reviewcli.core.text import normalize, tokenize
from reviewcli.io.files import bundled

VECTORS_FILE = "vectors.safetensors"
WORDS_FILE = "words.tsv.gz"
SOURCE_FILE = "source.json"
SHIPPED_NAME = "shipped vectors (spaCy en_core_web_md, 300 dimensions)"


@dataclass
class VectorTable:
    """rows: word -> row of vectors (R, D), float32."""

    path: Path
    vectors: object  # torch.Tensor (R, D)
    rows: dict[str, int]

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def embedding_rows(self, vocab):
        """(len(vocab), D) starting rows for a vocabulary: a known word's vector; an unknown one a
        random vector at the table's spread (from torch's seeded generator); <pad> zero; <unk> the mean.
        -> (rows, how many of the vocabulary's words the table knew)."""
        import torch

        special = {vocab.pad_index, vocab.unk_index}
        found = [None if i in special else self.rows.get(token) for i, token in enumerate(vocab.to_list())]
        weight = torch.randn(len(found), self.dimension) * self.vectors.std()
        known = [i for i, row in enumerate(found) if row is not None]
        if known:
            weight[torch.tensor(known)] = self.vectors[torch.tensor([found[i] for i in known])]
        weight[vocab.unk_index] = self.vectors.mean(dim=0)
        weight[vocab.pad_index] = 0.0
        return weight, len(known)

    def knows(self, token: str) -> bool:
        return token in self.rows

    def record(self, found: int, words: int) -> dict:
        """config.json's note of where the embedding started."""
        return {"file": SHIPPED_NAME if self.path == shipped_dir() else str(self.path), "dimension": self.dimension,
                "found": found, "words": words}  # fmt: skip


def shipped_dir() -> Path:
    """models/vectors of the checkout, installed as reviewcli.bundled.vectors; $REVIEWCLI_VECTORS overrides."""
    if os.environ.get("REVIEWCLI_VECTORS"):
        return Path(os.environ["REVIEWCLI_VECTORS"])
    return bundled("vectors")


def shipped_dimension() -> int | None:
    """The shipped vectors' size, from source.json, without reading them; None if they are missing."""
    try:
        return int(json.loads((shipped_dir() / SOURCE_FILE).read_text())["dimension"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@functools.lru_cache(maxsize=2)
def load(directory: Path | None = None) -> VectorTable:
    """The table in directory (default: the shipped one); read once per process."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(directory) if directory is not None else shipped_dir()
    try:
        vectors = dequantize(load_file(directory / VECTORS_FILE))
        rows = read_words(directory / WORDS_FILE, int(vectors.shape[0]))
    except (OSError, KeyError, SafetensorError, ValueError, RuntimeError) as error:  # RuntimeError: scales of another size
        raise ModelError(
            f"{directory}: the word vectors could not be read ({error}). Reinstall reviewcli, or "
            "train with --from-scratch, which needs no vectors."
        ) from None
    return VectorTable(directory, vectors, rows)


def quantize(vectors) -> dict:
    """(R, D) float vectors -> {"vectors": int8 (R, D), "scales": float32 (R,)}: each row to 127 steps
    of its largest magnitude, a quarter of float32's bytes; the error of a number is at most half a step."""
    import torch

    scales = vectors.abs().amax(dim=1).clamp_min(torch.finfo(torch.float32).tiny) / 127
    steps = torch.round(vectors / scales.unsqueeze(1)).clamp_(-127, 127).to(torch.int8)
    return {"vectors": steps.contiguous(), "scales": scales.contiguous()}


def dequantize(tensors: dict):
    """The inverse of quantize(), as float32; a table saved without scales is float rows already."""
    if "scales" not in tensors:
        return tensors["vectors"].float()
    return tensors["vectors"].float() * tensors["scales"].float().unsqueeze(1)


def read_words(path: Path, count: int) -> dict[str, int]:
    rows = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as file:
        for line in file:
            word, _, row = line.rstrip("\n").rpartition("\t")
            index = int(row)
            if not 0 <= index < count:
                raise ValueError(f"row {index} of '{word}' is outside the {count} vectors")
            rows[word] = index
    return rows


def build(source: Path, out: Path) -> dict:
    """spaCy's exported vectors (vectors.npy, keys.tsv.gz of word<TAB>row) -> out/: rows as int8 with
    a scale each (quantize()) in safetensors, and the words reviewcli's tokenizer can produce,
    lower-cased; a lower-case key's own row wins over its capitalised forms'. -> counts, also
    written to out/source.json."""
    import numpy
    import torch
    from safetensors.torch import save_file

    vectors = torch.from_numpy(numpy.load(Path(source) / "vectors.npy")).float()
    rows: dict[str, int] = {}
    exact: set[str] = set()
    keys = 0
    with gzip.open(Path(source) / "keys.tsv.gz", "rt", encoding="utf-8", newline="\n") as file:
        for line in file:
            keys += 1
            key, _, row = line.rstrip("\n").rpartition("\t")
            word = normalize(key)
            if tokenize(word) != [word] or word in exact:
                continue
            if word == key:
                exact.add(word)
                rows[word] = int(row)
            else:
                rows.setdefault(word, int(row))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    save_file(quantize(vectors), out / VECTORS_FILE)
    with gzip.GzipFile(out / WORDS_FILE, "wb", mtime=0) as file:  # mtime 0: the same input gives the same bytes
        file.write("".join(f"{word}\t{row}\n" for word, row in sorted(rows.items())).encode())
    summary = {"source": "spaCy en_core_web_md 3.8.0 static vectors (CC0)", "rows": int(vectors.shape[0]),
               "dimension": int(vectors.shape[1]), "stored": "int8, a float32 scale per row", "keys": keys,
               "words": len(rows)}  # fmt: skip
    (out / SOURCE_FILE).write_text(json.dumps(summary, indent=1) + "\n")
    from reviewcli.io.files import make_readable

    make_readable(out)  # safetensors writes its files private
    return summary
