"""A bounded soak test: a real `nerkit serve` process on loopback takes mixed valid and hostile requests
from 16 concurrent clients; it must answer every one with the expected status, never a 5xx, and end with
the memory it had after warm-up."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("NERKIT_SOAK_SECONDS", "60"))
KEY = "soak-key"
GOOD = {"text": "Alice visited Paris on Monday. Mail alice@acme.com or call +1 415-555-2671."}
# (method, path, body bytes or None, headers, expected status)
MIX = [
    ("POST", "/v1/extract", json.dumps(GOOD).encode(), {}, 200),
    (
        "POST",
        "/v1/extract",
        json.dumps({"texts": ["Bob works at Acme.", "", "Carol met Bob."]}).encode(),
        {},
        200,
    ),
    ("POST", "/v1/extract", json.dumps({**GOOD, "redact": "mask"}).encode(), {}, 200),
    ("POST", "/v1/extract", json.dumps({"text": 5}).encode(), {}, 422),
    ("POST", "/v1/extract", json.dumps({"text": "a", "model": "/etc/passwd"}).encode(), {}, 422),
    ("POST", "/v1/extract", b'{"text": "unterminated', {}, 422),
    ("POST", "/v1/extract", b"[" * 50_000 + b"]" * 50_000, {}, 400),
    ("POST", "/v1/extract", json.dumps({"text": "a" * 6_000}).encode(), {}, 413),
    ("POST", "/v1/extract", b'{"text": "' + b"a" * 120_000 + b'"}', {}, 413),
    ("POST", "/v1/extract", json.dumps(GOOD).encode(), {"x-api-key": "wrong"}, 401),
    ("GET", "/healthz", None, {"x-api-key": None}, 200),
    ("GET", "/v1/model", None, {}, 200),
]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


PYTHON = os.environ.get("NERKIT_SOAK_PYTHON", sys.executable)
MODEL = os.environ.get("NERKIT_SOAK_MODEL", "toy")
"""`make release-check` soaks the shipped default model in a fresh install: `default` and its Python."""


@pytest.fixture
def server(request, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [PYTHON, "-m", "nerkit", "serve", "--port", str(port)]
    if MODEL == "toy":
        toy_ner = request.getfixturevalue("toy_ner")
        command += ["--model", str(toy_ner.tagger.save(tmp_path / "model", toy_ner.metadata))]
    elif MODEL != "default":
        command += ["--model", MODEL]
    command += ["--api-key", KEY, "--max-chars", "5000", "--max-body-bytes", "100000", "--threads", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    yield url, process
    process.terminate()
    process.wait(20)


async def _hammer(url: str, seconds: float, seen: Counter, wrong: list) -> None:
    async def client(worker: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            index = worker
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                method, path, body, headers, expected = MIX[index % len(MIX)]
                index += 1
                sent = {"x-api-key": KEY, "content-type": "application/json", **headers}
                sent = {name: value for name, value in sent.items() if value is not None}
                response = await http.request(method, path, content=body, headers=sent)
                seen[response.status_code] += 1
                if response.status_code != expected:
                    wrong.append((path, expected, response.status_code, response.text[:200]))

    await asyncio.gather(*(client(worker) for worker in range(16)))


def test_sixteen_clients_of_mixed_requests_get_no_5xx_and_memory_stays_flat(server):
    url, process = server
    warm: Counter = Counter()
    asyncio.run(_hammer(url, 5, warm, []))
    before = _rss_kib(process.pid)
    seen: Counter = Counter()
    wrong: list = []
    started = time.monotonic()
    asyncio.run(_hammer(url, SECONDS, seen, wrong))
    elapsed = time.monotonic() - started
    after = _rss_kib(process.pid)
    total = sum(seen.values())
    statuses = dict(sorted(seen.items()))
    print(f"\nsoak: {total} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s), statuses {statuses}, ")
    print(f"VmRSS {before} -> {after} KiB ({(after - before) / before:+.1%})")
    if os.environ.get("NERKIT_SOAK_REPORT"):
        measured = {"requests": total, "seconds": round(elapsed), "statuses": statuses}
        measured |= {"rss_kib_after_warmup": before, "rss_kib_at_end": after, "wrong": len(wrong)}
        Path(os.environ["NERKIT_SOAK_REPORT"]).write_text(json.dumps(measured) + "\n")
    assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
    assert not [status for status in seen if status >= 500]
    assert wrong == []
    assert total > 16 * len(MIX)
    assert after < before * 1.10
