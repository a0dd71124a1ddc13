"""Throughput and latency of `nerkit serve` on loopback: no micro-batching, batching that waits up to
5 ms for a batch to fill (the old default), and greedy batching (the default: take what is queued), plus
a bounded load test that checks errors and resident memory.

    python bench/serve_load.py --model models/gmb [--requests 400] [--load 2000]

Each setting starts its own server process; texts are CoNLL-2003-like news sentences sent one per
request. Memory is the server's VmRSS from /proc before and after the load test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import cpu_flags

TEXTS = [
    "Angela Merkel met Emmanuel Macron in Paris on Tuesday to discuss the European Union budget.",
    "Shares of Apple rose 3 percent in New York after the company reported record quarterly sales.",
    "The United Nations said on Monday that aid convoys had reached the northern city of Aleppo.",
    "Contact Jane Doe at jane.doe@example.com or +1 415-555-2671 before 5 May 2024.",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def run(url: str, requests: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(requests):
        queue.put_nowait(index)

    async def client(session: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            index = queue.get_nowait()
            started = time.perf_counter()
            response = await session.post(f"{url}/v1/extract", json={"text": TEXTS[index % len(TEXTS)]})
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as session:
        await asyncio.gather(*(client(session) for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "errors": errors,
        "requests_per_s": round(requests / seconds, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 1),
        "p95_ms": round(1000 * quantiles[18], 1),
    }


SETTINGS = {
    "no_batching": ["--no-batching"],
    "batching_wait_5ms": ["--batching", "--max-wait-ms", "5"],
    "batching_greedy": ["--batching"],
}


def serve(model: str, port: int, flags: list[str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "nerkit",
        "serve",
        "--model",
        model,
        "--port",
        str(port),
        "--threads",
        "2",
    ]
    process = subprocess.Popen([*command, *flags])
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--load", type=int, default=2000)
    args = parser.parse_args()
    results: dict[str, object] = {"cpu_flags": cpu_flags()}
    for name, flags in SETTINGS.items():
        port = free_port()
        process = serve(args.model, port, flags)
        url = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(run(url, 32, 4))  # warm-up
            results[name] = [asyncio.run(run(url, args.requests, c)) for c in (1, 16)]
            if name == "batching_greedy":
                before = rss_kib(process.pid)
                load = asyncio.run(run(url, args.load, 16))
                after = rss_kib(process.pid)
                results["load"] = {
                    **load,
                    "rss_before_kib": before,
                    "rss_after_kib": after,
                    "rss_change_percent": round(100 * (after - before) / before, 1),
                }
        finally:
            process.terminate()
            process.wait(10)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
