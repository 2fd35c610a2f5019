"""Model directories: config.json + vocab.json + model.safetensors, written atomically, read without pickle."""

import contextlib
import json
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from reviewcli.core.config import ModelConfig, TrainConfig
from reviewcli.core.errors import ModelError, OutputError, UsageError
from reviewcli.core.labels import LABEL_NAMES
from reviewcli.core.version import __version__
from reviewcli.core.vocab import Vocabulary
from reviewcli.io.files import bundled, make_readable, write_json

FORMAT_VERSION = 1
FILES = ("config.json", "vocab.json", "model.safetensors")
ENV_VARIABLE = "REVIEWCLI_MODEL"
ENCODER_KIND = "pretrained-encoder"  # config.json "kind" of `reviewcli pretrain` output
SENTIMENT_KIND = "sentiment"
ENCODER_PREFIXES = ("embedding.", "encoder.")  # the weights `train --init` takes over
TABLE_EMBEDDING = "vector table"  # config.json data.embedding of an encoder that read words through the shipped vectors
# Caps on JSON files read before anything is known about them; real ones are kilobytes (config.json)
# and ~20 bytes a token (vocab.json), so only a damaged or hostile file comes near.
MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_TOKEN_BYTES = 4096
MAX_HEADER_BYTES = 100 * 1024 * 1024  # safetensors' own limit on its JSON header
# safetensors' dtype names -> bytes a number. train saves float32; compact() rewrites a finished
# model in float16 (the shipped one), which loads back as float32.
WEIGHT_DTYPES = {"F32": 4, "F16": 2}


@dataclass
class Record:
    """How a model was made: all that config.json holds beside the model's shape and tokenizer."""

    kind: str  # SENTIMENT_KIND or ENCODER_KIND
    train: TrainConfig
    data: dict  # sources (as given, never the build machine's absolute paths), fingerprint, counts
    metrics: dict
    history: list[dict] = field(default_factory=list)
    epochs_done: int = 0
    complete: bool = True  # False: written during a run, or kept when it was interrupted


def config_json(model_config: ModelConfig, record: Record) -> dict:
    """The whole config.json of a model directory."""
    import torch

    return {
        "format_version": FORMAT_VERSION,
        "kind": record.kind,
        "model": model_config.to_dict(),
        "tokenizer": {
            "name": "reviewcli.core.text.tokenize", "version": 1, "max_length": record.train.max_length,
            "strip_markup": record.train.strip_markup,
        },  # fmt: skip
        "labels": list(LABEL_NAMES),
        "train": record.train.to_dict(),
        "data": record.data,
        "metrics": record.metrics,
        "history": record.history,
        "training": {
            "complete": record.complete, "epochs_done": record.epochs_done, "epochs_planned": record.train.epochs,
        },  # fmt: skip
        "versions": {"reviewcli": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def save(
    out: Path, model_config: ModelConfig, weights: dict, vocab: Vocabulary, record: Record, checkpoint=None
) -> Path:
    """Write the model directory; a crash at any point leaves the old directory or none, never half.

    checkpoint: (Trainer.state(), run) to keep in out/checkpoint/, written in the same rename.
    A failed write (disk full, read-only) raises OutputError and leaves the previous directory as it was."""
    from safetensors.torch import save_file

    from reviewcli.store import checkpoint as checkpoints

    out = Path(out)
    if out.exists() and not (out / "config.json").is_file() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            f"{out}: exists and is not a reviewcli model, so it was left alone. Choose another --out or remove it."
        )
    staging = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        tensors = {k: v.detach().cpu().contiguous() for k, v in weights.items()}
        save_file(tensors, staging / "model.safetensors", metadata={"format": "pt"})
        write_json(staging / "vocab.json", vocab.to_list())
        if checkpoint is not None:
            checkpoints.write(staging / checkpoints.DIRECTORY, *checkpoint)
        write_json(staging / "config.json", config_json(model_config, record))  # last: marks a complete model
        make_readable(staging)
        replace_directory(staging, out)
    except OSError as error:
        kept = "the model there is as it was" if (out / "config.json").is_file() else "nothing was written"
        reason = error.strerror or error
        raise OutputError(f"{out}: could not write the model ({reason}); {kept}. {FREE_SPACE}") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return out


FREE_SPACE = "Free some space or make the folder writable, then run again (with --resume if a checkpoint is there)."


def replace_directory(new: Path, out: Path) -> None:
    """Rename `new` onto `out`; an existing `out` is moved aside first and removed after. Ctrl-C
    waits until both renames are done, so `out` is never missing."""
    from reviewcli.core.interrupts import held_back

    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    with held_back():
        if old is not None:
            os.replace(out, old / out.name)
        os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def read_config(directory: Path) -> dict:
    """config.json of a model directory, checked for completeness and format version."""
    directory = Path(directory)
    if not directory.exists():
        raise UsageError(f"{directory}: no such model directory. Train one with `reviewcli train --out {directory}`.")
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        raise ModelError(
            f"{directory}: not a complete reviewcli model (missing {', '.join(missing)}). "
            "Train it again with `reviewcli train`, or point --model at a model directory."
        )
    config = read_json(directory / "config.json", MAX_CONFIG_BYTES)
    version = config.get("format_version") if isinstance(config, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise ModelError(f"{directory / 'config.json'}: no format_version; this is not a reviewcli model.")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{directory}: model format {version} is newer than this reviewcli reads ({FORMAT_VERSION}). "
            "Upgrade reviewcli: pip install -U reviewcli."
        )
    model, tokenizer = config.get("model"), config.get("tokenizer")
    if not isinstance(model, dict) or not isinstance(tokenizer, dict) or not is_count(tokenizer.get("max_length")):
        raise ModelError(
            f"{directory / 'config.json'}: the model or tokenizer section is missing or damaged. Train the model again."
        )
    return config


# Whether a model whose config.json predates the record reads text with markup taken out: its
# training text was not stripped, yet stripping at prediction scores it better or the same on
# IMDb, Amazon and Steam test (docs/experiments/markup.md).
UNRECORDED_STRIP_MARKUP = True


def strips_markup(config: dict) -> bool:
    """Whether prediction takes markup out before tokenizing, as config.json records of the training text."""
    recorded = config["tokenizer"].get("strip_markup", UNRECORDED_STRIP_MARKUP)
    return recorded if isinstance(recorded, bool) else UNRECORDED_STRIP_MARKUP


def is_count(value) -> bool:
    """A whole number >= 1; bool is an int subclass in Python but no length."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def read_json(path: Path, max_bytes: int):
    """Parsed JSON of a file no larger than max_bytes: a huge file is refused before it is read."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ModelError(f"{path}: {size:,} bytes, far more than reviewcli writes there. Train the model again.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    # ValueError: also numbers too long to convert; RecursionError: arrays nested thousands deep
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ModelError(f"{path}: unreadable ({error}). Train the model again.") from None


def load(directory: Path):
    """-> (model, vocab, config); shapes come from config.json alone, weights via safetensors (no pickle).
    The model is built only once every file has been checked against the others."""
    from reviewcli.model.network import SentimentModel

    directory = Path(directory)
    config, model_config, vocab, weights = read_parts(directory)
    model = SentimentModel(model_config, initialise=False)
    model.load_state_dict(weights)  # strict: every weight set
    return model.eval(), vocab, config


def load_encoder(directory: Path):
    """-> (ModelConfig, vocab, weights of the embedding and encoder, whether it read words through
    the shipped vectors) of a pretrained encoder or of any sentiment model, for `train --init`.
    An encoder over the vectors has no embedding of its own: its weights are the encoder's alone."""
    directory = Path(directory)
    data = read_config(directory).get("data")
    table_based = isinstance(data, dict) and data.get("embedding") == TABLE_EMBEDDING
    _, model_config, vocab, weights = read_parts(directory, ("encoder.",) if table_based else ENCODER_PREFIXES)
    return model_config, vocab, weights, table_based


def read_parts(directory: Path, prefixes: tuple[str, ...] | None = None):
    """-> (config.json, ModelConfig, vocab, weights) of a model directory, each checked, smallest
    file first: nothing is allocated at the size config.json claims until model.safetensors is
    known to hold exactly that. prefixes: read only the weights whose names start so (None: all of
    a sentiment model, which a pretrained encoder is not)."""
    config = read_config(directory)
    if prefixes is None and config.get("kind") == ENCODER_KIND:
        raise ModelError(
            f"{directory}: a pretrained encoder (from reviewcli pretrain), not a sentiment model. "
            f"Fine-tune it first: reviewcli train DATA --init {directory}"
        )
    model_config = read_model_config(directory, config)
    vocab = read_vocab(directory, model_config.vocab_size)
    weights = read_weights(directory, expected_weights(model_config, prefixes), prefixes)
    return config, model_config, vocab, weights


def read_model_config(directory: Path, config: dict) -> ModelConfig:
    try:
        return ModelConfig.from_dict(config["model"])  # checks every type and range
    except (TypeError, ValueError) as error:
        raise ModelError(
            f"{directory / 'config.json'}: the model section is damaged ({error}). Train the model again."
        ) from None


def read_vocab(directory: Path, size: int) -> Vocabulary:
    """vocab.json, refused unless it is `size` distinct strings starting with <pad>, <unk>."""
    path = directory / "vocab.json"
    tokens = read_json(path, 1024 * 1024 + MAX_TOKEN_BYTES * size)
    try:
        vocab = Vocabulary(tokens)
    except ValueError as error:
        raise ModelError(f"{path}: {error}; it is damaged. Train the model again.") from None
    if len(vocab) != size:
        raise ModelError(
            f"{directory}: vocab.json has {len(vocab)} tokens but config.json says {size}. "
            "The files come from different models; train again."
        )
    return vocab


def expected_weights(model_config: ModelConfig, prefixes: tuple[str, ...] | None = None) -> dict:
    """name -> tensor of the shape and dtype config.json implies, on the meta device: sized without
    allocating, so a config claiming 10^12 rows costs nothing."""
    import torch

    from reviewcli.model.network import SentimentModel

    with torch.device("meta"), unit_normal_skipped():
        state = SentimentModel(model_config).state_dict()
    return {name: tensor for name, tensor in state.items() if prefixes is None or name.startswith(prefixes)}


@contextlib.contextmanager
def unit_normal_skipped():
    """nn.init.normal_ does nothing inside: on a meta tensor it runs PyTorch's Python reference
    ops, whose first use imports torch._dynamo, 2 s of every `predict` (PyTorch 2.13). Meta tensors
    hold no values, so skipping it changes nothing but the time."""
    from torch.nn import init

    normal = init.normal_
    init.normal_ = lambda tensor, *args, **kwargs: tensor
    try:
        yield
    finally:
        init.normal_ = normal


def read_weights(directory: Path, expected: dict, prefixes: tuple[str, ...] | None = None) -> dict:
    """The weights named in `expected`, read only after the file's header matches them."""
    from safetensors import SafetensorError, safe_open

    path = directory / "model.safetensors"
    header, data_bytes = read_header(path)
    check_weights(directory, expected, header, prefixes)
    needed = sum(WEIGHT_DTYPES[header[name][1]] * tensor.numel() for name, tensor in expected.items())
    if prefixes is None and data_bytes != needed:  # a full model is these weights and nothing more
        raise damaged(path, f"{data_bytes:,} bytes of weights where config.json's model has {needed:,}")
    try:
        # safe_open checks that the header's offsets cover the file exactly; only expected weights are read
        with safe_open(path, framework="pt") as file:
            weights = {name: file.get_tensor(name).float() for name in expected}
    except (SafetensorError, OSError, RuntimeError) as error:  # RuntimeError: the file cannot be mapped
        raise damaged(path, str(error)) from None
    check_finite(path, weights)
    return weights


def read_header(path: Path) -> tuple[dict, int]:
    """(name -> (shape, dtype), bytes after the header) of a safetensors file: an 8-byte little-endian
    length, then JSON. Read by hand because safe_open first maps the whole file into memory."""
    size = path.stat().st_size
    with open(path, "rb") as file:
        start = file.read(8)
        length = int.from_bytes(start, "little") if len(start) == 8 else -1
        if not 0 < length <= min(MAX_HEADER_BYTES, size - 8):
            raise damaged(path, "no safetensors header")
        try:
            raw = json.loads(file.read(length))
        except (ValueError, RecursionError) as error:
            raise damaged(path, f"header: {error}") from None
    if not isinstance(raw, dict):
        raise damaged(path, "header is not a JSON object")
    header = {}
    for name, entry in raw.items():
        if name == "__metadata__":
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("shape"), list):
            raise damaged(path, f"header entry {name!r} has no shape")
        header[name] = (tuple(entry["shape"]), entry.get("dtype"))
    return header, size - 8 - length


def damaged(path: Path, why: str) -> ModelError:
    return ModelError(f"{path}: unreadable or damaged ({why}). Train the model again.")


def check_weights(directory: Path, expected: dict, header: dict, prefixes: tuple[str, ...] | None = None) -> None:
    """Names, shapes and dtypes of the header (name -> (shape, dtype)) against the expected tensors;
    names outside prefixes (a language model's output layer) are not this model's concern."""
    path = directory / "model.safetensors"
    for name, tensor in expected.items():
        shape, dtype = header.get(name, (None, None))
        if shape != tuple(tensor.shape):
            found = "missing" if name not in header else f"shape {shape}"
            raise ModelError(
                f"{path}: weight '{name}' is {found}, config.json expects "
                f"{tuple(tensor.shape)}. The files come from different models; train again."
            )
        if dtype not in WEIGHT_DTYPES:
            raise ModelError(
                f"{path}: weight '{name}' is {dtype}, but reviewcli saves float32 or float16 "
                f"({' or '.join(WEIGHT_DTYPES)}) only. It was not written by reviewcli; train the model again."
            )
    ours = [name for name in header if prefixes is None or name.startswith(prefixes)]
    extra = sorted(set(ours) - set(expected))
    if extra:
        raise ModelError(f"{path}: unexpected weights {extra[:3]}; train again.")


def compact(directory: Path) -> tuple[int, int]:
    """Rewrite a finished model's weights in float16, half the bytes, in place and atomically (the
    old file stays until the new one is whole). A weight past float16's range (65,504) is refused.
    Predictions move by float16's rounding, about 1e-3 relative. -> (bytes before, bytes after)."""
    import torch
    from safetensors.torch import save_file

    directory = Path(directory)
    _, _, _, weights = read_parts(directory)
    path = directory / "model.safetensors"
    largest = max(float(tensor.abs().max()) for tensor in weights.values())
    if largest > torch.finfo(torch.float16).max:
        raise ModelError(f"{path}: a weight of {largest:g} is past float16's range; it was left in float32.")
    before = path.stat().st_size
    staging = directory / ".model.safetensors.tmp"
    try:
        save_file({k: v.half().contiguous() for k, v in weights.items()}, staging, metadata={"format": "pt"})
        staging.chmod(path.stat().st_mode & 0o777)  # safetensors writes its files private
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return before, path.stat().st_size


def check_finite(path: Path, weights: dict) -> None:
    import torch

    for name, tensor in weights.items():
        # NaN and infinities carry into a sum: 1 ms against 19 ms for isfinite over each number of
        # the shipped model. A sum overflowing from finite weights would need weights near 1e32,
        # as broken.
        if not torch.isfinite(tensor.sum()):
            raise ModelError(
                f"{path}: weight '{name}' holds NaN or infinite values; the model is broken, train it again."
            )


def default_model_dir(explicit: Path | None = None) -> Path:
    """--model, else $REVIEWCLI_MODEL, else the model shipped inside the package."""
    if explicit is not None:
        return Path(explicit)
    if os.environ.get(ENV_VARIABLE):
        return Path(os.environ[ENV_VARIABLE])
    return shipped_model_dir()


def shipped_model_dir() -> Path:
    """models/default of the checkout, installed as the package `reviewcli.bundled`."""
    return bundled("default")
