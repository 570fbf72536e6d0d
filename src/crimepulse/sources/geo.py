"""Reference geography: borough boundaries (GeoJSON) and borough population (CSV/Parquet).

Boundaries: a GeoJSON FeatureCollection whose features carry a name and a GSS code. The
property names vary by publisher (NAME/GSS_CODE, name/code, LAD23NM/LAD23CD), so the reader
looks for any of them, case-insensitively. GeoJSON is lon/lat (WGS84) by definition; files
still in British National Grid (metres) or with swapped axes are refused as a whole, since
every feature would be wrong; a single feature whose coordinates are beyond lon/lat range
among good ones is quarantined. Each geometry must be a Polygon or MultiPolygon whose rings
have at least four positions; one that is not valid (a self-intersecting "bow-tie") is
repaired with shapely's `make_valid` and the repair named in `Batch.notes`, and one that
cannot be repaired into an area is quarantined. A feature's `line` is its 1-based position in
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
_NAME_KEYS = re.compile(r"^(name|areaname|(lad|lau1|ctyua|cty|rgn|ward|wd)\d{2}nm)$")
_CODE_KEYS = re.compile(r"^(gsscode|code|areacode|(lad|lau1|ctyua|cty|rgn|ward|wd)\d{2}cd)$")
_HECTARES_KEYS = ("hectares", "areahectares", "areaha")
_INNER_KEYS = ("onsinner", "innerlondon", "inner")
_TRUE = {"t", "true", "y", "yes", "1", "inner"}
_FALSE = {"f", "false", "n", "no", "0", "outer"}


# ---------------------------------------------------------------- boundaries


def _key(props: dict[str, Any], pattern: re.Pattern[str]) -> str | None:
    return next((k for k in props if pattern.match(norm(k))), None)


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


def _check_crs(
    f: SourceFile, doc: dict[str, Any], boxes: list[tuple[float, float, float, float]]
) -> None:
    """Refuse projected or axis-swapped files outright: every feature would be misplaced.

    A file is projected when it says so (EPSG:27700) or when no feature is within lon/lat
    range; one feature out of range among good ones is that feature's fault (quarantined).
    """
    crs = json.dumps(doc.get("crs") or {})
    if "27700" in crs or (boxes and not any(_in_range(b) for b in boxes)):
        raise FormatError(
            f"{f.name}: coordinates are in a projected CRS (e.g. British National Grid, "
            "EPSG:27700), not lon/lat; reproject to WGS84 (EPSG:4326) first"
        )
    if boxes and all(_inside(b, UK_LAT, UK_LON) for b in boxes):
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
    positions (a ring's length is checked later, once the file's CRS is known good)."""
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not all(isinstance(p, list) and p for p in polygons):
        return "coordinates are not a list of rings"
    rings = [ring for polygon in polygons for ring in polygon]
    for number, ring in enumerate(rings, start=1):
        if not isinstance(ring, list) or not all(_is_position(p) for p in ring):
            return f"ring {number} is not a list of [lon, lat] positions"
    return rings


def _short_ring(geometry: dict[str, Any]) -> str | None:
    rings = _rings(str(geometry.get("type")), geometry.get("coordinates"))
    for number, ring in enumerate(rings if isinstance(rings, list) else [], start=1):
        if len(ring) < 4:
            return (
                f"ring {number} has {len(ring)} positions (a ring needs at least 4, "
                "the last repeating the first)"
            )
    return None


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


def _load_features(f: SourceFile) -> tuple[dict[str, Any], list[Any]]:
    with f.open() as fh:
        try:
            doc = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FormatError(f"{f.name}: not valid JSON ({exc})") from exc
        except RecursionError as exc:
            raise FormatError(f"{f.name}: JSON nested too deeply to read") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise FormatError(f"{f.name}: not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise FormatError(f"{f.name}: FeatureCollection has no features list")
    return doc, features


@dataclass
class _Feature:
    line: int
    code: str
    name: str | None
    props: dict[str, Any]
    geometry: dict[str, Any]
    box: tuple[float, float, float, float]


class BoundaryReader:
    """GeoJSON area boundaries with a name and a GSS code per feature."""

    name = "geojson-boundaries"
    description = (
        "GeoJSON FeatureCollection of areas (properties NAME/GSS_CODE, name/code or "
        "LADxxNM/LADxxCD; optional HECTARES, ONS_INNER), WGS84 lon/lat"
    )

    def matches(self, columns: list[str]) -> bool:
        if not columns or columns[0] != "geojson":
            return False
        props = columns[1:]
        return any(_NAME_KEYS.match(c) for c in props) and any(_CODE_KEYS.match(c) for c in props)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        doc, features = _load_features(f)
        kept: list[_Feature] = []
        rejects: list[Rejection] = []
        seen: dict[str, int] = {}
        for line, feature in enumerate(features, start=1):
            result = self._feature(line, feature, seen)
            if isinstance(result, Rejection):
                rejects.append(result)
            else:
                seen[result.code] = line
                kept.append(result)
        _check_crs(f, doc, [k.box for k in kept])
        good: list[_Feature] = []
        notes: list[str] = []
        for k in kept:
            b, which = k.box, _which(k.line, k.name or k.code)
            where = f"lon {b[0]:.3f}..{b[2]:.3f}, lat {b[1]:.3f}..{b[3]:.3f}"
            if not _in_range(k.box):
                reason = f"{which}: coordinates out of lon/lat range ({where})"
                rejects.append(Rejection(k.line, reason, "geometry", _raw(k.props)))
                continue
            if not _inside(k.box, UK_LON, UK_LAT):
                reason = f"geometry outside the UK ({where})"
                rejects.append(Rejection(k.line, reason, "geometry", _raw(k.props)))
                continue
            short = _short_ring(k.geometry)
            geometry, said = (None, short) if short else _valid_geometry(k.geometry)
            if geometry is None:
                reason = f"{which}: {said}"
                rejects.append(Rejection(k.line, reason, "geometry", _raw(k.props)))
                continue
            if said:
                notes.append(f"{which}: {said}")
                k.geometry = geometry
            good.append(k)
        return Batch(
            format=self.name,
            dataset=AREAS,
            source=f.source_hint or DEFAULT_SOURCE,
            table=conform(_areas_table(good), AREAS),
            rows_read=len(features),
            rejects=sorted(rejects, key=lambda r: r.line),
            area_type=_area_type(good),
            notes=notes,
        )

    def _feature(self, line: int, feature: Any, seen: dict[str, int]) -> _Feature | Rejection:
        if not isinstance(feature, dict):
            return Rejection(line, "feature is not a JSON object", None, _raw(feature))
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            return Rejection(line, "properties is not a JSON object", "properties", _raw(props))
        code_key, name_key = _key(props, _CODE_KEYS), _key(props, _NAME_KEYS)
        code = str(props.get(code_key) or "").strip() if code_key else ""
        if not code:
            return Rejection(line, "missing area code", code_key or "code", _raw(props))
        if code in seen:
            return Rejection(
                line,
                f"duplicate code {code} (first at feature {seen[code]})",
                code_key,
                _raw(props),
            )
        name = str(props.get(name_key) or "").strip() if name_key else ""
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
        return _Feature(line, code, name or None, props, geometry, box)


def _raw(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)[:_RAW_LIMIT]


def _area_type(features: list[_Feature]) -> str:
    return "borough" if features and all(k.code.startswith("E09") for k in features) else "area"


def _areas_table(features: list[_Feature]) -> pa.Table:
    """Canonical rows; London boroughs take the canonical name, other areas their own."""

    def pick(props: dict[str, Any], keys: tuple[str, ...]) -> Any:
        return next((v for k, v in props.items() if norm(k) in keys), None)

    return pa.table(
        {
            LINE: pa.array([k.line for k in features], pa.int32()),
            "month": pa.nulls(len(features), pa.date32()),
            "area_type": ["borough" if k.code.startswith("E09") else "area" for k in features],
            "area_code": [k.code for k in features],
            "area_name": [london.borough_name(k.code) or k.name for k in features],
            "hectares": pa.array(
                [_number(pick(k.props, _HECTARES_KEYS)) for k in features], pa.float64()
            ),
            "inner_london": pa.array(
                [_flag(pick(k.props, _INNER_KEYS)) for k in features], pa.bool_()
            ),
            "geometry": [json.dumps(k.geometry, separators=(",", ":")) for k in features],
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
