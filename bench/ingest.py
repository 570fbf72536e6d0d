"""Ingest benchmark: crimepulse against DuckDB's own CSV reader, measured in the same run.

    .venv/bin/python bench/ingest.py [--data ../shared/data]

Ingests all 171 Met burglary street months and the 85 Met stop-and-search months into a
fresh warehouse, then again (the no-op re-ingest), and times DuckDB's `read_csv` of the
same files into a plain table. Each phase runs in its own process so that peak memory is
that phase's alone. Goals: first ingest <= 2.0x the raw read; re-ingest <= 10% of the
first ingest; peak RSS <= 1.5 GiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FOLDERS = ["police-uk-met-burglary-street", "police-uk-met-stop-and-search"]
DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def phase_ingest(db: str, folders: list[str]) -> dict[str, float]:
    import crimepulse

    started = time.perf_counter()
    with crimepulse.open(db) as cp:
        report = cp.ingest(*folders)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": report.rows_loaded,
        "loaded": report.count("loaded"),
        "unchanged": report.count("unchanged"),
    }


def phase_raw(db: str, folders: list[str]) -> dict[str, float]:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(db)
    rows = 0
    for i, folder in enumerate(folders):
        glob = str(Path(folder) / "*.csv.gz")
        con.execute(f"CREATE TABLE raw{i} AS SELECT * FROM read_csv('{glob}')")
        rows += con.execute(f"SELECT count(*) FROM raw{i}").fetchall()[0][0]
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def run_phase(name: str, db: Path, folders: list[str]) -> tuple[dict[str, float], float]:
    """Run a phase in a child process; return its result and its peak RSS in GiB."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--db", str(db), *folders],
        check=True,
        capture_output=True,
        text=True,
    )
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return json.loads(out.stdout.strip().splitlines()[-1]), peak_kib / (1 << 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--phase", choices=["ingest", "raw"])
    parser.add_argument("--db")
    parser.add_argument("folders", nargs="*")
    args = parser.parse_args()
    if args.phase:
        run = phase_ingest if args.phase == "ingest" else phase_raw
        print(json.dumps(run(args.db, args.folders)))
        return

    folders = [str(args.data / f) for f in FOLDERS]
    missing = [f for f in folders if not Path(f).is_dir()]
    if missing:
        sys.exit(f"real data not found: {', '.join(missing)}")
    with tempfile.TemporaryDirectory() as tmp:
        # Ingest phases first: RUSAGE_CHILDREN reports the max over all children so far.
        first, _ = run_phase("ingest", Path(tmp) / "w.duckdb", folders)
        again, peak = run_phase("ingest", Path(tmp) / "w.duckdb", folders)
        raw, _ = run_phase("raw", Path(tmp) / "raw.duckdb", folders)
    ratio_raw = first["seconds"] / raw["seconds"]
    ratio_again = again["seconds"] / first["seconds"]

    def verdict(ok: bool) -> str:
        return "meets goal" if ok else "MISSES goal"

    print(
        f"DuckDB read_csv:  {raw['rows']:>12,.0f} rows in {raw['seconds']:6.2f} s "
        f"({raw['rows'] / raw['seconds']:,.0f} rows/s)"
    )
    print(
        f"first ingest:     {first['rows']:>12,.0f} rows in {first['seconds']:6.2f} s "
        f"({first['rows'] / first['seconds']:,.0f} rows/s), {first['loaded']:.0f} files"
    )
    print(
        f"re-ingest:        {again['unchanged']:>12,.0f} files unchanged in "
        f"{again['seconds']:6.2f} s"
    )
    print(
        f"ratio first ingest / DuckDB read_csv: {ratio_raw:5.2f}x  "
        f"(goal <= 2.0x: {verdict(ratio_raw <= 2.0)})"
    )
    print(
        f"ratio re-ingest / first ingest:       {ratio_again:5.1%}  "
        f"(goal <= 10%: {verdict(ratio_again <= 0.10)})"
    )
    print(
        f"peak RSS of the ingest:               {peak:5.2f} GiB "
        f"(goal <= 1.5 GiB: {verdict(peak <= 1.5)})"
    )


if __name__ == "__main__":
    main()
