"""Model cards give a command that really reproduces the weights, stage by stage."""

import dataclasses

import pytest

from denoiser.card import _command, _held_out_sentence, _summary, _validation_summary
from denoiser.train import build_parser, parse_args

WHERE_AND_HOW_IT_RUNS = {"model", "data_root", "download", "out_dir", "init_from", "device"}  # not part of a recipe
EVERY_RECIPE_FLAG = [  # each set away from its default
    "--epochs", "7", "--batch-size", "64", "--lr", "0.002", "--width", "24", "--augment-probability", "0.2",
    "--elastic-probability", "0.3", "--factor-focus", "0.3", "0.5", "--factor-focus-probability", "0.4",
    "--noise-kinds", "gaussian", "dropout", "--val-fraction", "0.2", "--limit", "500", "--seed", "3",
    "--split-seed", "4", "--cpu-bf16",
]


def _stage(**settings) -> dict:
    return {"epochs": 100, "lr": 0.01, "augment_probability": 0.5, "width": 32, **settings}


def test_a_three_stage_recipe_chains_each_stage_into_the_next():
    first = _stage()
    second = _stage(epochs=30, lr=0.003, fine_tuned_from=first)
    third = _stage(epochs=15, lr=0.001, noise_kinds=["gaussian", "gaussian", "dropout"], fine_tuned_from=second)
    commands = _command("default", third).split(" && ")
    assert len(commands) == 3
    assert commands[0].endswith("--out-dir runs/stage1") and "--init-from" not in commands[0]
    assert "--init-from runs/stage1 --out-dir runs/stage2" in commands[1]
    assert commands[2].endswith("--init-from runs/stage2")  # the last stage writes weights/default
    # every command parses back to the settings it was written from
    parsed = [parse_args(command.split()[3:]) for command in commands]
    assert [(c.epochs, c.lr) for c in parsed] == [(100, 0.01), (30, 0.003), (15, 0.001)]
    assert parsed[2].noise_kinds == ("gaussian", "gaussian", "dropout") and parsed[2].init_from == "runs/stage2"


def test_the_seed_recipe_is_one_plain_command():
    assert _command("seed", {"epochs": 100}) == "python -m denoiser.train --model seed --data-root ../shared/data"


def test_switches_and_width_survive_the_round_trip():
    first = _stage(width=40, cpu_bf16=True)
    second = _stage(epochs=15, lr=0.001, width=40, cpu_bf16=False, fine_tuned_from=first)
    commands = _command("default", second).split(" && ")
    parsed = [parse_args(command.split()[3:]) for command in commands]
    assert [(c.width, c.cpu_bf16) for c in parsed] == [(40, True), (40, False)]


def test_elastic_augmentation_is_carried_into_the_command():
    commands = _command("default", _stage(elastic_probability=0.5, augment_probability=0.1)).split(" && ")
    parsed = parse_args(commands[0].split()[3:])
    assert (parsed.elastic_probability, parsed.augment_probability) == (0.5, 0.1)


def test_a_refit_stage_keeps_holding_out_nothing_and_says_so():
    first = _stage(epochs=300)
    refit = _stage(epochs=30, lr=0.001, val_fraction=0.0, fine_tuned_from=first)
    commands = _command("default", refit).split(" && ")
    parsed = [parse_args(command.split()[3:]) for command in commands]
    assert [c.val_fraction for c in parsed] == [0.1, 0.0] and "--val-fraction" not in commands[0]
    assert "no validation" in _held_out_sentence(refit) and "10%" in _held_out_sentence(first)


def test_the_last_epoch_line_of_a_refit_says_there_was_no_validation():
    assert _validation_summary({}) == "no validation PSNR (nothing was held out)."
    assert _validation_summary({"gaussian@0.4": 22.961}) == "validation PSNR gaussian@0.4 22.96 dB."


def test_every_recipe_flag_of_the_training_command_survives_the_card():
    recipe_dests = {action.dest for action in build_parser()._actions if action.dest != "help"} - WHERE_AND_HOW_IT_RUNS
    recorded = dataclasses.asdict(parse_args(EVERY_RECIPE_FLAG))
    set_here = {key for key, value in recorded.items() if value != getattr(parse_args([]), key)}
    assert recipe_dests <= set_here, f"add {sorted(recipe_dests - set_here)} to EVERY_RECIPE_FLAG"
    command = _command("default", recorded)
    assert dataclasses.asdict(parse_args(command.split()[3:])) == {**recorded, "data_root": "../shared/data"}


@pytest.mark.parametrize("argv", [
    ["--val-fraction", "1"], ["--augment-probability", "1.5"], ["--factor-focus", "0.5", "1.5"],
    ["--factor-focus", "0.6", "0.4"], ["--epochs", "0"], ["--lr", "-1"], ["--device", "gpu"],
    ["--seed", str(2**32)], ["--seed", "-1"], ["--split-seed", str(2**32)],  # torch keeps 32 bits: 2**32 is seed 0
])
def test_impossible_training_settings_are_refused_before_any_data_is_read(argv, capsys):
    with pytest.raises(SystemExit):
        parse_args(argv)
    assert argv[0] in capsys.readouterr().err


def test_the_training_help_says_what_a_flag_left_out_takes_for_each_model(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "seed: 100 epochs, adadelta at lr 1.0" in text and "default: 100 epochs, adam at lr 0.01" in text


def test_the_cards_summary_counts_the_network_its_config_describes():
    from denoiser import UNetDenoiser

    wider = _summary("default", {"architecture": "UNetDenoiser", "width": 40, "batch_norm": True})
    parameters = sum(p.numel() for p in UNetDenoiser(width=40).parameters())
    assert "40/80/160 channels" in wider and f"{parameters:,} parameters" in wider
    assert "4,385 parameters" in _summary("seed", {"architecture": "SeedAutoencoder"})
