"""On a CUDA machine: the shipped models load there by default, agree with the CPU, and how fast one digit is.

    python -m benchmarks.gpu_check [--data-root ../shared/data]
For each model: the largest difference between GPU and CPU outputs on the test digits at gaussian
0.4, the test PSNR both ways, one pass of the demo's path (noise, denoise, feature maps) on the GPU,
and single-digit GPU latency (median and p90 of 500 synchronised passes, as bench_inference times them). Exits with a message on a
machine without CUDA.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
import torch

import denoiser
from denoiser.data import load_mnist
from denoiser.features import feature_grids
from denoiser.metrics import psnr
from denoiser.model import denoise_all
from denoiser.pipeline import denoise_digit
from denoiser.weights import MODEL_NAMES

from .bench_inference import latencies_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default="../shared/data")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device here: this check needs a GPU")
    test = load_mnist(args.data_root, train=False)  # (N, 1, 28, 28)
    noisy = denoiser.add_noise(test, 0.4, generator=torch.Generator().manual_seed(0))
    print(torch.cuda.get_device_name(), "· torch", torch.__version__)
    for name in MODEL_NAMES:
        on_gpu_model, on_cpu_model = denoiser.load_model(name), denoiser.load_model(name, device="cpu")
        with torch.no_grad():
            on_gpu, on_cpu = denoise_all(on_gpu_model, noisy), denoise_all(on_cpu_model, noisy)  # (N, 1, 28, 28) on the CPU
        result = denoise_digit(test[0, 0].numpy(), 0.4, "poisson", 3, {name: on_gpu_model})
        grids = feature_grids(on_gpu_model, noisy[:1])
        times = latencies_ms(on_gpu_model, repeats=500)
        print(f"{name}: loads on {next(on_gpu_model.parameters()).device}; max |GPU - CPU| "
              f"{float((on_gpu - on_cpu).abs().max()):.1e}; test PSNR at 0.4: GPU {float(psnr(on_gpu, test).mean()):.3f}, "
              f"CPU {float(psnr(on_cpu, test).mean()):.3f} dB; demo path {result.psnr_noisy:.1f} -> "
              f"{result.psnr_reconstructed[name]:.1f} dB with {len(grids)} feature grids; one digit "
              f"median {statistics.median(times):.3f} ms, p90 {float(np.percentile(times, 90)):.3f} ms")


if __name__ == "__main__":
    main()
