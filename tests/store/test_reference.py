"""Reference tables are keyed: a partial boundary or population file revises the keys it
holds and leaves the others as they were; `replace` replaces a whole table."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import crimepulse
from crimepulse.store.ingest import LOADED

SQUARE = [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.5]]]
BOROUGHS = {
    "E09000001": "City of London",
    "E09000007": "Camden",
    "E09000012": "Hackney",
    "E09000019": "Islington",
    "E09000033": "Westminster",
}


def boundaries(path: Path, codes: list[str], hectares: float = 100.0) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"GSS_CODE": code, "NAME": BOROUGHS[code], "HECTARES": hectares},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        }
        for code in codes
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def population(path: Path, rows: list[tuple[str, int, int]]) -> Path:
    lines = ["CODE,NAME,YEAR,POPULATION,SOURCE"]
    lines += [f"{c},{BOROUGHS[c]},{y},{n},ONS MYE" for c, y, n in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_partial_boundary_file_revises_its_areas_and_keeps_the_rest(tmp_path: Path) -> None:
    everything = boundaries(tmp_path / "all.geojson", list(BOROUGHS))
    three = boundaries(tmp_path / "three.geojson", list(BOROUGHS)[:3], hectares=250.0)
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(everything, vintage=datetime(2024, 1, 1))
        report = cp.ingest(three, vintage=datetime(2025, 1, 1))
        [result] = report.files
        assert result.status == LOADED
        assert "revises 3 keys" in result.message and "leaves 2 others" in result.message
        areas = {r["area_code"]: r["hectares"] for r in cp.table("areas").to_pylist()}
        assert areas == {c: (250.0 if c in list(BOROUGHS)[:3] else 100.0) for c in BOROUGHS}
        # as published at the first vintage: the first file alone
        before = cp.table("areas", as_of="2024-06-01").to_pylist()
        assert {r["hectares"] for r in before} == {100.0} and len(before) == 5
        # an explicit replacement replaces the whole table
        cp.ingest(three, vintage=datetime(2025, 1, 1), replace=True)
        assert sorted(r["area_code"] for r in cp.table("areas").to_pylist()) == list(BOROUGHS)[:3]


def test_city_population_rows_do_not_hide_the_other_boroughs(tmp_path: Path) -> None:
    full = population(
        tmp_path / "full.csv", [(c, y, 1000 + y) for c in BOROUGHS for y in (2021, 2022)]
    )
    city = population(tmp_path / "city.csv", [("E09000001", 2021, 8600), ("E09000001", 2022, 8700)])
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(full, vintage=datetime(2024, 1, 1))
        [result] = cp.ingest(city, vintage=datetime(2025, 1, 1)).files
        assert "leaves 8 others" in result.message
        rows = {
            (r["area_code"], r["year"]): r["population"] for r in cp.table("population").to_pylist()
        }
        assert len(rows) == 10
        assert rows[("E09000001", 2021)] == 8600 and rows[("E09000007", 2021)] == 3021
        # a rate still finds Camden's residents after the City's revision
        assert cp.sql(
            "SELECT population FROM population WHERE area_code = 'E09000007' AND year = 2022"
        ).to_pylist() == [{"population": 3022}]
