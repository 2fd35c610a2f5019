"""What `reviewcli train` starts from unless told otherwise: the shipped word vectors (reviewcli.store.wordtable)
and the shipped encoder, pretrained over them as language models (`make encoder`).

The encoder is used when the model asked for has its shape (cell, hidden units, layers,
directions); otherwise the embedding still starts from the vectors and the encoder from random
weights. An --embedding-dim other than the vectors' trains from scratch. plan() decides from the
JSON files alone (no torch, so a bad command fails fast); load() then reads the weights.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from reviewcli.core.config import ModelConfig
from reviewcli.core.vocab import Vocabulary
from reviewcli.io.files import bundled
from reviewcli.store import artifacts, wordtable

ARCHITECTURE = ("cell", "hidden", "layers", "bidirectional")


@dataclass
class InitModel:
    """A model whose vocabulary, embedding and encoder a new model starts from (train --init)."""

    path: Path
    config: ModelConfig
    vocab: Vocabulary
    weights: dict
    table_based: bool = False  # read words through the shipped vectors: no embedding, its vocabulary unused


def read_init(path: Path) -> InitModel:
    """An --init model directory (or the shipped encoder): its config, vocabulary and encoder weights."""
    return InitModel(Path(path), *artifacts.load_encoder(path))


def encoder_dir() -> Path:
    """models/encoder of the checkout, installed as reviewcli.bundled.encoder."""
    return bundled("encoder")


@dataclass
class Plan:
    """model_options: with the embedding size and, when the encoder is used, its shape;
    notes: what was left out and why, for the user."""

    model_options: dict
    vectors: bool
    encoder: bool
    notes: list[str] = field(default_factory=list)

    def load(self) -> tuple[object, InitModel | None]:
        """(the vector table or None, the shipped encoder or None)."""
        table = wordtable.load() if self.vectors else None
        return table, read_init(encoder_dir()) if self.encoder else None


def plan(model_options: dict) -> Plan:
    """What a train run given no --vectors, --init or --from-scratch starts from."""
    requested, dimension = model_options.get("embedding_dim"), wordtable.shipped_dimension()
    if requested is not None and requested != dimension:
        return Plan(model_options, False, False, [f"from scratch (--embedding-dim {requested}; the shipped vectors have {dimension})"])
    options = {**model_options, "embedding_dim": dimension}
    shape = encoder_shape()
    if shape is None:
        return Plan(options, True, False)
    differs = [f"{name} {model_options[name]}" for name in ARCHITECTURE
               if name in model_options and model_options[name] != shape[name]]  # fmt: skip
    if differs:
        had = ", ".join(f"{name} {value}" for name, value in shape.items())
        note = f"encoder from random weights ({', '.join(differs)}; the shipped encoder has {had})"
        return Plan(options, True, False, [note])
    return Plan({**options, **shape}, True, True)


def encoder_shape() -> dict | None:
    """The shipped encoder's architecture, from its config.json; None when none is installed."""
    try:
        model = json.loads((encoder_dir() / "config.json").read_text(encoding="utf-8"))["model"]
        return {name: model[name] for name in ARCHITECTURE}
    except (OSError, ValueError, KeyError, TypeError):
        return None
