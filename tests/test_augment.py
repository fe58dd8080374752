"""Augmentation: varied digits stay digits (shape, range, ink), and turning a kind off draws nothing for it."""

import torch
from conftest import make_digits

from denoiser.augment import augment_digits, random_affine, random_elastic, random_stroke_width


def _digits(count: int = 16) -> torch.Tensor:
    return torch.from_numpy(make_digits(count)).float().div(255).unsqueeze(1)  # (N, 1, 28, 28)


def test_elastic_distortion_bends_each_digit_a_little_and_differently():
    digits = _digits()
    warped = random_elastic(digits, torch.Generator().manual_seed(0))
    assert warped.shape == digits.shape and warped.min() >= 0 and warped.max() <= 1
    change = (warped - digits).abs().flatten(1).mean(1)  # (N,)
    assert (change > 0.005).all()  # every digit moved ...
    ink_ratio = float(warped.sum() / digits.sum())  # a warp thins some strokes and thickens others ...
    assert 0.85 < ink_ratio < 1.15  # ... but in all it is about as much stroke
    again = random_elastic(digits[:2].repeat(2, 1, 1, 1), torch.Generator().manual_seed(1))
    assert not torch.allclose(again[0], again[2])  # each image gets its own field


def test_elastic_distortion_with_no_strength_is_the_identity():
    digits = _digits(4)
    assert torch.allclose(random_elastic(digits, torch.Generator().manual_seed(0), alpha=0.0), digits, atol=1e-5)


def test_elastic_off_leaves_the_random_stream_of_earlier_recipes_unchanged():
    """Before elastic distortion existed, augment_digits drew the choice, the affine and the width: replayed here."""
    digits = _digits()
    generator, replay = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    out = augment_digits(digits, 0.5, generator, elastic_probability=0.0)
    chosen = torch.rand(len(digits), generator=replay) < 0.5
    expected = digits.clone()
    expected[chosen] = random_stroke_width(random_affine(digits[chosen], replay), replay).clamp(0.0, 1.0)
    assert torch.equal(out, expected) and torch.equal(generator.get_state(), replay.get_state())


def test_elastic_probability_picks_a_share_of_the_digits():
    digits = _digits(200)
    out = augment_digits(digits, 0.0, torch.Generator().manual_seed(0), elastic_probability=0.5)
    changed = (out - digits).abs().flatten(1).amax(1) > 1e-4
    assert 60 < int(changed.sum()) < 140
