"""Shipped weights: save them with a checksum, and load them safely by name.

Each model lives in `weights/<name>/` as huggingface_hub's `save_pretrained` writes it:
`config.json` (the `__init__` arguments, plus the architecture, a SHA-256 of the weights and the
training settings) and `model.safetensors`. Loading never unpickles anything.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import safetensors.torch
import torch

from .device import pick_device
from .model import ARCHITECTURES

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
MODEL_NAMES = ("seed", "default")
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"


class WeightsError(RuntimeError):
    """Weights that are missing, damaged or do not match their config."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_weights(model: torch.nn.Module, out_dir: str | Path, training: dict | None = None) -> Path:
    """`save_pretrained` into `out_dir`, then record architecture, checksum and training settings."""
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    config = json.loads((out_dir / CONFIG_FILE).read_text()) if (out_dir / CONFIG_FILE).exists() else {}
    config.update(architecture=type(model).__name__, weights_sha256=sha256_of(out_dir / WEIGHTS_FILE))
    if training is not None:
        config["training"] = training
    (out_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    return out_dir


def is_shipped(folder: str | Path) -> bool:
    """Whether `folder` is one of the shipped `weights/<name>/` folders the app loads."""
    folder = Path(folder).resolve()  # through links and "..": weights/seed/../default is the default folder
    return folder.parent == WEIGHTS_DIR.resolve() and folder.name in MODEL_NAMES


def _retrain_hint(folder: Path) -> str:
    """What to do about a broken weights folder: restore or retrain a shipped model; re-save any other.

    Not `python -m denoiser.train --model default` alone: that trains the package's plain recipe, not the
    shipped one, into runs/default, and the app would still not start.
    """
    if is_shipped(folder):
        return (f"restore it from git (git checkout -- {folder}), or retrain it with the command in its model card "
                f"({folder}/README.md), which writes runs/{folder.name}, and copy that folder's files into {folder}")
    return "save the model there again with denoiser.weights.save_weights, or train one into it with --out-dir"


def load_from_folder(folder: str | Path, device: str | torch.device | None = None) -> torch.nn.Module:
    """Load a `save_weights` folder, verifying its checksum; raise WeightsError saying what to do."""
    folder = Path(folder)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    for path in (config_path, weights_path):
        if not path.is_file():
            raise WeightsError(f"{path} is missing: {_retrain_hint(folder)}")
    try:
        config = json.loads(config_path.read_text())
        missing = [key for key in ("architecture", "weights_sha256") if key not in config]
        if missing:  # e.g. a plain save_pretrained / Hub folder, which records neither
            raise WeightsError(
                f"{config_path} has no {' or '.join(missing)} entry, which save_weights records and this loader checks: "
                f"load such a folder with UNetDenoiser.from_pretrained or SeedAutoencoder.from_pretrained, "
                f"or {_retrain_hint(folder)}"
            )
        cls = ARCHITECTURES[config["architecture"]]
        expected = config["weights_sha256"]
    except (ValueError, KeyError, TypeError) as error:
        raise WeightsError(f"{config_path} is not a valid model config ({error!r}): {_retrain_hint(folder)}") from None
    if sha256_of(weights_path) != expected:
        raise WeightsError(f"{weights_path} is damaged (its SHA-256 does not match {config_path}): {_retrain_hint(folder)}")
    init_args = {name: config[name] for name in cls._hub_mixin_init_parameters if name in config}
    try:
        model = cls(**init_args)  # a hand-edited config can hold sizes no network has
        safetensors.torch.load_model(model, str(weights_path), strict=True)
    except Exception as error:  # safetensors raises several types for bad headers and shapes
        raise WeightsError(f"{weights_path} could not be loaded ({error}): {_retrain_hint(folder)}") from None
    return model.to(pick_device(device)).eval()


def prepare_for_inference(model: torch.nn.Module) -> torch.nn.Module:
    """Batch norm folded into convs and channels-last weights: the same outputs with fewer ops, for inference only."""
    if hasattr(model, "fuse_for_inference"):
        model.fuse_for_inference()
    return model.to(memory_format=torch.channels_last)


def load_for_inference(folder: str | Path, device: str | torch.device | None = None) -> torch.nn.Module:
    """Any `save_weights` folder (a shipped model, or a training run's) prepared as `load_model` prepares the shipped ones."""
    return prepare_for_inference(load_from_folder(folder, device))


def load_model(name: str = "default", device: str | torch.device | None = None) -> torch.nn.Module:
    """The shipped model `name` ("seed": the article's, "default": ours), in eval mode on `device`.

    Call it on `(N, 1, 28, 28)` noisy digits in [0, 1] (light strokes on black); it returns the
    denoised digits, same shape, in [0, 1]. `device` defaults to CUDA when present, else CPU. Batch
    norm comes folded into the convolutions, so this copy is for inference; to train or fine-tune,
    pass the folder to `python -m denoiser.train --init-from`.
    """
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    return load_for_inference(WEIGHTS_DIR / name, device)
