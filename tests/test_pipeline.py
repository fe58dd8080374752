"""The live path as functions: a (kind, seed) names one noise pattern, every model answers, bad input is refused."""

import re

import numpy as np
import pytest
import torch
from conftest import make_digits

from denoiser import UNetDenoiser
from denoiser.demo import scoreboard
from denoiser.metrics import psnr
from denoiser.pipeline import MAX_SEED, check_seed, denoise_digit, nearest_seed, upscale

DIGIT = make_digits(1, seed=5)[0].astype(np.float32) / 255  # (28, 28) in [0, 1]


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    return {"a": UNetDenoiser(width=8).eval(), "b": UNetDenoiser(width=8).eval()}


def test_the_same_kind_and_seed_give_one_pattern_that_only_grows_with_the_factor(models):
    weak, strong = (denoise_digit(DIGIT, f, "gaussian", 7, models).noisy - DIGIT for f in (0.2, 0.4))
    unclipped = (np.abs(strong) > 0) & (DIGIT + strong > 0) & (DIGIT + strong < 1)
    assert np.allclose(strong[unclipped], 2 * weak[unclipped], atol=1e-5)


def test_another_seed_draws_another_pattern(models):
    first, second = (denoise_digit(DIGIT, 0.4, "gaussian", seed, models).noisy for seed in (1, 2))
    assert not np.allclose(first, second)


def test_every_model_answers_with_a_digit_and_its_score(models):
    result = denoise_digit(DIGIT, 0.5, "salt_pepper", 0, models)
    assert set(result.reconstructed) == set(result.psnr_reconstructed) == {"a", "b"}
    for name, image in result.reconstructed.items():
        assert image.shape == (28, 28) and 0 <= image.min() and image.max() <= 1
        expected = psnr(torch.from_numpy(image)[None, None], torch.from_numpy(DIGIT)[None, None])[0]
        assert result.psnr_reconstructed[name] == pytest.approx(float(expected), abs=1e-4)
    assert result.psnr_noisy < 40


def test_a_flipped_view_of_a_digit_is_accepted(models):
    result = denoise_digit(np.flipud(DIGIT), 0.3, "gaussian", 0, models)
    assert np.array_equal(result.clean, np.flipud(DIGIT))


@pytest.mark.parametrize("digit, message", [
    (np.zeros((27, 27), np.float32), "shape"),
    (np.zeros((1, 28, 28), np.float32), "shape"),
    ((DIGIT * 255).astype(np.uint8), "float"),
    (np.full((28, 28), np.nan, np.float32), "finite"),
    (DIGIT * 2, r"\[0, 1\]"),
])
def test_a_digit_that_is_not_28x28_floats_in_0_1_is_refused_with_what_was_expected(models, digit, message):
    with pytest.raises(ValueError, match=message):
        denoise_digit(digit, 0.4, "gaussian", 0, models)


@pytest.mark.parametrize("seed", [-1, 2**32, 2**64, 1.5, np.float32(1.5), "abc", None, float("nan"),
                                  "7", True, np.array(True)])  # text and bools: int() takes them, but each is a mistake upstream
def test_a_seed_must_be_a_whole_number_from_0_to_2_32(seed):
    with pytest.raises(ValueError, match="noise seed"):
        check_seed(seed)


@pytest.mark.parametrize("seed, expected", [(3, 3), (3.0, 3), (np.float64(4.0), 4), (np.int64(7), 7), (2**32 - 1, 2**32 - 1),
                                            (np.array(5), 5), (torch.tensor(6), 6)])
def test_whole_number_seeds_are_taken_in_any_form(seed, expected):
    assert check_seed(seed) == expected


@pytest.mark.parametrize(("typed", "nearest"), [(None, 0), (float("nan"), 0), (-3, 0), (1.5, 2), (7, 7), (2**40, MAX_SEED),
                                               (10**400, MAX_SEED), (float("inf"), MAX_SEED), (float("-inf"), 0)])
def test_the_nearest_seed_to_anything_typed_is_a_seed_check_seed_takes(typed, nearest):
    assert nearest_seed(typed) == nearest and check_seed(nearest_seed(typed)) == nearest


def test_upscale_turns_each_pixel_into_a_crisp_block_of_bytes():
    big = upscale(DIGIT, scale=8)
    assert big.shape == (224, 224) and big.dtype == np.uint8
    assert np.array_equal(big[::8, ::8], (DIGIT * 255 + 0.5).astype(np.uint8))
    assert np.array_equal(big[5:8, 16:24], np.full((3, 8), big[0, 16]))


def test_the_scoreboard_gives_each_model_its_gain_over_the_noisy_digit(models):
    result = denoise_digit(DIGIT, 0.4, "gaussian", 0, models)
    line = scoreboard(result)
    noisy = float(re.search(r"noisy \*\*([\d.]+) dB", line).group(1))
    gains = {name: (float(value), float(gain)) for name, value, gain in
             re.findall(r"(\w+) model \*\*([\d.]+) dB\*\* \(([+-][\d.]+)\)", line)}
    assert noisy == pytest.approx(result.psnr_noisy, abs=0.05) and set(gains) == set(models)
    for name, (value, gain) in gains.items():
        assert value == pytest.approx(result.psnr_reconstructed[name], abs=0.05)
        assert gain == pytest.approx(value - noisy, abs=0.11)  # each rounded to 0.1


def test_with_no_noise_the_scoreboard_says_so_instead_of_a_meaningless_gain(models):
    line = scoreboard(denoise_digit(DIGIT, 0.0, "gaussian", 0, models))
    assert "no noise" in line and "100.0" not in line and "(-" not in line and "(+" not in line


def test_poisson_at_factor_zero_keeps_a_floor_of_noise_too_faint_to_show_and_the_scoreboard_says_so(models):
    result = denoise_digit(DIGIT, 0.0, "poisson", 0, models)
    line = scoreboard(result)
    assert 60 < result.psnr_noisy < 100  # the 0.001 floor of the Poisson scale: not an exact copy
    assert "≈ clean" in line and "(-" not in line and "(+" not in line and line.count("dB") == 3
