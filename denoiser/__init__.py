"""A convolutional denoising autoencoder for handwritten digits: models, noise, training, evaluation."""

from .model import SeedAutoencoder, UNetDenoiser
from .noise import NOISE_KINDS, add_noise, apply_noise, sample_noise_field
from .weights import WeightsError, load_from_folder, load_model

__all__ = [
    "NOISE_KINDS", "SeedAutoencoder", "UNetDenoiser", "WeightsError",
    "add_noise", "apply_noise", "load_from_folder", "load_model", "sample_noise_field",
]
