"""Reference tables are keyed: a partial boundary or population file revises the keys it
holds and leaves the others as they were; `replace` replaces a whole table. LSOAs are keyed
by their census too, so the 2011 and 2021 sets are both kept."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb

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


def lsoas(path: Path, census: int, codes: dict[str, str], hectares: float = 10.0) -> Path:
    """An ONS-style LSOA boundary file of `census` (LSOA11CD or LSOA21CD, each naming its
    borough)."""
    yy = census % 100
    features = [
        {
            "type": "Feature",
            "properties": {
                f"LSOA{yy}CD": code,
                f"LSOA{yy}NM": name,
                f"LAD{yy}CD": "E09000001",
                f"LAD{yy}NM": "City of London",
                "HECTARES": hectares,
            },
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        }
        for code, name in codes.items()
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_the_2011_and_2021_lsoa_sets_are_both_kept(tmp_path: Path) -> None:
    """E01000001 is in both censuses (an unchanged LSOA keeps its code): each set keeps its
    own row, and a new edition of one census revises that census only."""
    old = {"E01000001": "City of London 001A", "E01000004": "City of London 001D"}
    new = {"E01000001": "City of London 001A", "E01032739": "City of London 001F"}
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(lsoas(tmp_path / "lsoa11.geojson", 2011, old), vintage=datetime(2024, 1, 1))
        cp.ingest(lsoas(tmp_path / "lsoa21.geojson", 2021, new), vintage=datetime(2024, 1, 1))
        revised = lsoas(tmp_path / "lsoa21b.geojson", 2021, new, hectares=12.0)
        cp.ingest(revised, vintage=datetime(2025, 1, 1))
        rows = cp.sql(
            "SELECT census_year, area_code, borough_code, hectares FROM areas "
            "WHERE area_type = 'lsoa' ORDER BY 1, 2"
        ).to_pylist()
    assert [(r["census_year"], r["area_code"], r["hectares"]) for r in rows] == [
        (2011, "E01000001", 10.0),
        (2011, "E01000004", 10.0),
        (2021, "E01000001", 12.0),
        (2021, "E01032739", 12.0),
    ]
    assert {r["borough_code"] for r in rows} == {"E09000001"}


def test_a_warehouse_from_before_wards_and_lsoas_gains_their_columns(tmp_path: Path) -> None:
    """Schema version 3 had no borough_code or census_year: opening it adds them (null in
    its rows) and keeps its boroughs."""
    db = tmp_path / "w.duckdb"
    with crimepulse.open(db) as cp:
        cp.ingest(boundaries(tmp_path / "all.geojson", list(BOROUGHS)))
    con = duckdb.connect(str(db))
    con.execute("DROP VIEW areas")
    con.execute("DROP MACRO TABLE areas_as_of")
    con.execute("ALTER TABLE area_rows DROP COLUMN census_year")
    con.execute("ALTER TABLE area_rows DROP COLUMN borough_code")
    con.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    con.close()
    with crimepulse.open(db) as cp:
        cp.ingest(lsoas(tmp_path / "lsoa21.geojson", 2021, {"E01000001": "City of London 001A"}))
        rows = cp.sql(
            "SELECT area_type, count(*) AS n, count(borough_code) AS with_borough, "
            "min(census_year) AS census FROM areas GROUP BY 1 ORDER BY 1"
        ).to_pylist()
    assert rows == [
        {"area_type": "borough", "n": 5, "with_borough": 0, "census": None},
        {"area_type": "lsoa", "n": 1, "with_borough": 1, "census": 2021},
    ]
