"""Round-trip latency of the app's /denoise API: sequential, then 8 concurrent clients.

    python -m benchmarks.bench_api [--requests 100] [--clients 8]
Starts `python app.py` on a free port (or uses --url), then prints p50/p95 in ms and the number of
requests served and failed. Each round trip uploads a drawing and downloads the three images.
"""

from __future__ import annotations

import argparse
import contextlib

from benchmarks.api_calls import hammer
from tests.app_server import running_app


def report(label: str, outcome) -> None:
    print(f"| {label} | {len(outcome.latencies_ms)} | {len(outcome.failures)} | "
          f"{outcome.percentile(0.5):.0f} | {outcome.percentile(0.95):.0f} |")
    for failure in sorted(set(outcome.failures))[:5]:
        print(f"  failure: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already running (default: start one)")
    parser.add_argument("--requests", type=int, default=100, help="requests sequentially, and per concurrent client / 4")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with (contextlib.nullcontext(args.url) if args.url else running_app()) as url:
        hammer(url, clients=1, requests_per_client=5)  # warm-up
        print("| run | served | failed | p50 ms | p95 ms |\n|---|---|---|---|---|")
        report("sequential", hammer(url, clients=1, requests_per_client=args.requests))
        per_client = max(1, args.requests // 4)
        concurrent = hammer(url, clients=args.clients, requests_per_client=per_client)
        report(f"{args.clients} concurrent clients x {per_client}", concurrent)


if __name__ == "__main__":
    main()
