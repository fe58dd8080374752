"""Training: a short run learns, checkpoints resume to the same result, divergence stops clearly."""

import numpy as np
import pytest
import torch
from conftest import make_digits, write_idx

from denoiser import train as train_module
from denoiser.noise import apply_noise, sample_noise_field
from denoiser.provenance import held_out_split
from denoiser.recipes import recipe_config
from denoiser.train import damage, train


def make_root(root, seed, extra=0):
    """A data folder like the `mnist_root` fixture's, with training digits from `seed` and `extra` more after them."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count, digits_seed, more in (("train", 256, seed, extra), ("t10k", 64, 1, 0)):
        images = np.concatenate([make_digits(count, digits_seed), make_digits(more, 7)])
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(len(images), dtype=np.uint8) % 10)
    return root


def quick_config(mnist_root, out_dir=None, **overrides):
    settings = dict(data_root=str(mnist_root), out_dir=out_dir and str(out_dir), epochs=3, width=8, batch_size=32,
                    val_fraction=0.25)
    return recipe_config("default", **{**settings, **overrides})


def test_a_short_training_run_lowers_the_loss(mnist_root, tmp_path):
    _, history = train(quick_config(mnist_root, tmp_path, epochs=4))
    assert history[-1]["loss"] < history[0]["loss"]
    assert (tmp_path / "model.safetensors").exists() and (tmp_path / "config.json").exists()


def test_bfloat16_on_cpu_trains_and_keeps_float32_weights(mnist_root, tmp_path):
    # on the CPU by name: on a CUDA machine both runs would otherwise use CUDA, where autocast is always on
    mixed, history = train(quick_config(mnist_root, tmp_path / "bf16", epochs=4, cpu_bf16=True, device="cpu"))
    plain, _ = train(quick_config(mnist_root, tmp_path / "fp32", epochs=4, device="cpu"))
    assert history[-1]["loss"] < history[0]["loss"]
    assert all(tensor.dtype == torch.float32 for tensor in mixed.state_dict().values() if tensor.is_floating_point())
    weight = "enc1.0.weight"
    assert not torch.equal(mixed.state_dict()[weight], plain.state_dict()[weight])  # autocast really ran


def test_seed_recipe_is_the_articles():
    config = recipe_config("seed")
    assert (config.optimizer, config.lr, config.loss, config.batch_size, config.epochs) == ("adadelta", 1.0, "bce", 128, 100)
    assert config.factor_range == (0.4, 0.4) and config.noise_kinds == ("gaussian",) and config.fixed_noise
    optimizer, _ = train_module.make_optimizer(torch.nn.Linear(2, 1), config, steps=1)
    settings = optimizer.param_groups[0]
    assert isinstance(optimizer, torch.optim.Adadelta) and (settings["rho"], settings["eps"]) == (0.95, 1e-8)  # Keras 1's


def test_seed_recipe_trains(mnist_root, tmp_path):
    config = recipe_config("seed", data_root=str(mnist_root), out_dir=str(tmp_path), epochs=2)
    _, history = train(config)
    assert len(history) == 2 and "gaussian@0.4" in history[-1]["val_psnr"]


def test_interrupted_run_resumes_to_the_same_weights(mnist_root, tmp_path, monkeypatch):
    straight, _ = train(quick_config(mnist_root, tmp_path / "straight"))

    real_validate = train_module.validate
    calls = []

    def crash_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as if the run were killed before epoch 2's checkpoint
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(train_module, "validate", crash_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(quick_config(mnist_root, tmp_path / "resumed"))
    monkeypatch.setattr(train_module, "validate", real_validate)
    resumed, history = train(quick_config(mnist_root, tmp_path / "resumed"))

    assert [record["epoch"] for record in history] == [1, 2, 3]
    for name, tensor in straight.state_dict().items():
        assert torch.equal(tensor, resumed.state_dict()[name]), name


def test_checkpoint_of_other_settings_is_not_resumed(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path, epochs=1))
    with pytest.raises(ValueError, match=r"other settings \(lr 0.01 -> 0.0001\)"):
        train(quick_config(mnist_root, tmp_path, epochs=1, lr=1e-4))


def test_a_checkpoint_resumes_whether_its_folder_is_named_or_the_default(mnist_root, tmp_path, monkeypatch):
    """The checkpoint's place is the folder; --out-dir runs/default and no --out-dir are the same run."""
    monkeypatch.chdir(tmp_path)
    _, first = train(quick_config(mnist_root, epochs=1))
    _, history = train(quick_config(mnist_root, "runs/default", epochs=1))
    assert history == first  # the finished checkpoint resumed, not refused nor retrained


def test_a_resume_with_another_limit_names_the_limit_not_the_data_root(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path, epochs=1, limit=128))
    with pytest.raises(ValueError, match=r"other settings \(limit 128 -> 127\)"):
        train(quick_config(mnist_root, tmp_path, epochs=1, limit=127))


def test_a_checkpoint_is_not_resumed_on_other_digits(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path, epochs=1, limit=128))
    with pytest.raises(ValueError, match=r"trained on other digits than .* \(first 128\).*--data-root"):
        train(quick_config(mnist_root, tmp_path, epochs=1, limit=128, data_root=str(make_root(tmp_path / "other", 5))))


def test_run_that_produces_nan_stops_with_a_message(mnist_root, tmp_path, monkeypatch):
    real_damage = train_module.damage

    def damage_with_a_nan(clean, config, generator):
        noisy = real_damage(clean, config, generator)
        noisy[0, 0, 0, 0] = float("nan")  # a numerical fault anywhere poisons the loss
        return noisy

    monkeypatch.setattr(train_module, "damage", damage_with_a_nan)
    with pytest.raises(FloatingPointError, match=r"diverged at epoch 1, step 1.*lower --lr") as caught:
        train(quick_config(mnist_root, tmp_path, epochs=1))
    assert not (tmp_path / "model.safetensors").exists()
    assert "checkpoint" not in str(caught.value)  # none was saved: pointing at one would send the user nowhere


def test_a_command_that_diverges_in_its_first_epoch_leaves_no_empty_run_folder(mnist_root, tmp_path, monkeypatch):
    monkeypatch.setattr(train_module, "loss_fn", lambda *args: torch.tensor(float("nan")))
    argv = ["--data-root", str(mnist_root), "--out-dir", str(tmp_path / "run"), "--epochs", "1", "--width", "8"]
    assert run_command(argv).startswith("error: training diverged at epoch 1")
    assert not (tmp_path / "run").exists()


def test_training_into_a_shipped_weights_folder_is_refused_before_anything_is_written(mnist_root, tmp_path, monkeypatch):
    from denoiser import weights

    shipped = tmp_path / "weights" / "default"
    shipped.mkdir(parents=True)
    (shipped / "model.safetensors").write_bytes(b"the shipped weights")
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "weights")  # the app loads from here
    with pytest.raises(ValueError, match=r"holds the shipped default model.*leave out --out-dir"):
        train(quick_config(mnist_root, tmp_path / "weights" / ".." / "weights" / "default", epochs=1))
    assert [path.name for path in shipped.iterdir()] == ["model.safetensors"]
    assert (shipped / "model.safetensors").read_bytes() == b"the shipped weights"
    (tmp_path / "link").symlink_to(shipped)  # nor through a link to it
    with pytest.raises(ValueError, match=r"holds the shipped default model"):
        train(quick_config(mnist_root, tmp_path / "link", epochs=1))


def test_a_run_says_where_it_saved_and_a_finished_one_rerun_says_it_only_saves_again(mnist_root, tmp_path, capsys):
    train(quick_config(mnist_root, tmp_path, epochs=1))
    assert f"saved the trained default model in {tmp_path}/" in capsys.readouterr().out
    train(quick_config(mnist_root, tmp_path, epochs=1))
    assert "after epoch 1: all 1 epochs are done, so this only saves the weights again" in capsys.readouterr().out


def test_a_file_that_is_no_checkpoint_is_refused_with_what_to_do(mnist_root, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    torch.save({"weights": torch.zeros(3)}, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match=r"is not a training checkpoint .*delete it to start afresh"):
        train(quick_config(mnist_root, tmp_path, epochs=1))


def test_a_checkpoint_of_another_network_under_the_same_settings_is_refused_with_what_to_do(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path, epochs=2, limit=64))
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    state["model"] = {name: tensor[:1] if tensor.dim() else tensor for name, tensor in state["model"].items()}  # other shapes
    state["history"] = state["history"][:1]
    torch.save(state, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError, match=r"does not fit this run's network and optimizer .*delete it to start afresh"):
        train(quick_config(mnist_root, tmp_path, epochs=2, limit=64))


def test_a_finished_run_asked_for_more_epochs_is_pointed_at_a_fine_tune(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path, epochs=2, limit=64))
    with pytest.raises(ValueError, match=rf"epochs 2 -> 3.*fine-tune it: --init-from {tmp_path} --out-dir"):
        train(quick_config(mnist_root, tmp_path, epochs=3, limit=64))
    with pytest.raises(ValueError, match=r"epochs 2 -> 1") as fewer:
        train(quick_config(mnist_root, tmp_path, epochs=1, limit=64))
    assert "fine-tune" not in str(fewer.value)  # training on is not what fewer epochs asks for


def test_without_out_dir_a_run_writes_runs_not_the_shipped_weights(mnist_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    train(quick_config(mnist_root, epochs=1))  # no out_dir, as on a command line without --out-dir
    assert (tmp_path / "runs" / "default" / "model.safetensors").is_file()
    assert not (tmp_path / "weights").exists()


def test_fine_tuning_starts_from_the_given_weights(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path / "first", epochs=2))
    _, tuned = train(quick_config(mnist_root, tmp_path / "tuned", epochs=1, init_from=str(tmp_path / "first")))
    _, scratch = train(quick_config(mnist_root, tmp_path / "scratch", epochs=1))
    assert tuned[0]["loss"] < scratch[0]["loss"]


def test_fine_tuning_another_architecture_is_refused_naming_both(mnist_root, tmp_path):
    seed = recipe_config("seed", data_root=str(mnist_root), out_dir=str(tmp_path / "seed"), epochs=1, limit=64)
    train(seed)
    with pytest.raises(ValueError, match="holds a SeedAutoencoder; --model default fine-tunes a UNetDenoiser: pass --model seed"):
        # the recipe's own validation split: the network is what is wrong, whatever the digits
        train(quick_config(mnist_root, tmp_path / "tuned", epochs=1, init_from=str(tmp_path / "seed")))
    assert not (tmp_path / "tuned").exists()  # refused before anything was written


def test_fine_tuning_weights_trained_on_every_digit_says_so_and_how_to_refit(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path / "all", epochs=1, val_fraction=0.0))
    with pytest.raises(ValueError, match=r"trained on every digit .*held out none.*--val-fraction 0 to refit"):
        train(quick_config(mnist_root, tmp_path / "tuned", epochs=1, init_from=str(tmp_path / "all")))


def test_a_fine_tune_with_another_seed_holds_out_the_same_digits(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path / "first", epochs=1))
    reseeded = quick_config(mnist_root, tmp_path / "tuned", epochs=1, seed=1, init_from=str(tmp_path / "first"))
    assert held_out_split(vars(reseeded)) == held_out_split(vars(quick_config(mnist_root, tmp_path)))
    _, history = train(reseeded)  # accepted: only the noise stream changed
    assert len(history) == 1


@pytest.mark.parametrize("other_split", [dict(split_seed=1), dict(val_fraction=0.5), dict(limit=200)])
def test_fine_tuning_weights_validated_on_other_digits_is_refused(mnist_root, tmp_path, other_split):
    train(quick_config(mnist_root, tmp_path / "first", epochs=1))
    config = quick_config(mnist_root, tmp_path / "tuned", epochs=1, init_from=str(tmp_path / "first"), **other_split)
    with pytest.raises(ValueError, match="would train on the digits it was validated on"):
        train(config)
    assert not (tmp_path / "tuned").exists()


def test_fine_tuning_on_a_data_root_with_more_digits_is_refused_though_the_split_settings_match(mnist_root, tmp_path):
    # The same seed and fraction hold out other digits from more data (a full MNIST download, say), so
    # the old run's validation digits would land in this run's training set.
    bigger = make_root(tmp_path / "bigger", 0, extra=64)  # the same 256 digits first, then 64 more
    train(quick_config(mnist_root, tmp_path / "first", epochs=1))
    config = quick_config(bigger, tmp_path / "tuned", epochs=1, init_from=str(tmp_path / "first"))
    assert held_out_split(vars(config)) == held_out_split(vars(quick_config(mnist_root)))
    with pytest.raises(ValueError, match=r"would train on the digits it was validated on.*same --data-root"):
        train(config)


def test_fine_tuning_with_another_width_than_the_folders_is_refused(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path / "first", epochs=1))  # width 8
    with pytest.raises(ValueError, match="holds a width-8 network; pass --width 8"):
        train(quick_config(mnist_root, tmp_path / "tuned", epochs=1, width=16, init_from=str(tmp_path / "first")))


def test_a_split_that_leaves_no_training_digits_is_refused_naming_it(mnist_root, tmp_path):
    with pytest.raises(ValueError, match=r"no training digits: 2 digits.*holds out all of them"):
        train(quick_config(mnist_root, tmp_path, limit=2, val_fraction=0.75))


def test_an_out_dir_that_cannot_be_written_is_refused_before_training(mnist_root, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(train_module, "make_optimizer", lambda *args: calls.append(args))
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(ValueError, match=r"cannot write the run to .*a-file"):
        train(quick_config(mnist_root, tmp_path / "a-file", epochs=1))
    assert not calls


def test_a_refit_on_every_digit_may_start_from_weights_validated_on_a_split(mnist_root, tmp_path):
    train(quick_config(mnist_root, tmp_path / "first", epochs=1))
    refit = quick_config(mnist_root, tmp_path / "refit", epochs=1, val_fraction=0.0, init_from=str(tmp_path / "first"))
    _, history = train(refit)  # nothing held out, so no validation it could flatter
    assert len(history) == 1 and "val_psnr" not in history[0]


def test_records_from_before_split_seed_split_by_their_seed():
    assert held_out_split({"seed": 3, "val_fraction": 0.1})[2] == 3
    assert held_out_split({"seed": 3, "split_seed": 0})[2] == 0


def test_damage_with_one_kind_and_level_is_that_noise_from_the_same_random_stream():
    clean = torch.rand(64, 1, 28, 28)
    config = recipe_config("default", noise_kinds=("poisson",), factor_range=(0.3, 0.3))
    noisy = damage(clean, config, torch.Generator().manual_seed(5))
    replay = torch.Generator().manual_seed(5)
    torch.rand(64, 1, 1, 1, generator=replay)  # the per-image levels ...
    torch.randint(1, (64,), generator=replay)  # ... and kinds, all one here
    expected = apply_noise(clean, 0.3, sample_noise_field(clean.shape, "poisson", replay), "poisson")
    assert torch.equal(noisy, expected)


def test_damage_gives_each_image_one_of_the_kinds():
    clean = torch.full((256, 1, 28, 28), 0.5)
    config = recipe_config("default", noise_kinds=("salt_pepper", "dropout"), factor_range=(0.5, 0.5))
    noisy = damage(clean, config, torch.Generator().manual_seed(0))
    has_salt = (noisy == 1).flatten(1).any(1)  # only salt and pepper makes white pixels
    has_black = (noisy == 0).flatten(1).any(1)  # both kinds make black ones
    assert has_black.all()  # every image was damaged by one kind or the other
    assert 60 < int(has_salt.sum()) < 196  # about half by each: one kind per image, not both or neither


def test_a_checkpoint_from_before_a_setting_existed_still_resumes(mnist_root, tmp_path, monkeypatch):
    config = quick_config(mnist_root, tmp_path, epochs=2)
    real_validate, calls = train_module.validate, []

    def stop_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_validate(*args, **kwargs)

    monkeypatch.setattr(train_module, "validate", stop_in_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        train(config)
    monkeypatch.setattr(train_module, "validate", real_validate)
    checkpoint = tmp_path / "checkpoint.pt"
    state = torch.load(checkpoint, weights_only=True)
    del state["config"]["elastic_probability"], state["config"]["split_seed"]  # as written before these settings existed
    torch.save(state, checkpoint)
    _, history = train(config)
    assert [record["epoch"] for record in history] == [1, 2]


def test_a_run_killed_while_writing_its_checkpoint_leaves_the_previous_one_whole(mnist_root, tmp_path, monkeypatch):
    real_save, saves = torch.save, []

    def die_halfway_through_the_second(state, path):
        saves.append(path)
        if len(saves) == 2:
            open(path, "wb").write(b"PK\x03\x04 half a checkpoint")
            raise OSError("No space left on device")
        real_save(state, path)

    monkeypatch.setattr(torch, "save", die_halfway_through_the_second)
    with pytest.raises(OSError, match="No space left"):  # from the second save, not any other
        train(quick_config(mnist_root, tmp_path, epochs=2))
    assert len(torch.load(tmp_path / "checkpoint.pt", weights_only=True)["history"]) == 1


def test_validation_scores_a_kind_repeated_for_weight_once(monkeypatch):
    """--noise-kinds gaussian dropout dropout samples dropout twice as often; validation still draws it once."""
    drawn = []
    real_sample = train_module.sample_noise_field
    monkeypatch.setattr(train_module, "sample_noise_field", lambda shape, kind, generator: drawn.append(kind)
                        or real_sample(shape, kind, generator))
    config = recipe_config("default", noise_kinds=("gaussian", "dropout", "dropout"), width=8)
    scores = train_module.validate(torch.nn.Identity(), torch.rand(4, 1, 28, 28), config, torch.device("cpu"))
    assert drawn == ["gaussian", "gaussian", "gaussian", "dropout"]
    assert list(scores) == ["gaussian@0.1", "gaussian@0.4", "gaussian@0.8", "dropout@0.4"]


def test_elastic_augmentation_trains(mnist_root, tmp_path):
    _, history = train(quick_config(mnist_root, tmp_path, epochs=3, elastic_probability=0.5))
    assert history[-1]["loss"] < history[0]["loss"]


def test_a_damaged_checkpoint_is_refused_with_what_to_do(mnist_root, tmp_path):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "checkpoint.pt").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(ValueError, match=r"checkpoint.pt cannot be read .*delete it to start afresh"):
        train(quick_config(mnist_root, tmp_path, epochs=1))


def test_missing_data_names_the_folder_and_a_failed_download_does_not_suggest_downloading(tmp_path, monkeypatch):
    from denoiser import data

    with pytest.raises(FileNotFoundError, match=r"MNIST not found under .*pass --download"):
        data.load_mnist(tmp_path, train=True)

    def offline(*args, **kwargs):  # what torchvision raises when no mirror answers
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz")

    monkeypatch.setattr(data.datasets, "MNIST", offline)
    with pytest.raises(FileNotFoundError, match=r"could not be downloaded .*is there internet here") as caught:
        data.load_mnist(tmp_path, train=True, download=True)
    assert "pass --download" not in str(caught.value)


def run_command(argv) -> str:
    """`python -m denoiser.train ARGV` in-process: the message it exits with (what the terminal shows last)."""
    with pytest.raises(SystemExit) as exit_:
        train_module.main(argv)
    return str(exit_.value.code)


def test_the_command_line_prints_a_refusal_as_one_message_not_a_traceback(tmp_path):
    printed = run_command(["--data-root", str(tmp_path / "nothing"), "--out-dir", str(tmp_path / "run")])
    assert printed.startswith("error: MNIST not found under") and "Traceback" not in printed


def test_an_interrupted_command_says_how_to_resume(mnist_root, tmp_path, monkeypatch):
    calls = []

    def interrupt_in_second_epoch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C
        return real_validate(*args, **kwargs)

    real_validate = train_module.validate
    monkeypatch.setattr(train_module, "validate", interrupt_in_second_epoch)
    argv = ["--data-root", str(mnist_root), "--out-dir", str(tmp_path / "run"), "--epochs", "3", "--width", "8",
            "--batch-size", "32", "--val-fraction", "0.25"]
    printed = run_command(argv)
    assert f"interrupted: {tmp_path / 'run' / 'checkpoint.pt'} holds the epochs finished so far" in printed
    assert "run the same command again to resume" in printed


def test_a_command_interrupted_before_its_first_epoch_leaves_no_empty_run_folder(mnist_root, tmp_path, monkeypatch):
    """It said "nothing was saved" but left the run folder it had made, empty, behind."""
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt  # Ctrl-C during the first epoch

    monkeypatch.setattr(train_module, "validate", interrupt)
    argv = ["--data-root", str(mnist_root), "--out-dir", str(tmp_path / "run"), "--epochs", "3", "--width", "8",
            "--batch-size", "32", "--val-fraction", "0.25"]
    assert "interrupted before the first epoch finished: nothing was saved" in run_command(argv)
    assert not (tmp_path / "run").exists()
    (tmp_path / "run").mkdir()  # a folder the user made stays, empty or not
    run_command(argv)
    assert (tmp_path / "run").is_dir()


@pytest.mark.parametrize(("argv", "message"), [
    (["--factor-focus", "0.3", "0.5"], "needs a --factor-focus-probability above 0"),  # drawn from with probability 0
    (["--factor-focus", "0.3", "0.5", "--factor-focus-probability", "0"], "needs a --factor-focus-probability above 0"),
    (["--factor-focus-probability", "0.5"], "needs a range to draw from"),
    (["--model", "seed", "--width", "64"], "the seed network's layers are fixed"),
    # the seed recipe damages its digits once, before training, and never augments them
    (["--model", "seed", "--augment-probability", "0.5"], "the seed recipe trains on one fixed noisy copy"),
    (["--model", "seed", "--elastic-probability", "0.5"], "the seed recipe trains on one fixed noisy copy"),
])
def test_flags_that_would_change_nothing_are_refused_instead_of_recorded(argv, message, capsys):
    with pytest.raises(SystemExit):
        train_module.parse_args(argv)
    assert message in capsys.readouterr().err
