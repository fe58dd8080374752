"""What a training run depends on (`TrainConfig`), and the recipes of the two shipped models.

Kept apart from the training loop so the model cards and the benchmarks can read a recipe without
importing the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from .noise import NOISE_KINDS


@dataclass
class TrainConfig:
    """Everything a run depends on; recorded in the saved config so a result can be reproduced."""

    model: str = "default"
    data_root: str = "../shared/data"
    download: bool = False
    out_dir: str | None = None  # default: runs/<model>, never the shipped weights/<model>
    epochs: int = 100
    batch_size: int = 128
    optimizer: str = "adam"  # "adam" (default model) or "adadelta" (the article's)
    lr: float = 1e-2
    loss: str = "bce+log_mse"  # see loss_fn; "bce" alone is the article's
    noise_kinds: tuple[str, ...] = NOISE_KINDS
    factor_range: tuple[float, float] = (0.0, 1.0)
    factor_focus: tuple[float, float] | None = None  # a sub-range drawn from more often ...
    factor_focus_probability: float = 0.0  # ... with this probability per image
    fixed_noise: bool = False  # the article draws the noisy training set once, before training
    augment_probability: float = 0.5
    elastic_probability: float = 0.0  # share of digits also elastically distorted (augment.random_elastic)
    val_fraction: float = 0.1
    split_seed: int = 0  # which digits are held out; apart from `seed`, so a reseeded fine-tune keeps them out
    validate_on_test: bool = False  # the article validates on the test digits
    limit: int | None = None  # use only the first `limit` training digits (quick runs, tests)
    width: int = 32
    batch_norm: bool = True
    seed: int = 0
    init_from: str | None = None  # a weights folder to fine-tune instead of starting from scratch
    cpu_bf16: bool = False  # bfloat16 autocast on CPU too (about 1.8x faster where the CPU has bf16 units)
    device: str | None = None


RECIPES = {
    # The tutorial, exactly: Adadelta as Keras 1 had it (lr 1.0, rho 0.95, eps 1e-8), BCE, batch 128,
    # 100 epochs, one noisy copy of the training set at factor 0.4, all training digits used.
    "seed": dict(
        epochs=100, optimizer="adadelta", lr=1.0, loss="bce", noise_kinds=("gaussian",),
        factor_range=(0.4, 0.4), fixed_noise=True, augment_probability=0.0, val_fraction=0.0,
        validate_on_test=True,
    ),
    "default": {},
}


def recipe_config(model: str, **overrides) -> TrainConfig:
    """The recipe's settings for `model`, with `overrides` (None values ignored) on top."""
    settings = {**RECIPES[model], **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig(model=model, **settings)
