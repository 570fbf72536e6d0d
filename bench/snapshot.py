"""Snapshot benchmark: a weekly snapshot with its charts and map, built and rendered in
every format (md, html, pdf, json, post), on the demo warehouse.

    .venv/bin/python bench/snapshot.py [--db demo/crimepulse.duckdb] [--as-of DATE]

Goal: <= 5 s for the whole weekly snapshot. The baseline, measured in the same run (so a
busy machine shows as a ratio, not a failure), is rendering one chart alone (the trend
chart to SVG with a cold vl-convert engine, in a fresh process): the cost any rendering
pays. Each measurement runs in its own process, so nothing is cached between them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_DB = Path(__file__).resolve().parents[1] / "demo" / "crimepulse.duckdb"
GOAL_S = 5.0


def phase_snapshot(db: str, as_of: str) -> dict[str, float]:
    import crimepulse
    from crimepulse import snapshot
    from crimepulse.oplog import OutcomesLog

    started = time.perf_counter()
    with crimepulse.open(db, read_only=True) as cp, OutcomesLog.open(db=db) as log:
        snap = snapshot.build(cp, "week", as_of, "violence", log=log)
        built = time.perf_counter()
        sizes = {fmt: len(snapshot.render(snap, fmt)) for fmt in snapshot.FORMATS}
    done = time.perf_counter()
    return {"seconds": done - started, "build": built - started, "render": done - built,
            "facts": len(snap.facts), **{f"bytes_{k}": v for k, v in sizes.items()}}  # fmt: skip


def phase_chart(db: str, as_of: str) -> dict[str, float]:
    import crimepulse
    from crimepulse import snapshot
    from crimepulse.snapshot import figures

    with crimepulse.open(db, read_only=True) as cp:
        snap = snapshot.build(cp, "week", as_of, "violence")
    started = time.perf_counter()
    figures.svg(snap.chart("trend"), snap.facts)
    return {"seconds": time.perf_counter() - started}


def _run(phase: str, db: str, as_of: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--db", db, "--as-of", as_of],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=str(DEFAULT_DB))
    parser.add_argument("--as-of", default="", help="Default: the last day of the demo data.")
    parser.add_argument("--phase", choices=["snapshot", "chart"])
    args = parser.parse_args()
    as_of = args.as_of
    if not as_of:
        import crimepulse

        with crimepulse.open(args.db, read_only=True) as cp:
            as_of = str(
                cp.sql("SELECT max(occurred_on) FROM crimes").to_pylist()[0]["max(occurred_on)"]
            )
    if args.phase:
        phases = {"snapshot": phase_snapshot, "chart": phase_chart}
        print(json.dumps(phases[args.phase](args.db, as_of)))
        return
    chart = _run("chart", args.db, as_of)
    snap = _run("snapshot", args.db, as_of)
    ratio = snap["seconds"] / chart["seconds"]
    print(
        f"weekly snapshot to {as_of}, all formats: {snap['seconds']:.2f} s "
        f"(build {snap['build']:.2f} s, render {snap['render']:.2f} s; {snap['facts']:.0f} facts)"
    )
    print(f"baseline, one chart to SVG (cold): {chart['seconds']:.2f} s; ratio {ratio:.1f}x")
    verdict = "meets" if snap["seconds"] <= GOAL_S else "misses"
    print(f"goal <= {GOAL_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
