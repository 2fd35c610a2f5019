"""Where the model runs: `auto` takes CUDA when present; bf16 autocast on CUDA only."""

import contextlib

from reviewcli.core.errors import UsageError


def resolve_device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA GPU is visible to PyTorch. Use --device cpu or auto.")
    if name not in ("cpu", "cuda"):
        raise UsageError(f"--device {name}: use auto, cpu or cuda.")
    return torch.device(name)


def keep_freed_memory() -> bool:
    """Asks glibc's malloc to keep freed memory for reuse instead of handing it back to the system.

    A training step allocates and frees tensors of the same few sizes thousands of times. By
    default glibc returns freed memory at the top of its heap to the system, and tensors above a
    threshold that it keeps adjusting get their own mappings, so the next step page-faults fresh
    memory in again. Fixed thresholds stop that: CR training went from about 68k to 83k tokens/s
    (LSTM, 2 cores) and the bare nn.LSTM from 100k to 112k. The price is that the process keeps
    its peak memory until it ends. -> whether the settings took (False off Linux or off glibc).
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    return bool(mallopt(m_mmap_threshold, 32 << 20)) and bool(mallopt(m_trim_threshold, 1 << 30))


def autocast(device, bf16: bool | None = None):
    """bf16 mixed precision (on CUDA by default: fast, no loss scaling needed), else full fp32."""
    import torch

    if device.type == "cuda" if bf16 is None else bf16:
        return torch.autocast(device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def use_bf16(precision: str, device, cell: str) -> bool:
    """Whether inference runs in bf16. `auto`: on CUDA only. On a CPU, fp32 through the gate tables,
    on both kinds of CPU this was measured on: on an Intel Xeon with AMX (2 cores, 20,000 reviews
    of the shipped LSTM) bf16 and the fp32 tables both scored about 2,100 reviews/s quiet, but
    beside one busy core bf16 fell to 151-174 while the tables kept 1,613-1,624; an AMD EPYC has
    no bf16 LSTM at all. `bf16` asks for it where the chip has the units (AMX)."""
    import torch

    # a private helper (torch >= 2.3); without it, assume no AMX rather than fail
    has_amx = getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    if precision == "bf16" and device.type == "cpu" and cell == "lstm" and not has_amx():
        # oneDNN has no bf16 LSTM for such chips: every call would fail deep inside torch
        raise UsageError(
            "--precision bf16: this CPU has no bf16 matrix units, which PyTorch's bf16 LSTM needs. "
            "Use --precision auto or fp32."
        )
    if precision != "auto":
        return precision == "bf16"
    return device.type == "cuda"
