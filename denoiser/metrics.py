"""Image-quality metrics, per image, for `(N, 1, 28, 28)` tensors in [0, 1] (peak 1.0)."""

from __future__ import annotations

import numpy as np
import torch
from skimage.metrics import structural_similarity

PSNR_CAP_DB = 100.0  # an exact copy would be infinite; cap it so averages stay finite
INVISIBLE_DB = 60.0  # above the ~59 dB of rounding to 8 bits: damage no screen can show


def psnr(estimate: torch.Tensor, clean: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB, shape `(N,)`, of `estimate` clamped to [0, 1] against `clean`."""
    mse = (estimate.float().clamp(0, 1) - clean.float()).pow(2).flatten(1).mean(dim=1)  # float32: the cap's 1e-10
    return -10 * torch.log10(mse.clamp_min(10 ** (-PSNR_CAP_DB / 10)))  # underflows to 0 in half precision


def ssim(estimate: torch.Tensor, clean: torch.Tensor) -> np.ndarray:
    """Per-image SSIM (scikit-image, 7x7 window, data range 1.0), shape `(N,)`."""
    est = estimate.clamp(0, 1).squeeze(1).double().cpu().numpy()  # (N, 28, 28)
    ref = clean.squeeze(1).double().cpu().numpy()
    return np.array([structural_similarity(e, r, data_range=1.0) for e, r in zip(est, ref, strict=True)])
