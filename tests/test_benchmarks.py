"""The long benchmark sweeps refuse a mistyped choice before they start, instead of failing hours in."""

import pytest

from benchmarks import bench_inference, compare_designs, seed_spread


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
