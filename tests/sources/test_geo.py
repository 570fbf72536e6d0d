"""Area boundaries (GeoJSON: boroughs, wards, LSOAs) and population: real files and fixtures."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
from shapely.geometry import shape

from crimepulse.core import schema
from crimepulse.sources import files, geo
from crimepulse.sources.base import Batch, FormatError


def read(path: Path) -> Batch:
    sf = next(files.discover([path]))
    columns = files.header(sf)
    matching = [r for r in geo.READERS if r.matches(columns)]
    assert len(matching) == 1, f"{path.name}: readers {[r.name for r in matching]}"
    return matching[0].read(sf, columns)


# ---------------------------------------------------------------- real data


@pytest.mark.shared
def test_real_borough_boundaries(shared_data: Path) -> None:
    batch = read(shared_data / "london-borough-boundaries" / "London_Borough_Excluding_MHW.geojson")
    table = batch.table
    assert batch.dataset == "areas" and batch.area_type == "borough"
    assert batch.rows_read == table.num_rows == 33 and batch.rejects == []
    assert table.schema == schema.arrow_schema("areas")
    assert sorted(table["area_code"].to_pylist()) == [f"E090000{i:02d}" for i in range(1, 34)]
    kinds = Counter(json.loads(g)["type"] for g in table["geometry"].to_pylist())
    assert kinds == {"Polygon": 30, "MultiPolygon": 3}
    assert table["inner_london"].null_count == 0
    first = table.slice(0, 1).to_pylist()[0]
    assert first["line"] == 1 and first["area_name"] == "Kingston upon Thames"
    assert first["hectares"] == pytest.approx(3726.117) and first["inner_london"] is False
    assert " " not in first["geometry"]  # compact JSON


@pytest.mark.shared
def test_real_borough_population(shared_data: Path) -> None:
    batch = read(shared_data / "london-borough-population" / "borough_population.csv")
    table = batch.table
    assert batch.dataset == "population" and batch.format == "population-long"
    assert batch.rows_read == table.num_rows == 1872 and batch.rejects == []
    assert table.schema == schema.arrow_schema("population")
    assert len(set(table["area_code"].to_pylist())) == 36
    rows = {
        (r["area_code"], r["year"]): r
        for r in table.to_pylist()
        if r["area_code"] in ("E12000007", "E09000001")
    }
    assert rows[("E12000007", 2021)]["population"] == 9_298_024
    assert rows[("E12000007", 2022)]["population"] == 9_390_069
    assert rows[("E12000007", 2021)]["month"] == datetime.date(2021, 1, 1)
    assert rows[("E12000007", 2021)]["basis"] == "GLA Population Projections"
    assert rows[("E09000001", 1999)]["population"] == 6581
    assert rows[("E09000001", 1999)]["basis"] == "ONS MYE"
    assert pc.min(table["population"]).as_py() > 0


# ---------------------------------------------------------------- boundary fixtures

SQUARE = [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.5]]]


def feature(props: dict[str, Any], coords: Any = SQUARE, kind: str = "Polygon") -> dict[str, Any]:
    geometry = None if coords is None else {"type": kind, "coordinates": coords}
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write_geojson(tmp_path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def test_geojson_rejects_features_without_code_or_geometry(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path,
        [
            feature({"NAME": "Camden", "GSS_CODE": "E09000007", "ONS_INNER": "T"}),
            feature({"NAME": "Nowhere", "GSS_CODE": ""}),
            feature({"NAME": "Hackney", "GSS_CODE": "E09000012"}, coords=None),
            feature({"NAME": "Camden again", "GSS_CODE": "E09000007"}),
            feature({"NAME": "Paris", "GSS_CODE": "E09000099"}, [[[2.3, 48.8], [2.4, 48.9]]]),
        ],
    )
    batch = read(path)
    assert batch.rows_read == 5
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (2, "GSS_CODE", "missing area code"),
        (3, "geometry", "missing geometry"),
        (4, "GSS_CODE", "duplicate code E09000007 (first at feature 1)"),
        (5, "geometry", "geometry outside the UK (lon 2.300..2.400, lat 48.800..48.900)"),
    ]
    assert batch.rejects[0].raw == '{"NAME":"Nowhere","GSS_CODE":""}'
    assert batch.table.to_pylist()[0]["inner_london"] is True
    assert batch.table["area_code"].to_pylist() == ["E09000007"]


@pytest.mark.parametrize(
    ("props", "area_type"),
    [
        ({"name": "Camden", "code": "E09000007"}, "borough"),
        ({"LAD23NM": "Camden", "LAD23CD": "E09000007"}, "borough"),
        ({"lad11nm": "Oxford", "lad11cd": "E07000178"}, "area"),
    ],
)
def test_geojson_property_variants(tmp_path: Path, props: dict[str, Any], area_type: str) -> None:
    batch = read(write_geojson(tmp_path, [feature(props)]))
    row = batch.table.to_pylist()[0]
    assert row["area_type"] == area_type == batch.area_type
    assert row["area_name"] in ("Camden", "Oxford") and row["hectares"] is None


def test_geojson_in_british_national_grid_is_refused(tmp_path: Path) -> None:
    bng = [[[527000.0, 181000.0], [528000.0, 181000.0], [528000.0, 182000.0]]]
    path = write_geojson(tmp_path, [feature({"NAME": "Camden", "GSS_CODE": "E09000007"}, bng)])
    with pytest.raises(FormatError, match=r"areas\.geojson: coordinates are in a projected CRS"):
        read(path)


def test_geojson_with_swapped_axes_is_refused(tmp_path: Path) -> None:
    swapped = [[[51.5, -0.1], [51.51, -0.09], [51.5, -0.09]]]
    path = write_geojson(tmp_path, [feature({"NAME": "Camden", "GSS_CODE": "E09000007"}, swapped)])
    with pytest.raises(FormatError, match="lat/lon order"):
        read(path)


def test_geojson_that_is_not_a_feature_collection_is_refused_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"type": "Feature", "properties": {}}')
    sf = next(files.discover([path]))
    with pytest.raises(
        FormatError, match=r"x\.json: not a GeoJSON FeatureCollection \(found type 'Feature'\)"
    ):
        files.header(sf)


# ---------------------------------------------------------------- population fixtures


def test_population_long_fixture(tmp_path: Path) -> None:
    lines = [
        "\ufeffCODE,NAME,YEAR,POPULATION,SOURCE,Extra",
        'E09000007,Camden,2021,"210,136",ONS MYE,1',
        "E09000012,Hackney,2021,-5,ONS MYE,1",
        "E09000019,Islington,2021,lots,ONS MYE,1",
        ",Unknown,2021,100,ONS MYE,1",
        "E09000033,Westminster,20x1,100,ONS MYE,1",
        "E09000033,Westminster,2021,204238.6,GLA,1",
        "E09000001,City of London,2021,8600",
    ]
    path = tmp_path / "pop.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    batch = read(path)
    assert batch.rows_read == 7
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (3, "population", "negative population -5"),
        (4, "population", 'non-numeric population "lots"'),
        (5, "code", "missing area code"),
        (6, "year", 'bad year "20x1"'),
        (8, None, "wrong column count: 4 fields, header has 6"),
    ]
    rows = batch.table.to_pylist()
    assert [(r["line"], r["population"], r["basis"]) for r in rows] == [
        (2, 210136, "ONS MYE"),
        (7, 204239, "GLA"),
    ]


def test_population_wide_fixture(tmp_path: Path) -> None:
    text = "Code,Name,2019,2020\nE09000007,Camden,270000,\nE09000012,Hackney,-1,281000\n"
    text += ",Nowhere,1,2\nE09000019,Islington,n/a,240000\n"
    path = tmp_path / "wide.csv"
    path.write_text(text)
    batch = read(path)
    assert batch.format == "population-wide" and batch.rows_read == 4
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (3, "2019", "negative population -1"),
        (4, "code", "missing area code"),
        (5, "2019", 'non-numeric population "n/a"'),
    ]
    assert batch.rejects[0].raw == "E09000012,Hackney,-1,281000"
    rows = batch.table.to_pylist()
    assert [(r["line"], r["year"], r["population"]) for r in rows] == [
        (2, 2019, 270000),
        (3, 2020, 281000),
        (5, 2020, 240000),
    ]
    assert rows[0]["month"] == datetime.date(2019, 1, 1) and rows[0]["basis"] is None
    assert batch.notes == ["1 empty cells treated as missing"]


# ---------------------------------------------------------------- geometry validity

BOW_TIE = [[[-0.1, 51.5], [-0.09, 51.51], [-0.09, 51.5], [-0.1, 51.51], [-0.1, 51.5]]]


def test_detection_reads_past_a_first_feature_without_name_or_code(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path,
        [
            {"type": "Feature", "properties": {}, "geometry": None},
            feature({"NAME": "Camden", "GSS_CODE": "E09000007"}),
        ],
    )
    batch = read(path)
    assert batch.table["area_code"].to_pylist() == ["E09000007"]
    assert [(r.line, r.reason) for r in batch.rejects] == [(1, "missing area code")]


def test_bad_geometries_are_quarantined_by_feature_and_name(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path,
        [
            feature({"NAME": "Camden", "GSS_CODE": "E09000007"}),
            feature({"NAME": "Circle", "GSS_CODE": "E09000001"}, [-0.1, 51.5], kind="Circle"),
            feature({"NAME": "Empty", "GSS_CODE": "E09000002"}, []),
            feature({"NAME": "Line", "GSS_CODE": "E09000003"}, [[[-0.1, 51.5], [-0.09, 51.5]]]),
            feature({"NAME": "Far", "GSS_CODE": "E09000004"}, [[[-0.1, 51.5], [200, 95], [0, 51]]]),
            feature({"NAME": "Point", "GSS_CODE": "E09000005"}, [-0.1, 51.5], kind="Point"),
            feature({"NAME": "Text", "GSS_CODE": "E09000006"}, [[["a", "b"]]]),
            feature({"NAME": "Hackney", "GSS_CODE": "E09000012"}),
        ],
    )
    batch = read(path)
    assert batch.table["area_code"].to_pylist() == ["E09000007", "E09000012"]
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (
            2,
            "geometry",
            'feature 2 (Circle): unknown geometry type "Circle" (expected Polygon or MultiPolygon)',
        ),
        (3, "geometry", "feature 3 (Empty): empty coordinates"),
        (
            4,
            "geometry",
            "feature 4 (Line): ring 1 has 2 positions (a ring needs at least 4, "
            "the last repeating the first)",
        ),
        (
            5,
            "geometry",
            "feature 5 (Far): coordinates out of lon/lat range "
            "(lon -0.100..200.000, lat 51.000..95.000)",
        ),
        (
            6,
            "geometry",
            "feature 6 (Point): geometry type Point is not an area "
            "(expected Polygon or MultiPolygon)",
        ),
        (7, "geometry", "feature 7 (Text): ring 1 is not a list of [lon, lat] positions"),
    ]
    assert batch.rejects[0].raw == '{"NAME":"Circle","GSS_CODE":"E09000001"}'
    assert batch.rows_read == 8 == batch.row_count + len(batch.rejects)


def test_a_bow_tie_is_repaired_with_make_valid_and_noted(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path,
        [
            feature({"NAME": "Camden", "GSS_CODE": "E09000007"}, BOW_TIE),
            feature({"NAME": "Hackney", "GSS_CODE": "E09000012"}),
        ],
    )
    batch = read(path)
    assert batch.rejects == []
    assert batch.table["area_code"].to_pylist() == ["E09000007", "E09000012"]
    repaired = json.loads(batch.table["geometry"][0].as_py())
    assert repaired["type"] == "MultiPolygon" and len(repaired["coordinates"]) == 2
    assert json.loads(batch.table["geometry"][1].as_py()) == {
        "type": "Polygon",
        "coordinates": SQUARE,
    }
    assert len(batch.notes) == 1
    assert batch.notes[0].startswith("feature 1 (Camden): invalid geometry (Self-intersection")
    assert batch.notes[0].endswith("repaired with make_valid")


def test_a_geometry_with_no_area_left_is_quarantined(tmp_path: Path) -> None:
    flat = [[[-0.1, 51.5], [-0.09, 51.5], [-0.08, 51.5], [-0.1, 51.5]]]  # all on one line
    path = write_geojson(
        tmp_path,
        [
            feature({"NAME": "Flat", "GSS_CODE": "E09000007"}, flat),
            feature({"NAME": "Hackney", "GSS_CODE": "E09000012"}),
        ],
    )
    batch = read(path)
    assert batch.table["area_code"].to_pylist() == ["E09000012"]
    [reject] = batch.rejects
    assert reject.line == 1 and reject.reason.startswith("feature 1 (Flat): invalid geometry (")
    assert reject.reason.endswith("with no area left after repair")


def test_an_unclosed_ring_is_closed_and_noted(tmp_path: Path) -> None:
    open_ring = [[[-0.1, 51.5], [-0.09, 51.5], [-0.09, 51.51], [-0.1, 51.51]]]
    path = write_geojson(
        tmp_path, [feature({"NAME": "Camden", "GSS_CODE": "E09000007"}, open_ring)]
    )
    batch = read(path)
    ring = json.loads(batch.table["geometry"][0].as_py())["coordinates"][0]
    assert ring == [*open_ring[0], open_ring[0][0]]
    assert batch.notes == ["feature 1 (Camden): ring not closed: closed"]


# ---------------------------------------------------------------- wards and LSOAs

CAMDEN_LSOA_2021 = {
    "LSOA21CD": "E01000907",
    "LSOA21NM": "Camden 001A",
    "MSOA21CD": "E02000166",
    "MSOA21NM": "Camden 001",
    "LAD22CD": "E09000007",
    "LAD22NM": "Camden",
}


def square(x: float) -> list[list[list[float]]]:
    """A small square whose west edge is at longitude `x` (so features do not overlap)."""
    return [[[x, 51.5], [x + 0.005, 51.5], [x + 0.005, 51.505], [x, 51.505], [x, 51.5]]]


def test_an_lsoa_file_loads_lsoas_not_their_borough(tmp_path: Path) -> None:
    """Every LSOA of a borough names that borough (LAD22CD): the LSOA code is the area's,
    the borough's is kept beside it, and none is a "duplicate" of another."""
    second = {**CAMDEN_LSOA_2021, "LSOA21CD": "E01000908", "LSOA21NM": "Camden 001B"}
    path = write_geojson(
        tmp_path, [feature(CAMDEN_LSOA_2021, square(-0.15)), feature(second, square(-0.14))]
    )
    batch = read(path)
    assert batch.rejects == [] and batch.area_type == "lsoa"
    rows = batch.table.to_pylist()
    assert [(r["area_type"], r["area_code"], r["area_name"]) for r in rows] == [
        ("lsoa", "E01000907", "Camden 001A"),
        ("lsoa", "E01000908", "Camden 001B"),
    ]
    assert {(r["borough_code"], r["census_year"]) for r in rows} == {("E09000007", 2021)}


def test_a_2011_lsoa_file_says_its_census(tmp_path: Path) -> None:
    props = {
        "LSOA11CD": "E01000001",
        "LSOA11NM": "City of London 001A",
        "MSOA11CD": "E02000001",
        "LAD11CD": "E09000001",
        "LAD11NM": "City of London",
    }
    [row] = read(write_geojson(tmp_path, [feature(props)])).table.to_pylist()
    assert (row["area_code"], row["area_name"], row["census_year"]) == (
        "E01000001",
        "City of London 001A",
        2011,
    )


def test_a_ward_file_with_worded_properties_is_detected_and_loads_its_wards(
    tmp_path: Path,
) -> None:
    wards = [
        ("E05013570", "Heathrow Villages", "E09000017", "Hillingdon"),
        ("E05009288", "Aldersgate", "E09000001", "City of London"),
    ]
    path = write_geojson(
        tmp_path,
        [
            feature(
                {"ward_code": c, "ward_name": n, "borough_code": b, "borough_name": bn},
                square(-0.2 + i * 0.01),
            )
            for i, (c, n, b, bn) in enumerate(wards)
        ],
    )
    batch = read(path)
    assert batch.rejects == [] and batch.area_type == "ward"
    rows = batch.table.to_pylist()
    assert [(r["area_code"], r["area_name"], r["borough_code"]) for r in rows] == [
        (c, n, b) for c, n, b, _ in wards
    ]
    assert {r["census_year"] for r in rows} == {None}  # a ward's code changes with it


def test_a_borough_has_no_borough_code_of_its_own(tmp_path: Path) -> None:
    props = {"LAD22CD": "E09000007", "LAD22NM": "Camden", "RGN22CD": "E12000007"}
    [row] = read(write_geojson(tmp_path, [feature(props)])).table.to_pylist()
    assert (row["area_type"], row["area_code"], row["borough_code"]) == (
        "borough",
        "E09000007",
        None,
    )
    assert row["census_year"] is None


@pytest.mark.parametrize(
    ("props", "chosen"),
    [
        (("LAD22CD", "LAD22NM", "LSOA21NM", "LSOA21CD", "MSOA21CD"), ("LSOA21CD", "LSOA21NM")),
        (("borough_code", "ward_name", "ward_code"), ("ward_code", "ward_name")),
        (("WD22CD", "WD22NM", "LAD22CD"), ("WD22CD", "WD22NM")),
        (("GSS_CODE", "NAME", "LAD11CD"), ("GSS_CODE", "NAME")),  # a generic key is the own
        (("LSOA11CD", "LSOA21NM", "LSOA11NM"), ("LSOA11CD", "LSOA11NM")),  # same year first
        (("lsoa11cd", "name"), ("lsoa11cd", "name")),
    ],
)
def test_the_most_specific_code_and_its_name_are_the_areas(
    props: tuple[str, ...], chosen: tuple[str, str]
) -> None:
    naming = geo._naming(props)
    assert (naming.code, naming.name) == chosen


# ---------------------------------------------------------------- collapsed rings

SLIVER = [[-0.2, 51.48], [-0.199, 51.479], [-0.2, 51.48]]  # 3 positions: no area


def test_a_collapsed_part_of_a_multipolygon_is_left_out_and_noted(tmp_path: Path) -> None:
    """As in two Thames-side wards of ONS's 2022 ward boundaries: the ward is kept."""
    props = {"ward_code": "E05013611", "ward_name": "Chiswick Riverside"}
    path = write_geojson(tmp_path, [feature(props, [[SLIVER], SQUARE], kind="MultiPolygon")])
    batch = read(path)
    assert batch.rejects == []
    geometry = json.loads(batch.table["geometry"][0].as_py())
    assert geometry == {"type": "MultiPolygon", "coordinates": [SQUARE]}
    assert batch.notes == [
        "feature 1 (Chiswick Riverside): ring 1 (3 positions) has no area: left out"
    ]


def test_a_collapsed_hole_is_left_out_and_a_collapsed_exterior_is_no_area(
    tmp_path: Path,
) -> None:
    path = write_geojson(
        tmp_path,
        [
            feature({"NAME": "Holed", "GSS_CODE": "E09000007"}, [SQUARE[0], SLIVER]),
            feature({"NAME": "Gone", "GSS_CODE": "E09000012"}, [[SLIVER]], kind="MultiPolygon"),
        ],
    )
    batch = read(path)
    assert batch.table["area_code"].to_pylist() == ["E09000007"]
    assert json.loads(batch.table["geometry"][0].as_py())["coordinates"] == SQUARE
    assert batch.notes == ["feature 1 (Holed): ring 2 (3 positions) has no area: left out"]
    [reject] = batch.rejects
    assert (reject.line, reject.field) == (2, "geometry")
    assert reject.reason == (
        "feature 2 (Gone): ring 1 has 3 positions (a ring needs at least 4, "
        "the last repeating the first)"
    )


# ---------------------------------------------------------------- real wards and LSOAs

LSOA_FILES = {
    2011: ("london_lsoa_2011_bgc.geojson", 4835),
    2021: ("london_lsoa_2021_bgc.geojson", 4994),
}


@pytest.mark.shared
@pytest.mark.parametrize("census", sorted(LSOA_FILES))
def test_real_lsoa_boundaries_load_as_lsoas(shared_data: Path, census: int) -> None:
    name, count = LSOA_FILES[census]
    batch = read(shared_data / "london-lsoa-boundaries" / name)
    table = batch.table
    assert batch.rejects == [] and batch.notes == []
    assert batch.rows_read == table.num_rows == count  # PROVENANCE.md
    assert batch.area_type == "lsoa" and set(table["area_type"].to_pylist()) == {"lsoa"}
    assert set(table["census_year"].to_pylist()) == {census}
    assert len(set(table["area_code"].to_pylist())) == count
    assert all(code.startswith("E01") for code in table["area_code"].to_pylist())
    boroughs = set(table["borough_code"].to_pylist())
    assert boroughs == {f"E090000{i:02d}" for i in range(1, 34)}
    first = table.slice(0, 1).to_pylist()[0]
    assert first["area_name"].startswith(("City of London 0", "Barking and Dagenham 0"))


WARD_REPAIRS = {
    "E05013611": "Chiswick Riverside",
    "E05014022": "Thamesfield",
    "E05013747": "Sands End",
    "E05013782": "Kew",
    "E05013788": "Teddington",
}


@pytest.mark.shared
def test_real_ward_boundaries_load_every_ward_repairing_the_thames_slivers(
    shared_data: Path,
) -> None:
    batch = read(shared_data / "london-ward-boundaries-2022" / "london_wards_2022_bsc.geojson")
    table = batch.table
    assert batch.format == "geojson-boundaries" and batch.area_type == "ward"
    assert batch.rejects == [] and batch.rows_read == table.num_rows == 704  # PROVENANCE.md
    rows = {r["area_code"]: r for r in table.to_pylist()}
    assert len(rows) == 704
    assert sum(r["borough_code"] == "E09000001" for r in rows.values()) == 25  # City wards
    assert len({r["borough_code"] for r in rows.values()}) == 33
    # the five invalid features PROVENANCE.md names: each repaired, named in the notes, valid
    assert len(batch.notes) == 5
    for code, ward in WARD_REPAIRS.items():
        assert rows[code]["area_name"] == ward
        assert sum(note.startswith("feature ") and f"({ward})" in note for note in batch.notes) == 1
        assert shape(json.loads(rows[code]["geometry"])).is_valid
