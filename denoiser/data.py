"""MNIST as float tensors, and the split of training digits into train and validation."""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision import datasets


def load_mnist(root: str | Path, train: bool, download: bool = False) -> torch.Tensor:
    """Return MNIST digits as a `(N, 1, 28, 28)` float tensor in [0, 1].

    Reads torchvision's layout under `root` (`root/MNIST/raw/...`); with `download=True` it fetches
    the full set on a machine with internet. Works with any number of digits (offline subsets too).
    """
    try:
        dataset = datasets.MNIST(str(root), train=train, download=download)
    except RuntimeError as error:  # torchvision's "Dataset not found" or "Error downloading" message
        if download:
            raise FileNotFoundError(
                f"MNIST could not be downloaded into {root}/MNIST/raw (is there internet here?); "
                f"or point --data-root at a folder that already holds it, without --download ({error})"
            ) from None
        raise FileNotFoundError(
            f"MNIST not found under {root}/MNIST/raw: pass --download on a machine with internet, "
            f"or --data-root pointing at a folder that holds it ({error})"
        ) from None
    return dataset.data.unsqueeze(1).float().div_(255.0)  # (N, 1, 28, 28)


def split_train_val(
    images: torch.Tensor, val_fraction: float, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Split `images` into (train, validation) by a seeded permutation; validation may be empty."""
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    n_val = round(len(images) * val_fraction)
    return images[order[n_val:]], images[order[:n_val]]
