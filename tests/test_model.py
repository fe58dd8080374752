"""The two architectures: the article's layer plan, shapes and ranges."""

import numpy as np
import pytest
import torch

from denoiser import SeedAutoencoder, UNetDenoiser


def test_seed_model_has_the_articles_parameter_count():
    # Keras summary of the tutorial's model: 160 + 1160 + 584 + 584 + 584 + 1168 + 145 = 4,385
    assert sum(p.numel() for p in SeedAutoencoder().parameters()) == 4385


def test_seed_encoder_goes_28_14_7_4_like_keras_same_pooling():
    sizes = []
    x = torch.rand(1, 1, 28, 28)
    for layer in SeedAutoencoder().encoder:
        x = layer(x)
        if isinstance(layer, torch.nn.MaxPool2d):
            sizes.append(x.shape[-1])
    assert sizes == [14, 7, 4]


def test_seed_decoder_goes_4_8_16_14_28_with_one_valid_conv():
    sizes = []
    x = torch.rand(1, 8, 4, 4)
    for layer in SeedAutoencoder().decoder:
        x = layer(x)
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.Upsample)):
            sizes.append(x.shape[-1])
    assert sizes == [4, 8, 8, 16, 14, 28, 28]


def test_both_models_map_digits_to_same_shape_in_unit_range():
    noisy = torch.rand(3, 1, 28, 28)
    for model in (SeedAutoencoder(), UNetDenoiser(width=8)):
        out = model(noisy)
        assert out.shape == (3, 1, 28, 28)
        assert out.min() >= 0 and out.max() <= 1


def test_seed_model_starts_from_keras_initialisation():
    conv = SeedAutoencoder().encoder[0]
    fan_in, fan_out = 1 * 9, 16 * 9
    glorot_bound = (6 / (fan_in + fan_out)) ** 0.5
    assert conv.weight.abs().max() <= glorot_bound
    assert torch.count_nonzero(conv.bias) == 0


def test_fusing_batch_norm_keeps_the_outputs():
    model = UNetDenoiser(width=8)
    model.train()
    for _ in range(3):  # give the batch-norm layers non-trivial running statistics
        model(torch.rand(8, 1, 28, 28))
    model.eval()
    x = torch.rand(4, 1, 28, 28)
    expected = model(x)
    assert torch.allclose(model.fuse_for_inference()(x), expected, atol=1e-5)


@pytest.mark.parametrize("cls", [SeedAutoencoder, UNetDenoiser])
@pytest.mark.parametrize("shape", [(1, 28, 28), (2, 1, 32, 32), (2, 3, 28, 28)])
def test_inputs_that_are_not_a_batch_of_28x28_digits_are_refused(cls, shape):
    with pytest.raises(ValueError, match=r"shape \(N, 1, 28, 28\)"):
        cls().eval()(torch.rand(shape))


@pytest.mark.parametrize("cls", [SeedAutoencoder, UNetDenoiser])
def test_a_numpy_array_is_refused_naming_the_conversion(cls):
    with pytest.raises(TypeError, match=r"torch.from_numpy"):
        cls().eval()(np.random.rand(1, 1, 28, 28).astype(np.float32))
    with pytest.raises(TypeError, match=r"torch.from_numpy"):  # logits (training's entry) checks it too
        cls().eval().logits(np.random.rand(1, 1, 28, 28).astype(np.float32))


def test_a_single_unbatched_digit_gets_a_hint_to_add_the_batch_dimension():
    with pytest.raises(ValueError, match=r"add a batch dimension: x\[None\]"):
        SeedAutoencoder().eval()(torch.rand(1, 28, 28))


@pytest.mark.parametrize("cls", [SeedAutoencoder, UNetDenoiser])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float16])
def test_digits_of_another_float_type_than_the_weights_are_refused_naming_the_conversion(cls, dtype):
    with pytest.raises(TypeError, match=rf"digits are {dtype} but the model's weights are torch.float32.*\.to\("):
        cls().eval()(torch.rand(2, 1, 28, 28, dtype=dtype))


@pytest.mark.parametrize("cls", [SeedAutoencoder, UNetDenoiser])
def test_byte_pixels_and_0_to_255_floats_are_refused_rather_than_denoised_to_black(cls):
    model = cls().eval()
    with pytest.raises(TypeError, match="divide bytes by 255"):
        model(torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8))
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*divide 0..255 pixels by 255"):
        model(torch.rand(2, 1, 28, 28) * 255)
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):  # the feature maps of such a digit mean nothing either
        model.feature_maps(torch.rand(2, 1, 28, 28) * 255)


def test_a_model_converted_to_float64_takes_float64_digits():
    model = UNetDenoiser(width=8).eval().double()
    with torch.no_grad():
        out = model(torch.rand(2, 1, 28, 28, dtype=torch.float64))
    assert out.dtype == torch.float64 and out.shape == (2, 1, 28, 28)
