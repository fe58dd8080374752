"""Classical filters: the right shape and range, better than the noise they get, and no NaN on a flat image."""

import numpy as np
import pytest
import torch

from denoiser import add_noise
from denoiser.filters import CLASSICAL_FILTERS, apply_filter
from denoiser.metrics import psnr


@pytest.mark.parametrize("name", sorted(CLASSICAL_FILTERS))
def test_each_filter_cleans_gaussian_noise_and_keeps_shape_and_range(name, digits):
    noisy = add_noise(digits, 0.4, generator=torch.Generator().manual_seed(0))  # (16, 1, 28, 28)
    filtered = apply_filter(name, noisy[:, 0].numpy())  # (16, 28, 28)
    assert filtered.shape == (16, 28, 28) and filtered.min() >= 0 and filtered.max() <= 1
    gained = psnr(torch.from_numpy(filtered).float().unsqueeze(1), digits).mean() - psnr(noisy, digits).mean()
    assert gained > 1.0, f"{name} gained only {gained:.2f} dB"


@pytest.mark.parametrize("name", sorted(CLASSICAL_FILTERS))
def test_a_flat_image_gives_numbers_not_nan(name):
    """Dropout at factor 1 leaves an all-black digit; scikit-image's noise estimate is NaN there."""
    for level in (0.0, 1.0):
        filtered = apply_filter(name, np.full((1, 28, 28), level))
        assert np.isfinite(filtered).all() and np.allclose(filtered, level, atol=1e-3)
