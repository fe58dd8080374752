"""Shared by the API benchmarks: timed /denoise calls from many clients, and the server's memory."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from gradio_client import Client, handle_file

EXAMPLES = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "examples").glob("*.png"))


@dataclass
class Outcome:
    """Latencies (ms) of served calls and the error text of failed ones."""

    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def call_denoise(client: Client, rng: random.Random) -> None:
    """One /denoise request: a random example drawing, noise level, kind and seed (a slider move)."""
    client.predict(
        handle_file(rng.choice(EXAMPLES)), round(rng.random(), 2), rng.choice(["gaussian", "salt_pepper", "speckle"]),
        rng.randint(0, 9), api_name="/denoise",
    )


def hammer(url: str, clients: int, requests_per_client: int | None = None, duration_s: float | None = None,
           seed: int = 0) -> Outcome:
    """`clients` threads, each with its own Client, calling /denoise back to back until either limit."""
    outcome, lock = Outcome(), threading.Lock()
    deadline = time.monotonic() + duration_s if duration_s else None

    def worker(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        client = Client(url, verbose=False)  # one per thread: a shared Client can cancel calls
        done = 0
        while (requests_per_client is None or done < requests_per_client) and (deadline is None or time.monotonic() < deadline):
            start = time.perf_counter()
            try:
                call_denoise(client, rng)
                with lock:
                    outcome.latencies_ms.append((time.perf_counter() - start) * 1e3)
            except Exception as error:  # every failure counts, whatever its kind
                with lock:
                    outcome.failures.append(f"{type(error).__name__}: {error}")
            done += 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, range(clients)))
    return outcome


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of process `pid` in MB, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
