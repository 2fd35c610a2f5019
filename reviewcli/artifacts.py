"""Model directories: config.json + vocab.json + model.safetensors, written atomically, read without pickle."""

import json
import os
import platform
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from reviewcli import __version__
from reviewcli.config import ModelConfig
from reviewcli.errors import ModelError, UsageError
from reviewcli.labels import LABEL_NAMES
from reviewcli.vocab import Vocabulary

FORMAT_VERSION = 1
FILES = ("config.json", "vocab.json", "model.safetensors")
ENV_VARIABLE = "REVIEWCLI_MODEL"
ENCODER_KIND = "pretrained-encoder"  # config.json "kind" of `reviewcli pretrain` output
ENCODER_PREFIXES = ("embedding.", "encoder.")  # the weights `train --init` takes over


def save(out: Path, model, vocab: Vocabulary, *, max_length: int, extra: dict) -> Path:
    """Write the model directory; a crash at any point leaves the old directory or none, never half."""
    from safetensors.torch import save_file
    import torch

    out = Path(out)
    if out.exists() and not (out / "config.json").is_file() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(
            f"{out}: exists and is not a reviewcli model, so it was left alone. Choose another --out or remove it."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "format_version": FORMAT_VERSION,
        "model": model.config.to_dict(),
        "tokenizer": {"name": "reviewcli.text.tokenize", "version": 1, "max_length": max_length},
        "labels": list(LABEL_NAMES),
        **extra,
        "versions": {"reviewcli": __version__, "torch": torch.__version__, "python": platform.python_version()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(weights, staging / "model.safetensors", metadata={"format": "pt"})
        write_json(staging / "vocab.json", vocab.to_list())
        write_json(staging / "config.json", config)  # last: its presence marks a complete model
        make_readable(staging)
        replace_directory(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def write_json(path: Path, data) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=1)
        file.flush()
        os.fsync(file.fileno())


def make_readable(directory: Path) -> None:
    """mkdtemp makes private directories; a saved model gets the user's usual permissions."""
    umask = os.umask(0)
    os.umask(umask)
    directory.chmod(0o777 & ~umask)
    for file in directory.iterdir():
        file.chmod(0o666 & ~umask)


def replace_directory(new: Path, out: Path) -> None:
    """Rename `new` onto `out`; an existing `out` is moved aside first and removed after."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
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
    try:
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelError(f"{directory / 'config.json'}: unreadable ({error}). Train the model again.") from None
    version = config.get("format_version") if isinstance(config, dict) else None
    if not isinstance(version, int):
        raise ModelError(f"{directory / 'config.json'}: no format_version; this is not a reviewcli model.")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{directory}: model format {version} is newer than this reviewcli reads ({FORMAT_VERSION}). "
            "Upgrade reviewcli: pip install -U reviewcli."
        )
    model, tokenizer = config.get("model"), config.get("tokenizer")
    if not isinstance(model, dict) or not isinstance(tokenizer, dict) or not isinstance(tokenizer.get("max_length"), int):
        raise ModelError(
            f"{directory / 'config.json'}: the model or tokenizer section is missing or damaged. Train the model again."
        )
    return config


def load(directory: Path):
    """-> (model, vocab, config); shapes come from config.json alone, weights via safetensors (no pickle)."""
    from reviewcli.model import SentimentModel

    directory = Path(directory)
    config, model_config, vocab, weights = read_parts(directory)
    if config.get("kind") == ENCODER_KIND:
        raise ModelError(
            f"{directory}: a pretrained encoder (from reviewcli pretrain), not a sentiment model. "
            f"Fine-tune it first: reviewcli train DATA --init {directory}"
        )
    model = SentimentModel(model_config)
    check_weights(directory, model.state_dict(), weights)
    model.load_state_dict(weights)
    return model.eval(), vocab, config


def load_encoder(directory: Path):
    """-> (ModelConfig, vocab, weights of the embedding and encoder) of a pretrained encoder or of
    any sentiment model, for `train --init`."""
    from reviewcli.model import SentimentModel

    directory = Path(directory)
    _, model_config, vocab, weights = read_parts(directory)
    wanted = {k: v for k, v in SentimentModel(model_config).state_dict().items() if k.startswith(ENCODER_PREFIXES)}
    weights = {k: v for k, v in weights.items() if k.startswith(ENCODER_PREFIXES)}
    check_weights(directory, wanted, weights)
    return model_config, vocab, weights


def read_parts(directory: Path):
    """-> (config.json, ModelConfig, vocab, weights) of a model directory, each checked."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    config = read_config(directory)
    try:
        model_config = ModelConfig.from_dict(config["model"])
        vocab = Vocabulary(json.loads((directory / "vocab.json").read_text(encoding="utf-8")))
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{directory}: config.json or vocab.json is damaged ({error}). Train the model again.") from None
    if len(vocab) != model_config.vocab_size:
        raise ModelError(
            f"{directory}: vocab.json has {len(vocab)} tokens but config.json says {model_config.vocab_size}. "
            "The files come from different models; train again."
        )
    try:
        weights = load_file(directory / "model.safetensors")
    except (SafetensorError, OSError) as error:
        raise ModelError(f"{directory / 'model.safetensors'}: unreadable ({error}). Train the model again.") from None
    return config, model_config, vocab, weights


def check_weights(directory: Path, expected: dict, weights: dict) -> None:
    for name, tensor in expected.items():
        if name not in weights or tuple(weights[name].shape) != tuple(tensor.shape):
            found = "missing" if name not in weights else f"shape {tuple(weights[name].shape)}"
            raise ModelError(
                f"{directory / 'model.safetensors'}: weight '{name}' is {found}, config.json expects "
                f"{tuple(tensor.shape)}. The files come from different models; train again."
            )
    extra = sorted(set(weights) - set(expected))
    if extra:
        raise ModelError(f"{directory / 'model.safetensors'}: unexpected weights {extra[:3]}; train again.")


def default_model_dir(explicit: Path | None = None) -> Path:
    """--model, else $REVIEWCLI_MODEL, else the model shipped inside the package."""
    if explicit is not None:
        return Path(explicit)
    if os.environ.get(ENV_VARIABLE):
        return Path(os.environ[ENV_VARIABLE])
    return shipped_model_dir()


def shipped_model_dir() -> Path:
    """models/default of the checkout, installed as the package `reviewcli.bundled`."""
    from importlib.resources import files

    try:
        candidate = Path(str(files("reviewcli.bundled") / "default"))
    except ModuleNotFoundError:  # running from a checkout that was never installed
        candidate = Path(__file__).resolve().parent.parent / "models" / "default"
    return candidate
