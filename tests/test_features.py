"""The "inside the network" panels: every encoder stage of both models, for the current digit."""

import numpy as np
import pytest
import torch
from PIL import Image

from denoiser import add_noise, load_model
from denoiser.demo import Demo, OutputFiles
from denoiser.features import feature_grid, feature_panel


def _digit(seed: int) -> torch.Tensor:
    """A `(1, 1, 28, 28)` blob-and-bar digit, different per seed."""
    generator = torch.Generator().manual_seed(seed)
    digit = torch.zeros(1, 1, 28, 28)
    top = int(torch.randint(4, 10, (1,), generator=generator))
    digit[..., top:top + 16, 12:16] = 1.0
    digit[..., top:top + 3, 8:20] = 1.0
    return add_noise(digit, 0.3, generator=generator)


def test_feature_grid_shows_the_most_active_channels_each_in_its_own_range():
    maps = torch.zeros(4, 7, 7)
    maps[2] = torch.linspace(0, 5, 49).view(7, 7)  # most active channel
    maps[0, 0, 0] = 0.1
    grid = feature_grid(maps, max_channels=2, columns=2, cell=14, gap=2)
    assert grid.dtype == np.uint8 and grid.shape == (14, 30)
    first, second = grid[:, :14], grid[:, 16:]
    assert first.min() == 0 and first.max() == 255  # channel 2, stretched to its own range
    assert second.max() == 255 and (second == 0).mean() > 0.9  # channel 0: one bright pixel


@pytest.mark.parametrize("name, stages", [("seed", 6), ("default", 3)])
def test_feature_panel_stacks_every_stage_and_changes_with_the_digit(name, stages):
    model = load_model(name, device="cpu")
    panel = feature_panel(model, _digit(0))
    assert panel.dtype == np.uint8 and panel.ndim == 2
    grids = [feature_grid(maps[0]) for maps in model.feature_maps(_digit(0)).values()]
    assert len(grids) == stages
    top = 0
    for grid in grids:  # each stage's grid, in order, somewhere below the one before (captions between)
        height, width = grid.shape
        top = next(row for row in range(top, panel.shape[0] - height + 1)
                   if np.array_equal(panel[row:row + height, :width], grid)) + height
    assert panel.shape[1] == max(grid.shape[1] for grid in grids)
    assert not np.array_equal(panel, feature_panel(model, _digit(1)))


def test_demo_renders_one_feature_panel_per_model_only_when_asked(tmp_path):
    models = {name: load_model(name, device="cpu") for name in ("default", "seed")}
    demo = Demo(models, OutputFiles(tmp_path))
    digit = _digit(2)[0, 0].clamp(0, 1).numpy()
    assert demo.render(digit, 0.4, "gaussian", 0).features == {}
    view = demo.render(digit, 0.4, "gaussian", 0, with_features=True)
    assert sorted(view.features) == ["default", "seed"]
    for path in view.features.values():
        with Image.open(path) as image:
            assert image.mode == "L" and image.height > image.width / 4
