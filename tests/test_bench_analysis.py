"""bench/analysis.py's correctness check on a small warehouse the test writes (not its
timings): both grids give the hand-written queries' counts in every cell, and a count that
differs is caught."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import crimepulse
from crimepulse.api import Crimepulse
from tests.factories import STREET_HEADER, street_row, write

BENCH = Path(__file__).resolve().parents[1] / "bench" / "analysis.py"
MONTHS = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)][2:26]  # 2023-03..
BOROUGHS = ["Camden", "Hackney"]
MINORS = [
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
    ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
]
LSOAS = [("E01000001", "Camden 001A"), ("E01000002", "Camden 001B"), ("", "")]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_analysis", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while defined
    spec.loader.exec_module(module)
    return module


def _mps_count(borough: str, minor: str, month: str) -> int:
    if minor == "HOMICIDE":  # tiny and mostly zero
        return 1 if month.endswith(("-02", "-07")) and borough == "Hackney" else 0
    return 10 + int(month[5:]) + (5 if month >= "2024-03" else 0)


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("bench-analysis")
    header = ["MajorText", "MinorText", "BoroughName", *(m.replace("-", "") for m in MONTHS)]
    rows = [
        ",".join([major, minor, b, *(str(_mps_count(b, minor, m)) for m in MONTHS)])
        for b in BOROUGHS
        for major, minor in MINORS
    ]
    write(root / "mps.csv", ",".join(header), rows)
    for i, month in enumerate(MONTHS):
        street = [
            street_row(crime_id=f"{month}-{j:04d}", month=month, lsoa=code, lsoa_name=name)
            for j, (code, name) in enumerate(LSOAS * (3 + i % 4))
            if not (code == "E01000002" and month in ("2024-02", "2025-02"))  # 0 vs 0
        ]
        write(root / "street" / f"{month}-metropolitan-street.csv", STREET_HEADER, street)
    with crimepulse.open(root / "w.duckdb") as handle:
        report = handle.ingest(root / "mps.csv", root / "street")
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield handle


def test_both_grids_match_the_hand_written_queries(bench: ModuleType, cp: Crimepulse) -> None:
    borough, lsoa = bench.CASES
    sizes = bench.check_case(cp, borough)
    assert sizes["cells"] == len(BOROUGHS) * len(MINORS) * 5
    assert sizes["areas"] == len(BOROUGHS)
    sizes = bench.check_case(cp, lsoa)
    placed = [code for code, _ in LSOAS if code]  # crimes without an LSOA are in no cell
    assert sizes["cells"] == len(placed) * 5
    assert sizes["counted"] == len(placed) * 5 - 1  # E01000002: none in either February


def test_the_hand_written_windows_are_the_engine_windows(bench: ModuleType) -> None:
    windows = {
        (w, role): (str(lo), str(hi)) for w, role, lo, hi in bench.month_windows(bench.AS_OF)
    }
    assert windows[("quarter", "current")] == ("2025-01-01", "2025-02-01")
    assert windows[("fy", "current")] == ("2024-04-01", "2025-02-01")
    assert windows[("12m", "previous")] == ("2023-03-01", "2024-02-01")


def test_a_count_that_differs_is_caught(bench: ModuleType, cp: Crimepulse) -> None:
    case = bench.CASES[0]
    hand = bench.hand_counts(cp.sql(bench.hand_sql(case, bench.AS_OF)))
    engine = bench.grid_counts(case.grid(cp, bench.AS_OF), case)
    key = next(k for k, v in hand.items() if v != (0, 0))
    hand[key] = (hand[key][0] + 1, hand[key][1])
    with pytest.raises(bench.CountMismatch, match="1 cells differ"):
        bench.check_same(case, "grid", engine, hand)
