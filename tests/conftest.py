"""Shared fixtures: small synthetic digits and a tiny MNIST folder the tests write themselves."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
import torch


def make_digits(count: int, seed: int = 0) -> np.ndarray:
    """`(count, 28, 28)` uint8 stroke images: random thick line segments, MNIST-like (light on black)."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    rows, cols = np.indices((28, 28))
    for image in images:
        for _ in range(rng.integers(1, 4)):
            (r0, c0), (r1, c1) = rng.uniform(6, 22, size=(2, 2))
            t = np.clip(((rows - r0) * (r1 - r0) + (cols - c0) * (c1 - c0)) / max((r1 - r0) ** 2 + (c1 - c0) ** 2, 1e-6), 0, 1)
            distance = np.hypot(rows - (r0 + t * (r1 - r0)), cols - (c0 + t * (c1 - c0)))
            image[:] = np.maximum(image, (np.clip(2.0 - distance, 0, 1) * 255).astype(np.uint8))
    return images


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write `array` in the IDX format MNIST uses (uint8 payload, big-endian dims)."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + array.astype(np.uint8).tobytes())


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder torchvision reads as MNIST: 256 training and 64 test synthetic digits."""
    root = tmp_path_factory.mktemp("data")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count, seed in (("train", 256, 0), ("t10k", 64, 1)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", make_digits(count, seed))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(count, dtype=np.uint8) % 10)
    return root


@pytest.fixture
def digits() -> torch.Tensor:
    """`(16, 1, 28, 28)` float digits in [0, 1]."""
    return torch.from_numpy(make_digits(16)).float().div(255).unsqueeze(1)


@pytest.fixture(scope="session")
def app_url():
    """URL of `python app.py` running on a free port for the whole test session."""
    from app_server import running_app

    with running_app() as url:
        yield url
