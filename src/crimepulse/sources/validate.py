"""Vectorised row validation: split a table of strings into canonical rows and rejections.

Readers describe their checks as SQL conditions over the raw string columns; DuckDB (in
memory, never the warehouse) evaluates them in one pass. The first failing check names
the field and the reason; rows with no failure go through the reader's SELECT.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from crimepulse.sources.base import Rejection, SourceFile
from crimepulse.sources.csvtable import raw_lines

# Generous bounds around the United Kingdom (WGS84), including Northern Ireland.
UK_LON = (-8.7, 1.8)
UK_LAT = (49.8, 60.9)

MONTH_RE = r"^\d{4}-(0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class Check:
    """`invalid` is a SQL boolean over the raw columns; `reason` a SQL string expression."""

    field: str
    invalid: str
    reason: str


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def coordinate_checks(lon: str, lat: str) -> list[Check]:
    """Non-numeric or outside-the-UK coordinates; empty means "no location" and is valid."""
    return [
        Check(
            lon,
            f"{lon} <> '' AND TRY_CAST({lon} AS DOUBLE) IS NULL",
            f"'non-numeric longitude ' || {lon}",
        ),
        Check(
            lat,
            f"{lat} <> '' AND TRY_CAST({lat} AS DOUBLE) IS NULL",
            f"'non-numeric latitude ' || {lat}",
        ),
        Check(
            lon,
            f"{lon} <> '' AND TRY_CAST({lon} AS DOUBLE) NOT BETWEEN {UK_LON[0]} AND {UK_LON[1]}",
            f"'longitude outside the UK: ' || {lon}",
        ),
        Check(
            lat,
            f"{lat} <> '' AND TRY_CAST({lat} AS DOUBLE) NOT BETWEEN {UK_LAT[0]} AND {UK_LAT[1]}",
            f"'latitude outside the UK: ' || {lat}",
        ),
        Check(
            lat,
            f"({lon} = '') <> ({lat} = '')",
            "'longitude and latitude must both be given or both be empty'",
        ),
    ]


def month_check(column: str) -> Check:
    return Check(
        column,
        f"NOT regexp_matches({column}, '{MONTH_RE}') OR {column} < '2000-01'",
        f"'bad month ' || quote({column}) || ' (expected YYYY-MM)'",
    )


_ENGINE: duckdb.DuckDBPyConnection | None = None


def _engine() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process (connecting costs more than validating a file)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = duckdb.connect()
        _ENGINE.execute("CREATE MACRO quote(x) AS '\"' || x || '\"'")  # reasons name values
    return _ENGINE


def split_valid(
    f: SourceFile,
    table: pa.Table,
    checks: list[Check],
    select: str,
    raw_from_file: bool = True,
) -> tuple[pa.Table, list[Rejection]]:
    """Rows passing every check, shaped by `select` (SQL over the raw columns), and rejections.

    `table` must have a `line` column. `select` is the column list of a SELECT (it may
    use any raw column). The raw text of rejected lines is read back from the file.
    """
    con = _engine().cursor()
    con.register("raw", table)
    if checks:
        field_case = " ".join(f"WHEN {c.invalid} THEN {sql_literal(c.field)}" for c in checks)
        reason_case = " ".join(f"WHEN {c.invalid} THEN {c.reason}" for c in checks)
        con.execute(
            "CREATE TEMP VIEW checked AS SELECT *, "
            f"CASE {field_case} END AS _field, CASE {reason_case} END AS _reason FROM raw"
        )
    else:
        con.execute(
            "CREATE TEMP VIEW checked AS SELECT *, NULL AS _field, NULL AS _reason FROM raw"
        )
    good = con.sql(f"SELECT {select} FROM checked WHERE _reason IS NULL").to_arrow_table()
    bad = con.execute(
        "SELECT line, _field, _reason FROM checked WHERE _reason IS NOT NULL ORDER BY line"
    ).fetchall()
    con.execute("DROP VIEW checked")
    con.unregister("raw")
    con.close()
    raws = raw_lines(f, {int(line) for line, _, _ in bad}) if raw_from_file and bad else {}
    rejects = [
        Rejection(int(line), str(reason), field, raws.get(int(line))) for line, field, reason in bad
    ]
    return good, rejects
