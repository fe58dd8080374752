"""Short, equal-budget training runs of candidate designs for the default model, side by side.

Each candidate trains for `--epochs` epochs on the same digits with the same seed; the table shows
validation PSNR (held-out training digits, never the test split), PSNR on sketch-like re-drawings
of those digits (`benchmarks.sketch_like`, what augmentation is for) and single-image CPU latency.
    python -m benchmarks.compare_designs --epochs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile

import torch

from benchmarks.bench_inference import latencies_ms
from benchmarks.sketch_like import sketch_like
from denoiser.data import load_mnist, split_train_val
from denoiser.metrics import psnr
from denoiser.noise import NOISE_KINDS, add_noise
from denoiser.recipes import recipe_config
from denoiser.train import train
from denoiser.weights import prepare_for_inference

CANDIDATES = {
    "chosen: U-Net 32, batch norm, BCE + log-MSE, augmented": dict(),
    "without batch norm": dict(batch_norm=False),
    "BCE loss only": dict(loss="bce"),
    "without augmentation": dict(augment_probability=0.0),
    "narrower U-Net (24)": dict(width=24),
}


def median_latency_ms(model: torch.nn.Module, repeats: int = 300) -> float:
    """Median CPU time of one (1, 1, 28, 28) forward pass, prepared as `load_model` prepares it."""
    return statistics.median(latencies_ms(prepare_for_inference(model.cpu().eval()), repeats))


@torch.no_grad()
def sketch_psnr(model: torch.nn.Module, sketches: torch.Tensor) -> float:
    """Mean PSNR over every noise kind at factor 0.4 on sketch-like re-drawings of validation digits."""
    model = model.cpu().eval()
    scores = []
    for kind in NOISE_KINDS:
        noisy = add_noise(sketches, 0.4, kind, torch.Generator().manual_seed(0))
        scores.append(float(psnr(model(noisy), sketches).mean()))
    return sum(scores) / len(scores)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--data-root", default="../shared/data")
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), metavar="NAME",
                        help="candidates to run, by name in quotes (default: all): " + "; ".join(CANDIDATES))
    args = parser.parse_args(argv)
    base = recipe_config("default", data_root=args.data_root)
    _, val_images = split_train_val(load_mnist(args.data_root, train=True), base.val_fraction, base.split_seed)
    sketches = sketch_like(val_images[:500])
    rows = []
    for index, (name, settings) in enumerate(CANDIDATES.items()):  # each in a fresh folder: no resuming
        if args.only and name not in args.only:
            continue
        with tempfile.TemporaryDirectory(prefix=f"design{index}_") as out_dir:  # checkpoints: not kept
            config = recipe_config("default", epochs=args.epochs, data_root=args.data_root, out_dir=out_dir, **settings)
            model, history = train(config)
        rows.append({"candidate": name, **history[-1]["val_psnr"], "sketch-like@0.4 (all kinds)": sketch_psnr(model, sketches),
                     "cpu_ms": median_latency_ms(model)})
        print(json.dumps(rows[-1]), flush=True)
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{row[k]:.2f}" if isinstance(row[k], float) else str(row[k]) for k in keys) + " |")


if __name__ == "__main__":
    main()
