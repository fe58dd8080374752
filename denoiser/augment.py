"""Make MNIST digits look more like sketchpad drawings: shifted, rotated, rescaled, thicker or thinner.

Drawings in the demo are normalised like MNIST (see `preprocess.py`), but a mouse stroke is not a
pen stroke: widths, slants and centring vary more. Training on such variations keeps the denoiser
from redrawing an unfamiliar digit as a familiar one.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(n: int, low: float, high: float, generator: torch.Generator | None) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def random_affine(
    images: torch.Tensor, generator: torch.Generator | None = None,
    max_shift: float = 2.0, max_degrees: float = 12.0, scale_range: tuple[float, float] = (0.85, 1.1),
) -> torch.Tensor:
    """Shift (pixels), rotate (degrees) and rescale each image of `(N, 1, 28, 28)` independently."""
    n = len(images)
    angle = _uniform(n, -max_degrees, max_degrees, generator) * math.pi / 180
    scale = _uniform(n, *scale_range, generator)
    shift = _uniform(2 * n, -max_shift, max_shift, generator).view(n, 2) * (2 / 28)  # pixels -> [-1, 1] units
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)  # (N, 28, 28, 2)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_stroke_width(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Blend each image towards its 3x3 dilation (thicker) or erosion (thinner) by a random amount."""
    n = len(images)
    dilated = F.max_pool2d(images, 3, stride=1, padding=1)
    eroded = -F.max_pool2d(-images, 3, stride=1, padding=1)
    amount = _uniform(n, -0.5, 1.0, generator).view(n, 1, 1, 1).to(images)  # <0 thins, >0 thickens
    target = torch.where(amount > 0, dilated, eroded)
    return images + amount.abs() * (target - images)


def random_elastic(
    images: torch.Tensor, generator: torch.Generator | None = None, alpha: float = 34.0, sigma: float = 4.0
) -> torch.Tensor:
    """Elastic distortion (Simard et al., 2003): warp each of `(N, 1, H, W)` by its own smooth random field.

    A uniform [-1, 1] displacement per pixel and axis, smoothed by a Gaussian of `sigma` pixels and
    scaled by `alpha` pixels: with the paper's 34 / 4 a pixel moves about 1.4 px on average, and
    the warp bends strokes the way different hands do, making new digits rather than moved ones.
    """
    n, _, height, width = images.shape
    field = (torch.rand(n * 2, 1, height, width, generator=generator) * 2 - 1).to(images)  # (2N, 1, H, W)
    radius = int(4 * sigma)
    taps = torch.arange(-radius, radius + 1, dtype=images.dtype, device=images.device)
    kernel = torch.exp(-(taps**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    field = F.conv2d(field, kernel.view(1, 1, 1, -1), padding=(0, radius))  # separable blur, rows ...
    field = F.conv2d(field, kernel.view(1, 1, -1, 1), padding=(radius, 0))  # ... then columns
    displacement = (field.view(n, 2, height, width) * alpha).permute(0, 2, 3, 1)  # (N, H, W, 2) in pixels
    identity = torch.eye(2, 3, dtype=images.dtype, device=images.device).expand(n, 2, 3)
    grid = F.affine_grid(identity, list(images.shape), align_corners=False)  # (N, H, W, 2) in [-1, 1]
    scale = torch.tensor([2 / width, 2 / height], dtype=images.dtype, device=images.device)  # pixels -> grid units
    return F.grid_sample(images, grid + displacement * scale, mode="bilinear", padding_mode="zeros", align_corners=False)


def augment_digits(
    images: torch.Tensor, probability: float = 0.5, generator: torch.Generator | None = None,
    elastic_probability: float = 0.0,
) -> torch.Tensor:
    """Return a copy of `(N, 1, 28, 28)` digits with a random `probability` share of them varied.

    Then, independently, an `elastic_probability` share are elastically distorted; at 0 nothing
    is drawn for it, so the random stream (and every earlier recipe's result) is unchanged.
    """
    chosen = torch.rand(len(images), generator=generator) < probability
    out = images.clone()
    if chosen.any():
        varied = random_stroke_width(random_affine(images[chosen], generator), generator)
        out[chosen] = varied.clamp(0.0, 1.0)
    if elastic_probability > 0:
        chosen = torch.rand(len(images), generator=generator) < elastic_probability
        if chosen.any():
            out[chosen] = random_elastic(out[chosen], generator).clamp(0.0, 1.0)
    return out
