"""Checkpoints of a training run: the trainer's whole state as safetensors (tensors) + JSON (the rest).

No pickle anywhere, optimizer state included: a nested state is walked, every tensor goes into
tensors.safetensors under its path ("optimizer.state.3.exp_avg") and the JSON keeps a reference to
it; tuples and integer dict keys (the optimizer's parameter ids) are tagged so they come back as
they went in. A checkpoint is the directory `checkpoint/` inside a model directory, written with
the model in one atomic rename (artifacts.save); a finished run's model has none.
"""

import json
from pathlib import Path

from reviewcli.core.errors import ModelError

FORMAT_VERSION = 1
DIRECTORY = "checkpoint"
STATE_FILE = "state.json"
TENSOR_FILE = "tensors.safetensors"


def split(value, path: str, tensors: dict):
    """A nested state -> its JSON form; each tensor is moved into `tensors` under its path."""
    import torch

    if isinstance(value, torch.Tensor):
        tensors[path] = value.detach().cpu().contiguous()
        return {"$tensor": path}
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {key: split(item, f"{path}.{key}", tensors) for key, item in value.items()}
        return {"$int_keys": {str(key): split(item, f"{path}.{key}", tensors) for key, item in value.items()}}
    if isinstance(value, tuple):
        return {"$tuple": [split(item, f"{path}.{i}", tensors) for i, item in enumerate(value)]}
    if isinstance(value, list):
        return [split(item, f"{path}.{i}", tensors) for i, item in enumerate(value)]
    return value


def join(value, tensors: dict):
    """The inverse of split."""
    if isinstance(value, dict):
        if "$tensor" in value:
            return tensors[value["$tensor"]]
        if "$int_keys" in value:
            return {int(key): join(item, tensors) for key, item in value["$int_keys"].items()}
        if "$tuple" in value:
            return tuple(join(item, tensors) for item in value["$tuple"])
        return {key: join(item, tensors) for key, item in value.items()}
    if isinstance(value, list):
        return [join(item, tensors) for item in value]
    return value


def write(directory: Path, state: dict, run: dict) -> None:
    """state: Trainer.state(); run: what the run was made from (options, data fingerprint,
    command), compared on resume. Writes into a directory being staged by artifacts.save."""
    from safetensors.torch import save_file

    from reviewcli.io.files import write_json

    directory.mkdir()
    tensors = {}
    body = split(state, "state", tensors)
    save_file(tensors, directory / TENSOR_FILE)
    write_json(directory / STATE_FILE, {"format_version": FORMAT_VERSION, "run": run, "state": body})


def exists(model_dir: Path) -> bool:
    return (Path(model_dir) / DIRECTORY / STATE_FILE).is_file()


def read(model_dir: Path) -> tuple[dict, dict]:
    """-> (state for Trainer.load_state, run) of a model directory's checkpoint."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    directory = Path(model_dir) / DIRECTORY
    try:
        saved = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        tensors = load_file(directory / TENSOR_FILE)
        if saved.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format {saved.get('format_version')}, this reviewcli reads {FORMAT_VERSION}")
        return join(saved["state"], tensors), saved["run"]
    except (OSError, ValueError, KeyError, TypeError, SafetensorError) as error:
        raise ModelError(
            f"{directory}: the checkpoint is unreadable ({error}). Start the run again with --force."
        ) from None


def differences(saved: dict, now: dict, prefix: str = "") -> list[str]:
    """'name: checkpoint X, now Y' for every setting of `now` that differs from `saved`."""
    found = []
    for key in sorted(set(saved) | set(now)):
        before, after = saved.get(key), now.get(key)
        if isinstance(before, dict) and isinstance(after, dict):
            found += differences(before, after, f"{prefix}{key}.")
        elif before != after:
            found.append(f"{prefix}{key}: checkpoint {before!r}, now {after!r}")
    return found
