"""Load test: many clients for a while, then memory over thousands of requests.

    python -m benchmarks.load_test [--clients 16] [--duration 60] [--soak 2000]
Starts `python app.py` on a free port, runs `--clients` concurrent clients calling /denoise
(random drawings, noise levels, kinds and seeds) for `--duration` seconds, and reports requests
served and failed, p50/p95 latency and the server's peak memory. Then sends `--soak` more requests
and prints the server's memory every 500, to show it stays flat. Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse

from benchmarks.api_calls import hammer, rss_mb
from tests.app_server import running_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--soak", type=int, default=2000, help="requests for the memory check (0 to skip)")
    args = parser.parse_args()
    with running_app() as url:
        import tests.app_server as server
        pid = server.last_pid
        hammer(url, clients=1, requests_per_client=5)
        print(f"server memory after warm-up: {rss_mb(pid)[0]:.0f} MB")
        outcome = hammer(url, clients=args.clients, duration_s=args.duration)
        current, peak = rss_mb(pid)
        print(f"{args.clients} clients for {args.duration:.0f} s: served {len(outcome.latencies_ms)}, "
              f"failed {len(outcome.failures)}, p50 {outcome.percentile(0.5):.0f} ms, p95 {outcome.percentile(0.95):.0f} ms, "
              f"server memory {current:.0f} MB (peak {peak:.0f} MB)")
        for failure in sorted(set(outcome.failures))[:5]:
            print(f"  failure: {failure}")
        sent = 0
        while sent < args.soak:
            batch = hammer(url, clients=4, requests_per_client=125, seed=sent)
            sent += 500
            print(f"after {sent} more requests ({len(batch.failures)} failed): server memory {rss_mb(pid)[0]:.0f} MB")


if __name__ == "__main__":
    main()
