"""The long benchmark sweeps refuse a mistyped choice before they start, instead of failing hours in;
their proxy for drawings re-draws digits as the app would see them."""

import pytest
import torch
from conftest import make_digits

from benchmarks import bench_inference, compare_designs, seed_spread
from benchmarks.sketch_like import sketch_like


@pytest.mark.parametrize("argv", [["--variants", "recipe"], ["--variants", "recipe:0", "keras3_adadelta:0"],
                                  ["--variants", "recipe:x"]])
def test_seed_spread_refuses_a_bad_variant_before_any_training(argv, capsys, monkeypatch):
    monkeypatch.setattr(seed_spread, "run_variant", lambda *args: pytest.fail("trained before checking every variant"))
    with pytest.raises(SystemExit):
        seed_spread.main(argv)
    assert "NAME:SEED pairs" in capsys.readouterr().err


def test_compare_designs_refuses_an_unknown_candidate_naming_the_choices(capsys, monkeypatch):
    monkeypatch.setattr(compare_designs, "load_mnist", lambda *args, **kwargs: pytest.fail("read data before checking"))
    with pytest.raises(SystemExit):
        compare_designs.main(["--only", "without batchnorm"])
    assert "without batch norm" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--repeats", "0"], ["--threads", "2", "0"]])
def test_bench_inference_refuses_counts_below_one_before_timing(argv, capsys, monkeypatch):
    monkeypatch.setattr(bench_inference, "load_model", lambda *args, **kwargs: pytest.fail("timed before checking"))
    with pytest.raises(SystemExit):
        bench_inference.main(argv)
    assert "must be at least 1" in capsys.readouterr().err


def test_sketch_like_redraws_each_digit_as_a_drawing_placed_like_mnist():
    digits = torch.from_numpy(make_digits(6)).float().div(255).unsqueeze(1)  # (6, 1, 28, 28)
    sketches = sketch_like(digits)
    assert sketches.shape == digits.shape and 0 <= sketches.min() and sketches.max() <= 1
    assert ((sketches - digits).abs().flatten(1).amax(1) > 0.5).all()  # re-drawn, not copied
    rows = torch.arange(28.0).view(1, 28, 1)
    for sketch in sketches[:, 0]:
        centre = [float((sketch * axis).sum() / sketch.sum()) for axis in (rows, rows.transpose(1, 2))]
        assert all(abs(value - 14) < 1 for value in centre)  # centred by mass like MNIST, as the app does
