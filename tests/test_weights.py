"""Saving and loading weights: the shipped names, the Hub round trip, and damaged files."""

import json
from pathlib import Path

import pytest
import torch
from PIL import Image

from denoiser import SeedAutoencoder, UNetDenoiser, WeightsError, add_noise, load_from_folder, load_model
from denoiser.metrics import psnr
from denoiser.preprocess import drawing_to_digit
from denoiser.weights import WEIGHTS_DIR, save_weights

EXAMPLE_FILES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.png"))


@pytest.mark.parametrize("name", ["seed", "default"])
def test_shipped_models_load_in_eval_mode_and_keep_the_batch_shape(name):
    model = load_model(name, device="cpu")
    assert not model.training
    with torch.no_grad():
        out = model(torch.rand(2, 1, 28, 28))
    assert out.shape == (2, 1, 28, 28) and 0 <= out.min() and out.max() <= 1


@pytest.mark.parametrize(("name", "min_gain_db"), [("seed", 3.0), ("default", 8.0)])
def test_shipped_models_remove_gaussian_noise_from_the_example_digits(name, min_gain_db):
    # Measured with the shipped weights: noisy 11.1 dB, seed 17.0, default 24.3; untrained networks of either kind give about 6.
    clean = torch.stack([torch.from_numpy(drawing_to_digit(Image.open(path))) for path in EXAMPLE_FILES]).unsqueeze(1)
    noisy = add_noise(clean, 0.4, generator=torch.Generator().manual_seed(0))  # (8, 1, 28, 28)
    with torch.no_grad():
        denoised = load_model(name, device="cpu")(noisy)
    assert psnr(denoised, clean).mean() > psnr(noisy, clean).mean() + min_gain_db


@pytest.mark.parametrize("name", ["seed", "default"])
def test_a_loaded_model_saves_with_save_pretrained_and_reloads_as_itself(name, tmp_path):
    model = load_model(name, device="cpu")  # batch norm folded for inference: a batch_norm=False network now
    model.save_pretrained(tmp_path)
    again = type(model).from_pretrained(tmp_path).eval()
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.allclose(model(x), again(x), atol=1e-5)  # channels-last vs plain layout: float rounding only
    save_weights(model, tmp_path / "checked")
    with torch.no_grad():
        assert torch.allclose(model(x), load_from_folder(tmp_path / "checked", "cpu")(x), atol=1e-5)


def test_unknown_model_name_lists_the_choices():
    with pytest.raises(ValueError, match="seed, default"):
        load_model("best")


def test_save_pretrained_from_pretrained_round_trip(tmp_path):
    model = UNetDenoiser(width=8).eval()
    model.save_pretrained(tmp_path)
    assert json.loads((tmp_path / "config.json").read_text()) == {"width": 8, "batch_norm": True,
                                                                  "architecture": "UNetDenoiser"}
    again = UNetDenoiser.from_pretrained(tmp_path)
    x = torch.rand(1, 1, 28, 28)
    assert torch.equal(model(x), again(x))


@pytest.mark.parametrize(("cls", "folder", "holds"), [(SeedAutoencoder, "default", "UNetDenoiser"),
                                                      (UNetDenoiser, "seed", "SeedAutoencoder")])
def test_from_pretrained_refuses_the_other_networks_folder_instead_of_returning_random_weights(cls, folder, holds):
    with pytest.raises(ValueError, match=f"holds a {holds}.*{holds}.from_pretrained"):
        cls.from_pretrained(WEIGHTS_DIR / folder)


def test_from_pretrained_refuses_weights_that_do_not_fit_the_config(tmp_path):
    """The mixin loads loosely: a config edited to batch_norm=false loaded with ten biases left untrained."""
    UNetDenoiser(width=8).save_pretrained(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "batch_norm": False}))
    with pytest.raises(RuntimeError, match="Missing key"):
        UNetDenoiser.from_pretrained(tmp_path)


def test_the_seed_network_saves_a_config_and_does_not_carry_the_shipped_record_into_a_copy(tmp_path):
    SeedAutoencoder().save_pretrained(tmp_path / "fresh")  # takes no arguments, yet the Hub layout has a config
    assert json.loads((tmp_path / "fresh" / "config.json").read_text()) == {"architecture": "SeedAutoencoder"}

    shipped = SeedAutoencoder.from_pretrained(WEIGHTS_DIR / "seed")
    with torch.no_grad():
        shipped.decoder[-1].bias += 0.5  # a fine-tune: other weights than the shipped checksum names
    shipped.save_pretrained(tmp_path / "tuned")
    assert json.loads((tmp_path / "tuned" / "config.json").read_text()) == {"architecture": "SeedAutoencoder"}
    save_weights(shipped, tmp_path / "checked")  # no training record given: none is claimed
    config = json.loads((tmp_path / "checked" / "config.json").read_text())
    assert "training" not in config
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(shipped(x), load_from_folder(tmp_path / "checked", "cpu")(x))


def test_a_model_saved_for_the_hub_gets_a_card_that_says_what_it_takes_not_placeholders(tmp_path):
    UNetDenoiser(width=8).save_pretrained(tmp_path)  # push_to_hub uploads this folder
    card = (tmp_path / "README.md").read_text()
    assert "[More Information Needed]" not in card and "(N, 1, 28, 28)" in card and "license: mit" in card


def test_saved_folder_records_a_checksum_and_reloads_identically(tmp_path):
    model = UNetDenoiser(width=8).eval()
    save_weights(model, tmp_path)
    assert len(json.loads((tmp_path / "config.json").read_text())["weights_sha256"]) == 64
    x = torch.rand(1, 1, 28, 28)
    assert torch.equal(model(x), load_from_folder(tmp_path, "cpu")(x))


def test_corrupt_weights_file_names_the_file_and_the_fix(tmp_path):
    save_weights(UNetDenoiser(width=8), tmp_path)
    weights = tmp_path / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10:] = b"\x00" * 10
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=r"model\.safetensors is damaged.*save the model there again"):
        load_from_folder(tmp_path)


def test_missing_weights_file_names_the_file(tmp_path):
    save_weights(UNetDenoiser(width=8), tmp_path)
    (tmp_path / "model.safetensors").unlink()
    with pytest.raises(WeightsError, match=r"model\.safetensors is missing"):
        load_from_folder(tmp_path)


def test_truncated_weights_with_a_matching_checksum_still_fail_clearly(tmp_path):
    save_weights(UNetDenoiser(width=8), tmp_path)
    weights, config_path = tmp_path / "model.safetensors", tmp_path / "config.json"
    weights.write_bytes(weights.read_bytes()[:100])
    config = json.loads(config_path.read_text())
    config["weights_sha256"] = __import__("hashlib").sha256(weights.read_bytes()).hexdigest()
    config_path.write_text(json.dumps(config))
    with pytest.raises(WeightsError, match="could not be loaded"):
        load_from_folder(tmp_path)


def test_garbled_config_is_reported_as_such(tmp_path):
    save_weights(UNetDenoiser(width=8), tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(WeightsError, match="not a valid model config"):
        load_from_folder(tmp_path)


@pytest.mark.parametrize("width", ["abc", -1])
def test_a_config_with_impossible_sizes_is_a_weights_error(tmp_path, width):
    save_weights(UNetDenoiser(width=8), tmp_path)
    config_path = tmp_path / "config.json"
    config = json.loads(config_path.read_text())
    config["width"] = width
    config_path.write_text(json.dumps(config))
    with pytest.raises(WeightsError, match="could not be loaded"):
        load_from_folder(tmp_path)


def test_a_broken_shipped_model_is_restored_from_git_or_retrained_by_its_cards_command(tmp_path, monkeypatch):
    monkeypatch.setattr("denoiser.weights.WEIGHTS_DIR", tmp_path)
    save_weights(UNetDenoiser(width=8), tmp_path / "default")
    (tmp_path / "default" / "model.safetensors").unlink()
    with pytest.raises(WeightsError, match=r"git checkout -- .*default.*its model card \(.*default/README.md\), "
                                           r"which writes runs/default, and copy that folder's files into"):
        load_from_folder(tmp_path / "default")


def test_a_plain_save_pretrained_folder_is_refused_pointing_at_from_pretrained(tmp_path):
    UNetDenoiser(width=8).save_pretrained(tmp_path)  # no checksum: the Hub's own format
    with pytest.raises(WeightsError, match=r"no weights_sha256 entry.*UNetDenoiser\.from_pretrained"):
        load_from_folder(tmp_path)
