"""Reference geography: area boundaries (GeoJSON) and area population (CSV/Parquet).

Boundaries: a GeoJSON FeatureCollection whose features carry a name and a GSS code. The
property names vary by publisher (NAME/GSS_CODE, name/code, LAD23NM/LAD23CD, LSOA21CD,
ward_code/ward_name), so the reader looks for any of them, case-insensitively, and takes
the most specific as the feature's own: an ONS LSOA file also names each LSOA's MSOA and
borough, and the LSOA is the area (its borough's code is kept beside it). The code's GSS
prefix says the area's type (E09 borough, E05 ward, E01 LSOA, ...); census small areas
keep the census year their property names give (LSOA11CD: 2011), since an unchanged LSOA
keeps its code from one census to the next and both sets are kept. The document is
streamed (`files.geojson_features`): one feature is held at a time, whatever the file's
size.

GeoJSON is lon/lat (WGS84) by definition; files still in British National Grid (metres)
or with swapped axes are refused as a whole, since every feature would be wrong; a single
feature whose coordinates are beyond lon/lat range among good ones is quarantined. Each
geometry must be a Polygon or MultiPolygon whose rings have at least four positions (a
hole or a MultiPolygon's part of fewer, a sliver with no area, is left out); one that is
not valid (a self-intersecting "bow-tie") is repaired with shapely's `make_valid`; either
repair is named in `Batch.notes`, and a geometry that cannot be repaired into an area is
quarantined. A feature's `line` is its 1-based position in
`features`, and geometry reasons name it and its area name.

Population: long (Code, Name, Year, Population[, Source]) or wide (Code, Name, one column
per year). `month` is 1 January of the year, so population joins to monthly facts by year.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity, make_valid

from crimepulse.core.reference import london
from crimepulse.errors import FormatError
from crimepulse.sources import files
from crimepulse.sources.base import (
    AREAS,
    POPULATION,
    Batch,
    Reader,
    Rejection,
    SourceFile,
)
from crimepulse.sources.base import normalise as norm
from crimepulse.sources.mps import unpivot_sql
from crimepulse.sources.tabular import (
    LINE,
    conform,
    constant,
    map_distinct,
    missing_check,
    nullable,
    number_checks,
    quote_ident,
    read_rows,
    shown,
    split,
    with_raw,
)
from crimepulse.sources.validate import UK_LAT, UK_LON, Check

DEFAULT_SOURCE = "london-datastore"
_RAW_LIMIT = 500
_HECTARES_KEYS = ("hectares", "areahectares", "areaha")
_INNER_KEYS = ("onsinner", "innerlondon", "inner")
_TRUE = {"t", "true", "y", "yes", "1", "inner"}
_FALSE = {"f", "false", "n", "no", "0", "outer"}


# ---------------------------------------------------------------- boundaries

# Properties naming an area, by geography: ONS's level, year and CD/NM ("LSOA21CD",
# "LAD22NM"), other publishers' words ("ward_code", "borough_name"), or generic ("GSS_CODE",
# "name": the feature's own, so it ranks before any level).
_ONS_KEY = re.compile(r"^(oa|lsoa|msoa|wd|ward|lad|lau1|ctyua|cty|rgn)(\d{2})(cd|nm)$")
_WORDS_KEY = re.compile(r"^(oa|lsoa|msoa|ward|borough|lad|district|region)(code|name)$")
_GENERIC_KEYS = {"gsscode": True, "code": True, "areacode": True, "name": False, "areaname": False}
# Each spelling's level, finest first (the rank); a borough is a local authority district.
_LEVELS: dict[str, tuple[str, int]] = {
    "": ("", 0),
    "oa": ("oa", 1),
    "lsoa": ("lsoa", 2),
    "msoa": ("msoa", 3),
    "wd": ("ward", 4),
    "ward": ("ward", 4),
    "lad": ("lad", 5),
    "lau1": ("lad", 5),
    "borough": ("lad", 5),
    "district": ("lad", 5),
    "ctyua": ("cty", 6),
    "cty": ("cty", 6),
    "rgn": ("rgn", 7),
    "region": ("rgn", 7),
}
# The area's type from its GSS code's entity prefix (England E, Wales W), else its level.
_GSS_TYPES = {"00": "oa", "01": "lsoa", "02": "msoa", "05": "ward", "09": "borough"}
_LEVEL_TYPES = {"oa": "oa", "lsoa": "lsoa", "msoa": "msoa", "ward": "ward"}
# Census small areas: published anew with each census, an unchanged one keeping its code.
CENSUS_AREAS = ("oa", "lsoa", "msoa")


@dataclass(frozen=True)
class _AreaKey:
    """A property naming an area: its level, its geography's year, code or name."""

    prop: str
    level: str
    rank: int
    year: int | None
    is_code: bool


def _area_key(prop: str) -> _AreaKey | None:
    key = norm(prop)
    if key in _GENERIC_KEYS:
        return _AreaKey(prop, "", 0, None, _GENERIC_KEYS[key])
    ons = _ONS_KEY.match(key)
    if ons:
        level, rank = _LEVELS[ons[1]]
        return _AreaKey(prop, level, rank, 2000 + int(ons[2]), ons[3] == "cd")
    words = _WORDS_KEY.match(key)
    if words:
        level, rank = _LEVELS[words[1]]
        return _AreaKey(prop, level, rank, None, words[2] == "code")
    return None


def _names_an_area(column: str, code: bool) -> bool:
    """True when a (normalised) property name holds an area's code (or its name)."""
    key = _area_key(column)
    return key is not None and key.is_code == code


@dataclass(frozen=True)
class _Naming:
    """Which properties hold a feature's code, name and borough (chosen once for each set
    of property names: a file's features usually share one)."""

    code: str | None
    name: str | None
    borough: str | None  # the code of the local authority (borough) holding the area
    level: str
    year: int | None


def _naming(props: tuple[str, ...]) -> _Naming:
    keys = [k for k in map(_area_key, props) if k is not None]
    codes = sorted((k for k in keys if k.is_code), key=lambda k: k.rank)  # stable: file order
    names = sorted((k for k in keys if not k.is_code), key=lambda k: k.rank)
    if not codes:
        return _Naming(None, names[0].prop if names else None, None, "", None)
    own = codes[0]
    name = (
        [k for k in names if (k.level, k.year) == (own.level, own.year)]
        or [k for k in names if k.level == own.level]
        or names
    )
    parent = own.rank < _LEVELS["lad"][1]
    borough = next((k.prop for k in codes[1:] if parent and k.level == "lad"), None)
    return _Naming(own.prop, name[0].prop if name else None, borough, own.level, own.year)


def _area_type(code: str, naming: _Naming) -> str:
    if code[:1] in ("E", "W") and code[1:3] in _GSS_TYPES:
        kind = _GSS_TYPES[code[1:3]]
        return "area" if kind == "borough" and code[0] != "E" else kind
    return _LEVEL_TYPES.get(naming.level, "area")


def _coordinates(node: Any) -> Iterator[tuple[float, float]]:
    """Every (x, y) position in a GeoJSON coordinates array, at any nesting depth."""
    if isinstance(node, list) and node and isinstance(node[0], int | float):
        yield float(node[0]), float(node[1]) if len(node) > 1 else float("nan")
    elif isinstance(node, list):
        for child in node:
            yield from _coordinates(child)


def _bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float] | None:
    parts = geometry.get("geometries") or [geometry]
    points = [p for g in parts if isinstance(g, dict) for p in _coordinates(g.get("coordinates"))]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(
    box: tuple[float, float, float, float], lon: tuple[float, float], lat: tuple[float, float]
) -> bool:
    return lon[0] <= box[0] and box[2] <= lon[1] and lat[0] <= box[1] and box[3] <= lat[1]


def _in_range(box: tuple[float, float, float, float]) -> bool:
    return abs(box[0]) <= 180 and abs(box[2]) <= 180 and abs(box[1]) <= 90 and abs(box[3]) <= 90


@dataclass
class _Extents:
    """What the file's features' boxes say of its CRS, gathered one feature at a time."""

    seen: bool = False
    any_lon_lat: bool = False
    all_lat_lon: bool = True

    def add(self, box: tuple[float, float, float, float]) -> None:
        self.seen = True
        self.any_lon_lat = self.any_lon_lat or _in_range(box)
        self.all_lat_lon = self.all_lat_lon and _inside(box, UK_LAT, UK_LON)


def _check_crs(f: SourceFile, members: dict[str, Any], extents: _Extents) -> None:
    """Refuse projected or axis-swapped files outright: every feature would be misplaced.

    A file is projected when it says so (EPSG:27700) or when no feature is within lon/lat
    range; one feature out of range among good ones is that feature's fault (quarantined).
    """
    crs = json.dumps(members.get("crs") or {})
    if "27700" in crs or (extents.seen and not extents.any_lon_lat):
        raise FormatError(
            f"{f.name}: coordinates are in a projected CRS (e.g. British National Grid, "
            "EPSG:27700), not lon/lat; reproject to WGS84 (EPSG:4326) first"
        )
    if extents.seen and extents.all_lat_lon:
        raise FormatError(
            f"{f.name}: coordinates are in lat/lon order; GeoJSON requires lon/lat (x, y)"
        )


_AREA_TYPES = ("Polygon", "MultiPolygon")
_GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection")


def _is_position(node: Any) -> bool:
    return (
        isinstance(node, list)
        and len(node) in (2, 3)
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in node)
        and all(math.isfinite(x) for x in node)
    )


def _rings(kind: str, coordinates: Any) -> list[list[Any]] | str:
    """The rings of a Polygon or MultiPolygon, or why its coordinates are not rings of
    positions (a ring's length is checked later, once the feature's position is known good)."""
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not all(isinstance(p, list) and p for p in polygons):
        return "coordinates are not a list of rings"
    rings = [ring for polygon in polygons for ring in polygon]
    for number, ring in enumerate(rings, start=1):
        if not isinstance(ring, list) or not all(_is_position(p) for p in ring):
            return f"ring {number} is not a list of [lon, lat] positions"
    return rings


def _short(number: int, ring: list[Any]) -> str:
    return (
        f"ring {number} has {len(ring)} positions (a ring needs at least 4, "
        "the last repeating the first)"
    )


def _without_short_rings(geometry: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(geometry, "" | the rings left out) or (None, why): a ring of under four positions
    has no area (a sliver collapsed by generalisation, as along the Thames in ONS's ward
    boundaries). It is left out when the feature keeps an area without it: a hole, or one
    part of a MultiPolygon; an exterior ring alone is no area at all."""
    kind = str(geometry.get("type"))
    coordinates: Any = geometry["coordinates"]  # rings of positions (`_rings` said so)
    polygons: list[Any] = [coordinates] if kind == "Polygon" else coordinates
    kept: list[list[Any]] = []
    dropped: list[str] = []
    number = 0
    for exterior, *holes in polygons:
        number += 1
        if len(exterior) < 4:
            if kind == "Polygon":
                return None, _short(number, exterior)
            dropped.append(f"ring {number} ({len(exterior)} positions)")  # and its holes
            number += len(holes)
            continue
        rings = [exterior]
        for hole in holes:
            number += 1
            if len(hole) < 4:
                dropped.append(f"ring {number} ({len(hole)} positions)")
            else:
                rings.append(hole)
        kept.append(rings)
    if not dropped:
        return geometry, ""
    if not kept:
        return None, _short(1, polygons[0][0])
    repaired = {"type": kind, "coordinates": kept[0] if kind == "Polygon" else kept}
    return repaired, "; ".join(f"{ring} has no area: left out" for ring in dropped)


def _geometry_problem(geometry: dict[str, Any]) -> str | None:
    """Why a feature's geometry is no area at all (before its position is looked at)."""
    kind = geometry.get("type")
    if kind not in _AREA_TYPES:
        if kind in _GEOJSON_TYPES:
            return f"geometry type {kind} is not an area (expected Polygon or MultiPolygon)"
        return f"unknown geometry type {_raw(kind)} (expected Polygon or MultiPolygon)"
    coordinates = geometry.get("coordinates")
    if coordinates in (None, []):
        return "empty coordinates"
    rings = _rings(str(kind), coordinates)
    return rings if isinstance(rings, str) else None


def _polygonal(geom: BaseGeometry) -> BaseGeometry | None:
    """The area of a repaired geometry (make_valid may add lines or points), or None."""
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in _AREA_TYPES]
    if not parts:
        return None
    merged = shapely.union_all(parts)
    return merged if merged.geom_type in _AREA_TYPES and merged.area > 0 else None


def _unclosed(geometry: dict[str, Any]) -> bool:
    rings = _rings(str(geometry.get("type")), geometry.get("coordinates"))
    return isinstance(rings, list) and any(ring[0] != ring[-1] for ring in rings)


def _valid_geometry(geometry: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """(geometry to store, "" when valid as given | the repair made | why it is refused)."""
    try:
        geom = shape(geometry)
        if geom.is_valid:
            if _unclosed(geometry):  # GeoJSON rings repeat their first position last
                return dict(mapping(geom)), "ring not closed: closed"
            return geometry, ""
        why = explain_validity(geom)
        repaired = _polygonal(make_valid(geom))
    except (ValueError, TypeError, shapely.errors.ShapelyError) as exc:  # shapely's words
        return None, f"geometry not readable as an area ({exc})"
    if repaired is None:
        return None, f"invalid geometry ({why}) with no area left after repair"
    return dict(mapping(repaired)), f"invalid geometry ({why}) repaired with make_valid"


def _which(line: int, label: str | None) -> str:
    """How a reason names a feature: its position and its area name (or code)."""
    return f"feature {line}" + (f" ({label})" if label else "")


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    return True if text in _TRUE else False if text in _FALSE else None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):  # a property that is not a number: no number
        return None


def _text(value: Any) -> str:
    return str(value if value is not None else "").strip()


@dataclass
class _Feature:
    """A feature whose properties name an area and whose geometry may be one."""

    line: int
    code: str
    name: str | None
    props: dict[str, Any]
    naming: _Naming
    geometry: dict[str, Any]
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class _Area:
    """A feature that passed: what is stored of it (the geometry as compact GeoJSON)."""

    line: int
    area_type: str
    code: str
    name: str | None
    borough_code: str | None
    census_year: int | None
    hectares: float | None
    inner_london: bool | None
    geometry: str


class BoundaryReader:
    """GeoJSON area boundaries with a name and a GSS code per feature."""

    name = "geojson-boundaries"
    description = (
        "GeoJSON FeatureCollection of areas (properties NAME/GSS_CODE, name/code, "
        "LADxxNM/LADxxCD, LSOAxxCD/LSOAxxNM, WDxxCD or ward_code/ward_name; optional "
        "HECTARES, ONS_INNER), WGS84 lon/lat"
    )

    def matches(self, columns: list[str]) -> bool:
        if not columns or columns[0] != "geojson":
            return False
        props = columns[1:]
        return any(_names_an_area(c, code=False) for c in props) and any(
            _names_an_area(c, code=True) for c in props
        )

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        members: dict[str, Any] = {}
        good: list[_Area] = []
        rejects: list[Rejection] = []
        notes: list[str] = []
        seen: dict[str, int] = {}
        namings: dict[tuple[str, ...], _Naming] = {}
        extents = _Extents()
        rows_read = 0
        for line, feature in enumerate(files.geojson_features(f, members), start=1):
            rows_read = line
            found = self._feature(line, feature, seen, namings)
            if isinstance(found, Rejection):
                rejects.append(found)
                continue
            seen[found.code] = line
            extents.add(found.box)
            area = _area(found)
            if isinstance(area, Rejection):
                rejects.append(area)
                continue
            stored, said = area
            if said:
                notes.append(f"{_which(line, found.name or found.code)}: {said}")
            good.append(stored)
        _check_crs(f, members, extents)
        kinds = {a.area_type for a in good}
        return Batch(
            format=self.name,
            dataset=AREAS,
            source=f.source_hint or DEFAULT_SOURCE,
            table=conform(_areas_table(good), AREAS),
            rows_read=rows_read,
            rejects=sorted(rejects, key=lambda r: r.line),
            area_type=kinds.pop() if len(kinds) == 1 else "area",
            notes=notes,
        )

    def _feature(
        self,
        line: int,
        feature: Any,
        seen: dict[str, int],
        namings: dict[tuple[str, ...], _Naming],
    ) -> _Feature | Rejection:
        if not isinstance(feature, dict):
            return Rejection(line, "feature is not a JSON object", None, _raw(feature))
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            return Rejection(line, "properties is not a JSON object", "properties", _raw(props))
        shape_of = tuple(props)
        naming = namings.get(shape_of)
        if naming is None:
            naming = namings[shape_of] = _naming(shape_of)
        code = _text(props.get(naming.code)) if naming.code else ""
        if not code:
            return Rejection(line, "missing area code", naming.code or "code", _raw(props))
        if code in seen:
            return Rejection(
                line,
                f"duplicate code {code} (first at feature {seen[code]})",
                naming.code,
                _raw(props),
            )
        name = _text(props.get(naming.name)) if naming.name else ""
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict):
            return Rejection(line, "missing geometry", "geometry", _raw(props))
        problem = _geometry_problem(geometry)
        if problem:
            reason = f"{_which(line, name or code)}: {problem}"
            return Rejection(line, reason, "geometry", _raw(props))
        box = _bbox(geometry)
        if box is None:
            return Rejection(line, "missing geometry", "geometry", _raw(props))
        return _Feature(line, code, name or None, props, naming, geometry, box)


def _area(k: _Feature) -> tuple[_Area, str] | Rejection:
    """The feature as stored, with the repair made to its geometry (""), or why it is not
    an area here: beyond lon/lat, outside the UK, a ring too short, no area once repaired.
    """
    b, which = k.box, _which(k.line, k.name or k.code)
    where = f"lon {b[0]:.3f}..{b[2]:.3f}, lat {b[1]:.3f}..{b[3]:.3f}"
    if not _in_range(b):
        reason = f"{which}: coordinates out of lon/lat range ({where})"
        return Rejection(k.line, reason, "geometry", _raw(k.props))
    if not _inside(b, UK_LON, UK_LAT):
        reason = f"geometry outside the UK ({where})"
        return Rejection(k.line, reason, "geometry", _raw(k.props))
    geometry, left_out = _without_short_rings(k.geometry)
    said = left_out
    if geometry is not None:
        geometry, said = _valid_geometry(geometry)
        said = "; ".join(x for x in (left_out, said) if x)
    if geometry is None:
        return Rejection(k.line, f"{which}: {said}", "geometry", _raw(k.props))
    kind = _area_type(k.code, k.naming)
    borough = _text(k.props.get(k.naming.borough)) if k.naming.borough else ""

    def pick(keys: tuple[str, ...]) -> Any:
        return next((v for key, v in k.props.items() if norm(key) in keys), None)

    area = _Area(
        line=k.line,
        area_type=kind,
        code=k.code,
        # London boroughs take the canonical name, other areas their own.
        name=(london.borough_name(k.code) if kind == "borough" else None) or k.name,
        borough_code=borough if borough and borough != k.code else None,
        census_year=k.naming.year if kind in CENSUS_AREAS and kind == k.naming.level else None,
        hectares=_number(pick(_HECTARES_KEYS)),
        inner_london=_flag(pick(_INNER_KEYS)),
        geometry=json.dumps(geometry, separators=(",", ":")),
    )
    return area, said


def _raw(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)[:_RAW_LIMIT]


def _areas_table(areas: list[_Area]) -> pa.Table:
    """Canonical rows, one per area kept."""
    return pa.table(
        {
            LINE: pa.array([a.line for a in areas], pa.int32()),
            "month": pa.nulls(len(areas), pa.date32()),
            "area_type": pa.array([a.area_type for a in areas], pa.string()),
            "area_code": pa.array([a.code for a in areas], pa.string()),
            "area_name": pa.array([a.name for a in areas], pa.string()),
            "hectares": pa.array([a.hectares for a in areas], pa.float64()),
            "inner_london": pa.array([a.inner_london for a in areas], pa.bool_()),
            "geometry": pa.array([a.geometry for a in areas], pa.string()),
            "borough_code": pa.array([a.borough_code for a in areas], pa.string()),
            "census_year": pa.array([a.census_year for a in areas], pa.int32()),
        }
    )


# ---------------------------------------------------------------- population

_YEAR_COLUMN = re.compile(r"^(1[89]|2[01])\d{2}$")
_POPULATION = r"^[+-]?([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$"
# No area holds ten billion people; a bigger number is a typo and would not fit a BIGINT.
MAX_POPULATION = 10_000_000_000


def population_checks(column: str) -> list[Check]:
    """Missing, impossibly large, non-numeric (thousands commas allowed) and negative ones."""
    limit = (MAX_POPULATION, "ten billion or more")
    return number_checks(column, "population", _POPULATION.strip("^$"), limit=limit)


def population_value(column: str) -> str:
    """SQL for the count: commas removed, decimals rounded (projections may be fractional)."""
    return f"CAST(round(CAST(replace(trim({quote_ident(column)}), ',', '') AS DOUBLE)) AS BIGINT)"


class PopulationLongReader:
    """One row per area and year: Code, Name, Year, Population[, Source]."""

    name = "population-long"
    required_columns = ("code", "name", "year", "population")
    description = (
        "Area population, long: Code, Name, Year, Population[, Source] (extra columns ignored)"
    )

    def matches(self, columns: list[str]) -> bool:
        return {"code", "name", "year", "population"} <= set(columns)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        rows = read_rows(f, columns)
        checks = [
            missing_check("code", "area code"),
            Check(
                "year",
                "NOT regexp_full_match(trim(year), '(1[89]|2[01])[0-9]{2}')",
                f"'bad year ' || {shown('trim(year)')}",
            ),
            *population_checks("population"),
        ]
        basis = nullable("source") if "source" in columns else "NULL"
        select = (
            "line, make_date(CAST(trim(year) AS INTEGER), 1, 1) AS month, trim(code) AS area_code, "
            f"{nullable('name')} AS area_name, CAST(trim(year) AS INTEGER) AS year, "
            f"{population_value('population')} AS population, {basis} AS basis"
        )
        good, rejects = split(f, rows, rows.table, checks, select)
        return _population_batch(
            self.name, f, good, rows.rows_read, rows.rejects + rejects, [], rows.blank_lines
        )


class PopulationWideReader:
    """One row per area, one column per year: Code, Name, 2019, 2020, ..."""

    name = "population-wide"
    description = "Area population, wide: Code, Name, then one column per year (YYYY)"

    def matches(self, columns: list[str]) -> bool:
        present = set(columns)
        return (
            {"code", "name"} <= present
            and not {"year", "population"} & present
            and any(_YEAR_COLUMN.match(c) for c in columns)
        )

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        rows = read_rows(f, columns)
        years = [c for c in rows.table.column_names if _YEAR_COLUMN.match(c)]
        _, row_rejects = split(
            f, rows, rows.table.select([LINE, "code"]), [missing_check("code", "area code")], LINE
        )
        wide = rows.table
        if row_rejects:
            bad = pa.array(sorted({r.line for r in row_rejects}), type=pa.int32())
            wide = wide.filter(pc.invert(pc.is_in(wide[LINE], value_set=bad)))
        keep = {LINE: LINE, "area_code": "trim(code)", "area_name": nullable("name")}
        con = duckdb.connect()
        try:
            con.register("wide", wide)
            cells = con.sql(unpivot_sql(keep, years, "wide")).to_arrow_table()
        finally:
            con.close()
        empty = pc.equal(cells["v"], "")
        numeric = pc.match_substring_regex(cells["v"], _POPULATION)
        size = pc.cast(
            pc.replace_substring(pc.if_else(numeric, cells["v"], "0"), ",", ""), pa.float64()
        )
        huge = pc.greater_equal(size, float(MAX_POPULATION))
        failed = pc.and_(
            pc.invert(empty),
            pc.or_(pc.or_(pc.invert(numeric), pc.starts_with(cells["v"], "-")), huge),
        )
        bad = cells.filter(failed).select([LINE, "col", "v"]).to_pylist()
        cell_rejects = [Rejection(int(r[LINE]), _cell_reason(r["v"]), str(r["col"])) for r in bad]
        good = _finish_wide(cells.filter(pc.invert(pc.or_(empty, failed))))
        missing = pc.sum(empty).as_py() or 0
        notes = [f"{missing} empty cells treated as missing"] if missing else []
        rejects = rows.rejects + row_rejects + with_raw(f, rows, cell_rejects)
        blank = rows.blank_lines
        return _population_batch(self.name, f, good, rows.rows_read, rejects, notes, blank)


def _cell_reason(value: str) -> str:
    if re.fullmatch(_POPULATION, value):
        if not value.startswith("-"):
            return f"population too large (ten billion or more): {value}"
        return f"negative population {value}"
    return f'non-numeric population "{value}"'


def _finish_wide(good: pa.Table) -> pa.Table:
    """Long rows from validated (line, area, year column, value) cells."""
    number = pc.cast(pc.replace_substring(good["v"], ",", ""), pa.float64())
    table = pa.table(
        {
            LINE: good[LINE],
            "month": map_distinct(good["col"], lambda y: datetime.date(int(y), 1, 1), pa.date32()),
            "area_code": good["area_code"],
            "area_name": good["area_name"],
            "year": pc.cast(good["col"], pa.int32()),
            "population": pc.cast(pc.round(number), pa.int64()),
        }
    )
    return constant(table, "basis", None)


def _population_batch(
    fmt: str,
    f: SourceFile,
    good: pa.Table,
    rows_read: int,
    rejects: list[Rejection],
    notes: list[str],
    blank_lines: int,
) -> Batch:
    return Batch(
        format=fmt,
        dataset=POPULATION,
        source=f.source_hint or DEFAULT_SOURCE,
        table=conform(good, POPULATION),
        rows_read=rows_read,
        blank_lines=blank_lines,
        rejects=sorted(rejects, key=lambda r: r.line),
        notes=notes,
    )


READERS: list[Reader] = [
    BoundaryReader(),
    PopulationLongReader(),
    PopulationWideReader(),
]
