"""Where the model runs: `auto` takes CUDA when present; bf16 autocast on CUDA only."""

import contextlib

from reviewcli.errors import UsageError


def resolve_device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA GPU is visible to PyTorch. Use --device cpu or auto.")
    if name not in ("cpu", "cuda"):
        raise UsageError(f"--device {name}: use auto, cpu or cuda.")
    return torch.device(name)


def autocast(device, bf16: bool | None = None):
    """bf16 mixed precision (on CUDA by default: fast, no loss scaling needed), else full fp32."""
    import torch

    if device.type == "cuda" if bf16 is None else bf16:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def use_bf16(precision: str, device, cell: str) -> bool:
    """Whether inference runs in bf16. `auto`: on CUDA; on a CPU only for LSTMs on chips with native
    bf16 matrix units, where oneDNN's bf16 LSTM ran 1.8x faster than fp32 (bench/speed.py) and the
    GRU ran slower, so it keeps fp32."""
    import torch

    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return True
    # a private helper (torch >= 2.3); without it, assume no AMX rather than fail
    has_amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    return cell == "lstm" and has_amx()
