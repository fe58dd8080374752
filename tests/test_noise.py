"""The noise kinds: the article's formula exactly, their statistics, reproducibility, and bad factors."""

import itertools

import numpy as np
import pytest
import torch

from denoiser import NOISE_KINDS, add_noise, apply_noise, sample_noise_field


def test_gaussian_is_the_articles_formula(digits):
    generator = torch.Generator().manual_seed(7)
    expected_field = torch.randn(digits.shape, generator=torch.Generator().manual_seed(7))
    noisy = add_noise(digits, 0.4, generator=generator)
    assert torch.equal(noisy, (digits + 0.4 * expected_field).clamp(0, 1))


def test_gaussian_noise_has_the_requested_spread_before_clipping():
    grey = torch.full((200_000,), 0.5)  # mid-grey: at a spread of 0.1 clipping touches no pixel (5 sigma away)
    noisy = add_noise(grey, 0.1, generator=torch.Generator().manual_seed(0))
    assert abs(noisy.mean().item() - 0.5) < 1e-3
    assert abs(noisy.std().item() - 0.1) < 1e-3


@pytest.mark.parametrize("kind", [kind for kind in NOISE_KINDS if kind != "poisson"])
def test_noise_at_factor_zero_is_identity(kind, digits):
    assert torch.equal(add_noise(digits, 0.0, kind), digits)


def test_poisson_at_factor_zero_is_within_its_floor_of_identity(digits):
    # the spec floors the factor at 0.001, so s = 1e6 and the spread is sqrt(x / s) <= 0.001
    assert torch.allclose(add_noise(digits, 0.0, "poisson"), digits, atol=0.005)


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_noisy_images_stay_in_unit_range(kind, digits):
    noisy = add_noise(digits, 1.0, kind, torch.Generator().manual_seed(0))
    assert noisy.shape == digits.shape and noisy.min() >= 0 and noisy.max() <= 1


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_same_generator_seed_gives_same_noise(kind, digits):
    first = add_noise(digits, 0.5, kind, torch.Generator().manual_seed(3))
    second = add_noise(digits, 0.5, kind, torch.Generator().manual_seed(3))
    assert torch.equal(first, second)


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_more_factor_means_more_damage_with_a_fixed_field(kind, digits):
    field = sample_noise_field(digits.shape, kind, torch.Generator().manual_seed(0))
    errors = [(apply_noise(digits, f, field, kind) - digits).pow(2).mean().item() for f in (0.1, 0.4, 0.8)]
    assert errors[0] < errors[1] < errors[2]


def test_salt_and_pepper_hits_the_requested_share_of_pixels():
    grey = torch.full((100_000,), 0.5)
    noisy = add_noise(grey, 0.4, "salt_pepper", torch.Generator().manual_seed(0))
    assert abs((noisy == 0).float().mean().item() - 0.2) < 0.01
    assert abs((noisy == 1).float().mean().item() - 0.2) < 0.01


def test_dropout_zeroes_the_requested_share_of_pixels():
    ones = torch.ones(100_000)
    noisy = add_noise(ones, 0.3, "dropout", torch.Generator().manual_seed(0))
    assert abs((noisy == 0).float().mean().item() - 0.3) < 0.01


def test_speckle_leaves_black_pixels_black():
    black = torch.zeros(1000)
    assert torch.equal(add_noise(black, 1.0, "speckle"), black)


@pytest.mark.parametrize("factor", [0.1, 0.3])
def test_poisson_noise_has_mean_x_and_variance_x_over_s(factor):
    grey = torch.full((200_000,), 0.2)
    noisy = add_noise(grey, factor, "poisson", torch.Generator().manual_seed(0))
    expected_variance = 0.2 * factor**2  # Var(Poisson(x s) / s) = x / s, s = 1 / factor^2
    assert abs(noisy.mean().item() - 0.2) < 2e-3
    assert noisy.var().item() == pytest.approx(expected_variance, rel=0.05)


@pytest.mark.parametrize("factor", [-0.1, 1.5, float("nan"), "loud", None, "0.5", True,  # text and bools: float() takes them
                                    10**400],  # float() raises OverflowError on it
                         ids=lambda factor: "10**400" if factor == 10**400 else None)
def test_factor_outside_unit_range_is_refused_with_a_clear_message(factor, digits):
    with pytest.raises(ValueError, match="noise factor"):
        add_noise(digits, factor)


@pytest.mark.parametrize("factor", [1, np.float64(0.4), np.float32(0.4), np.array(0.4)])
def test_plain_ints_and_numpy_numbers_are_factors_too(factor, digits):
    first, second = (torch.Generator().manual_seed(0) for _ in range(2))
    assert torch.equal(add_noise(digits, factor, generator=first), add_noise(digits, float(factor), generator=second))


def test_unknown_kind_is_refused_and_lists_the_choices(digits):
    with pytest.raises(ValueError, match="gaussian"):
        add_noise(digits, 0.4, "pink")


@pytest.mark.parametrize("kind", ["salt_pepper", "dropout"])
def test_pixels_hit_at_a_lower_level_stay_hit_with_the_same_value_at_higher_levels(kind, digits):
    field = sample_noise_field(digits.shape, kind, torch.Generator().manual_seed(0))
    factors = [step / 100 for step in range(0, 101, 5)]
    for low, high in itertools.pairwise(factors):
        at_low, at_high = apply_noise(digits, low, field, kind), apply_noise(digits, high, field, kind)
        hit = at_low != digits
        assert torch.equal(at_high[hit], at_low[hit]), f"{kind}: a pixel damaged at {low} changed at {high}"


def test_integer_images_are_refused_with_a_hint_to_scale_them():
    with pytest.raises(TypeError, match="255"):
        add_noise(torch.full((1, 1, 28, 28), 200, dtype=torch.uint8), 0.4, "dropout")


def test_a_noise_field_of_another_shape_is_refused(digits):
    field = sample_noise_field((1, 1, 28, 28), "gaussian", torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="shape"):
        apply_noise(digits, 0.4, field, "gaussian")


@pytest.mark.parametrize(("kind", "dtype"), itertools.product(NOISE_KINDS, [torch.float16, torch.bfloat16, torch.float64]))
def test_every_kind_keeps_the_images_dtype(kind, dtype, digits):
    noisy = add_noise(digits.to(dtype), 0.3, kind, torch.Generator().manual_seed(0))
    assert noisy.dtype == dtype
    assert 0.0 <= noisy.min() and noisy.max() <= 1.0


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_a_float64_factor_tensor_keeps_float32_images_float32(kind, digits):
    factors = torch.full((len(digits), 1, 1, 1), 0.3, dtype=torch.float64)
    field = sample_noise_field(digits.shape, kind, torch.Generator().manual_seed(0))
    assert apply_noise(digits, factors, field, kind).dtype == torch.float32


@pytest.mark.parametrize("bad", [255.0, -0.5, float("nan")])
def test_images_outside_unit_range_are_refused_with_a_hint(bad, digits):
    images = digits.clone()
    images[0, 0, 0, 0] = bad  # one 0..255 pixel, a negative one, or a NaN is enough
    with pytest.raises(ValueError, match=r"\[0, 1\].*divide 0\.\.255 pixels by 255"):
        add_noise(images, 0.4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cpu_generator_gives_the_same_noise_on_cuda_images(digits):
    on_cpu = add_noise(digits, 0.4, generator=torch.Generator().manual_seed(3))
    on_cuda = add_noise(digits.cuda(), 0.4, generator=torch.Generator().manual_seed(3))
    assert on_cuda.device.type == "cuda"
    assert torch.allclose(on_cuda.cpu(), on_cpu)


def test_one_factor_per_image_as_a_flat_tensor_is_refused_rather_than_spread_over_pixel_columns():
    images = torch.zeros(28, 1, 28, 28)  # N = 28: an (N,) tensor would broadcast along the last axis
    with pytest.raises(ValueError, match=r"one per image, shape \(28, 1, 1, 1\).*got shape \(28,\)"):
        add_noise(images, torch.linspace(0, 1, 28), "dropout", torch.Generator().manual_seed(0))
    per_image = torch.linspace(0, 1, 28).view(-1, 1, 1, 1)
    noisy = add_noise(torch.ones(28, 1, 28, 28), per_image, "dropout", torch.Generator().manual_seed(0))
    assert noisy[0].eq(1).all() and noisy[-1].eq(0).all()  # factor 0 keeps the first image, 1 drops the last


def test_a_seed_given_where_a_generator_belongs_gets_a_hint():
    with pytest.raises(TypeError, match=r"torch.Generator\(\).manual_seed\(0\), got int"):
        add_noise(torch.zeros(1, 1, 28, 28), 0.4, generator=0)


@pytest.mark.filterwarnings("error")
def test_poisson_noise_on_images_that_require_grad_raises_no_warning(digits):
    assert add_noise(digits.requires_grad_(), 0.4, "poisson").shape == digits.shape
