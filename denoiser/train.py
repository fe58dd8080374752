"""Train a denoiser: `python -m denoiser.train --model {seed,default} --data-root DIR`.

A plain loop: shuffle, damage, predict, step; validate every epoch; checkpoint every epoch so an
interrupted run resumes exactly where it stopped (on a CPU, the same result as an unbroken run; a GPU's
kernels are not bit-reproducible); `save_pretrained` at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from .augment import augment_digits
from .data import load_mnist, split_train_val
from .device import pick_device
from .metrics import psnr
from .model import MODEL_CLASSES
from .noise import NOISE_KINDS, apply_noise, sample_noise_field
from .provenance import check_same_held_out_digits, digits_sha256, recorded_training, with_split_seed
from .recipes import RECIPES, TrainConfig, recipe_config
from .weights import CONFIG_FILE, WEIGHTS_FILE, WeightsError, is_shipped, load_from_folder, save_weights

VALIDATION_NOISE_SEED = 1234  # the same noise every epoch and every run, so validation PSNRs compare


def build_model(config: TrainConfig) -> torch.nn.Module:
    """A freshly initialised network for `config.model`, seeded, or the weights in `config.init_from`."""
    torch.manual_seed(config.seed)
    cls = MODEL_CLASSES[config.model]
    if config.init_from:
        model = load_from_folder(config.init_from, device="cpu")
        if not isinstance(model, cls):  # e.g. --model default --init-from weights/seed
            theirs = next(name for name, model_class in MODEL_CLASSES.items() if isinstance(model, model_class))
            raise ValueError(f"{config.init_from} holds a {type(model).__name__}; --model {config.model} "
                             f"fine-tunes a {cls.__name__}: pass --model {theirs} to fine-tune it")
        width = model._hub_mixin_config.get("width", config.width)
        if width != config.width:  # the folder decides the network; the record must not say otherwise
            raise ValueError(f"{config.init_from} holds a width-{width} network; pass --width {width} to fine-tune it "
                             f"(got {config.width})")
        return model.train()
    return cls() if config.model == "seed" else cls(width=config.width, batch_norm=config.batch_norm)


def damage(clean: torch.Tensor, config: TrainConfig, generator: torch.Generator) -> torch.Tensor:
    """Noisy copies of `(N, 1, 28, 28)` digits: a random kind and a random level per image."""
    n = len(clean)
    low, high = config.factor_range
    factors = low + (high - low) * torch.rand(n, 1, 1, 1, generator=generator)
    if config.factor_focus:
        focus_low, focus_high = config.factor_focus
        focused = torch.rand(n, 1, 1, 1, generator=generator) < config.factor_focus_probability
        focus_factors = focus_low + (focus_high - focus_low) * torch.rand(n, 1, 1, 1, generator=generator)
        factors = torch.where(focused, focus_factors, factors)
    kinds = torch.randint(len(config.noise_kinds), (n,), generator=generator)
    noisy = torch.empty_like(clean)
    for index, kind in enumerate(config.noise_kinds):
        fields = sample_noise_field(clean.shape, kind, generator)  # drawn in full: same stream on any device
        chosen = (kinds == index).nonzero().squeeze(1)  # (n_kind,) CPU indices: no GPU sync to find them
        on_device = chosen.to(clean.device)
        damaged = apply_noise(clean.index_select(0, on_device), factors[chosen].to(clean), fields[chosen].to(clean), kind)
        noisy.index_copy_(0, on_device, damaged)
    return noisy


def loss_fn(model: torch.nn.Module, noisy: torch.Tensor, clean: torch.Tensor, loss: str) -> torch.Tensor:
    """"bce": binary cross-entropy (the article's); "bce+log_mse": BCE plus the mean per-image log10-MSE.

    log10-MSE is -PSNR / 10 up to a constant, so it weighs each image by its own error scale and
    faint low-noise errors count as much as heavy high-noise ones. Alone, through a sigmoid, it
    drives the output into saturation (all black) within a few Adam steps; BCE's gradient
    (p - y on the logits) never vanishes there, so the sum trains stably. The 0.1 keeps the log term
    (-1 to -4 for images at 10 to 40 dB) from swamping BCE; the 1e-5 floor (50 dB) stops a
    near-perfect image from dominating the mean.
    """
    logits = model.logits(noisy).float()  # (N, 1, 28, 28); float32 even under bfloat16 autocast
    bce = F.binary_cross_entropy_with_logits(logits, clean)
    if loss == "bce":
        return bce
    mse = (torch.sigmoid(logits) - clean).pow(2).flatten(1).mean(dim=1)  # (N,)
    return bce + 0.1 * torch.log10(mse + 1e-5).mean()


@torch.no_grad()
def validate(model: torch.nn.Module, clean: torch.Tensor, config: TrainConfig, device: torch.device) -> dict[str, float]:
    """Mean PSNR (dB) at a few fixed settings, with fixed noise so epochs compare fairly."""
    model.eval()
    generator = torch.Generator().manual_seed(VALIDATION_NOISE_SEED)
    settings = [("gaussian", 0.4)] if config.model == "seed" else [
        ("gaussian", 0.1), ("gaussian", 0.4), ("gaussian", 0.8),
        *[(kind, 0.4) for kind in dict.fromkeys(config.noise_kinds) if kind != "gaussian"],  # a kind repeated for weight once
    ]
    scores = {}
    clean = clean.to(device)
    for kind, factor in settings:
        field = sample_noise_field(clean.shape, kind, generator).to(device)
        noisy = apply_noise(clean, factor, field, kind)
        outputs = torch.cat([model(batch) for batch in noisy.split(1000)])  # batches of 1000: bounded memory
        scores[f"{kind}@{factor}"] = float(psnr(outputs, clean).mean())
    model.train()
    return scores


def _resumable_settings(settings: dict) -> dict:
    """The settings that must match for a checkpoint to be resumed (where it runs, and how its folder is named, may change).

    A setting added since the checkpoint was written counts as its default, so older checkpoints resume.
    """
    settings = {**dataclasses.asdict(TrainConfig()), **with_split_seed(settings)}
    return {k: v for k, v in settings.items() if k not in ("device", "download", "data_root", "out_dir")}


def make_optimizer(model: torch.nn.Module, config: TrainConfig, steps: int):
    """(optimizer, scheduler): Adadelta at a constant rate for the seed, Adam with one-cycle otherwise.

    Adadelta's eps is Keras 1's 1e-8, the Keras the 2016 tutorial ran on. Later Keras 2 releases use
    1e-7 (K.epsilon()), whose early steps are about 3x larger; see weights/seed/NOTES.md for the effect.
    """
    if config.optimizer == "adadelta":
        optimizer = torch.optim.Adadelta(model.parameters(), lr=config.lr, rho=0.95, eps=1e-8)
        return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=config.lr, total_steps=steps)


def run_dir(config: TrainConfig) -> Path:
    """Where a run writes its weights and checkpoint: `--out-dir`, else runs/<model> (shipping one is a deliberate copy)."""
    return Path(config.out_dir or f"runs/{config.model}")


def train(config: TrainConfig) -> tuple[torch.nn.Module, list[dict]]:
    """Run (or resume) training as `config` says; return the model and per-epoch history."""
    device = pick_device(config.device)
    out_dir = run_dir(config)
    if is_shipped(out_dir):  # the app would load a half-trained network from the first epoch's save on
        raise ValueError(f"{out_dir} holds the shipped {out_dir.resolve().name} model, which training never overwrites: "
                         f"leave out --out-dir (it writes runs/{config.model}) and copy that folder's files there to ship it")
    checkpoint_path = out_dir / "checkpoint.pt"
    images = load_mnist(config.data_root, train=True, download=config.download)[: config.limit]
    data_fingerprint = digits_sha256(images)  # a checkpoint resumes only on the digits it was trained on
    train_images, val_images = split_train_val(images, config.val_fraction, config.split_seed)
    if not len(train_images):
        raise ValueError(f"no training digits: {len(images)} digits, and --val-fraction {config.val_fraction} "
                         "holds out all of them")
    model = build_model(config)  # first: a folder of the wrong network is the clearest thing to report
    if config.init_from:
        check_same_held_out_digits(config, val_images)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)  # now, not after the first epoch
        (out_dir / ".write-test").touch()
        (out_dir / ".write-test").unlink()
    except OSError as error:
        raise ValueError(f"cannot write the run to {out_dir}: {error}") from None
    if config.validate_on_test:
        val_images = load_mnist(config.data_root, train=False, download=config.download)
    # The digits live on the training device, so augmentation and noise run there too (the random
    # draws stay on the CPU generator: the same stream on any device). On a GPU this keeps the CPU
    # from being the bottleneck: damaging one batch of 128 takes ~35 ms on one CPU core, mostly Poisson's.
    train_images = train_images.to(device)
    steps_per_epoch = math.ceil(len(train_images) / config.batch_size)

    model = model.to(device)
    if config.init_from:  # the folder decides the network (and has no flag for batch norm): record it
        config = dataclasses.replace(config, batch_norm=model._hub_mixin_config.get("batch_norm", config.batch_norm))
    optimizer, scheduler = make_optimizer(model, config, config.epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(config.seed)
    noise_once = torch.Generator().manual_seed(config.seed + 1)  # a stream of its own, apart from the batch order's
    fixed_noisy = damage(train_images, config, noise_once) if config.fixed_noise else None
    history: list[dict] = []
    if checkpoint_path.exists():
        try:
            state = torch.load(checkpoint_path, weights_only=True, map_location="cpu")  # resumable on any device
        except Exception as error:  # a truncated or foreign file: torch raises several types
            raise ValueError(f"{checkpoint_path} cannot be read ({error}): delete it to start afresh") from None
        if not isinstance(state, dict) or not {"config", "model", "history"} <= set(state):
            raise ValueError(f"{checkpoint_path} is not a training checkpoint (it has no config, model and "
                             "history): delete it to start afresh")
        theirs, mine = _resumable_settings(state["config"]), _resumable_settings(dataclasses.asdict(config))
        if theirs != mine:
            changed_keys = [key for key in sorted(set(theirs) | set(mine)) if theirs.get(key) != mine.get(key)]
            changed = ", ".join(f"{key} {theirs.get(key)!r} -> {mine.get(key)!r}" for key in changed_keys)
            longer = (f"; to train the finished run on, fine-tune it: --init-from {out_dir} --out-dir ANOTHER_FOLDER"
                      if changed_keys == ["epochs"] and mine["epochs"] > theirs["epochs"]
                      and (out_dir / "model.safetensors").exists() else "")
            raise ValueError(f"{checkpoint_path} was written by a run with other settings ({changed}): "
                             f"run with those settings to resume it, or delete it to start afresh{longer}")
        if state.get("digits_sha256", data_fingerprint) != data_fingerprint:  # older checkpoints kept none
            raise ValueError(f"{checkpoint_path} was trained on other digits than {config.data_root} holds"
                             f"{f' (first {config.limit})' if config.limit else ''}: point --data-root at its data "
                             "to resume it, or delete it to start afresh")
        try:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            generator.set_state(state["generator"])
        except (KeyError, RuntimeError, ValueError) as error:  # missing parts, or tensors of another network
            detail = " ".join(str(error).split())  # torch's message spans lines, one per mismatched tensor
            raise ValueError(f"{checkpoint_path} does not fit this run's network and optimizer "
                             f"({detail[:160]}{' ...' if len(detail) > 160 else ''}): delete it to start afresh") from None
        history = state["history"]
        print(f"resuming from {checkpoint_path} after epoch {len(history)}"
              + (f": all {config.epochs} epochs are done, so this only saves the weights again"
                 if len(history) >= config.epochs else ""))

    use_amp = device.type == "cuda" or config.cpu_bf16  # weights and optimizer state stay float32
    model.train()
    for epoch in range(len(history) + 1, config.epochs + 1):
        order = torch.randperm(len(train_images), generator=generator)
        bar = tqdm(order.split(config.batch_size), desc=f"epoch {epoch}/{config.epochs}", leave=False)
        total = 0.0
        for step, batch_index in enumerate(bar, 1):
            clean = train_images[batch_index]  # (B, 1, 28, 28)
            if fixed_noisy is not None:
                noisy = fixed_noisy[batch_index]
            else:
                clean = augment_digits(clean, config.augment_probability, generator, config.elastic_probability)
                noisy = damage(clean, config, generator)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                loss = loss_fn(model, noisy.to(device), clean.to(device), config.loss)
            if not torch.isfinite(loss):
                restart = (f" (and delete {checkpoint_path} first: it holds the epochs before this one, but a resume "
                           "keeps its settings, --lr included)" if checkpoint_path.exists() else "")
                raise FloatingPointError(f"training diverged at epoch {epoch}, step {step}: loss is {loss.item()}; "
                                         f"run again with a lower --lr{restart}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += loss.item()
            bar.set_postfix(loss=f"{total / step:.4f}")
        record = {"epoch": epoch, "loss": total / steps_per_epoch}
        if len(val_images):
            record["val_psnr"] = validate(model, val_images, config, device)
        history.append(record)
        print(json.dumps(record), flush=True)
        partial_path = checkpoint_path.with_suffix(".partial")  # written whole, then renamed: a run killed
        torch.save({  # mid-write leaves the previous epoch's checkpoint intact
            "config": dataclasses.asdict(config), "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), "generator": generator.get_state(), "history": history,
            "digits_sha256": data_fingerprint,
        }, partial_path)
        partial_path.replace(checkpoint_path)
    model.eval()
    record = {**dataclasses.asdict(config), "history": history}
    if len(val_images) and not config.validate_on_test:
        record["held_out_sha256"] = digits_sha256(val_images)
    if config.init_from:  # keep the provenance of the weights this run started from
        record["fine_tuned_from"] = recorded_training(config.init_from)
    save_weights(model, out_dir, training=record)
    print(f"saved the trained {config.model} model in {out_dir}/ ({CONFIG_FILE}, {WEIGHTS_FILE})")
    return model, history


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m denoiser.train`; each flag's dest is a `TrainConfig` field."""
    recipes = {name: recipe_config(name) for name in sorted(RECIPES)}
    epilog = "A flag left out takes the model's recipe: " + "; ".join(
        f"{name}: {recipe.epochs} epochs, {recipe.optimizer} at lr {recipe.lr}, batch {recipe.batch_size}, "
        f"augment probability {recipe.augment_probability}" for name, recipe in recipes.items())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=epilog)
    parser.add_argument("--model", choices=sorted(RECIPES), default="default")
    parser.add_argument("--data-root", default="../shared/data", help="folder holding MNIST/raw (torchvision layout)")
    parser.add_argument("--download", action="store_true", help="download MNIST (needs internet)")
    parser.add_argument("--out-dir", help="where to write config.json + model.safetensors (default runs/<model>)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--width", type=int, help="U-Net base channels (default model)")
    parser.add_argument("--augment-probability", type=float)
    parser.add_argument("--elastic-probability", type=float, help="share of digits also elastically distorted")
    parser.add_argument("--factor-focus", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="a noise-factor range to draw from more often (with --factor-focus-probability)")
    parser.add_argument("--factor-focus-probability", type=float)
    parser.add_argument("--noise-kinds", nargs="+", help="kinds to train on; repeat one to sample it more often")
    parser.add_argument("--val-fraction", type=float)
    parser.add_argument("--limit", type=int, help="train on the first N digits only")
    parser.add_argument("--seed", type=int, help="initial weights and the noise/augmentation stream")
    parser.add_argument("--split-seed", type=int, help="which digits are held out for validation (default 0)")
    parser.add_argument("--init-from", help="fine-tune the weights in this folder instead of starting afresh")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 ... (default: cuda when present)")
    parser.add_argument("--cpu-bf16", action="store_true", default=None,
                        help="bfloat16 mixed precision on CPU as well (CUDA always uses it)")
    return parser


def _check_ranges(parser: argparse.ArgumentParser, args: dict) -> None:
    """Refuse impossible values before any data is loaded, naming the flag."""
    def require(ok: bool, message: str) -> None:
        if not ok:
            parser.error(message)

    for key in ("augment_probability", "elastic_probability", "factor_focus_probability"):
        if args[key] is not None:
            require(0 <= args[key] <= 1, f"--{key.replace('_', '-')} must be in [0, 1], got {args[key]}")
    if args["val_fraction"] is not None:
        require(0 <= args["val_fraction"] < 1, f"--val-fraction must be in [0, 1), got {args['val_fraction']}")
    if args["factor_focus"]:
        low, high = args["factor_focus"]
        require(0 <= low <= high <= 1, f"--factor-focus needs 0 <= LOW <= HIGH <= 1, got {low} {high}")
    for key in ("epochs", "batch_size", "width", "limit"):
        if args[key] is not None:
            require(args[key] >= 1, f"--{key.replace('_', '-')} must be at least 1, got {args[key]}")
    if args["lr"] is not None:
        require(args["lr"] > 0, f"--lr must be positive, got {args['lr']}")
    for key in ("seed", "split_seed"):  # torch keeps 32 bits of a seed: 2**32 would repeat seed 0
        if args[key] is not None:
            require(0 <= args[key] < 2**32, f"--{key.replace('_', '-')} must be in [0, 2**32), got {args[key]}")


def parse_args(argv: list[str] | None = None) -> TrainConfig:
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    _check_ranges(parser, args)
    if args["noise_kinds"]:
        unknown = set(args["noise_kinds"]) - set(NOISE_KINDS)
        if unknown:
            parser.error(f"unknown noise kinds {sorted(unknown)}; choose from {', '.join(NOISE_KINDS)}")
        args["noise_kinds"] = tuple(args["noise_kinds"])
    if args["factor_focus"]:
        args["factor_focus"] = tuple(args["factor_focus"])
    if args["factor_focus"] and not args["factor_focus_probability"]:  # drawn from with probability 0: no change
        parser.error("--factor-focus needs a --factor-focus-probability above 0 (e.g. --factor-focus 0.3 0.5 "
                     "--factor-focus-probability 0.5)")
    if args["factor_focus_probability"] and not args["factor_focus"]:
        parser.error("--factor-focus-probability needs a range to draw from: --factor-focus LOW HIGH")
    if args["model"] == "seed" and args["width"] is not None:
        parser.error("--width sets the U-Net's channels (--model default); the seed network's layers are fixed")
    for key in ("augment_probability", "elastic_probability"):
        if RECIPES[args["model"]].get("fixed_noise") and args[key]:
            parser.error(f"--{key.replace('_', '-')}: the {args['model']} recipe trains on one fixed noisy copy of the "
                         "digits, made before training, as the tutorial did, and augments nothing")
    if args["device"]:
        try:
            pick_device(args["device"])
        except (ValueError, RuntimeError) as error:  # no CUDA here, or a name torch does not know
            parser.error(f"--device: {error}")
    return recipe_config(args.pop("model"), **args)


def main(argv: list[str] | None = None) -> None:
    """The command line: a refusal or a failure prints its message alone (call `train` for a traceback)."""
    config = parse_args(argv)
    out_dir = run_dir(config)
    made_here = not out_dir.exists()  # train makes it at the start, to test that it can be written
    try:
        train(config)
    except KeyboardInterrupt:
        checkpoint = out_dir / "checkpoint.pt"
        if checkpoint.exists():
            sys.exit(f"\ninterrupted: {checkpoint} holds the epochs finished so far; run the same command again to resume")
        _remove_if_left_empty(out_dir, made_here)
        sys.exit("\ninterrupted before the first epoch finished: nothing was saved")
    except (ValueError, FileNotFoundError, WeightsError, FloatingPointError) as error:
        _remove_if_left_empty(out_dir, made_here)
        sys.exit(f"error: {error}")


def _remove_if_left_empty(out_dir: Path, made_here: bool) -> None:
    """Remove the run folder this command made if a failed or interrupted run left nothing in it."""
    if made_here and out_dir.is_dir() and not any(out_dir.iterdir()):
        with contextlib.suppress(OSError):  # a folder that will not go is not worth a traceback here
            out_dir.rmdir()


if __name__ == "__main__":
    main()
