"""Writing the synthetic London in the real open formats, byte for byte as published.

data.police.uk's street, outcomes and stop-and-search files (same headers, vocabularies,
ID shapes and blank conventions: unquoted, LF line ends, six-decimal coordinates, "No
Location" for an unplaced crime), the London Datastore's wide MPS borough table, a force's
daily incident feed, borough populations and the operational outcomes log's import CSV.
The records come from `records`; nothing here draws a random number, so what a file holds
is decided before it is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crimepulse.core.reference.forces import METROPOLITAN_FORCE
from crimepulse.core.reference.london import BOROUGHS
from crimepulse.demo.calibration import (
    ASB,
    CRIME_TYPES,
    MINORS,
    OUTCOMES,
    TYPE_INDEX,
    major_of,
    month_text,
)
from crimepulse.demo.geography import Geography
from crimepulse.demo.records import Crimes, OutcomeEvents, StopSearches, take

MET = "Metropolitan Police Service"
CITY = "City of London Police"
STREET_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
OUTCOMES_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
]  # fmt: skip
STOP_SEARCH_HEADER = [
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
    "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
    "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]  # fmt: skip
# The documented feed columns plus the optional `force`, so the demo feed needs no --force.
FEED_HEADER = [
    "crime_id", "occurred_at", "category", "subcategory", "borough", "lsoa_code", "latitude",
    "longitude", "outcome", "force",
]  # fmt: skip
POPULATION_HEADER = ["Code", "Name", "Year", "Source", "Population"]
OPLOG_HEADER = [
    "occurred_on", "event_type", "count", "unit", "theme", "borough", "crimes_solved", "summary",
]  # fmt: skip
BOROUGH_TABLE_NAME = "MPS Borough Level Crime (synthetic).csv"

# --- CSV and coordinates ------------------------------------------------------------------


def _fixed6(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Coordinates with exactly six decimals (as police.uk writes them); blank where missing."""
    micro = np.rint(values * 1e6).astype(np.int64)
    magnitude = np.abs(micro)
    whole = pc.cast(pa.array(magnitude // 1_000_000), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(magnitude % 1_000_000), pa.string()), 6, "0")
    sign = pc.if_else(pa.array(micro < 0), "-", "")
    text = pc.binary_join_element_wise(pc.binary_join_element_wise(sign, whole, ""), frac, ".")
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _write_csv(path: Path, header: list[str], columns: list[pa.Array]) -> int:
    """Unquoted CSV with LF line ends and blanks for nulls, as data.police.uk publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [f"c{i}" for i in range(len(header))]
    table = pa.table(columns, names=names)
    with path.open("wb") as fh:
        fh.write((",".join(header) + "\n").encode())
        if table.num_rows:
            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            pacsv.write_csv(table, fh, options)
    return table.num_rows


def _write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """A small CSV written row by row (csv module, LF line ends); the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


# --- The London Datastore's MPS borough table ---------------------------------------------


def write_borough_table(
    path: Path, months: np.ndarray, codes: list[str], counts: np.ndarray
) -> int:
    """Counts [month, borough, minor] as the wide table: one row per minor category and
    borough (boroughs by name), one `YYYYMM` column per month."""
    order = sorted(range(len(codes)), key=lambda b: BOROUGHS[codes[b]])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ["MajorText", "MinorText", "BoroughName"]
            + [month_text(m).replace("-", "") for m in months]
        )
        rows = 0
        for c, minor in enumerate(MINORS):
            for b in order:
                writer.writerow(
                    [major_of(minor), minor, BOROUGHS[codes[b]], *counts[:, b, c].tolist()]
                )
                rows += 1
    return rows


# --- data.police.uk and the daily feed -----------------------------------------------------


def _location_columns(geo: Geography, point: np.ndarray) -> list[pa.Array]:
    """Longitude, Latitude, Location, LSOA code, LSOA name (police.uk's blank rules)."""
    missing = point < 0
    safe = np.where(missing, 0, point)
    lsoa = np.where(missing, -1, geo.point_lsoa[safe])
    location = pc.if_else(pa.array(missing), "No Location", geo.location.take(pa.array(safe)))
    lsoa_index = pa.array(lsoa, mask=missing)
    return [
        _fixed6(geo.lon[safe], missing),
        _fixed6(geo.lat[safe], missing),
        location,
        geo.lsoa_code.take(lsoa_index),
        geo.lsoa_name.take(lsoa_index),
    ]


def _street_rows(
    crimes: Crimes, geo: Geography, month_index: int, month: str, force: str
) -> tuple[list[pa.Array], np.ndarray]:
    rows = np.flatnonzero(crimes.month == month_index)
    # Real files list crimes by place: LSOA/point order, unlocated ones last.
    point = crimes.point[rows]
    rows = rows[np.argsort(np.where(point < 0, np.iinfo(np.int64).max, point), kind="stable")]
    n = len(rows)
    const = pa.array(np.full(n, force), type=pa.string()) if n else pa.array([], pa.string())
    columns = [
        crimes.ids.take(pa.array(rows)),
        pa.array(np.full(n, month), type=pa.string()) if n else pa.array([], pa.string()),
        const,
        const,
        *_location_columns(geo, crimes.point[rows]),
        take(CRIME_TYPES, crimes.ctype[rows]),
        take(OUTCOMES, crimes.outcome[rows]),
        pa.nulls(n, pa.string()),
    ]
    return columns, rows


def write_street(
    path: Path, crimes: Crimes, geo: Geography, month_index: int, month: str, force: str
) -> int:
    """One force's police.uk street file for one month (crimes listed by place)."""
    columns, _ = _street_rows(crimes, geo, month_index, month, force)
    return _write_csv(path, STREET_HEADER, columns)


def write_outcomes(
    path: Path, crimes: Crimes, geo: Geography, events: OutcomeEvents, month_index: int, month: str
) -> int:
    """The Met's police.uk outcomes file for one month: the outcome events of that month."""
    crime, when, what = events
    pick = np.flatnonzero(when == month_index)
    pick = pick[np.argsort(crime[pick], kind="stable")]
    rows, types = crime[pick], what[pick]
    n = len(rows)
    const = pa.array([MET] * n, type=pa.string())
    columns = [
        crimes.ids.take(pa.array(rows)),
        pa.array([month] * n, type=pa.string()),
        const,
        const,
        *_location_columns(geo, crimes.point[rows]),
        take(OUTCOMES, types),
    ]
    return _write_csv(path, OUTCOMES_HEADER, columns)


def write_feed(path: Path, crimes: Crimes, geo: Geography, months: np.ndarray) -> int:
    """The force's own daily export: every non-ASB crime, in time order, exact timestamps."""
    rows = np.flatnonzero(crimes.ctype != TYPE_INDEX[ASB])
    starts = np.array([np.datetime64(month_text(int(m)), "m").astype(np.int64) for m in months])
    stamp = starts[crimes.month[rows]] + crimes.minute[rows]
    rows = rows[np.argsort(stamp, kind="stable")]
    stamp = np.sort(stamp, kind="stable")
    occurred = np.datetime_as_string(stamp.astype("datetime64[m]"), unit="s")
    point = crimes.point[rows]
    missing = point < 0
    safe = np.where(missing, 0, point)
    minor_names = list(MINORS)
    columns = [
        crimes.ids.take(pa.array(rows)),
        pa.array(occurred, type=pa.string()),
        take(CRIME_TYPES, crimes.ctype[rows]),
        take(minor_names, crimes.minor[rows]),
        take(geo.names, crimes.borough[rows]),
        geo.lsoa_code.take(pa.array(geo.point_lsoa[safe], mask=missing)),
        _fixed6(geo.lat[safe], missing),
        _fixed6(geo.lon[safe], missing),
        take(OUTCOMES, crimes.outcome[rows]),
        pa.array(np.full(len(rows), METROPOLITAN_FORCE), type=pa.string()),
    ]
    return _write_csv(path, FEED_HEADER, columns)


def write_stop_search(path: Path, stops: StopSearches) -> int:
    """One month of the Met's police.uk stop-and-search file."""
    return _write_csv(
        path,
        STOP_SEARCH_HEADER,
        [
            stops.kind,
            stops.stamps,
            stops.operation,
            pa.nulls(len(stops.kind), pa.string()),
            _fixed6(stops.lat, stops.missing),
            _fixed6(stops.lon, stops.missing),
            stops.gender,
            stops.age,
            stops.self_defined,
            stops.officer_defined,
            stops.legislation,
            stops.object_of_search,
            stops.outcome,
            stops.linked,
            stops.removal,
        ],
    )


# --- Populations and the operational outcomes log -----------------------------------------


def write_population(path: Path, rows: Iterable[Sequence[object]]) -> int:
    """Borough populations in the long layout the population reader takes."""
    return _write_rows(path, POPULATION_HEADER, rows)


def write_oplog(path: Path, rows: Iterable[Sequence[object]]) -> int:
    """The operational outcomes CSV that `crimepulse log import` reads."""
    return _write_rows(path, OPLOG_HEADER, rows)
