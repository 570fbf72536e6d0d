"""The warehouse: a DuckDB file holding every vintage of every file, and views of the current one.

Each loaded file is a batch. A batch covers one or more months of one series (dataset ×
source × force × area type); those are its slices. The current view of a month is the
slice from the newest batch, unless that slice is suspect (far below the series' usual
level, like the near-empty first month of a rolling MPS table) and a sound one exists.
A file loads in one transaction: rows, slices, quarantine and log commit together or not
at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crimepulse.core.schema import DATASETS, arrow_schema, columns
from crimepulse.errors import WarehouseBusy
from crimepulse.sources.base import Batch, Rejection, SourceFile
from crimepulse.sources.validate import projection_sql

SCHEMA_VERSION = 5  # 2: reference tables keyed (a file revises its keys, keeps the rest)
# 3: national_counts (the England & Wales recorded-crime tables)
# 4: areas.borough_code and areas.census_year (wards and LSOAs beside the boroughs; the
#    2011 and 2021 LSOA sets both kept); `_ADDED_COLUMNS` brings an older file up to date
# 5: batch_dating (whether a batch's vintage is the publisher's date or its ingest time)
# How a batch's vintage was known: given by the user (the publisher's date), or, with no
# date given, the time it was ingested (which is no publication date, and is said so).
DATED_BY_GIVEN, DATED_BY_INGEST = "given", "ingest time"
# A slice whose total is below this share of its series' median is suspect.
SUSPECT_SHARE = 0.1
# Datasets whose monthly totals are steady enough for that test (outcome files are not:
# a month's outcomes depend on how many crimes of earlier months were being resolved).
SUSPECT_DATASETS = ("crimes", "counts", "stops")

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE SEQUENCE IF NOT EXISTS batch_ids START 1;
CREATE TABLE IF NOT EXISTS batches (
    batch_id INTEGER PRIMARY KEY,
    path VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    dataset VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    force VARCHAR,
    area_type VARCHAR,
    vintage TIMESTAMP NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_quarantined BIGINT NOT NULL,
    notes VARCHAR
);
-- How each batch's vintage was known: 'given' (the publisher's date, from --vintage) or
-- 'ingest time' (none given: the vintage is when it was ingested, not when published).
CREATE TABLE IF NOT EXISTS batch_dating (
    batch_id INTEGER PRIMARY KEY,
    dated_by VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_slices (
    batch_id INTEGER NOT NULL,
    dataset VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    force VARCHAR,
    area_type VARCHAR,
    month DATE,
    rows BIGINT NOT NULL,
    total BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id INTEGER NOT NULL,
    path VARCHAR NOT NULL,
    line INTEGER NOT NULL,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
CREATE TABLE IF NOT EXISTS replacements (
    batch_id INTEGER PRIMARY KEY,
    dataset VARCHAR NOT NULL,
    marked_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS ingest_log (
    logged_at TIMESTAMP NOT NULL,
    path VARCHAR NOT NULL,
    content_hash VARCHAR,
    status VARCHAR NOT NULL,
    batch_id INTEGER,
    message VARCHAR
);
"""

# Reference tables are keyed: a file revises the keys it holds and leaves the others (a
# 3-borough boundary file must not hide the other 30 boroughs, nor 20 City of London
# population rows every other borough's). Per key the latest edition counts; `replacements`
# records a file ingested with --replace, before which nothing of its dataset counts.
REFERENCE_KEYS: dict[str, tuple[str, ...]] = {
    "areas": ("area_type", "area_code", "census_year"),
    "population": ("area_code", "year"),
    "harm_weights": ("index_name", "category", "subgroup"),
    "national_counts": ("area_code", "area_name", "period_start", "period_end", "offence_group"),
}

# Columns added to a table after its first version, with the version that added them: an
# older warehouse gains them (null in its earlier rows). Appended last, as in core/schema.py,
# so the table's column order is the same as a new warehouse's.
_ADDED_COLUMNS: list[tuple[str, str, str]] = [
    ("area_rows", "borough_code", "VARCHAR"),
    ("area_rows", "census_year", "INTEGER"),
]

# A series is one publication (format) of one dataset from one source and force: a force's
# daily feed and data.police.uk's street files are two series, each with its own editions.
_SLICE_KEY = "dataset, source, format, force, area_type, month"

_VIEWS = f"""
CREATE OR REPLACE VIEW slice_status AS
SELECT s.*, b.format, b.vintage, b.path,
       s.month IS NOT NULL AND s.dataset IN {SUSPECT_DATASETS}
       AND s.total < {SUSPECT_SHARE} * median(s.total) OVER (
           PARTITION BY s.dataset, s.source, b.format, s.force, s.area_type) AS suspect
FROM batch_slices s JOIN batches b USING (batch_id);

CREATE OR REPLACE VIEW current_slices AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
        PARTITION BY {_SLICE_KEY} ORDER BY suspect, vintage DESC, batch_id DESC) AS rn
    FROM slice_status)
WHERE rn = 1;

CREATE OR REPLACE MACRO slices_as_of(ts) AS TABLE
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (
        PARTITION BY {_SLICE_KEY} ORDER BY suspect, vintage DESC, batch_id DESC) AS rn
    FROM slice_status WHERE vintage <= CAST(ts AS TIMESTAMP))
WHERE rn = 1;

CREATE OR REPLACE VIEW outcome_history AS
SELECT r.crime_id, r.month AS crime_month, 'street' AS via, r.last_outcome AS outcome,
       b.vintage, r.batch_id
FROM crime_rows r JOIN batches b USING (batch_id)
WHERE r.has_source_id AND r.last_outcome IS NOT NULL
UNION ALL
SELECT o.crime_id, NULL AS crime_month, 'outcomes' AS via, o.outcome, b.vintage, o.batch_id
FROM outcome_rows o JOIN batches b USING (batch_id);
"""


def _keyed_view(dataset: str, table: str, vintage_limit: str) -> str:
    """The SELECT of a reference dataset: per key, the row of the latest edition that holds
    it (vintage, then batch order), counting no batch older than the dataset's latest
    --replace. `vintage_limit` is a SQL condition on `b.vintage` (TRUE: every edition)."""
    keys = ", ".join(f"r.{k}" for k in REFERENCE_KEYS[dataset])
    return (
        f"SELECT * EXCLUDE (rn) FROM (SELECT r.*, b.format, row_number() OVER ("
        f"PARTITION BY {keys} ORDER BY b.vintage DESC, r.batch_id DESC) AS rn "
        f"FROM {table} r JOIN batches b USING (batch_id) "
        f"WHERE b.dataset = '{dataset}' AND {vintage_limit} AND r.batch_id >= coalesce(("
        f"SELECT max(x.batch_id) FROM replacements x JOIN batches xb USING (batch_id) "
        f"WHERE x.dataset = '{dataset}' AND {vintage_limit.replace('b.', 'xb.')}), 0)"
        f") WHERE rn = 1"
    )


def _dataset_views() -> str:
    statements = []
    for dataset, (table, _) in DATASETS.items():
        if dataset in REFERENCE_KEYS:
            statements.append(
                f"CREATE OR REPLACE VIEW {dataset} AS {_keyed_view(dataset, table, 'TRUE')};"
            )
            statements.append(
                f"CREATE OR REPLACE MACRO {dataset}_as_of(ts) AS TABLE "
                f"{_keyed_view(dataset, table, 'b.vintage <= CAST(ts AS TIMESTAMP)')};"
            )
            continue
        join = (
            "r.batch_id = s.batch_id AND r.month IS NOT DISTINCT FROM s.month "
            f"AND s.dataset = '{dataset}'"
        )
        statements.append(
            f"CREATE OR REPLACE VIEW {dataset} AS SELECT r.*, s.format FROM {table} r "
            f"JOIN current_slices s ON {join};"
        )
        statements.append(
            f"CREATE OR REPLACE MACRO {dataset}_as_of(ts) AS TABLE "
            f"SELECT r.*, s.format FROM {table} r JOIN slices_as_of(ts) s ON {join};"
        )
    return "\n".join(statements)


def _row_tables() -> str:
    statements = []
    for table, cols in DATASETS.values():
        body = ", ".join(f"{name} {kind}" for name, kind in cols)
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table} "
            f"(batch_id INTEGER NOT NULL, source VARCHAR NOT NULL, {body});"
        )
    return "\n".join(statements)


@dataclass(frozen=True)
class PriorLoad:
    batch_id: int
    path: str


_HOLDER = re.compile(r"\(PID (\d+)\)")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """Open the file; another process holding its lock is WarehouseBusy, said plainly (DuckDB
    says "Could not set lock on file"), not a traceback."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "could not set lock" not in str(exc).lower():
            raise
        holder = _HOLDER.search(str(exc))
        by = f"another process (PID {holder.group(1)})" if holder else "another process"
        raise WarehouseBusy(
            f"the warehouse {path} is in use by {by}; try again when it finishes"
        ) from None


class Warehouse:
    """A crimepulse warehouse file. Use as a context manager, or call close()."""

    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise FileNotFoundError(
                f"{self.path}: no warehouse here (build one with `crimepulse ingest`)"
            )
        self.con = _connect(self.path, read_only)
        if not read_only:
            self._create()

    def _create(self) -> None:
        """Create tables and views, unless this schema version is already in place."""
        known = (
            self.con.execute(
                "SELECT value FROM duckdb_tables() t JOIN meta ON t.table_name = 'meta' "
                "WHERE key = 'schema_version'"
            )
            if self._has_meta()
            else None
        )
        if known is not None and known.fetchall() == [(str(SCHEMA_VERSION),)]:
            return
        self.con.execute("BEGIN")
        self.con.execute(_BOOKKEEPING)
        self.con.execute(_row_tables())
        for table, column, kind in _ADDED_COLUMNS:
            self.con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
        self.con.execute(_VIEWS)
        self.con.execute(_dataset_views())
        self.con.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
        )
        self.con.execute("COMMIT")

    def _has_meta(self) -> bool:
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'meta'"
        ).fetchall()
        return bool(found[0][0])

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- loading ---------------------------------------------------------------------

    def loaded_files(self) -> dict[str, PriorLoad]:
        """content hash -> the first batch that stored those bytes (one query, not one a file)."""
        rows = self.con.execute(
            "SELECT content_hash, min(batch_id), arg_min(path, batch_id) FROM batches GROUP BY 1"
        ).fetchall()
        return {str(h): PriorLoad(int(b), str(p)) for h, b, p in rows}

    def bulk_mode(self) -> None:
        """For a long load: checkpoint at the end, not whenever the WAL passes 16 MB.

        Every commit of a large ingest would otherwise rewrite the database file; one
        checkpoint when the warehouse closes does the same work once.
        """
        self.con.execute("SET checkpoint_threshold = '4GB'")

    def next_batch_id(self) -> int:
        """A fresh batch id (ids follow file order, which breaks ties between editions)."""
        return int(self.con.execute("SELECT nextval('batch_ids')").fetchall()[0][0])

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """Another connection to this warehouse, for a loader thread with its own transactions."""
        return self.con.cursor()

    def load(
        self,
        f: SourceFile,
        batch: Batch,
        vintage: datetime,
        batch_id: int | None = None,
        con: duckdb.DuckDBPyConnection | None = None,
        dated_by: str = DATED_BY_GIVEN,
    ) -> int:
        """Store one file's batch inside the caller's open transaction; returns its batch id.
        `dated_by` says how `vintage` was known (DATED_BY_GIVEN or DATED_BY_INGEST).

        The caller commits (several files may share a commit: a commit costs an fsync) or
        rolls back; either way no file is ever stored in part. `con` is the connection
        whose transaction to use (default: the warehouse's own).
        """
        physical = DATASETS[batch.dataset][0]
        quarantine = _quarantine_table(f.name, batch.rejects)
        con = con or self.con
        if batch_id is None:
            batch_id = self.next_batch_id()
        con.execute(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?, ?, ?, ?)",
            [
                batch_id,
                f.name,
                f.content_hash,
                batch.format,
                batch.dataset,
                batch.source,
                batch.force,
                batch.area_type,
                vintage,
                batch.rows_read,
                batch.row_count,
                len(batch.rejects),
                "; ".join(batch.notes) or None,
            ],
        )
        con.execute("INSERT INTO batch_dating VALUES (?, ?)", [batch_id, dated_by])
        registered = []
        try:
            if batch.lazy is not None:
                # Build the canonical rows inside the INSERT: one conversion, not two.
                lazy = batch.lazy
                con.register("_raw", lazy.raw)
                con.register("_rejected", pa.table({"line": lazy.rejected}))
                registered += ["_raw", "_rejected"]
                projection = projection_sql(lazy.select, "_raw", "_rejected")
                con.execute(
                    f"INSERT INTO {physical} BY NAME SELECT ?::INTEGER AS batch_id, "
                    f"?::VARCHAR AS source, * FROM ({projection})",
                    [batch_id, batch.source],
                )
                slices = _lazy_slices(lazy.months)
            else:
                table = batch.canonical().select(columns(batch.dataset))
                table = table.cast(arrow_schema(batch.dataset))
                con.register("_new_rows", table)
                registered.append("_new_rows")
                con.execute(
                    f"INSERT INTO {physical} SELECT ?, ?, * FROM _new_rows",
                    [batch_id, batch.source],
                )
                slices = self._slices(batch, table)
            con.register("_new_slices", slices)
            registered.append("_new_slices")
            con.execute(
                "INSERT INTO batch_slices SELECT ?, ?, ?, ?, ?, month, rows, total "
                "FROM _new_slices",
                [batch_id, batch.dataset, batch.source, batch.force, batch.area_type],
            )
            if quarantine.num_rows:
                con.register("_new_quarantine", quarantine)
                registered.append("_new_quarantine")
                con.execute("INSERT INTO quarantine SELECT ?, * FROM _new_quarantine", [batch_id])
            if batch.dataset in REFERENCE_KEYS:
                note = _kept_keys_note(con, batch.dataset, int(batch_id))
                if note:
                    batch.notes.append(note)
                    con.execute(
                        "UPDATE batches SET notes = ? WHERE batch_id = ?",
                        ["; ".join(batch.notes), batch_id],
                    )
        finally:
            for name in registered:
                con.unregister(name)
        return int(batch_id)

    def replace_reference(self, batch_ids: list[int]) -> list[str]:
        """Mark reference-table files as full replacements (`ingest --replace`): nothing of
        their dataset stored before them counts any more. Returns the datasets replaced;
        a batch of a non-reference dataset is left as it is (its months already replace
        their earlier editions)."""
        rows = self.con.execute(
            "SELECT batch_id, dataset FROM batches WHERE list_contains(?, batch_id)",
            [batch_ids],
        ).fetchall()
        chosen = [(int(b), str(d)) for b, d in rows if d in REFERENCE_KEYS]
        self.con.execute("BEGIN")
        for batch_id, dataset in chosen:
            self.con.execute(
                "INSERT OR REPLACE INTO replacements VALUES (?, ?, now())", [batch_id, dataset]
            )
        self.con.execute("COMMIT")
        return sorted({d for _, d in chosen})

    def log_event(self, path: str, content_hash: str | None, status: str, message: str) -> None:
        """Record a file that was not loaded (rejected) in the ingest log."""
        self.con.execute(
            "INSERT INTO ingest_log VALUES (now(), ?, ?, ?, NULL, ?)",
            [path, content_hash, status, message],
        )

    @staticmethod
    def _empty_slice() -> pa.Table:
        """An empty but valid file still says "this was published": one empty slice."""
        return pa.table(
            {
                "month": pa.array([None], type=pa.date32()),
                "rows": pa.array([0], type=pa.int64()),
                "total": pa.array([0], type=pa.int64()),
            }
        )

    @staticmethod
    def _slices(batch: Batch, table: pa.Table) -> pa.Table:
        months = table.column("month")
        if batch.dataset in ("counts", "victims", "accused"):
            weights = table.column("count")
        else:
            weights = pa.array([1] * table.num_rows, type=pa.int64())
        grouped = (
            pa.table({"month": months, "w": weights})
            .group_by("month", use_threads=False)
            .aggregate([("w", "count"), ("w", "sum")])
        )
        if grouped.num_rows == 0:
            return Warehouse._empty_slice()
        return pa.table(
            {
                "month": grouped.column("month"),
                "rows": grouped.column("w_count"),
                "total": pc.cast(grouped.column("w_sum"), pa.int64()),
            }
        )

    # -- reading ---------------------------------------------------------------------

    def query(self, sql: str, params: list[object] | None = None) -> pa.Table:
        """Run SQL against the warehouse and return an Arrow table."""
        return self.con.sql(sql, params=params or None).to_arrow_table()


def _lazy_slices(months: pa.Table) -> pa.Table:
    rows = pc.cast(months.column("rows"), pa.int64())
    if months.num_rows == 0:
        return Warehouse._empty_slice()
    return pa.table({"month": months.column("month"), "rows": rows, "total": rows})


def _quarantine_table(path: str, rejects: list[Rejection]) -> pa.Table:
    return pa.table(
        {
            "path": pa.array([path] * len(rejects), type=pa.string()),
            "line": pa.array([r.line for r in rejects], type=pa.int32()),
            "field": pa.array([r.field for r in rejects], type=pa.string()),
            "reason": pa.array([r.reason for r in rejects], type=pa.string()),
            "raw": pa.array([r.raw for r in rejects], type=pa.string()),
        }
    )


def _kept_keys_note(con: duckdb.DuckDBPyConnection, dataset: str, batch_id: int) -> str | None:
    """Say so when a reference file holds fewer keys than its table: it revises its own
    keys, and the others stay as they were (a partial file never hides the rest)."""
    table = DATASETS[dataset][0]
    keys = ", ".join(REFERENCE_KEYS[dataset])
    new, kept = con.execute(
        f"SELECT (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {table} "
        f"WHERE batch_id = ?)), (SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {dataset} "
        f"WHERE batch_id <> ? EXCEPT SELECT DISTINCT {keys} FROM {table} WHERE batch_id = ?))",
        [batch_id, batch_id, batch_id],
    ).fetchall()[0]
    if not kept:
        return None
    return (
        f"{dataset}: this file revises {new:,} keys ({keys}) and leaves {kept:,} others as "
        "they were (ingest with --replace to replace the whole table)"
    )
