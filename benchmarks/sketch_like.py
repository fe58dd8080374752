"""MNIST digits re-drawn the way the sketchpad path sees them: the proxy for drawings in `compare_designs`."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from scipy import ndimage

from denoiser.preprocess import drawing_to_digit


def sketch_like(images: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Re-draw `(N, 1, 28, 28)` digits the way the sketchpad path sees them, as a test of robustness.

    Each digit is blown up 10x, cut to a hard-edged binary stroke (a mouse brush has no pen
    pressure), given a random pen width (eroded by up to 4 px or dilated by up to 6 px of 280), drawn dark on
    white, and then normalised by `drawing_to_digit` like any drawing in the app.
    """
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
