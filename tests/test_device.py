"""reviewcli.inference.device: choosing where the model runs."""

import pytest
import torch

from reviewcli.core.errors import UsageError
from reviewcli.inference.device import autocast, resolve_device, use_bf16


def test_cpu():
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize(("present", "expected"), [(True, "cuda"), (False, "cpu")])
def test_auto_takes_cuda_only_when_present(monkeypatch, present, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: present)
    assert resolve_device("auto") == torch.device(expected)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_gpu_is_usage_error():
    with pytest.raises(UsageError, match="no CUDA GPU is visible"):
        resolve_device("cuda")


def test_unknown_device():
    with pytest.raises(UsageError, match="--device tpu: use auto, cpu or cuda"):
        resolve_device("tpu")


def test_no_autocast_on_cpu():
    with autocast(torch.device("cpu")):
        assert not torch.is_autocast_enabled()
        assert (torch.ones(2) * 0.1).dtype == torch.float32


def test_explicit_precision_is_obeyed():
    cpu = torch.device("cpu")
    assert use_bf16("bf16", cpu, "gru") is True
    assert use_bf16("fp32", cpu, "lstm") is False


@pytest.mark.parametrize("amx", [True, False])
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_auto_precision_is_fp32_on_any_cpu(monkeypatch, amx, cell):
    """bf16 tied the fp32 gate tables on a quiet Intel Xeon with AMX and fell 12x behind them beside
    one busy core: on a CPU auto keeps fp32, whatever the chip; bf16 is there when asked for."""
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: amx)
    assert use_bf16("auto", torch.device("cpu"), cell) is False
    if amx or cell != "lstm":
        assert use_bf16("bf16", torch.device("cpu"), cell) is True


def test_auto_precision_is_bf16_on_cuda():
    assert use_bf16("auto", torch.device("cuda"), "lstm") is True
    assert use_bf16("fp32", torch.device("cuda"), "lstm") is False


def test_bf16_autocast_on_cpu_when_asked():
    with autocast(torch.device("cpu"), bf16=True):
        assert (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16


def test_bf16_predictions_stay_close_to_fp32(tiny_model):
    from reviewcli.inference.predictor import load_predictor

    texts = ["great taste", "soggy and stale, never again", "it broke after a week and support never answered"]
    fp32 = load_predictor(tiny_model, "cpu", "fp32").predict(texts)
    bf16 = load_predictor(tiny_model, "cpu", "bf16").predict(texts)
    assert max(abs(a - b) for a, b in zip(fp32, bf16)) < 0.02


def test_keep_freed_memory_takes_on_glibc_and_is_skipped_elsewhere():
    import platform
    import sys

    from reviewcli.inference.device import keep_freed_memory

    on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert keep_freed_memory() is on_glibc


def test_bf16_lstm_on_a_cpu_without_bf16_units_is_a_usage_error(monkeypatch):
    """oneDNN cannot build a bf16 LSTM there (AMD EPYC without AVX-512, torch 2.13): a clear error, not a traceback."""
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    with pytest.raises(UsageError, match="--precision auto or fp32"):
        use_bf16("bf16", torch.device("cpu"), "lstm")
    assert use_bf16("auto", torch.device("cpu"), "lstm") is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert use_bf16("bf16", torch.device("cpu"), "lstm") is True
