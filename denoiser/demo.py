"""What the web demo shows for one input, computed without any web framework.

`Demo.render` takes a digit (or None for an empty canvas) and the controls' values, runs the
pipeline, and writes every picture as a small PNG with a unique name. Unique files, not arrays,
because Gradio caches array outputs under a content hash and rewrites that file in place: two
users getting the same picture at once can then download a half-written file.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .features import feature_panel
from .filters import CLASSICAL_FILTERS, apply_filter
from .metrics import INVISIBLE_DB, PSNR_CAP_DB, psnr, ssim
from .pipeline import Denoised, denoise_digit, upscale

EMPTY_HINT = "Draw a digit on the canvas (or pick an example below) and it appears here: clean, noisy, and pulled back out."
FILTER_TILE_SCALE = 4  # the filters gallery shows four small tiles a row: 112 px each, drawn pixelated


@dataclass
class DemoView:
    """Paths of the PNGs to show, and the text around them. Images are None for an empty canvas."""

    clean: str | None = None
    noisy: str | None = None
    reconstructed: dict[str, str | None] = field(default_factory=dict)
    scores: str = EMPTY_HINT
    filters: list[tuple[str, str]] = field(default_factory=list)  # (path, caption)
    features: dict[str, str] = field(default_factory=dict)  # model name -> path of its feature panel


class OutputFiles:
    """A private temp folder of uniquely named PNGs, pruned of files older than `max_age_s`.

    A folder it made itself is removed when the process exits (not before: a caller may still hold paths).
    """

    def __init__(self, folder: str | Path | None = None, max_age_s: float = 300.0) -> None:
        if folder is None:
            folder = tempfile.mkdtemp(prefix="denoiser_outputs_")
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_age_s = max_age_s
        self._last_prune = time.monotonic()

    def save(self, pixels: np.ndarray, name: str = "picture") -> str:
        """Write a uint8 grey `(H, W)` array as PNG and return its path, `<name>-<random>.png` (the download's name)."""
        self._prune()
        handle, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".png", dir=self.folder)
        with os.fdopen(handle, "wb") as file:
            Image.fromarray(pixels, mode="L").save(file, format="PNG")
        return path

    def _prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune < self.max_age_s / 4:
            return
        self._last_prune = now
        cutoff = time.time() - self.max_age_s
        with os.scandir(self.folder) as entries:
            for entry in entries:
                try:
                    if entry.stat().st_mtime < cutoff:
                        os.unlink(entry.path)
                except OSError:  # pruned by another worker first, or not ours to delete: the render goes on
                    pass


class Demo:
    """The models plus where their pictures go; `render` is the whole live path for one input."""

    def __init__(self, models: dict[str, torch.nn.Module], files: OutputFiles | None = None, scale: int = 8) -> None:
        self.models = models
        self.files = files or OutputFiles()
        self.scale = scale

    def render(
        self, digit: np.ndarray | None, factor: float, kind: str, seed: int,
        with_filters: bool = False, with_features: bool = False,
    ) -> DemoView:
        """The view for `digit` `(28, 28)` in [0, 1] (None: empty canvas) at the given noise settings."""
        if digit is None:
            return DemoView(reconstructed=dict.fromkeys(self.models))
        result = denoise_digit(digit, factor, kind, seed, self.models)
        save = lambda image, name: self.files.save(upscale(image, self.scale), name)  # noqa: E731
        view = DemoView(
            clean=save(result.clean, "clean"), noisy=save(result.noisy, f"noisy-{kind}-{factor:.2f}"),
            reconstructed={name: save(image, f"denoised-{name}") for name, image in result.reconstructed.items()},
            scores=scoreboard(result),
        )
        if with_filters:
            view.filters = self._filter_row(result)
        if with_features:
            noisy = torch.from_numpy(result.noisy).view(1, 1, 28, 28)
            view.features = {name: self.files.save(feature_panel(model, noisy), f"features-{name}")
                             for name, model in self.models.items()}
        return view

    def _filter_row(self, result: Denoised) -> list[tuple[str, str]]:
        """Each classical filter's output with its PSNR and SSIM against the clean digit."""
        clean = torch.from_numpy(result.clean).view(1, 1, 28, 28)
        row = []
        for name in CLASSICAL_FILTERS:
            output = apply_filter(name, result.noisy[None].astype(np.float64))[0]
            estimate = torch.from_numpy(output).float().view(1, 1, 28, 28)
            caption = f"{name}: {float(psnr(estimate, clean)[0]):.1f} dB, SSIM {float(ssim(estimate, clean)[0]):.2f}"
            row.append((self.files.save(upscale(output, FILTER_TILE_SCALE), name.replace(" ", "-")), caption))
        return row


def scoreboard(result: Denoised) -> str:
    """One line of Markdown: PSNR of the noisy input and of each reconstruction, with the gain.

    With no damage at all (factor 0) the noisy digit is the clean one: its PSNR is only the cap and a
    "gain" against it means nothing, so the line says so instead. Damage too faint for 8-bit pixels to
    show (Poisson at factor 0 keeps a floor of noise: about 72 dB) gets the same line, with its PSNR.
    """
    if result.psnr_noisy < INVISIBLE_DB:
        parts = [f"noisy **{result.psnr_noisy:.1f} dB**"]
        for name, value in result.psnr_reconstructed.items():
            parts.append(f"{name} model **{value:.1f} dB** ({value - result.psnr_noisy:+.1f})")
    else:
        parts = ["noisy **= clean** (no noise at this level)" if result.psnr_noisy >= PSNR_CAP_DB else
                 f"noisy **≈ clean** ({result.psnr_noisy:.1f} dB: too little noise for 8-bit pixels to show)"]
        parts += [f"{name} model **{value:.1f} dB**" for name, value in result.psnr_reconstructed.items()]
    return "PSNR against the clean digit (higher is better): " + " · ".join(parts)

