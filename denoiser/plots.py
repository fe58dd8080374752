"""Pictures for the report: PSNR against noise factor, and a grid of example digits."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import torch

from .filters import CLASSICAL_FILTERS
from .metrics import INVISIBLE_DB
from .model import denoise_all
from .noise import add_noise


def psnr_figure(rows: list[dict]) -> plt.Figure:
    """One panel per noise kind: mean PSNR of every method (evaluate's rows) against the noise factor."""
    kinds = list(dict.fromkeys(row["kind"] for row in rows))
    figure, axes = plt.subplots(1, len(kinds), figsize=(4.2 * len(kinds), 3.8), squeeze=False, sharey=True)
    for axis, kind in zip(axes[0], kinds, strict=True):
        selected = [row for row in rows if row["kind"] == kind]
        most = max(row.get("digits", 0) for row in selected)
        for method in dict.fromkeys(row["method"] for row in selected):
            points = sorted((row["factor"], row["psnr"]) for row in selected if row["method"] == method)
            digits = min(row.get("digits", 0) for row in selected if row["method"] == method)
            label = method if digits == most else f"{method} ({digits} digits)"  # the slow filters see the first few
            points = [(f, v) for f, v in points if v < INVISIBLE_DB]  # the noisy input at factor 0: off the scale
            if not points:  # e.g. the noisy input when factor 0 is the only one measured
                continue
            factors, values = zip(*points, strict=True)
            baseline = method in CLASSICAL_FILTERS or method == "noisy input"
            style = dict(linewidth=1.2, linestyle="--") if baseline else dict(linewidth=2.5, marker="o")  # models bold
            axis.plot(factors, values, label=label, **style)
        axis.set_title(kind)
        axis.set_xlabel("noise factor")
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("PSNR (dB), higher is better")
    axes[0][-1].legend(fontsize=8)
    figure.tight_layout()
    return figure


def plot_psnr_curves(rows: list[dict], path: Path) -> Path:
    """`psnr_figure` of `rows`, saved as a PNG at `path`."""
    figure = psnr_figure(rows)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


@torch.no_grad()
def plot_examples(clean: torch.Tensor, models: dict[str, torch.nn.Module], kinds, path: Path, factor: float = 0.4) -> Path:
    """For each kind: a row of clean, noisy and each model's output for a few `(N, 1, 28, 28)` digits."""
    columns = ["clean", "noisy", *models]
    figure, axes = plt.subplots(len(kinds), len(columns), figsize=(2.7 * len(columns), 0.62 * len(kinds) + 0.5), squeeze=False)
    for row_axes, kind in zip(axes, kinds, strict=True):
        noisy = add_noise(clean, factor, kind, torch.Generator().manual_seed(0))
        images = {"clean": clean, "noisy": noisy}
        images.update({name: denoise_all(model, noisy) for name, model in models.items()})
        for axis, column in zip(row_axes, columns, strict=True):
            strip = torch.cat(list(images[column].squeeze(1)), dim=1)  # (28, 28 * N)
            axis.imshow(strip.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            axis.set_xticks([])
            axis.set_yticks([])
            if kind == kinds[0]:
                axis.set_title(column)
        row_axes[0].set_ylabel(f"{kind}\n@{factor:g}", rotation=0, ha="right", va="center")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
