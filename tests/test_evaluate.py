"""Evaluation on tiny data: every method scored, the noisy baseline right, the report written."""

import numpy as np
import pytest
import torch
from conftest import make_digits, write_idx

from denoiser import UNetDenoiser
from denoiser.evaluate import evaluate, main
from denoiser.metrics import psnr
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
    with pytest.raises(SystemExit):
        main([*common, "--rows-from", str(tmp_path / "measured" / "results.json"), "--write-cards"])
    assert "needs an evaluation on all 6 test digits" in capsys.readouterr().err
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
    with pytest.raises(SystemExit):
        main(["--data-root", str(mnist_root), "--write-cards", *narrowing])
    assert f"but {narrowing[0]} narrows this run" in capsys.readouterr().err
    assert (card_copies / "default" / "README.md").read_text() == before


def test_cards_from_saved_rows_that_lack_a_model_are_refused_before_any_card_is_written(mnist_root, tmp_path,
                                                                                          card_copies, capsys):
    common = ["--data-root", str(mnist_root), "--slow-filter-limit", "2", "--limit", "3"]
    main([*common, "--models", "seed", "--out-dir", str(tmp_path / "measured")])
    cards = {name: (card_copies / name / "README.md").read_text() for name in ("seed", "default")}
    with pytest.raises(SystemExit):
        main([*common, "--rows-from", str(tmp_path / "measured" / "results.json"), "--write-cards",
              "--out-dir", str(tmp_path / "rendered")])
    assert "has no rows for default@gaussian:0.0" in capsys.readouterr().err
    assert {name: (card_copies / name / "README.md").read_text() for name in cards} == cards  # the seed card too


def test_psnr_of_a_half_precision_copy_is_the_cap_not_infinity():
    half = torch.rand(2, 1, 28, 28).half()
    assert torch.equal(psnr(half, half), torch.full((2,), 100.0))
