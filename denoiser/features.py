"""Feature maps as pictures: what each encoder stage of a model sees in the current digit."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont


def feature_grid(maps: torch.Tensor, max_channels: int = 16, columns: int = 8, cell: int = 48, gap: int = 2) -> np.ndarray:
    """A uint8 `(H, W)` grid of one image's channels `(C, h, w)`, each scaled to its own range.

    The `max_channels` most active channels are shown (by mean activation), largest first, each
    upscaled with nearest neighbour to at least `cell` pixels so small maps stay crisp.
    """
    maps = maps.detach().float().cpu()
    order = maps.flatten(1).mean(dim=1).argsort(descending=True)[:max_channels]
    chosen = maps[order]  # (K, h, w)
    low = chosen.flatten(1).min(dim=1).values.view(-1, 1, 1)
    high = chosen.flatten(1).max(dim=1).values.view(-1, 1, 1)
    scaled = ((chosen - low) / (high - low).clamp_min(1e-6)).numpy()
    repeat = max(1, -(-cell // chosen.shape[-1]))  # ceil: every stage's tiles at least `cell` pixels
    tiles = [np.kron(tile, np.ones((repeat, repeat))) for tile in scaled]
    rows = -(-len(tiles) // columns)
    size = tiles[0].shape[0]
    grid = np.full((rows * (size + gap) - gap, min(columns, len(tiles)) * (size + gap) - gap), 0.25)
    for index, tile in enumerate(tiles):
        r, c = divmod(index, columns)
        grid[r * (size + gap): r * (size + gap) + size, c * (size + gap): c * (size + gap) + size] = tile
    return (grid * 255).astype(np.uint8)


@torch.no_grad()
def feature_grids(model: torch.nn.Module, noisy: torch.Tensor, max_channels: int = 16) -> list[tuple[np.ndarray, str]]:
    """(grid image, caption) per encoder stage of `model` for one noisy digit `(1, 1, 28, 28)`."""
    device = next(model.parameters()).device
    return [(feature_grid(maps[0], max_channels), name) for name, maps in model.feature_maps(noisy.to(device)).items()]


@lru_cache(maxsize=4)
def _caption_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in font at `size` pixels, loaded once (the panel is redrawn on every stroke)."""
    return ImageFont.load_default(size=size)


def feature_panel(
    model: torch.nn.Module, noisy: torch.Tensor, max_channels: int = 16, caption_height: int = 20, top_margin: int = 28,
) -> np.ndarray:
    """One uint8 `(H, W)` picture of every encoder stage of `model` for a noisy digit `(1, 1, 28, 28)`.

    Stages run top to bottom, each under its caption (name, channels, size), so the panel reads like
    the article's figures and keeps its natural shape instead of being squeezed into gallery cells.
    `top_margin` leaves room for the label Gradio lays over an image's top-left corner.
    """
    stages = feature_grids(model, noisy, max_channels)
    width = max(grid.shape[1] for grid, _ in stages)
    height = top_margin + sum(caption_height + grid.shape[0] + 6 for grid, _ in stages)
    panel = Image.new("L", (width, height), color=24)
    draw = ImageDraw.Draw(panel)
    font = _caption_font(caption_height - 6)
    top = top_margin
    for grid, caption in stages:
        draw.text((2, top + 2), caption, fill=235, font=font)
        top += caption_height
        panel.paste(Image.fromarray(grid, mode="L"), (0, top))
        top += grid.shape[0] + 6
    return np.asarray(panel)
