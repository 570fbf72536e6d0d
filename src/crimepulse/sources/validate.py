"""Vectorised row validation: split a table of strings into canonical rows and rejections.

Readers describe their checks as SQL conditions over the raw string columns; DuckDB (in
memory, never the warehouse) evaluates them in one pass. The first failing check names
the field and the reason; rows with no failure go through the reader's SELECT.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crimepulse.sources.base import LazyRows, Rejection, SourceFile
from crimepulse.sources.csvtable import raw_lines

# Generous bounds around the United Kingdom (WGS84), including Northern Ireland.
UK_LON = (-8.7, 1.8)
UK_LAT = (49.8, 60.9)


@dataclass(frozen=True)
class Check:
    """`invalid` is a SQL boolean over the raw columns; `reason` a SQL string expression.

    A check with `detect=False` only explains: a later check already flags its rows (the
    cheaper way), and this one, coming first, gives those rows a more precise reason.
    """

    field: str
    invalid: str
    reason: str
    detect: bool = True


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def coordinate_checks(lon: str, lat: str) -> list[Check]:
    """Non-numeric or outside-the-UK coordinates; empty means "no location" and is valid."""

    def outside(col: str, bounds: tuple[float, float]) -> str:
        # Non-numeric text casts to NULL, which coalesce turns into "invalid" too.
        return (
            f"{col} <> '' AND coalesce(TRY_CAST({col} AS DOUBLE) "
            f"NOT BETWEEN {bounds[0]} AND {bounds[1]}, TRUE)"
        )

    return [
        Check(
            lon,
            f"{lon} <> '' AND TRY_CAST({lon} AS DOUBLE) IS NULL",
            f"'non-numeric longitude ' || {lon}",
            detect=False,
        ),
        Check(
            lat,
            f"{lat} <> '' AND TRY_CAST({lat} AS DOUBLE) IS NULL",
            f"'non-numeric latitude ' || {lat}",
            detect=False,
        ),
        Check(lon, outside(lon, UK_LON), f"'longitude outside the UK: ' || {lon}"),
        Check(lat, outside(lat, UK_LAT), f"'latitude outside the UK: ' || {lat}"),
        Check(
            lat,
            f"({lon} = '') <> ({lat} = '')",
            "'longitude and latitude must both be given or both be empty'",
        ),
    ]


def month_check(column: str) -> Check:
    """A `YYYY-MM` month from 2000 on (a cast, not a regex: this runs on every row)."""
    return Check(
        column,
        f"length({column}) <> 7 OR TRY_CAST({column} || '-01' AS DATE) IS NULL "
        f"OR {column} < '2000-01'",
        f"'bad month ' || quote({column}) || ' (expected YYYY-MM)'",
    )


def future_month_check(column: str, today: datetime.date | None = None) -> Check:
    """A well-formed `YYYY-MM` month after today's: no publisher has data from the future
    (a typo such as 2099-01), and loading it would stretch every series to that month."""
    now = (today or datetime.date.today()).strftime("%Y-%m")
    return Check(
        column,
        f"length({column}) = 7 AND {column} > {sql_literal(now)}",
        f"'month ' || {column} || ' is in the future (after {now})'",
    )


_ENGINE: duckdb.DuckDBPyConnection | None = None


def _engine() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process (connecting costs more than validating a file)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = duckdb.connect()
        _ENGINE.execute("CREATE MACRO quote(x) AS '\"' || x || '\"'")  # reasons name values
    return _ENGINE


def with_first_occurrence(table: pa.Table, key: str, checks: list[Check]) -> pa.Table:
    """`table` with `_first`: per value of the SQL `key`, the first line whose row passes
    every check (NULL on a table without repeated keys, which is the common case).

    A key documented as unique (the daily feed's crime_id) is checked with
    `duplicate_check`: the first good row of a key is kept and every later one names it. A
    row that fails another check is not the key's first occurrence, so a bad row never costs
    the good one after it.
    """
    con = _engine().cursor()
    con.register("raw", table)
    try:
        failing = " OR ".join(f"({c.invalid})" for c in checks if c.detect) or "FALSE"
        repeated = con.execute(f"SELECT count(*) > count(DISTINCT {key}) FROM raw").fetchall()
        if not repeated[0][0]:
            return table.append_column("_first", pa.nulls(table.num_rows, pa.int32()))
        return con.sql(
            f"SELECT *, CAST(min(line) FILTER (WHERE NOT coalesce({failing}, FALSE)) "
            f"OVER (PARTITION BY {key}) AS INTEGER) AS _first FROM raw ORDER BY line"
        ).to_arrow_table()
    finally:
        con.unregister("raw")
        con.close()


def duplicate_check(field: str, key: str) -> Check:
    """A later row of a key that `with_first_occurrence` saw first on another line."""
    return Check(
        field,
        "_first IS NOT NULL AND _first < line",
        f"'duplicate {field} ' || quote({key}) || ' (first at line ' || _first || ')'",
    )


def projection_sql(select: str, raw: str = "raw", rejected: str = "rejected") -> str:
    """The query that builds canonical rows: `select` over the raw rows not rejected."""
    return f"SELECT {select} FROM (SELECT * FROM {raw} ANTI JOIN {rejected} USING (line))"


def _lines_table(lines: pa.Array) -> pa.Table:
    return pa.table({"line": lines.cast(pa.int32())})


def project(raw: pa.Table, select: str, rejected: pa.Array) -> pa.Table:
    """Build canonical rows in the in-memory engine (the store does the same in its INSERT)."""
    con = _engine().cursor()
    con.register("raw", raw)
    con.register("rejected", _lines_table(rejected))
    try:
        return con.sql(projection_sql(select)).to_arrow_table()
    finally:
        con.unregister("raw")
        con.unregister("rejected")
        con.close()


def check_rows(
    f: SourceFile,
    table: pa.Table,
    checks: list[Check],
    raw_from_file: bool = True,
    month_sql: str | None = None,
) -> tuple[pa.Array, list[Rejection], pa.Table | None]:
    """The lines failing any check, a Rejection for each (first failing check wins), and,
    given `month_sql`, the good rows per month.

    One pass over the rows evaluates every check (and the month); reasons are built for
    the failing rows only, and their raw text is read back from the file.
    """
    con = _engine().cursor()
    con.register("raw", table)
    try:
        failing = " OR ".join(f"({c.invalid})" for c in checks if c.detect) or "FALSE"
        grouped = con.sql(
            f"SELECT {month_sql or 'NULL'} AS month, count(*) AS n, "
            f"list(line) FILTER (WHERE {failing}) AS bad FROM raw GROUP BY 1 ORDER BY 1"
        ).to_arrow_table()
        bad_lists = grouped.column("bad")
        rejected = pc.list_flatten(bad_lists).cast(pa.int32())
        bad: list[tuple[int, str | None, str]] = []
        if len(rejected):
            con.register("rejected", _lines_table(rejected))
            field_case = " ".join(f"WHEN {c.invalid} THEN {sql_literal(c.field)}" for c in checks)
            reason_case = " ".join(f"WHEN {c.invalid} THEN {c.reason}" for c in checks)
            bad = con.execute(
                f"SELECT line, CASE {field_case} END, CASE {reason_case} END "
                "FROM raw SEMI JOIN rejected USING (line) ORDER BY line"
            ).fetchall()
            con.unregister("rejected")
    finally:
        con.unregister("raw")
        con.close()
    raws = raw_lines(f, {int(line) for line, _, _ in bad}) if raw_from_file and bad else {}
    rejects = [
        Rejection(int(line), str(reason), field, raws.get(int(line))) for line, field, reason in bad
    ]
    months = None
    if month_sql is not None:
        good = pc.subtract(grouped.column("n"), pc.fill_null(pc.list_value_length(bad_lists), 0))
        keep = pc.greater(good, 0)
        months = pa.table({"month": grouped.column("month"), "rows": good}).filter(keep)
    return pa.chunked_array([rejected]).combine_chunks(), rejects, months


def lazy_valid(
    f: SourceFile,
    table: pa.Table,
    checks: list[Check],
    select: str,
    month_sql: str,
) -> tuple[LazyRows, list[Rejection]]:
    """Like split_valid, but the canonical rows are left for the store to build.

    `month_sql` is the SQL for a good row's month (over the raw columns, null-safe: use
    TRY_CAST); the good rows per month are counted in the checks' pass, so the store
    need not build rows to know which months a file covers.
    """
    rejected, rejects, months = check_rows(f, table, checks, month_sql=month_sql)
    assert months is not None
    rows = LazyRows(table, select, rejected, table.num_rows - len(rejected), months)
    return rows, rejects


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
    rejected, rejects, _ = check_rows(f, table, checks, raw_from_file)
    return project(table, select, rejected), rejects
