"""reviewcli.device: choosing where the model runs."""

import pytest
import torch

from reviewcli.device import autocast, resolve_device
from reviewcli.errors import UsageError


def test_cpu():
    assert resolve_device("cpu") == torch.device("cpu")


def test_auto_takes_cuda_only_when_present():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected


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
