"""Model cards (`weights/<name>/README.md`): what the model is, how it was trained, what it measured."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .model import ARCHITECTURES
from .provenance import with_split_seed
from .recipes import recipe_config
from .weights import CONFIG_FILE, WEIGHTS_DIR

SUMMARIES = {  # {parameters} and {channels} are filled in from the model in config.json
    "seed": (
        "The convolutional denoising autoencoder of the well-known Keras tutorial, reproduced layer for layer "
        "in PyTorch: Conv(16)-Pool-Conv(8)-Pool-Conv(8)-Pool down to a 4x4x8 bottleneck, then "
        "Conv(8)-Up-Conv(8)-Up-Conv(16, valid)-Up-Conv(1, sigmoid); {parameters} parameters. Keras `padding='same'` "
        "pooling is `ceil_mode=True` (7x7 pools to 4x4); weights start from Glorot-uniform like Keras."
    ),
    "default": (
        "A three-level U-Net (28 -> 14 -> 7 and back, {channels} channels, batch norm, skip connections; "
        "{parameters} parameters) trained blind: one model for every noise kind (gaussian, salt-and-pepper, "
        "speckle, Poisson, dropout) and every factor from 0 to 1, with no hint of which. Digits are "
        "augmented (shift, rotation, scale, stroke width) so that mouse-drawn digits are not forced into MNIST shapes."
    ),
}


def _summary(name: str, config: dict) -> str:
    """SUMMARIES[name] with the parameter count and channel widths of the network `config` describes."""
    cls = ARCHITECTURES[config["architecture"]]
    model = cls(**{key: config[key] for key in cls._hub_mixin_init_parameters if key in config})
    width = config.get("width", 0)
    return SUMMARIES[name].format(parameters=f"{sum(p.numel() for p in model.parameters()):,}",
                                  channels=f"{width}/{2 * width}/{4 * width}")


def _stages(training: dict) -> list[dict]:
    """The training record's stages, first to last (each fine-tune records the stage it started from)."""
    stages = [training]
    while stages[0].get("fine_tuned_from"):
        stages.insert(0, stages[0]["fine_tuned_from"])
    return stages


def _recipe_lines(name: str, training: dict) -> list[str]:
    """The settings table: one column per training stage, so a fine-tune does not hide the long first stage."""
    keys = ["epochs", "batch_size", "optimizer", "lr", "loss", "noise_kinds", "factor_range", "factor_focus",
            "factor_focus_probability", "fixed_noise", "augment_probability", "elastic_probability",
            "val_fraction", "validate_on_test", "limit", "seed", "split_seed", "cpu_bf16"]
    if name != "seed":
        keys.insert(keys.index("seed"), "width")  # the seed network has no width
    stages = _stages(training)
    header = ["| setting | value |", "|---|---|"] if len(stages) == 1 else [
        "| setting | " + " | ".join(f"stage {number}" for number in range(1, len(stages) + 1)) + " |",
        "|---|" + "---|" * len(stages)]
    rows = [f"| {key} | " + " | ".join(json.dumps(stage.get(key)) for stage in stages) + " |"
            for key in keys if any(key in stage for stage in stages)]
    return header + rows


def _as_list(value):
    """Tuples and lists compare equal once both are lists (config.json stores tuples as lists)."""
    return list(value) if isinstance(value, (list, tuple)) else value


def _stage_command(training: dict) -> str:
    """The `denoiser.train` command for one stage of the default model, from its recorded settings.

    A setting that equals `TrainConfig`'s default is left out, so the command stays short and a
    new default there can never be silently wrong here.
    """
    flags = {"epochs": "--epochs", "lr": "--lr", "augment_probability": "--augment-probability",
             "elastic_probability": "--elastic-probability",
             "noise_kinds": "--noise-kinds", "width": "--width", "factor_focus": "--factor-focus",
             "factor_focus_probability": "--factor-focus-probability", "cpu_bf16": "--cpu-bf16",
             "seed": "--seed", "split_seed": "--split-seed", "val_fraction": "--val-fraction",
             "batch_size": "--batch-size", "limit": "--limit"}
    defaults = dataclasses.asdict(recipe_config("default"))
    training = with_split_seed(training)
    parts = ["python -m denoiser.train --model default --data-root ../shared/data"]
    for key, flag in flags.items():
        value = _as_list(training.get(key))
        if value is None or value == _as_list(defaults[key]):
            continue
        if value is True:  # a switch
            parts.append(flag)
        else:
            parts.append(f"{flag} {' '.join(map(str, value)) if isinstance(value, list) else value}")
    return " ".join(parts)


def _command(name: str, training: dict) -> str:
    """The shell command(s) that reproduce these weights: one per training stage, each starting from the last."""
    if name == "seed":
        return "python -m denoiser.train --model seed --data-root ../shared/data"
    stages = _stages(training)
    commands = []
    for number, stage in enumerate(stages, 1):
        command = _stage_command(stage)
        if number > 1:
            command += f" --init-from runs/stage{number - 1}"
        commands.append(command + (f" --out-dir runs/stage{number}" if number < len(stages) else ""))
    return " && ".join(commands)


def _validation_summary(val_psnr: dict[str, float]) -> str:
    """The last epoch's validation PSNR as a sentence, or why there is none (a refit holds out nothing)."""
    if not val_psnr:
        return "no validation PSNR (nothing was held out)."
    return "validation PSNR " + ", ".join(f"{k} {v:.2f} dB" for k, v in val_psnr.items()) + "."


def _held_out_sentence(training: dict) -> str:
    """How the last stage used the digits: tutorial-style, a held-out share, or a refit on all of them."""
    if training.get("validate_on_test"):
        return ("As in the tutorial, all of them are used for training and the test split is the validation data "
                "(monitoring only).")
    if training.get("val_fraction", 0.1) == 0:
        return ("All of them are used for training in the last stage, with no validation (a refit once the recipe "
                "was chosen on held-out digits); the test split is never used for training.")
    return (f"A seeded {training.get('val_fraction', 0.1):.0%} of them is held out for validation; "
            "the test split is never used for training or tuning.")


def write_card(name: str, tables: str, folder: Path | None = None) -> Path:
    """Write `weights/<name>/README.md` from its config (recipe), measured `tables` (Markdown) and NOTES.md."""
    folder = folder or WEIGHTS_DIR / name
    notes_path = folder / "NOTES.md"
    notes = notes_path.read_text() if notes_path.exists() else ""
    config = json.loads((folder / CONFIG_FILE).read_text())
    training = config.get("training", {})
    history = training.get("history", [])
    last = history[-1] if history else {}
    lines = [
        "---", "library_name: pytorch", "license: mit", "datasets:", "- mnist",
        "tags:", "- denoising", "- autoencoder", "- pytorch_model_hub_mixin", "---", "",
        f"# `{name}`: {config['architecture']}", "", _summary(name, config), "",
        "## Use", "", "```python", "import torch", "import denoiser", "",
        f'model = denoiser.load_model("{name}")          # from weights/{name}/, no network needed; CUDA when present',
        "device = next(model.parameters()).device",
        "clean = torch.rand(8, 1, 28, 28, device=device)   # your digits: (N, 1, 28, 28) in [0, 1], light on black",
        "noisy = denoiser.add_noise(clean, 0.4)",
        "with torch.no_grad():",
        "    denoised = model(noisy)                    # same shape, in [0, 1]",
        "```", "",
        f"`{config['architecture']}.from_pretrained(\"weights/{name}\")` and `push_to_hub` work too "
        "(huggingface_hub's PyTorchModelHubMixin); `config.json` also holds the SHA-256 of "
        "`model.safetensors`, which `load_model` checks.", "",
        "## Training", "",
        "Data: `torchvision.datasets.MNIST` training split as found in `--data-root` (offline here: the first "
        "10,000 MNIST training digits). " + _held_out_sentence(training), "",
        *_recipe_lines(name, training), "",
        ("Reproduce with one command" if len(_stages(training)) == 1 else
         f"Reproduce with {len(_stages(training))} commands, one per stage, chained")
        + f": `{_command(name, training)}`. It writes `runs/{name}/` and leaves the "
        f"shipped `weights/{name}/` alone; copy the folder there to ship a result (fixed seeds: on a CPU with the same "
        "thread count a rerun repeats exactly, and an interrupted run resumes from `checkpoint.pt` to the "
        "same result; but a GPU's convolution kernels are not bit-reproducible, and a GPU trains in bfloat16 "
        "where a CPU trains in float32, so a rerun on other hardware than these weights were trained on "
        "lands close to, not exactly on, these numbers).", "",
    ]
    if last:
        lines += [f"Last epoch: loss {last['loss']:.4f}; " + _validation_summary(last.get("val_psnr", {})), ""]
    lines += ["## Measured", "", tables.strip(), ""]
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    path = folder / "README.md"
    path.write_text("\n".join(lines))
    return path
