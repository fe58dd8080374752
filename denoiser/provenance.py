"""Where a training run's digits came from, so that runs that must not mix their digits can be told apart.

A fine-tune must hold out the same validation digits as the weights it starts from (or it would train
on them), and a checkpoint must resume on the digits it was trained on. Records store the split
settings and a SHA-256 of the digits; these helpers read and compare them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import torch

from .recipes import TrainConfig
from .weights import CONFIG_FILE


def with_split_seed(settings: dict) -> dict:
    """Recorded settings with `split_seed` filled in: records from before it existed split by `seed`."""
    return {"split_seed": settings.get("seed", 0), **settings}


def held_out_split(settings: dict) -> tuple:
    """What decides which training digits are held out for validation, from a config or a recorded one."""
    settings = with_split_seed(settings)
    split_seed, on_test = settings["split_seed"], settings.get("validate_on_test", False)
    return settings.get("limit"), settings.get("val_fraction", 0.1), split_seed, on_test


def recorded_training(folder: str) -> dict | None:
    """The training record in a weights folder's config.json, or None (weights from elsewhere, or no file:
    the loader then says what is wrong)."""
    path = Path(folder) / CONFIG_FILE
    return json.loads(path.read_text()).get("training") if path.is_file() else None


def digits_sha256(digits: torch.Tensor) -> str:
    """A fingerprint of digits `(N, 1, 28, 28)` in [0, 1]: the same digits in the same order give the same hex digest.

    Split settings alone do not pin the held-out digits down: the same seed and fraction hold out other
    digits from a data root with more digits (a full MNIST download instead of the offline 10,000).
    """
    pixels = digits.mul(255).round().to(torch.uint8).cpu().numpy()
    return hashlib.sha256(pixels.tobytes()).hexdigest()


def check_same_held_out_digits(config: TrainConfig, val_images: torch.Tensor) -> None:
    """Refuse to fine-tune weights that were validated on other digits than this run holds out (`val_images`).

    Otherwise the new run would train on the old run's validation digits, and validation would flatter it.
    A run that validates on no training digits (--val-fraction 0, or on the test digits) has nothing to
    flatter, so it may train on all of them: the usual last step, a refit on every digit once the recipe is chosen.
    Records from before the fingerprint was kept are compared by their split settings.
    """
    record = recorded_training(config.init_from)
    if not record or config.val_fraction == 0 or config.validate_on_test:
        return
    if "held_out_sha256" in record:
        same = record["held_out_sha256"] == digits_sha256(val_images)
    else:
        same = held_out_split(record) == held_out_split(dataclasses.asdict(config))
    if not same and record.get("val_fraction") == 0:
        raise ValueError(
            f"{config.init_from} was trained on every digit of its data (it held out none), so this run's "
            f"validation digits (--val-fraction {config.val_fraction}) are digits it trained on. "
            "Pass --val-fraction 0 to refit on every digit."
        )
    if not same:
        theirs, mine = held_out_split(record), held_out_split(dataclasses.asdict(config))
        raise ValueError(
            f"{config.init_from} held out other validation digits (limit, val fraction, split seed: {theirs[:3]}) "
            f"than this run would ({mine[:3]}, from {config.data_root}): it would train on the digits it was "
            "validated on. Pass the same --data-root, --limit, --val-fraction and --split-seed, "
            "or --val-fraction 0 to refit on every digit."
        )
