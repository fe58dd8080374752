"""MNIST as float tensors, and the split of training digits into train and validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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


def sketch_like(images: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Re-draw `(N, 1, 28, 28)` digits the way the sketchpad path sees them, as a test of robustness.

    Each digit is blown up 10x, cut to a hard-edged binary stroke (a mouse brush has no pen
    pressure), given a random pen width (eroded by up to 4 px or dilated by up to 6 px of 280), drawn dark on
    white, and then normalised by `drawing_to_digit` like any drawing in the app.
    """
    from PIL import Image
    from scipy import ndimage

    from .preprocess import drawing_to_digit

    rng = np.random.default_rng(seed)
    out = torch.zeros_like(images)
    for index, digit in enumerate(images[:, 0].numpy()):
        big = np.asarray(Image.fromarray(digit.astype(np.float32), mode="F").resize((280, 280), Image.Resampling.BILINEAR))
        stroke = big > 0.5
        width_change = int(rng.integers(-4, 7))
        if width_change > 0:
            stroke = ndimage.binary_dilation(stroke, iterations=width_change)
        elif width_change < 0:
            thinner = ndimage.binary_erosion(stroke, iterations=-width_change)
            stroke = thinner if thinner.any() else stroke
        drawing = np.where(stroke, 0, 255).astype(np.uint8)  # dark pen on white paper
        normalised = drawing_to_digit(drawing)
        out[index, 0] = torch.from_numpy(normalised) if normalised is not None else images[index, 0]
    return out
