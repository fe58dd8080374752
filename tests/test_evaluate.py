"""Evaluation on tiny data: every method scored, the noisy baseline right, the report written."""

import json

import numpy as np
import pytest
import torch
from conftest import make_digits, write_idx

from denoiser import UNetDenoiser
from denoiser.data import load_mnist
from denoiser.evaluate import evaluate, main
from denoiser.metrics import psnr
from denoiser.noise import add_noise
from denoiser.plots import psnr_figure
from denoiser.report import markdown_table


def test_psnr_of_an_exact_copy_is_capped_and_of_black_vs_white_is_zero():
    white = torch.ones(2, 1, 28, 28)
    assert torch.equal(psnr(white, white), torch.full((2,), 100.0))
    assert torch.allclose(psnr(torch.zeros_like(white), white), torch.zeros(2))


def test_evaluate_scores_every_method_at_every_setting(digits):
    models = {"tiny": UNetDenoiser(width=4).eval()}
    rows = evaluate(digits, models, kinds=("gaussian", "dropout"), factors=(0.0, 0.5), slow_filter_limit=4)
    methods = {row["method"] for row in rows}
    assert methods == {"noisy input", "tiny", "gaussian blur", "median filter", "non-local means", "total variation"}
    assert len(rows) == 2 * 2 * 6
    noisy_at_zero = [row for row in rows if row["method"] == "noisy input" and row["factor"] == 0.0]
    assert all(row["psnr"] == 100.0 and row["ssim"] == 1.0 for row in noisy_at_zero)
    assert {row["digits"] for row in rows if row["method"] == "total variation"} == {4}
    assert "| tiny |" in markdown_table(rows, "gaussian", "psnr")


def refused(argv, capsys) -> str:
    """`python -m denoiser.evaluate ARGV` in-process, which must refuse: what it printed (a usage error, or its last line)."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    code = exit_.value.code
    assert code not in (0, None)
    return capsys.readouterr().err + (code if isinstance(code, str) else "")


def test_evaluate_command_writes_report_and_plots(mnist_root, tmp_path):
    main(["--data-root", str(mnist_root), "--limit", "6", "--slow-filter-limit", "3", "--kinds", "gaussian", "salt_pepper",
          "--factors", "0.2", "0.6", "--out-dir", str(tmp_path)])
    report = (tmp_path / "results.md").read_text()
    assert "## gaussian" in report and "## salt_pepper" in report and "| default |" in report
    for picture in ("psnr_vs_factor.png", "examples.png"):
        assert (tmp_path / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluating_clean_digits_alone_writes_the_report_and_the_plot(mnist_root, tmp_path):
    main(["--data-root", str(mnist_root), "--limit", "3", "--slow-filter-limit", "2", "--kinds", "gaussian",
          "--factors", "0", "--out-dir", str(tmp_path)])  # the noisy input is a copy there: no point on the plot
    assert "| noisy input | 100.0 |" in (tmp_path / "results.md").read_text()
    assert (tmp_path / "psnr_vs_factor.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_plot_leaves_out_points_off_the_scale_but_keeps_the_rest_of_their_line():
    rows = [dict(kind="gaussian", method=method, factor=factor, psnr=value)
            for method, values in (("noisy input", (100.0, 11.0)), ("default", (40.0, 23.0)))
            for factor, value in zip((0.0, 0.4), values, strict=True)]
    lines = {line.get_label(): list(line.get_xdata()) for line in psnr_figure(rows).axes[0].get_lines()}
    assert lines == {"noisy input": [0.4], "default": [0.0, 0.4]}  # an exact copy (100 dB) would flatten every curve
    only_clean = [row for row in rows if row["factor"] == 0.0]
    assert [line.get_label() for line in psnr_figure(only_clean).axes[0].get_lines()] == ["default"]


@pytest.mark.parametrize("argv", [["--limit", "0"], ["--limit", "-4990"], ["--slow-filter-limit", "0"]])
def test_digit_counts_below_one_are_refused_naming_the_flag(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert f"{argv[0]} must be at least 1" in capsys.readouterr().err


@pytest.fixture
def card_copies(tmp_path, monkeypatch):
    """Copies of the shipped weight folders that `--write-cards` writes into, never the shipped cards.

    The tests run in `tmp_path` too, so that a run writing its report to the default docs/ cannot touch the committed one.
    """
    import shutil

    from denoiser.weights import WEIGHTS_DIR

    for name in ("seed", "default"):
        shutil.copytree(WEIGHTS_DIR / name, tmp_path / "weights" / name)
    monkeypatch.setattr("denoiser.card.WEIGHTS_DIR", tmp_path / "weights")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "weights"


@pytest.fixture
def six_test_digits(tmp_path):
    """A data folder whose test split is only 6 digits, so that a full evaluation is quick."""
    raw = tmp_path / "six" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for prefix, count in (("train", 8), ("t10k", 6)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", make_digits(count, seed=2))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", np.arange(count, dtype=np.uint8) % 10)
    return tmp_path / "six"


def test_cards_re_rendered_from_saved_rows_count_the_digits_those_rows_measured(six_test_digits, tmp_path, card_copies):
    common = ["--data-root", str(six_test_digits), "--slow-filter-limit", "2"]
    main([*common, "--out-dir", str(tmp_path / "measured")])  # every kind, factor and test digit
    main([*common, "--limit", "3", "--rows-from", str(tmp_path / "measured" / "results.json"), "--write-cards",
          "--out-dir", str(tmp_path / "rendered")])
    card = (card_copies / "default" / "README.md").read_text()
    assert "on 6 test digits" in card and "on 3 test digits" not in card


def test_cards_from_saved_rows_of_a_limited_run_are_refused(six_test_digits, tmp_path, card_copies, capsys):
    common = ["--data-root", str(six_test_digits), "--slow-filter-limit", "2"]
    main([*common, "--limit", "4", "--out-dir", str(tmp_path / "measured")])
    before = (card_copies / "default" / "README.md").read_text()
    refusal = refused([*common, "--rows-from", str(tmp_path / "measured" / "results.json"), "--write-cards"], capsys)
    assert "needs an evaluation on all 6 test digits" in refusal
    assert (card_copies / "default" / "README.md").read_text() == before
    assert not (tmp_path / "docs").exists()  # nor did the report go to docs/


def test_a_partial_run_leaves_the_committed_report_alone_unless_told_where_to_write(mnist_root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # docs/ and runs/ are relative to where the command runs
    main(["--data-root", str(mnist_root), "--limit", "3", "--slow-filter-limit", "2", "--kinds", "gaussian", "--factors", "0.4"])
    assert (tmp_path / "runs" / "evaluate" / "results.md").exists()
    assert not (tmp_path / "docs").exists()


@pytest.mark.parametrize("narrowing", [["--limit", "3"], ["--kinds", "gaussian"], ["--factors", "0.4"]])
def test_model_cards_are_written_only_from_a_full_evaluation(mnist_root, card_copies, narrowing, capsys):
    before = (card_copies / "default" / "README.md").read_text()
    with pytest.raises(SystemExit) as exit_:
        main(["--data-root", str(mnist_root), "--write-cards", *narrowing])
    assert exit_.value.code == 2  # a usage error, like a bad flag's
    assert f"but {narrowing[0]} narrows this run" in capsys.readouterr().err
    assert (card_copies / "default" / "README.md").read_text() == before


def test_cards_from_saved_rows_that_lack_a_model_are_refused_before_any_card_is_written(mnist_root, tmp_path,
                                                                                          card_copies, capsys):
    common = ["--data-root", str(mnist_root), "--slow-filter-limit", "2", "--limit", "3"]
    main([*common, "--models", "seed", "--out-dir", str(tmp_path / "measured")])
    cards = {name: (card_copies / name / "README.md").read_text() for name in ("seed", "default")}
    refusal = refused([*common, "--rows-from", str(tmp_path / "measured" / "results.json"), "--write-cards",
                       "--out-dir", str(tmp_path / "rendered")], capsys)
    assert "has no rows for default@gaussian:0.0" in refusal
    assert {name: (card_copies / name / "README.md").read_text() for name in cards} == cards  # the seed card too


def test_psnr_of_a_half_precision_copy_is_the_cap_not_infinity():
    half = torch.rand(2, 1, 28, 28).half()
    assert torch.equal(psnr(half, half), torch.full((2,), 100.0))


QUICK = ["--limit", "3", "--slow-filter-limit", "2", "--kinds", "gaussian", "--factors", "0.4"]


def test_the_command_line_prints_a_failure_as_one_message_not_a_traceback(tmp_path, capsys):
    refusal = refused(["--data-root", str(tmp_path / "nothing"), *QUICK, "--out-dir", str(tmp_path / "out")], capsys)
    assert refusal.startswith("error: MNIST not found under") and "Traceback" not in refusal


def test_a_report_folder_that_is_a_file_is_refused_naming_it(mnist_root, tmp_path, capsys):
    (tmp_path / "taken").write_text("a file")
    refusal = refused(["--data-root", str(mnist_root), *QUICK, "--out-dir", str(tmp_path / "taken")], capsys)
    assert refusal.startswith(f"error: cannot write the report to {tmp_path / 'taken'}")


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot be read"),
    ("not json {", "is not JSON"),
    ('{"rows": []}', 'it needs a "command" and "rows" with kind, method, factor'),
    ('{"command": "x", "rows": [{"kind": "gaussian"}]}', 'it needs a "command" and "rows"'),
    ('{"command": "x", "rows": [{"kind": "gaussian", "method": "seed", "factor": 0.4, "digits": 5, "psnr": "n/a", '
     '"ssim": 0.5}]}', "the rest as numbers"),
])
def test_saved_rows_that_are_not_an_evaluations_are_refused_saying_why(mnist_root, tmp_path, content, message, capsys):
    saved = tmp_path / "results.json"
    if content is not None:
        saved.write_text(content)
    refusal = refused(["--data-root", str(mnist_root), "--rows-from", str(saved), "--out-dir", str(tmp_path / "out")], capsys)
    assert refusal.startswith(f"error: --rows-from {saved} ") and message in refusal


def test_a_folder_a_training_run_wrote_is_evaluated_beside_the_shipped_models(mnist_root, tmp_path, capsys):
    from denoiser.recipes import recipe_config
    from denoiser.train import train

    run = tmp_path / "run"
    trained, _ = train(recipe_config("default", data_root=str(mnist_root), out_dir=str(run), epochs=1, width=8, limit=64))
    main(["--data-root", str(mnist_root), *QUICK, "--factors", "0.4", "0.4", "--models", "seed", str(run),
          "--out-dir", str(tmp_path / "out")])
    rows = json.loads((tmp_path / "out" / "results.json").read_text())["rows"]
    scored = {row["method"]: row["psnr"] for row in rows}
    assert {"seed", str(run)} <= set(scored) and len(rows) == len(scored)  # the factor given twice is scored once
    noisy = add_noise(load_mnist(mnist_root, train=False)[:3], 0.4, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = psnr(trained.eval()(noisy).clamp(0, 1), load_mnist(mnist_root, train=False)[:3]).mean()
    assert scored[str(run)] == pytest.approx(float(expected), abs=1e-3)  # that folder's network, not a shipped one
    refusal = refused(["--data-root", str(mnist_root), "--models", str(run), "--write-cards"], capsys)
    assert f"{run} is not one of them" in refusal
    assert "neither a shipped model" in refused(["--models", str(tmp_path / "no-such-run")], capsys)


def test_a_damaged_model_folder_is_refused_with_the_loaders_message(mnist_root, tmp_path, capsys):
    (tmp_path / "broken").mkdir()
    refusal = refused(["--data-root", str(mnist_root), *QUICK, "--models", str(tmp_path / "broken"),
                       "--out-dir", str(tmp_path / "out")], capsys)
    assert refusal.startswith(f"error: {tmp_path / 'broken' / 'config.json'} is missing")


def test_the_plot_names_the_digit_count_of_methods_scored_on_fewer_digits():
    rows = [dict(kind="gaussian", method=method, factor=0.4, psnr=20.0, digits=digits)
            for method, digits in (("default", 5000), ("non-local means", 500))]
    labels = [line.get_label() for line in psnr_figure(rows).axes[0].get_lines()]
    assert labels == ["default", "non-local means (500 digits)"]
