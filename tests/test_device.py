"""Choosing the compute device: CUDA when present, and a clear refusal when it is asked for but absent."""

import pytest
import torch

from denoiser import load_model
from denoiser.device import pick_device


@pytest.mark.parametrize(("has_cuda", "expected"), [(True, "cuda"), (False, "cpu")])
def test_no_request_takes_cuda_only_when_there_is_one(has_cuda, expected, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: has_cuda)
    assert pick_device().type == expected


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_asking_for_cuda_without_one_says_so_and_what_to_use():
    with pytest.raises(ValueError, match=r"'cuda' was asked for, but PyTorch finds no CUDA GPU.*use 'cpu'"):
        load_model("default", device="cuda")
