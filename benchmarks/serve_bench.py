"""Load on ``replykit serve``: 50 concurrent clients against /v1/render and /v1/reply.

Reports requests per second per core as a ratio of in-process ``Library.render``
calls per second per core measured in the same run, p50/p99 latency, errors, and the
server's memory (RSS) as requests go on, up to 100,000. Not a test: run it by hand,

    python benchmarks/serve_bench.py [--seconds 30] [--clients 50] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

import replykit

RENDER = {
    "key": "after_sale.refund_processed",
    "locale": "es-MX",
    "values": {
        "customer": {"first_name": "María", "last_name": "García", "gender": "female"},
        "order_id": "A-10293",
        "amount": {"amount": 1234.5, "currency": "USD"},
        "method": "PayPal",
        "days": {"min": 3, "max": 5, "unit": "business_day"},
    },
    "examples": True,
}
REPLY = {
    "message": "hola, ¿ya enviaron mi pedido #A1029?",
    "hints": {"country": "MX"},
    "values": {"customer": {"name": "Ana"}},
}


def in_process_rate(seconds: float = 5.0) -> float:
    """``Library.render`` calls per second on one core, the same reply as the API's."""
    lib = replykit.load()
    lib.render_values(RENDER["key"], RENDER["values"], locale="es-MX", examples=True)  # type: ignore[arg-type]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        lib.render_values(RENDER["key"], RENDER["values"], locale="es-MX", examples=True)  # type: ignore[arg-type]
        count += 1
    return count / (time.perf_counter() - start)


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes."""
    total = 0
    pids = [
        pid,
        *(
            int(p)
            for p in subprocess.run(
                ["pgrep", "-P", str(pid)], check=False, capture_output=True, text=True
            ).stdout.split()
        ),
    ]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


async def load(url: str, path: str, body: dict[str, object], clients: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                try:
                    response = await http.post(path, json=body)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - start)
                errors += not ok

    await asyncio.gather(*(client() for _ in range(clients)))
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--total", type=int, default=100_000, help="requests before the last memory reading")
    args = parser.parse_args()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "REPLYKIT_TOKEN": "bench"}
    server = subprocess.Popen(
        [sys.executable, "-m", "replykit", "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        base = in_process_rate()
        print(f"in-process Library.render: {base:,.0f} calls/s on one core")
        print(f"server memory at start: {rss_mb(server.pid):.0f} MB ({args.workers} worker(s))")
        done = 0
        for path, body in (("/v1/render", RENDER), ("/v1/reply", REPLY)):
            latencies, errors = asyncio.run(load(url, path, body, args.clients, args.seconds))
            done += len(latencies)
            rate = len(latencies) / args.seconds
            p50, p99 = statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]
            print(
                f"{path}: {rate:,.0f} requests/s on {args.workers} worker core(s) = "
                f"{rate / args.workers / base:.2f}x in-process render per core; p50 {p50 * 1000:.1f} ms, "
                f"p99 {p99 * 1000:.1f} ms, errors {errors}; memory {rss_mb(server.pid):.0f} MB after {done:,} requests"
            )
        while done < args.total:
            latencies, errors = asyncio.run(load(url, "/v1/render", RENDER, args.clients, args.seconds))
            done += len(latencies)
            print(f"  ... {done:,} requests, errors {errors}, memory {rss_mb(server.pid):.0f} MB")
        print(f"memory after {done:,} requests: {rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
