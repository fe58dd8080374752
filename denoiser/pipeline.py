"""The live path of the demo as pure functions: digit -> noisy -> reconstructed, with scores.

The noise pattern is explicit state: a `(kind, seed)` pair names one random field, so moving the
slider re-scales the same field (the damage fades smoothly) until the user asks for new noise.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import torch

from .checks import plain_number
from .metrics import psnr
from .model import denoise_all
from .noise import apply_noise, check_factor, sample_noise_field


@dataclass
class Denoised:
    """One pass of the pipeline; images are `(28, 28)` float32 in [0, 1]."""

    clean: np.ndarray
    noisy: np.ndarray
    reconstructed: dict[str, np.ndarray]
    psnr_noisy: float
    psnr_reconstructed: dict[str, float] = field(default_factory=dict)


MAX_SEED = 2**32 - 1  # torch's CPU generator keeps only a seed's low 32 bits


def check_seed(seed) -> int:
    """Return `seed` as an int, or raise ValueError saying a noise seed is a whole number in [0, 2**32).

    torch's CPU generator keeps only the low 32 bits of a seed, so 2**32 would repeat seed 0's noise.
    """
    seed = plain_number(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Real):  # int() would take True and "12"
        raise ValueError(f"noise seed must be a whole number, got {seed!r}")
    try:
        value = int(seed)
    except (ValueError, OverflowError):  # NaN, infinity
        raise ValueError(f"noise seed must be a whole number, got {seed!r}") from None
    if isinstance(seed, (float, np.floating)) and seed != value:
        raise ValueError(f"noise seed must be a whole number, got {seed!r}")
    if not 0 <= value <= MAX_SEED:
        raise ValueError(f"noise seed must be a whole number from 0 to {MAX_SEED:,}, got {seed!r}")
    return value


def nearest_seed(value: float | None) -> int:
    """The valid seed nearest a number typed in a seed box: none (an emptied box) or NaN as 0, any
    other as the nearest whole number from 0 to MAX_SEED; for live controls, where refusing the box
    on every slider step helps nobody."""
    if value is None or value != value:  # empty, or NaN
        return 0
    if isinstance(value, float):  # clamped before rounding: round(inf) raises (and ints past floats stay ints)
        value = round(min(max(value, 0.0), float(MAX_SEED)))
    return int(min(max(value, 0), MAX_SEED))


def check_digit(digit) -> np.ndarray:
    """`digit` as a `(28, 28)` float32 array in [0, 1], or a ValueError saying what was expected."""
    array = np.asarray(digit)
    if array.shape != (28, 28) or not (np.issubdtype(array.dtype, np.floating) or array.dtype == bool):
        raise ValueError(
            f"expected a (28, 28) float digit in [0, 1] (drawing_to_digit makes one), got {array.dtype} of shape {array.shape}"
        )
    array = np.ascontiguousarray(array, dtype=np.float32)  # flipped or strided views too
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise ValueError("the digit's pixels must be finite and in [0, 1]")
    return array


def noise_field(kind: str, seed: int) -> torch.Tensor:
    """The `(1, 1, 28, 28)` random field that (kind, seed) names."""
    return sample_noise_field((1, 1, 28, 28), kind, torch.Generator().manual_seed(check_seed(seed)))


@torch.no_grad()
def denoise_digit(
    digit: np.ndarray, factor: float, kind: str, seed: int, models: dict[str, torch.nn.Module]
) -> Denoised:
    """Damage `digit` `(28, 28)` with the (kind, seed) field at `factor`, and denoise it with each model."""
    factor = check_factor(factor)
    clean = torch.from_numpy(check_digit(digit)).view(1, 1, 28, 28)
    noisy = apply_noise(clean, factor, noise_field(kind, seed), kind)  # (1, 1, 28, 28)
    outputs = {name: denoise_all(model, noisy) for name, model in models.items()}
    return Denoised(
        clean=clean[0, 0].numpy(),
        noisy=noisy[0, 0].numpy(),
        reconstructed={name: out[0, 0].numpy() for name, out in outputs.items()},
        psnr_noisy=float(psnr(noisy, clean)[0]),
        psnr_reconstructed={name: float(psnr(out, clean)[0]) for name, out in outputs.items()},
    )


def upscale(image: np.ndarray, scale: int = 8) -> np.ndarray:
    """`(28, 28)` float in [0, 1] -> `(28 * scale, 28 * scale)` uint8, nearest neighbour (crisp pixels)."""
    pixels = (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
    return np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))
