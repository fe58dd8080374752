"""Single-image CPU latency of the shipped models, as the live demo calls them.

    python -m benchmarks.bench_inference [--repeats 2000] [--threads 1 2]
Prints median and p90 in milliseconds per model and thread count. Run it on an otherwise idle
machine: this measures wall time, so anything else running inflates it.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from denoiser import load_model


def latencies_ms(model: torch.nn.Module, repeats: int) -> list[float]:
    """Wall times of `repeats` forward passes on one `(1, 1, 28, 28)` digit, after a warm-up.

    The digit goes to the model's device; on CUDA each pass is synchronised, so it is timed whole.
    """
    device = next(model.parameters()).device
    x = torch.rand(1, 1, 28, 28, device=device)
    finish = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    times = []
    with torch.inference_mode():
        for _ in range(50):
            model(x)
        finish()
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            finish()
            times.append((time.perf_counter() - start) * 1e3)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    if args.repeats < 1 or min(args.threads) < 1:
        parser.error(f"--repeats and --threads must be at least 1, got {args.repeats} and {args.threads}")
    print("| model | threads | median ms | p90 ms |\n|---|---|---|---|")
    for name in ("seed", "default"):
        model = load_model(name, device="cpu")
        for threads in args.threads:
            torch.set_num_threads(threads)
            times = sorted(latencies_ms(model, args.repeats))
            print(f"| {name} | {threads} | {statistics.median(times):.3f} | {times[int(0.9 * len(times))]:.3f} |")


if __name__ == "__main__":
    main()
