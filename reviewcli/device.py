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


def autocast(device):
    """bf16 mixed precision on CUDA (fast, no loss scaling needed); full fp32 on the CPU."""
    import torch

    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
