"""Classical denoisers to compare the network against, from scikit-image and SciPy.

Each takes and returns one `(28, 28)` float image in [0, 1]. Non-local means and total variation
are told the noise level by scikit-image's own estimate (`estimate_sigma`), as a user of those
filters would do; blur and median use fixed sizes that suit 2-3 px strokes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage
from skimage.restoration import denoise_nl_means, denoise_tv_chambolle, estimate_sigma


def gaussian_blur(image: np.ndarray) -> np.ndarray:
    """Gaussian blur, sigma 1 px."""
    return ndimage.gaussian_filter(image, sigma=1.0)


def median_filter(image: np.ndarray) -> np.ndarray:
    """3x3 median: the textbook remedy for salt-and-pepper noise."""
    return ndimage.median_filter(image, size=3)


def _noise_sigma(image: np.ndarray) -> float:
    """scikit-image's noise estimate, floored at 1e-3. A flat image (all pixels dropped, say) has no
    measurable noise, and estimate_sigma would average nothing there and return NaN, which turns
    the filter's whole output into NaN; so it is not asked."""
    if np.ptp(image) == 0:
        return 1e-3
    sigma = float(estimate_sigma(image))
    return sigma if np.isfinite(sigma) and sigma > 1e-3 else 1e-3


def non_local_means(image: np.ndarray) -> np.ndarray:
    """Non-local means with 3x3 patches searched over 7x7, strength from the estimated noise sigma."""
    sigma = _noise_sigma(image)
    return denoise_nl_means(image, h=0.8 * sigma, sigma=sigma, patch_size=3, patch_distance=3, fast_mode=True)


def total_variation(image: np.ndarray) -> np.ndarray:
    """Chambolle total-variation denoising, weight proportional to the estimated noise sigma."""
    return denoise_tv_chambolle(image, weight=_noise_sigma(image))


CLASSICAL_FILTERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gaussian blur": gaussian_blur,
    "median filter": median_filter,
    "non-local means": non_local_means,
    "total variation": total_variation,
}


def apply_filter(name: str, images: np.ndarray) -> np.ndarray:
    """Run filter `name` on each image of `(N, 28, 28)`; returns the same shape, clipped to [0, 1]."""
    denoise = CLASSICAL_FILTERS[name]
    return np.clip(np.stack([denoise(image) for image in images]), 0, 1)
