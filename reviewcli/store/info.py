"""What a model directory holds, from config.json and the safetensors header alone (no torch, no weights read)."""

import json
import math
from pathlib import Path

from reviewcli.store import artifacts

NOT_RECORDED = "not recorded"  # what older models lack (versions, creation date, label schemes)
CHECK_FILE = "check.json"  # the latest `reviewcli check` of the model, written by reviewcli.check.suite
WEIGHT_NAMES = {"F32": "float32", "F16": "float16 (compacted)"}


def describe(directory: Path) -> dict:
    """Architecture, vocabulary, training data, validation metrics, creation, versions and size, as JSON-ready data."""
    directory = Path(directory)
    config = artifacts.read_config(directory)
    header, _ = artifacts.read_header(directory / "model.safetensors")
    model = config["model"]
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    files = {name: (directory / name).stat().st_size for name in artifacts.FILES}
    return {
        "model": str(directory),
        "kind": config.get("kind", artifacts.SENTIMENT_KIND),
        "architecture": {
            "cell": model.get("cell"),
            "layers": model.get("layers"),
            "hidden": model.get("hidden"),
            "directions": 2 if model.get("bidirectional") else 1,
            "embedding_dim": model.get("embedding_dim"),
            "ngram_buckets": model.get("ngram_buckets", 0),  # models from before the bag of n-grams have none
            "parameters": sum(math.prod(shape) for shape, _ in header.values()),
            "weights": WEIGHT_NAMES.get(" ".join(sorted({dtype for _, dtype in header.values()})), "mixed"),
        },
        "vocabulary_size": model.get("vocab_size"),
        "max_length": config["tokenizer"]["max_length"],
        "data": {
            "sources": data.get("sources"),
            "train_examples": data.get("train_examples"),
            "validation_examples": data.get("validation_examples"),
            "left_out_neutral": data.get("left_out_3_stars"),
            "labels": data.get("labels"),
            "reviews": data.get("reviews"),  # a pretrained encoder's corpus
            "tokens": data.get("tokens"),
        },
        "start": {"vectors": data.get("vectors"), "init": data.get("init"), "embedding": data.get("embedding")},
        "metrics": config.get("metrics"),
        "training": config.get("training"),
        "created": config.get("created"),
        "versions": config.get("versions"),
        "files": files,
        "size_bytes": sum(files.values()),
        "check": latest_check(directory),
    }


def latest_check(directory: Path) -> dict | None:
    """The summary `reviewcli check` kept in the directory; None when there is none (or it is unreadable:
    it is a note about the model, not part of it)."""
    try:
        found = json.loads((directory / CHECK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and isinstance(found.get("capabilities"), dict) else None


def ngram_bag(buckets: int) -> str:
    """The linear bag beside the encoder, in words (see reviewcli/ngrams.py)."""
    if not buckets:
        return "none"
    return f"words and word pairs hashed into {buckets:,} buckets, its score added to the encoder's"


def table_rows(info: dict) -> list[tuple[str, str]]:
    """(field, value) lines of the table; what a model did not record says so."""
    arch, data = info["architecture"], info["data"]
    layers = f"{arch['layers']} layer{'s' if arch['layers'] != 1 else ''}"
    directions = "bidirectional" if arch["directions"] == 2 else "one direction"
    return [
        ("model", info["model"]),
        ("kind", info["kind"]),
        (
            "architecture",
            f"{arch['cell']}, {layers}, {arch['hidden']} hidden, {directions}, {arch['embedding_dim']}-d embeddings",
        ),
        ("n-gram bag", ngram_bag(arch["ngram_buckets"])),
        ("parameters", f"{arch['parameters']:,}, stored as {arch['weights']}"),
        ("vocabulary", f"{info['vocabulary_size']:,} words; reviews cut to {info['max_length']:,} tokens"),
        ("training data", ", ".join(map(str, data["sources"])) if data["sources"] else NOT_RECORDED),
        ("data size", data_size(data)),
        ("started from", started_from(info["start"])),
        ("labels", labels(data["labels"])),
        ("validation", metrics(info["metrics"])),
        ("training", training(info["training"])),
        ("created", info["created"] or NOT_RECORDED),
        ("versions", ", ".join(f"{k} {v}" for k, v in info["versions"].items()) if info["versions"] else NOT_RECORDED),
        (
            "size on disk",
            size(info["size_bytes"]) + " (" + ", ".join(f"{k} {size(v)}" for k, v in info["files"].items()) + ")",
        ),
        *check_rows(info.get("check")),
    ]


def check_rows(found: dict | None) -> list[tuple[str, str]]:
    """The latest check: failures overall, then one row per capability."""
    if not found:
        return [("check", "not run (reviewcli check)")]
    when = str(found.get("date", ""))[:10] or "undated"
    overall = (f"{percent(found.get('failure_rate'))} of cases failed; {found.get('sentences', 0):,} sentences, "
               f"{when}, reviewcli {found.get('reviewcli', '?')}")  # fmt: skip
    return [("check", overall), *((f"  {name}", percent(rate)) for name, rate in found["capabilities"].items())]


def percent(rate) -> str:
    return f"{100 * rate:.1f}%" if isinstance(rate, (int, float)) else "?"


def data_size(data: dict) -> str:
    if data["train_examples"] is None and data.get("reviews") is not None:
        return f"{data['reviews']:,} reviews, {data.get('tokens') or 0:,} tokens"
    if data["train_examples"] is None:
        return NOT_RECORDED
    text = f"{data['train_examples']:,} train, {data['validation_examples'] or 0:,} validation reviews"
    return text + (f"; {data['left_out_neutral']:,} neutral left out" if data["left_out_neutral"] else "")


def started_from(start: dict) -> str:
    """Where the weights began: word vectors, an --init model, or (for an encoder) the vector table."""
    parts = []
    vectors = start.get("vectors")
    if isinstance(vectors, dict):
        parts.append(f"{vectors.get('file')}: {vectors.get('found', 0):,} of {vectors.get('words', 0):,} words")
    if start.get("embedding") == artifacts.TABLE_EMBEDDING:
        parts.append("words read through the shipped vectors")
    if start.get("init"):
        parts.append(f"encoder from {start['init']}")
    return "; ".join(parts) or "random weights"


def labels(recorded) -> str:
    if not recorded:
        return NOT_RECORDED
    meanings = list(dict.fromkeys(recorded.values()))
    return meanings[0] if len(meanings) == 1 else "; ".join(f"{k}: {v}" for k, v in recorded.items())


def metrics(recorded) -> str:
    if not recorded:
        return NOT_RECORDED
    shown = [f"{name.replace('_', ' ')} {value:.4f}" for name, value in recorded.items()
             if name != "best_epoch" and isinstance(value, (int, float))]  # fmt: skip
    epoch = f" (epoch {recorded['best_epoch']})" if recorded.get("best_epoch") else ""
    return (", ".join(shown) or "none") + epoch


def training(recorded) -> str:
    if not recorded:
        return NOT_RECORDED
    done = f"{recorded.get('epochs_done')} of {recorded.get('epochs_planned')} epochs"
    return done + ("" if recorded.get("complete", True) else ", interrupted (a checkpoint may allow --resume)")


def size(count: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1000
    return ""
