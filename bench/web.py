"""Web load benchmark: 50 concurrent clients on the grid and series endpoints for 30 s
against the demo warehouse served by `crimepulse serve --workers 2`.

    .venv/bin/python bench/web.py [--db demo/crimepulse.duckdb] [--seconds 30] [--clients 50]

Traffic goes to 127.0.0.1 only. The baseline, measured in the same run under the same
load, is /openapi.json (FastAPI's cached schema: the cost of HTTP and the framework
alone). Goal: p95 <= 100 ms on grid and series, and no errors.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-10-31"
QUERIES = [
    ("/api/v1/grid", {"as_of": AS_OF, "windows": w, "categories": c})
    for w in ("month,ytd", "quarter,12m", "ytd,fy")
    for c in ("major", "groups")
] + [
    ("/api/v1/series", {"area": a, "category": c})
    for a in ("all", "Camden", "Westminster", "Hackney", "Croydon")
    for c in ("robbery", "burglary", "violence")
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _client(
    base: str, deadline: float, paths: list[tuple[str, dict[str, str]]], seed: int
) -> tuple[list[float], list[float], int]:
    rng = random.Random(seed)
    work: list[float] = []
    baseline: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for i in itertools.count():
            if time.perf_counter() > deadline:
                break
            path, params = ("/openapi.json", {}) if i % 5 == 4 else rng.choice(paths)
            started = time.perf_counter()
            try:
                response = await client.get(path, params=params)
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            if not ok:
                errors += 1
            (baseline if path == "/openapi.json" else work).append(elapsed)
    return work, baseline, errors


async def _load(base: str, seconds: float, clients: int) -> tuple[list[float], list[float], int]:
    deadline = time.perf_counter() + seconds
    results = await asyncio.gather(
        *(_client(base, deadline, QUERIES, seed) for seed in range(clients))
    )
    work = [x for r in results for x in r[0]]
    baseline = [x for r in results for x in r[1]]
    return work, baseline, sum(r[2] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "demo" / "crimepulse.duckdb")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"{args.db}: no warehouse (run `make demo` first)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crimepulse.cli",
            "serve",
            "--db",
            str(args.db),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "120"},
    )
    try:
        up_by = time.monotonic() + 180
        while not _up(base):
            if time.monotonic() > up_by or server.poll() is not None:
                sys.exit("the server did not start (try `crimepulse serve` by hand)")
            time.sleep(0.5)
        started = time.perf_counter()
        work, baseline, errors = asyncio.run(_load(base, args.seconds, args.clients))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = len(work) + len(baseline)
    p50, p95, p99 = (_percentile(work, q) for q in (0.5, 0.95, 0.99))
    b95 = _percentile(baseline, 0.95)
    print(
        f"{args.clients} clients, {args.workers} workers, {elapsed:.1f} s: "
        f"{total:,} requests ({total / elapsed:,.0f} req/s), {errors} errors"
    )
    print(
        f"grid + series: {len(work):,} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"p99 {p99:.1f} ms, mean {statistics.fmean(work):.1f} ms"
    )
    print(
        f"baseline /openapi.json: {len(baseline):,} requests, p95 {b95:.1f} ms; "
        f"ratio of p95s {p95 / b95:.2f}x"
    )
    verdict = "meets goal" if p95 <= 100 and errors == 0 else "MISSES goal"
    print(f"goal p95 <= 100 ms and no errors: {verdict}")


if __name__ == "__main__":
    main()
