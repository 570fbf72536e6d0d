"""Analysis benchmark: the engine's grids against one hand-written DuckDB query each, same run.

    .venv/bin/python bench/analysis.py [--data ../shared/data] [--repeat 5] [--db PATH]

Builds a warehouse (in a child process, so that its memory is not the analysis's) from the
MPS borough tables (2010-2026) and the 171 months of Met burglary street data, then times,
warm (one run first, then the median of --repeat runs, interleaved so that load on the
machine hits both sides alike):

- the borough grid: every borough x every MPS minor category x 5 windows (month, quarter,
  ytd, fy, 12m) ending 2025-02-28 against last year, with its tests and Facts;
- the LSOA grid: every LSOA x police.uk crime type x the same windows over the street data;

each against ONE hand-written SQL query over the same view (`counts`, `crimes`) on the same
connection that produces the same counts (area x category x window, current and last year),
and the engine's counting expression alone (`selection.window_totals` to Arrow, as `grid()`
builds it), so that the rest of the grid's time reads as tests + Facts. Every cell of each
grid is checked against the hand-written query (the run fails if one differs).
Goals: each grid <= 3x its hand-written query; the borough grid under 1 s.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

# `mypy bench/analysis.py` on its own sees crimepulse as an installed package without a
# py.typed marker; `mypy` with the project's configuration (src and bench) checks it fully.
import crimepulse
from crimepulse.analysis import periods, selection
from crimepulse.analysis.grid import Grid
from crimepulse.api import Crimepulse

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PARQUET = "mps-datastore-parquet"
INPUTS = [
    f"{PARQUET}/recorded-crime-borough-historical.parquet",
    f"{PARQUET}/recorded-crime-borough.parquet",
    "police-uk-met-burglary-street",
]
AS_OF = date(2025, 2, 28)
WINDOWS = ("month", "quarter", "ytd", "fy", "12m")
FORCE = "metropolitan"
GOAL_RATIO = 3.0
GOAL_BOROUGH_SECONDS = 1.0

Cell = tuple[str, str, str]  # (area, category, window)
Counts = dict[Cell, tuple[int, int]]  # -> (current, same period last year)


@dataclass(frozen=True)
class Case:
    """One grid and the hand-written query that must give the same counts."""

    name: str
    areas: str  # grid(areas=...)
    categories: str  # grid(categories=...)
    source: str  # selection.SOURCES key
    level: str  # series level of `areas`
    sql: str  # the hand-written query; {windows} is the VALUES list of windows
    fact_area: str  # which attribute of Fact.area names the area in the hand query: code or name
    counting_category: str  # which counting column holds the category

    def grid(self, cp: Crimepulse, as_of: date) -> Grid:
        return cp.grid(
            self.areas,
            self.categories,
            ",".join(WINDOWS),
            as_of=as_of.isoformat(),
            source=self.source,
        )


# Hand-written: a 10-row VALUES list of (window, role, first month, last month), one range
# join, one GROUP BY. Months are stored as their first day, so BETWEEN on first days counts
# whole months.
BOROUGH_SQL = """
WITH w(win, role, lo, hi) AS (VALUES {windows})
SELECT c.borough AS area, c.minor AS category, w.win AS window,
       sum(c.count) FILTER (WHERE w.role = 'current') AS current,
       sum(c.count) FILTER (WHERE w.role = 'previous') AS previous
FROM counts c JOIN w ON c.month BETWEEN w.lo AND w.hi
WHERE c.force = 'metropolitan' AND c.area_type = 'borough'
GROUP BY ALL
"""

LSOA_SQL = """
WITH w(win, role, lo, hi) AS (VALUES {windows})
SELECT c.lsoa_code AS area, c.category AS category, w.win AS window,
       count(*) FILTER (WHERE w.role = 'current') AS current,
       count(*) FILTER (WHERE w.role = 'previous') AS previous
FROM crimes c JOIN w ON c.month BETWEEN w.lo AND w.hi
WHERE c.force = 'metropolitan' AND c.format = 'police.uk street'
  AND c.lsoa_code IS NOT NULL  -- the grid leaves crimes with no LSOA out (meta "unplaced")
GROUP BY ALL
"""

CASES = [
    Case("borough", "boroughs", "minor", "mps", "borough", BOROUGH_SQL, "name", "minor"),
    Case("lsoa", "lsoas", "types", "police.uk", "lsoa", LSOA_SQL, "code", "crime_type"),
]


class CountMismatch(AssertionError):
    """The engine and the hand-written query disagree on a cell."""


# -- the hand-written side ---------------------------------------------------------------


def _month(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def month_windows(as_of: date) -> list[tuple[str, str, date, date]]:
    """(window, role, first month, last month) of the five windows ending at `as_of` (a
    month's last day) and of the same months a year earlier, worked out by hand rather than
    by crimepulse.analysis.periods, so that the check covers the window arithmetic too."""
    end = as_of.year * 12 + as_of.month - 1
    fy_start = (as_of.year if as_of.month >= 4 else as_of.year - 1) * 12 + 3
    starts = {
        "month": end,
        "quarter": end - (as_of.month - 1) % 3,
        "ytd": as_of.year * 12,
        "fy": fy_start,
        "12m": end - 11,
    }
    out = []
    for name in WINDOWS:
        out.append((name, "current", _month(starts[name]), _month(end)))
        out.append((name, "previous", _month(starts[name] - 12), _month(end - 12)))
    return out


def hand_sql(case: Case, as_of: date) -> str:
    values = ", ".join(
        f"('{name}', '{role}', DATE '{lo}', DATE '{hi}')"
        for name, role, lo, hi in month_windows(as_of)
    )
    return case.sql.format(windows=values)


def hand_counts(table: pa.Table) -> Counts:
    out: Counts = {}
    for row in table.to_pylist():
        key = (str(row["area"]), str(row["category"]), str(row["window"]))
        out[key] = (int(row["current"] or 0), int(row["previous"] or 0))
    return out


# -- the engine's side -------------------------------------------------------------------


def engine_counting(cp: Crimepulse, case: Case, as_of: date) -> pa.Table:
    """The counting expression alone, built as Analysis.grid builds it, executed to Arrow."""
    named = []
    for spec in WINDOWS:
        current = periods.window(spec, as_of)
        other = periods.last_year(current)
        named += [
            replace(current, name=f"{current.name}|current"),
            replace(other, name=f"{current.name}|compare"),
        ]
    f = selection.frame(cp.analysis.tables, selection.SOURCES[case.source], case.level, FORCE)
    expr = selection.window_totals(f, named, ["area", "area_name", "major", "minor", "crime_type"])
    return expr.to_pyarrow()


def counting_counts(table: pa.Table, case: Case) -> Counts:
    sums: dict[Cell, list[int]] = defaultdict(lambda: [0, 0])
    for row in table.to_pylist():
        if row["area"] is None:  # crimes with no area: no cell of the grid (as in grid())
            continue
        win, role = row["window"].split("|")
        key = (str(row["area"]), str(row[case.counting_category]), win)
        sums[key][0 if role == "current" else 1] += int(row["n"])
    return {k: (v[0], v[1]) for k, v in sums.items()}


def grid_counts(grid: Grid, case: Case) -> Counts:
    out: Counts = {}
    for fact in grid.facts:
        key = (str(getattr(fact.area, case.fact_area)), fact.category.name, fact.window.name)
        if key in out:
            raise CountMismatch(f"{case.name} grid: cell {key} appears twice")
        out[key] = (int(fact.current or 0), int(fact.previous or 0))
    areas = {k[0] for k in out}
    categories = {k[1] for k in out}
    expected = len(areas) * len(categories) * len(WINDOWS)
    if len(out) != expected:
        raise CountMismatch(
            f"{case.name} grid: {len(out):,} cells, not {len(areas)} areas x "
            f"{len(categories)} categories x {len(WINDOWS)} windows = {expected:,}"
        )
    return out


def check_same(case: Case, what: str, engine: Counts, hand: Counts) -> int:
    """Every cell equal (absent cells count as 0 vs 0); returns the cells with a count."""
    a = {k: v for k, v in engine.items() if v != (0, 0)}
    b = {k: v for k, v in hand.items() if v != (0, 0)}
    if a != b:
        diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        shown = "; ".join(
            f"{k}: {what} {a.get(k, (0, 0))} vs hand SQL {b.get(k, (0, 0))}" for k in diff[:5]
        )
        raise CountMismatch(
            f"{case.name}: {len(diff):,} cells differ between {what} and the hand-written "
            f"query (current, last year): {shown}"
        )
    if not b:
        raise CountMismatch(f"{case.name}: nothing counted; is the data there?")
    return len(b)


def check_case(cp: Crimepulse, case: Case, as_of: date = AS_OF) -> dict[str, int]:
    """Run the grid, the counting expression and the hand-written query once and check
    that all three give the same counts in every cell; raise CountMismatch if not."""
    grid = case.grid(cp, as_of)
    hand = hand_counts(cp.sql(hand_sql(case, as_of)))
    counted = check_same(case, "grid", grid_counts(grid, case), hand)
    check_same(
        case, "counting expression", counting_counts(engine_counting(cp, case, as_of), case), hand
    )
    return {
        "cells": len(grid.facts),
        "counted": counted,
        "areas": len({k[0] for k in hand}),
        "crimes": sum(c + p for c, p in hand.values()),
    }


# -- timing ------------------------------------------------------------------------------


def time_interleaved(
    runs: dict[str, Callable[[], object]], repeat: int
) -> dict[str, tuple[float, float]]:
    """{name: (median, min) seconds}: each run once to warm up, then `repeat` rounds of all."""
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for rnd in range(repeat + 1):
        for name, run in runs.items():
            gc.collect()  # start each run from the same heap; the run's own GC still counts
            started = time.perf_counter()
            run()
            elapsed = time.perf_counter() - started
            if rnd:
                seconds[name].append(elapsed)
    return {name: (statistics.median(s), min(s)) for name, s in seconds.items()}


def phase_build(db: str, data: str) -> dict[str, float]:
    started = time.perf_counter()
    with crimepulse.open(db) as cp:
        report = cp.ingest(*(Path(data) / p for p in INPUTS))
    return {"seconds": time.perf_counter() - started, "rows": report.rows_loaded}


def build(db: Path, data: Path) -> tuple[dict[str, float], float]:
    """Ingest in a child process; its result and its peak RSS in GiB."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", "build", "--db", str(db), "--data", str(data)],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(out.stdout.strip().splitlines()[-1]), peak_kib / (1 << 20)


@contextmanager
def warehouse(db_arg: str | None) -> Iterator[Path]:
    if db_arg:
        yield Path(db_arg)
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) / "bench.duckdb"


def verdict(ok: bool) -> str:
    return "meets goal" if ok else "MISSES goal"


def run_case(cp: Crimepulse, case: Case, repeat: int) -> dict[str, Any]:
    sizes = check_case(cp, case)
    sql = hand_sql(case, AS_OF)
    timings = time_interleaved(
        {
            # The grid as the API and pages use it: counted, tested, as a table.
            "grid": lambda: case.grid(cp, AS_OF).to_arrow(),
            # ... and with one Fact object per cell built as well (the CLI's JSON does that).
            "facts": lambda: case.grid(cp, AS_OF).facts,
            "counting": lambda: engine_counting(cp, case, AS_OF),
            "hand": lambda: cp.sql(sql),
        },
        repeat,
    )
    return {"sizes": sizes, "timings": timings}


def report(case: Case, result: dict[str, Any]) -> list[bool]:
    s, t = result["sizes"], result["timings"]
    grid, counting, hand = t["grid"][0], t["counting"][0], t["hand"][0]
    ratio = grid / hand
    print(
        f"\n{case.name} grid: {s['areas']:,} areas, {s['cells']:,} cells "
        f"({s['counted']:,} with a count; {s['crimes']:,} crimes counted)\n"
        "  check: grid, counting expression and hand-written query agree in every cell"
    )
    for label, key in (
        ("grid (counts, tests, table)", "grid"),
        ("grid with every Fact object built", "facts"),
        ("  of which counting (window_totals)", "counting"),
        ("hand-written SQL query", "hand"),
    ):
        median, best = t[key]
        print(f"  {label:<37} {median:8.3f} s  (min {best:.3f} s)")
    rest = max(grid - counting, 0.0)
    print(
        f"  counting is {counting / grid:5.1%} of the grid; the rest (probes, cells, "
        f"tests, table) {rest:.3f} s"
    )
    print(f"  counting / hand-written query:       {counting / hand:6.1f}x")
    print(
        f"  ratio grid / hand-written query:     {ratio:6.1f}x  "
        f"(goal <= {GOAL_RATIO:.0f}x: {verdict(ratio <= GOAL_RATIO)})"
    )
    oks = [ratio <= GOAL_RATIO]
    if case.name == "borough":
        print(
            f"  borough grid time:                   {grid:6.3f} s  "
            f"(goal < {GOAL_BOROUGH_SECONDS:.0f} s: {verdict(grid < GOAL_BOROUGH_SECONDS)})"
        )
        oks.append(grid < GOAL_BOROUGH_SECONDS)
    return oks


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", help="use (building it if missing) this warehouse, kept")
    parser.add_argument("--phase", choices=["build"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase_build(args.db, str(args.data))))
        return
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    missing = [p for p in INPUTS if not (args.data / p).exists()]
    if missing:
        sys.exit(f"real data not found in {args.data}: {', '.join(missing)}")

    with warehouse(args.db) as db:
        if db.exists():
            print(f"warehouse: reusing {db}")
        else:
            built, peak_build = build(db, args.data)
            print(
                f"warehouse: {built['rows']:,.0f} rows ingested in {built['seconds']:.1f} s "
                f"(peak RSS {peak_build:.2f} GiB, in a child process)"
            )
        print(
            f"as of {AS_OF}, windows {', '.join(WINDOWS)} vs last year; "
            f"median of {args.repeat} warm runs"
        )
        oks: list[bool] = []
        with crimepulse.open(db) as cp:
            for case in CASES:
                try:
                    result = run_case(cp, case, args.repeat)
                except CountMismatch as exc:
                    sys.exit(f"CORRECTNESS CHECK FAILED: {exc}")
                oks += report(case, result)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
    print(f"\npeak RSS of the analysis process: {peak:.2f} GiB")
    print("all goals met" if all(oks) else f"{oks.count(False)} goal(s) MISSED")


if __name__ == "__main__":
    main()
