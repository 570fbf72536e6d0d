"""The real files in ../shared/data, end to end: row counts equal their PROVENANCE.md counts,
gaps and suspect months are found, and the current view prefers sound editions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import crimepulse
from crimepulse.api import Crimepulse

# (folder, dataset, force, rows, months) as PROVENANCE.md states them.
POLICE_UK = [
    ("police-uk-met-burglary-street", "crimes", "metropolitan", 1_022_291, 171),
    ("police-uk-met-burglary-outcomes", "outcomes", "metropolitan", 225_486, 158),
    ("police-uk-met-stop-and-search", "stops", "metropolitan", 1_069_661, 85),
    ("police-uk-city-of-london-street", "crimes", "city-of-london", 62_739, 92),
    ("police-uk-city-of-london-stop-and-search", "stops", "city-of-london", None, 13),
]
MPS = [
    "mps-datastore-parquet/recorded-crime-borough-historical.parquet",
    "mps-datastore-parquet/recorded-crime-borough.parquet",
    "mps-datastore-parquet/recorded-crime-ward-historical.parquet",
    "mps-datastore-parquet/recorded-crime-ward.parquet",
    "mps-datastore-parquet/recorded-crime-lsoa.parquet",
    "mps-homicide/homicide_victims.csv",
    "london-borough-boundaries",
    "london-borough-population",
]


@pytest.fixture(scope="module")
def london(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    db = tmp_path_factory.mktemp("real") / "london.duckdb"
    with crimepulse.open(db) as cp:
        report = cp.ingest(
            *(shared_data / p[0] for p in POLICE_UK), *(shared_data / p for p in MPS)
        )
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files if r.message]
        yield cp


def _series(cp: Crimepulse, dataset: str, force: str | None, area: str | None = None):  # type: ignore[no-untyped-def]
    found = [
        s for s in cp.sources() if s.dataset == dataset and s.force == force and s.area_type == area
    ]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.slow
@pytest.mark.parametrize(("folder", "dataset", "force", "rows", "months"), POLICE_UK)
def test_police_uk_rows_and_months_match_provenance(
    london: Crimepulse, folder: str, dataset: str, force: str, rows: int | None, months: int
) -> None:
    series = _series(london, dataset, force)
    if rows is not None:
        assert series.rows == rows
    assert series.months == months
    assert series.quarantined == 0


@pytest.mark.slow
def test_burglary_rows_per_year_match_provenance(london: Crimepulse) -> None:
    per_year = dict(
        london.sql(
            "SELECT year(month) AS y, count(*) AS n FROM crimes "
            "WHERE force = 'metropolitan' GROUP BY 1 ORDER BY 1"
        )
        .to_pylist()[i]
        .values()
        for i in range(16)
    )
    assert per_year[2011] == 95_884 and per_year[2020] == 61_044 and per_year[2024] == 52_552
    # Rows without a Crime ID (before 2013) are all kept, each with its own identity.
    no_id = london.sql(
        "SELECT count(*) AS n, count(DISTINCT crime_id) AS ids FROM crimes "
        "WHERE NOT has_source_id AND force = 'metropolitan'"
    ).to_pylist()[0]
    assert no_id["n"] == no_id["ids"] > 90_000


@pytest.mark.slow
def test_stop_and_search_gaps_are_flagged(london: Crimepulse) -> None:
    assert _series(london, "stops", "metropolitan").gaps == ["2019-03..2021-05", "2022-01"]
    assert _series(london, "crimes", "metropolitan").gaps == []


@pytest.mark.slow
def test_near_empty_first_month_of_rolling_tables_is_suspect(london: Crimepulse) -> None:
    lsoa = _series(london, "counts", "metropolitan", "lsoa")
    assert lsoa.suspect_months == ["2024-02"]
    ward = _series(london, "counts", "metropolitan", "ward")
    # The historical ward table has a sound 2024-02, so the current view uses it.
    assert ward.suspect_months == [] and ward.replaced_suspect_months == ["2024-02"]
    ward_feb = london.sql(
        "SELECT sum(count) AS n FROM counts WHERE area_type = 'ward' AND month = '2024-02-01'"
    ).to_pylist()[0]["n"]
    assert ward_feb > 50_000


@pytest.mark.slow
def test_borough_tables_join_into_one_continuous_series(london: Crimepulse) -> None:
    borough = _series(london, "counts", "metropolitan", "borough")
    assert (borough.first_month, borough.last_month, borough.gaps) == ("2010-04", "2026-02", [])
    homicide = london.sql(
        "SELECT year(month) AS y, sum(count) AS n FROM counts WHERE area_type = 'borough' "
        "AND minor = 'HOMICIDE' AND year(month) IN (2021, 2022) GROUP BY 1 ORDER BY 1"
    ).to_pylist()
    assert [h["n"] for h in homicide] == [135, 112]  # PROVENANCE.md: a 17.0% fall


@pytest.mark.slow
def test_reference_tables_load(london: Crimepulse) -> None:
    assert london.sql("SELECT count(*) AS n FROM areas").to_pylist()[0]["n"] == 33
    population = london.sql(
        "SELECT population FROM population WHERE area_name ILIKE '%london%' AND year = 2021 "
        "AND area_code LIKE 'E12%'"
    ).to_pylist()
    assert population and population[0]["population"] == 9_298_024
    assert london.sql("SELECT sum(count) AS n FROM victims").to_pylist()[0]["n"] == 2_544


BOUNDARIES = [
    "london-borough-boundaries",
    "london-ward-boundaries-2022",
    "london-lsoa-boundaries",
]


@pytest.fixture(scope="module")
def boundaries(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    """The real borough, ward and LSOA boundaries, ingested into one warehouse."""
    db = tmp_path_factory.mktemp("boundaries") / "areas.duckdb"
    with crimepulse.open(db) as cp:
        report = cp.ingest(*(shared_data / folder for folder in BOUNDARIES))
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files if r.message]
        yield cp


@pytest.mark.shared
def test_real_boundaries_count_areas_by_level(boundaries: Crimepulse) -> None:
    """PROVENANCE.md: 33 boroughs, 704 wards (679 MPS + 25 City), 4,835 LSOAs of 2011 and
    4,994 of 2021; nothing quarantined, the five Thames wards repaired and noted."""
    levels = boundaries.sql(
        "SELECT area_type, census_year, count(*) AS n, count(DISTINCT borough_code) AS boroughs "
        "FROM areas GROUP BY ALL ORDER BY ALL"
    ).to_pylist()
    assert [(r["area_type"], r["census_year"], r["n"], r["boroughs"]) for r in levels] == [
        ("borough", None, 33, 0),
        ("lsoa", 2011, 4835, 33),
        ("lsoa", 2021, 4994, 33),
        ("ward", None, 704, 33),
    ]
    assert boundaries.sql("SELECT count(*) AS n FROM quarantine").to_pylist() == [{"n": 0}]
    [notes] = boundaries.sql(
        "SELECT notes FROM batches WHERE path LIKE '%london_wards_2022_bsc.geojson'"
    ).to_pylist()
    assert notes["notes"].count("repaired with make_valid") == 3
    assert notes["notes"].count("has no area: left out") == 2


@pytest.mark.shared
def test_every_mps_ward_and_lsoa_has_a_boundary(shared_data: Path, boundaries: Crimepulse) -> None:
    """The codes the MPS ward and LSOA tables use are all in the boundary files."""
    tables = shared_data / "mps-datastore-parquet"
    missing = boundaries.sql(
        "SELECT (SELECT count(DISTINCT wardcode) FROM read_parquet(?) WHERE wardcode NOT IN "
        "(SELECT area_code FROM areas WHERE area_type = 'ward')) AS wards, "
        "(SELECT count(DISTINCT lsoa_code) FROM read_parquet(?) WHERE lsoa_code NOT IN "
        "(SELECT area_code FROM areas WHERE area_type = 'lsoa' AND census_year = 2021)) AS lsoas",
        [str(tables / "recorded-crime-ward.parquet"), str(tables / "recorded-crime-lsoa.parquet")],
    ).to_pylist()
    assert missing == [{"wards": 0, "lsoas": 0}]
