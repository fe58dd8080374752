"""The evaluation as Markdown: tables per noise kind and per model, and `docs/results.md` around them."""

from __future__ import annotations

from pathlib import Path

from .metrics import PSNR_CAP_DB


def markdown_table(rows: list[dict], kind: str, metric: str) -> str:
    """One table: methods down, factors across, `metric` ("psnr" or "ssim") in the cells."""
    selected = [row for row in rows if row["kind"] == kind]
    factors = sorted({row["factor"] for row in selected})
    methods = list(dict.fromkeys(row["method"] for row in selected))
    cell = {(row["method"], row["factor"]): row for row in selected}
    lines = [
        "| method | " + " | ".join(f"{f:g}" for f in factors) + " |",
        "|---|" + "---|" * len(factors),
    ]
    for method in methods:
        digits = cell[(method, factors[0])]["digits"]
        label = method if digits == max(row["digits"] for row in selected) else f"{method} ({digits} digits)"
        values = [cell[(method, f)][metric] for f in factors]
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" if metric == "ssim" else f"{v:.1f}" for v in values) + " |")
    return "\n".join(lines)


def model_table(rows: list[dict], method: str, metric: str = "psnr") -> str:
    """Kinds down, factors across: `method`'s `metric`, with the noisy input's beside it in brackets."""
    kinds = list(dict.fromkeys(row["kind"] for row in rows))
    factors = sorted({row["factor"] for row in rows})
    cell = {(row["method"], row["kind"], row["factor"]): row[metric] for row in rows}
    lines = ["| kind | " + " | ".join(f"{f:g}" for f in factors) + " |", "|---|" + "---|" * len(factors)]
    for kind in kinds:
        fmt = (lambda v: f"{v:.1f}") if metric == "psnr" else (lambda v: f"{v:.3f}")
        values = [f"{fmt(cell[(method, kind, f)])} ({fmt(cell[('noisy input', kind, f)])})" for f in factors]
        lines.append(f"| {kind} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def write_report(rows: list[dict], out_dir: Path, examples_png: str, curves_png: str, command: str) -> Path:
    """`docs/results.md`: how it was measured, then PSNR and SSIM tables per noise kind, and the plots."""
    digits = max(row["digits"] for row in rows)
    parts = [
        "# Results\n",
        f"Measured with `{command}` on {digits} test digits. Mean per-image PSNR (dB, peak 1.0) and SSIM "
        "(scikit-image); noise from `denoiser.add_noise` with a fixed seed; outputs clamped to [0, 1]; an exact copy "
        f"(the noisy input at factor 0, except Poisson's, which keeps a faint floor of noise) reads {PSNR_CAP_DB:.0f} dB, "
        "the cap that keeps averages finite. "
        "Non-local means and total variation take milliseconds per digit, so they run on the first digits only "
        "(the count is given beside them).\n",
        f"![PSNR against noise factor]({curves_png})\n",
        f"![Example digits]({examples_png})\n",
    ]
    for kind in dict.fromkeys(row["kind"] for row in rows):
        parts += [f"## {kind}\n", "PSNR (dB)\n", markdown_table(rows, kind, "psnr") + "\n",
                  "SSIM\n", markdown_table(rows, kind, "ssim") + "\n"]
    path = out_dir / "results.md"
    path.write_text("\n".join(parts))
    return path
