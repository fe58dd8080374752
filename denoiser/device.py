"""Pick the compute device once, in one place."""

from __future__ import annotations

import torch


def pick_device(requested: str | torch.device | None = None) -> torch.device:
    """`requested` if given, else CUDA when present, else CPU; asking for CUDA where there is none is refused."""
    if requested is not None:
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {str(requested)!r} was asked for, but PyTorch finds no CUDA GPU on this machine: "
                             "use 'cpu', or leave the device out to take CUDA only when there is one")
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
