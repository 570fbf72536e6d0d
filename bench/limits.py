"""Read-limits benchmark: the peak memory of ingesting pathological files, each in its own
process, against a clean small file ingested in the same run.

    PYTHONPATH=src .venv/bin/python bench/limits.py [--only NAME ...]

Generates in a temporary folder: one 200 MB line in a tiny .csv.gz (rejected for its
expansion ratio; then again with the ratio off, so that the line itself is streamed and
quarantined), the same line in a plain .csv, a zip bomb (1.28M rows, about 300 MB,
deflated into about 1.4 MB; then again with the ratio off, to show what the limit spares:
a file within every limit is read whole, so its memory grows with it), a 2 MB header
line, JSON nested 200,000 deep and a GeoJSON of 100,000 features. Each is ingested with
`crimepulse.open(...).ingest` in a child process that reports its own peak RSS
(`ru_maxrss`). Goal (issue 17): peak RSS <= 512 MB for each; the rows marked "for
comparison" turn a limit off and are not judged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

GOAL_MB = 512
HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
LINE_MB = 200
BOMB_ROWS = 1_280_000


def row(i: int) -> str:
    return (
        f"c{i},2024-01,Metropolitan Police Service,Metropolitan Police Service,-0.141,"
        f"51.515,On or near High Street,E01000001,Camden 001A,Burglary,Under investigation,"
    )


def _write_long_line(write: Callable[[bytes], object]) -> None:
    write((HEADER + "\n" + row(1) + "\n").encode())
    block = b"x" * (1 << 20)
    for _ in range(LINE_MB):
        write(block)
    write(b"\n" + (row(2) + "\n" + row(3) + "\n").encode())


def make_clean(folder: Path) -> Path:
    path = folder / "clean.csv"
    path.write_text("\n".join([HEADER, *(row(i) for i in range(100))]) + "\n")
    return path


def make_long_line_gz(folder: Path) -> Path:
    path = folder / "long-line.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as fh:
        _write_long_line(fh.write)
    return path


def make_long_line_plain(folder: Path) -> Path:
    path = folder / "long-line.csv"
    with path.open("wb") as fh:
        _write_long_line(fh.write)
    return path


def make_bomb(folder: Path) -> Path:
    """1.28M rows, a block of 100 repeated: deflate finds each block within its 32 KB
    window, so the rows compress several hundredfold, as a bomb's do."""
    path = folder / "bomb.zip"
    block = "".join(row(i) + "\n" for i in range(100)).encode()
    member = "2024-01/2024-01-metropolitan-street.csv"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w", force_zip64=True) as fh,
    ):
        fh.write((HEADER + "\n").encode())
        for _ in range(BOMB_ROWS // 100):
            fh.write(block)
    return path


def make_wide_header(folder: Path) -> Path:
    path = folder / "wide-header.csv"
    path.write_bytes(b'"' + b"x" * (2 << 20) + b'"\n1\n')
    return path


def make_deep_json(folder: Path) -> Path:
    depth = 200_000
    path = folder / "deep.geojson"
    path.write_bytes(
        b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}"
    )
    return path


def make_many_features(folder: Path) -> Path:
    path = folder / "many-features.geojson"
    with path.open("w") as fh:
        fh.write('{"type": "FeatureCollection", "features": [')
        for i in range(100_000):
            x, y = -0.5 + (i % 300) * 0.003, 51.3 + (i // 300) * 0.001
            ring = [[x, y], [x + 0.002, y], [x + 0.002, y + 0.0008], [x, y]]
            feature = {
                "type": "Feature",
                "properties": {"NAME": f"Area {i}", "GSS_CODE": f"E05{i:06d}"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
            fh.write(("," if i else "") + json.dumps(feature))
        fh.write("]}")
    return path


# name -> (what, maker, ingest options)
CASES: dict[str, tuple[str, Callable[[Path], Path], dict[str, float]]] = {
    "baseline": ("clean 100-row street file", make_clean, {}),
    "long-line-gz": (f"one {LINE_MB} MB line in a .csv.gz", make_long_line_gz, {}),
    "long-line-gz-no-ratio": (
        "the same, --max-expansion 0 (the line read)",
        make_long_line_gz,
        {"max_expansion": 0},
    ),
    "long-line-csv": (f"one {LINE_MB} MB line in a plain .csv", make_long_line_plain, {}),
    "zip-bomb": (f"zip of {BOMB_ROWS:,} rows (~300 MB)", make_bomb, {}),
    "zip-bomb-no-ratio": (
        "the same, --max-expansion 0 (what the limit spares)",
        make_bomb,
        {"max_expansion": 0},
    ),
    "wide-header": ("2 MB header line", make_wide_header, {}),
    "deep-json": ("JSON nested 200,000 deep", make_deep_json, {}),
    "many-features": ("GeoJSON of 100,000 features", make_many_features, {}),
}


# A limit turned off to show what it spares: printed beside its twin, not judged.
COMPARISONS = {"zip-bomb-no-ratio"}


def phase(path: str, db: str, options: dict[str, float]) -> dict[str, object]:
    """One ingest, in this (child) process; its own peak RSS in MB."""
    import crimepulse
    from crimepulse.config import ReadLimits

    started = time.perf_counter()
    with crimepulse.open(db) as cp:
        report = cp.ingest(path, limits=ReadLimits().replace(**options))
        reasons = cp.sql("SELECT reason FROM quarantine LIMIT 3").column("reason").to_pylist()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "peak_mb": peak_kib / 1024,
        "seconds": time.perf_counter() - started,
        "status": ",".join(r.status for r in report.files),
        "rows": report.rows_loaded,
        "quarantined": report.rows_quarantined,
        "said": " | ".join([*(r.message for r in report.files if r.message), *reasons]),
    }


def run_phase(path: Path, db: Path, options: dict[str, float]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", str(path), "--db", str(db), json.dumps(options)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(CASES), help="run only these")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("options", nargs="?", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.db, json.loads(args.options))))
        return

    names = ["baseline", *(n for n in (args.only or CASES) if n != "baseline")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = 0.0
        print(f"{'input':<46} {'file':>9} {'peak RSS':>9} {'vs base':>8}  goal {GOAL_MB} MB")
        for index, name in enumerate(names):
            what, make, options = CASES[name]
            work = folder / name
            work.mkdir()
            path = make(work)
            size = path.stat().st_size
            result = run_phase(path, folder / f"w{index}.duckdb", options)
            path.unlink()
            peak = float(str(result["peak_mb"]))
            baseline = baseline or peak
            verdict = "met" if peak <= GOAL_MB else "MISSED"
            if name in COMPARISONS:
                verdict = "for comparison"
            print(
                f"{what:<46} {size / 1e6:>7.2f}MB {peak:>7.0f}MB {peak - baseline:>+7.0f}MB  "
                f"{verdict}"
            )
            said = str(result["said"]).replace(str(work) + "/", "")
            print(
                f"    {result['status']}; {result['rows']:,} rows, "
                f"{result['quarantined']:,} quarantined, {float(str(result['seconds'])):.1f} s; "
                f"{said[:150]}"
            )


if __name__ == "__main__":
    main()
