"""Web load benchmark: 50 concurrent clients on the grid and series endpoints for 30 s
against the demo warehouse served by `crimepulse serve --workers 2`.

    .venv/bin/python bench/web.py [--db demo/crimepulse.duckdb] [--seconds 30] [--clients 50]

Traffic goes to 127.0.0.1 only. The baseline, measured in the same run under the same
load, is /openapi.json (FastAPI's cached schema: the cost of HTTP and the framework
alone). Goal: p95 <= 100 ms on grid and series, and no errors.

The load comes from `wrk` (Debian's package) when it is installed, else from Python
(httpx, asyncio). The client shares the machine's two cores with the server, and the
Python client costs several times more CPU per request than wrk, so its figures say as
much about the client as about the server; both are printed when wrk is there.
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


_WRK_SCRIPT = """
local paths = {PATHS}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %.1f %.1f %.1f %.1f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.duration / 1e6))
end
"""


def _wrk(base: str, seconds: float, clients: int) -> None:
    """The same grid and series mix from wrk (C, two threads)."""
    import shutil
    import tempfile

    if shutil.which("wrk") is None:
        return
    paths = [f"{path}?{httpx.QueryParams(params)}" for path, params in QUERIES]
    lua = _WRK_SCRIPT.replace("{PATHS}", "{" + ", ".join(f'"{p}"' for p in paths) + "}")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            fh.name,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    n, errors, p50, p95, p99, elapsed = line.split()[1:]
    rate = int(n) / float(elapsed)
    print(
        f"wrk, {clients} connections, grid + series: {int(n):,} requests ({rate:,.0f} req/s), "
        f"{errors} errors; p50 {p50} ms, p95 {p95} ms, p99 {p99} ms"
    )
    ok = float(p95) <= 100 and int(errors) == 0
    print(f"goal p95 <= 100 ms and no errors (wrk): {'meets goal' if ok else 'MISSES goal'}")


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
        _wrk(base, args.seconds, args.clients)  # after the Python run: caches are warm for both
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
    print(f"goal p95 <= 100 ms and no errors (Python client): {verdict}")


if __name__ == "__main__":
    main()
