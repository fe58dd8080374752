"""Input checks shared by the models and the noise: refuse what would otherwise fail deep inside torch,
or succeed silently with a wrong answer, and say what to do instead."""

from __future__ import annotations

import numpy as np
import torch

DIGITS_SHAPE = (1, 28, 28)  # one grey MNIST-size channel per image


def check_float(images: torch.Tensor, what: str = "images") -> torch.Tensor:
    """`images` if it is a float tensor, else a TypeError: bytes must be scaled to [0, 1] first."""
    if not isinstance(images, torch.Tensor):  # a numpy array has no is_floating_point: say what to do instead
        raise TypeError(f"{what} must be a torch.Tensor, got {type(images).__name__}"
                        f"{' (wrap it: torch.from_numpy(array))' if isinstance(images, np.ndarray) else ''}")
    if not images.is_floating_point():
        raise TypeError(f"{what} must be a float tensor with values in [0, 1], got {images.dtype} (divide bytes by 255)")
    return images


def check_unit_range(images: torch.Tensor, what: str = "images") -> torch.Tensor:
    """`images` if it is a float tensor with every value in [0, 1], else a TypeError / ValueError saying so.

    0..255 pixels given as floats are the usual mistake: the networks then return black, and the noise
    formulas saturate, without any error.
    """
    check_float(images, what)
    if not images.numel():
        return images
    low, high = (value.item() for value in torch.aminmax(images))  # one pass: ~2 us on a digit, this runs per call
    if not (low >= 0 and high <= 1):  # written so that NaN fails it too
        raise ValueError(f"{what} must have values in [0, 1], got values from {low} to {high} "
                         "(divide 0..255 pixels by 255; clamp small overshoots)")
    return images


def check_digit_batch(noisy: torch.Tensor, weights_dtype: torch.dtype | None = None) -> torch.Tensor:
    """`noisy` if it is a float `(N, 1, 28, 28)` batch a network with `weights_dtype` weights can take.

    Without it a single `(1, 28, 28)` digit or a 32x32 image runs through the convolutions anyway (the
    seed network returns a `(1, 2, 28)` tensor without complaint), and float64 digits from numpy end in
    torch's "Input type (double) and bias type (float) should be the same".
    """
    check_float(noisy, "noisy digits")
    if noisy.dim() != 4 or tuple(noisy.shape[1:]) != DIGITS_SHAPE:
        hint = "; add a batch dimension: x[None]" if tuple(noisy.shape) == DIGITS_SHAPE else ""
        raise ValueError(f"expected noisy digits of shape (N, 1, 28, 28), got {tuple(noisy.shape)}{hint}")
    mixed_precision = torch.is_autocast_enabled(noisy.device.type)  # autocast casts inputs itself
    if weights_dtype is not None and noisy.dtype != weights_dtype and not mixed_precision:
        raise TypeError(f"the digits are {noisy.dtype} but the model's weights are {weights_dtype}: "
                        f"convert the digits with .to({weights_dtype}) (or the model with .to({noisy.dtype}))")
    return noisy


def plain_number(value):
    """The Python number a 0-d numpy array or tensor holds (np.array(0.4) -> 0.4); anything else unchanged.

    So a factor or seed may come as such a scalar, as it does from numpy and torch arithmetic, while
    the checks that refuse text and bools stay simple. A boolean scalar stays as it is, to be refused.
    """
    if isinstance(value, (np.ndarray, torch.Tensor)) and value.ndim == 0 and value.dtype not in (np.bool_, torch.bool):
        return value.item()
    return value
