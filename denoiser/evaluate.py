"""Measure the denoisers: `python -m denoiser.evaluate --data-root DIR`.

For each noise kind and factor: mean per-image PSNR (peak 1.0) and SSIM of the noisy input, the
`seed` and `default` models (or any folder a training run wrote) and the classical filters, on the test split. Noise comes from
`add_noise` with a fixed seed; outputs are clamped to [0, 1]. Writes `docs/results.md` with the
tables, a PSNR-against-factor plot and a grid of example digits.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from .card import write_card
from .data import load_mnist
from .filters import CLASSICAL_FILTERS, apply_filter
from .metrics import psnr, ssim
from .model import denoise_all
from .noise import NOISE_KINDS, add_noise
from .plots import plot_examples, plot_psnr_curves
from .report import markdown_table, model_table, write_report
from .weights import MODEL_NAMES, WeightsError, load_for_inference, load_model

FACTORS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)
REPORT_DIR = "docs"  # the committed report; only a full run writes it by default
PARTIAL_RUN_DIR = "runs/evaluate"  # untracked (.gitignore): where a --limit or --kinds run goes unless told
SLOW_FILTERS = ("non-local means", "total variation")  # milliseconds per digit: run on a subset


def evaluate(
    clean: torch.Tensor, models: dict[str, torch.nn.Module], kinds=NOISE_KINDS, factors=FACTORS,
    filters=tuple(CLASSICAL_FILTERS), slow_filter_limit: int | None = 1000, seed: int = 0,
) -> list[dict]:
    """Rows of {kind, factor, method, psnr, ssim, digits} for every method on `clean` `(N, 1, 28, 28)`."""
    rows = []
    for kind in kinds:
        for factor in factors:
            noisy = add_noise(clean, factor, kind, torch.Generator().manual_seed(seed))
            outputs = {"noisy input": noisy, **{name: denoise_all(model, noisy) for name, model in models.items()}}
            for name in filters:
                count = slow_filter_limit if name in SLOW_FILTERS else None
                filtered = apply_filter(name, noisy[:count].squeeze(1).double().numpy())
                outputs[name] = torch.from_numpy(filtered).float().unsqueeze(1)
            for method, estimate in outputs.items():
                reference = clean[: len(estimate)]
                rows.append({
                    "kind": kind, "factor": factor, "method": method, "digits": len(estimate),
                    "psnr": float(psnr(estimate, reference).mean()), "ssim": float(ssim(estimate, reference).mean()),
                })
    return rows


def unscored(rows: list[dict], models: list[str]) -> list[str]:
    """The `model@kind:factor` settings of the full evaluation of `models` that `rows` hold no score for."""
    scored = {(row["method"], row["kind"], row["factor"]) for row in rows}
    return [f"{model}@{kind}:{factor}" for model in models for kind in NOISE_KINDS for factor in FACTORS
            if (model, kind, factor) not in scored]


def _narrowing(args: argparse.Namespace, saved_rows: list[dict] | None, test_count: int) -> tuple[list[str], str]:
    """What keeps this evaluation from being the full one, and why it may not rewrite the model cards ("" if it may).

    A narrowed run does not replace the committed report by default; a card shows the full tables of its model.
    """
    if saved_rows:
        measured = max(row["digits"] for row in saved_rows)
        missing = unscored(saved_rows, args.models)
        problem = ""
        if missing:
            problem = (f"needs every kind and factor for each model, but {args.rows_from} has no rows for "
                       f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}")
        elif measured < test_count:
            problem = f"needs an evaluation on all {test_count} test digits, but {args.rows_from} measured {measured}"
        return unscored(saved_rows, MODEL_NAMES) + (["--limit"] if measured < test_count else []), problem
    narrowed = [flag for flag, full in (("--kinds", set(args.kinds) == set(NOISE_KINDS)),
                                        ("--factors", set(args.factors) == set(FACTORS)),
                                        ("--models", set(args.models) == set(MODEL_NAMES)),
                                        ("--limit", args.limit is None)) if not full]
    narrowing = [flag for flag in narrowed if flag != "--models"]  # a card per named model is still whole
    verb = "narrows" if len(narrowing) == 1 else "narrow"
    problem = (f"needs every kind and factor on all test digits, but {', '.join(narrowing)} {verb} this run: "
               "the model cards would show partial tables" if narrowing else "")
    return narrowed, problem


RESULT_TYPES = {"kind": str, "method": str, "factor": (int, float), "digits": int, "psnr": (int, float),
                "ssim": (int, float)}  # one row of `evaluate`


class EvaluationError(Exception):
    """A run that cannot go ahead as asked (bad saved rows, a report folder that cannot be written): said in one line."""


class CardsRefused(EvaluationError):
    """--write-cards on an evaluation that is not the full one: a usage error, like the flags' own."""


def read_saved_rows(path: str | Path) -> dict:
    """An earlier run's results.json, `{"command": str, "rows": [row, ...]}`, or an EvaluationError saying what is wrong."""
    try:
        saved = json.loads(Path(path).read_text())
    except OSError as error:
        raise EvaluationError(f"--rows-from {path} cannot be read ({error.strerror or error})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise EvaluationError(f"--rows-from {path} is not JSON ({error})") from None
    rows = saved.get("rows") if isinstance(saved, dict) else None
    if not (isinstance(saved, dict) and isinstance(saved.get("command"), str) and isinstance(rows, list) and rows
            and all(isinstance(row, dict) and all(isinstance(row.get(key), kind) and not isinstance(row.get(key), bool)
                                                  for key, kind in RESULT_TYPES.items()) for row in rows)):
        raise EvaluationError(f"--rows-from {path} is not a results.json of this command: it needs a \"command\" and "
                              f"\"rows\" with {', '.join(RESULT_TYPES)} (names as text, the rest as numbers)")
    return saved


def load_evaluated(model: str) -> torch.nn.Module:
    """A shipped model by name (`weights/<name>/`), or any folder `denoiser.train` saved, such as runs/default."""
    return load_model(model) if model in MODEL_NAMES else load_for_inference(model)


def build_parser() -> argparse.ArgumentParser:
    """The command line of `python -m denoiser.evaluate`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="../shared/data", help="folder holding MNIST/raw (torchvision layout)")
    parser.add_argument("--download", action="store_true", help="download MNIST (needs internet)")
    parser.add_argument("--limit", type=int, help="use the first N test digits only")
    parser.add_argument("--slow-filter-limit", type=int, default=1000, help="digits for non-local means and TV")
    parser.add_argument("--kinds", nargs="+", default=list(NOISE_KINDS), choices=NOISE_KINDS)
    parser.add_argument("--factors", nargs="+", type=float, default=list(FACTORS))
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), metavar="MODEL",
                        help=f"shipped models ({', '.join(MODEL_NAMES)}) or folders a training run wrote (runs/default)")
    parser.add_argument("--out-dir", help=f"where results.md, the plots and results.json go (default: {REPORT_DIR} for a "
                                          f"full run, {PARTIAL_RUN_DIR} for a partial one, which must not replace the report)")
    parser.add_argument("--write-cards", action="store_true", help="also rewrite weights/<model>/README.md (full runs only)")
    parser.add_argument("--rows-from", help="re-render report and cards from a saved results.json, scoring nothing "
                                            "again (the example grid is still drawn from the test digits)")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The checked command line; impossible values are refused before any data or model is loaded."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not all(0 <= factor <= 1 for factor in args.factors):
        parser.error(f"--factors must all be in [0, 1], got {args.factors}")
    args.factors = list(dict.fromkeys(args.factors))  # a factor given twice is measured once
    args.models = list(dict.fromkeys(args.models))
    for flag, value in (("--limit", args.limit), ("--slow-filter-limit", args.slow_filter_limit)):
        if value is not None and value < 1:
            parser.error(f"{flag} must be at least 1, got {value}")
    for model in args.models:
        if model not in MODEL_NAMES and not Path(model).is_dir():
            parser.error(f"--models: {model} is neither a shipped model ({', '.join(MODEL_NAMES)}) nor a folder")
        if args.write_cards and model not in MODEL_NAMES:
            parser.error(f"--write-cards rewrites the shipped models' cards; {model} is not one of them")
    return args


def run(args: argparse.Namespace, command: str) -> None:
    """Score (or re-render `--rows-from`), write the report and plots, and the cards if asked."""
    test_digits = load_mnist(args.data_root, train=False, download=args.download)
    saved = read_saved_rows(args.rows_from) if args.rows_from else None
    if saved:
        args.kinds = list(dict.fromkeys(row["kind"] for row in saved["rows"]))  # the saved kinds, not the default five
    narrowed, card_problem = _narrowing(args, saved and saved["rows"], len(test_digits))
    if args.write_cards and card_problem:
        raise CardsRefused(f"--write-cards {card_problem}")
    out_dir = Path(args.out_dir or (PARTIAL_RUN_DIR if narrowed else REPORT_DIR))

    clean = test_digits[: args.limit]
    models = {name: load_evaluated(name) for name in args.models}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise EvaluationError(f"cannot write the report to {out_dir}: {error}") from None
    if saved:
        rows, command = saved["rows"], saved["command"]
    else:
        rows = evaluate(clean, models, args.kinds, args.factors, slow_filter_limit=args.slow_filter_limit)
        (out_dir / "results.json").write_text(json.dumps({"command": command, "rows": rows}, indent=1) + "\n")
    plot_psnr_curves(rows, out_dir / "psnr_vs_factor.png")
    plot_examples(clean[:6], models, args.kinds, out_dir / "examples.png")
    report = write_report(rows, out_dir, "examples.png", "psnr_vs_factor.png", command.strip())
    for kind in args.kinds:
        print(f"\n{kind}: PSNR (dB)\n{markdown_table(rows, kind, 'psnr')}\n{kind}: SSIM\n{markdown_table(rows, kind, 'ssim')}")
    print(f"\nwrote {report}")
    if args.write_cards:
        digits = max(row["digits"] for row in rows)  # of the measurement, also when re-rendering saved rows
        for name in args.models:
            tables = (
                f"Mean per-image PSNR in dB (noisy input in brackets) on {digits} test digits, by noise kind and factor; "
                f"measured with `{command.strip()}`:\n\n{model_table(rows, name)}\n\nSSIM (noisy input in brackets):\n\n"
                f"{model_table(rows, name, 'ssim')}"
            )
            print(f"wrote {write_card(name, tables)}")


def main(argv: list[str] | None = None) -> None:
    """The command line: a refusal or a failure prints its message alone (call `run` for a traceback)."""
    args = parse_args(argv)
    command = "python -m denoiser.evaluate " + " ".join(argv if argv is not None else sys.argv[1:])
    try:
        run(args, command)
    except CardsRefused as error:
        build_parser().error(str(error))  # usage and exit status 2, as before the data was read
    except (EvaluationError, FileNotFoundError, WeightsError) as error:  # no MNIST there, or damaged weights
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
