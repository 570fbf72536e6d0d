"""London Datastore MPS recorded-crime tables (borough, ward, LSOA): wide months to long counts.

The MPS publishes one row per area x minor category with one column per month (``201004``
.. ``202402`` in the historical editions, the latest 24 or 25 months in the rolling ones), as
CSV on the Datastore and as snake-cased Parquet in mirrors; after `normalise()` the names
agree, so one reader per area level reads both.

Zero cells are not stored: the batch's month columns say which months were published, so an
absent (area, minor, month) row means zero; dropping zeros cuts the historical ward table from
3.5M cells to 2.0M rows. Empty cells are *missing*, not zero: they are skipped
and counted in `Batch.notes`, never quarantined. Rejections are per cell (negative,
non-integer or impossibly large counts — a billion or more, `tabular.MAX_COUNT`, below which
no month's total can wrap — a column that is not a ``YYYYMM`` month) or per row (no area code or
category); the field of a cell rejection is the month column's normalised name.

For Parquet, `line` is the row index + 2, as if the file were a CSV with a header line
(see tabular.py, which holds the helpers all the tabular readers share).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from crimepulse.core.reference import london
from crimepulse.core.reference.forces import METROPOLITAN_FORCE
from crimepulse.errors import FormatError
from crimepulse.sources.base import (
    COUNTS,
    Batch,
    Reader,
    Rejection,
    SourceFile,
)
from crimepulse.sources.tabular import (
    MAX_COUNT,
    Rows,
    canonical_borough,
    conform,
    constant,
    map_distinct,
    missing_check,
    nullable,
    quote_ident,
    read_rows,
    split,
    with_raw,
)

FORCE = METROPOLITAN_FORCE  # the London Datastore tables are the Met's
DEFAULT_SOURCE = "mps-datastore"
LINE = "line"
MONTH_COLUMN = re.compile(r"^(20\d{2})(0[1-9]|1[0-2])$")
_RAW_LIMIT = 2000  # characters of a Parquet row kept as a rejection's raw text


# ---------------------------------------------------------------- the MPS recorded-crime tables


@dataclass(frozen=True)
class Layout:
    """Where one edition keeps its area, borough and category columns (normalised names)."""

    name: str
    description: str
    area_type: str
    area_code: str | None  # None: derive the GSS code from the borough name
    area_name: str
    borough: str
    major: str
    minor: str
    excludes: tuple[str, ...] = ()

    @property
    def identity(self) -> list[str]:
        cols = [self.area_code, self.area_name, self.borough, self.major, self.minor]
        return list(dict.fromkeys(c for c in cols if c))


BOROUGH = Layout(
    name="mps-borough",
    description="London Datastore MPS borough-level crime (MajorText, MinorText, BoroughName "
    "+ YYYYMM month columns), CSV or Parquet",
    area_type="borough",
    area_code=None,
    area_name="boroughname",
    borough="boroughname",
    major="majortext",
    minor="minortext",
    excludes=("wardcode", "lsoacode"),
)
WARD = Layout(
    name="mps-ward",
    description="London Datastore MPS ward-level crime (WardName, WardCode, MajorText, "
    "MinorText, LookUp_BoroughName + YYYYMM month columns), CSV or Parquet",
    area_type="ward",
    area_code="wardcode",
    area_name="wardname",
    borough="lookupboroughname",
    major="majortext",
    minor="minortext",
)
LSOA = Layout(
    name="mps-lsoa",
    description="London Datastore MPS LSOA-level crime (LSOA Code, LSOA Name, Borough code, "
    "Major Category, Minor Category + YYYYMM month columns), CSV or Parquet",
    area_type="lsoa",
    area_code="lsoacode",
    area_name="lsoaname",
    borough="borough",
    major="majorcategory",
    minor="minorcategory",
)


def month_columns(columns: list[str], identity: list[str]) -> tuple[list[str], list[str]]:
    """(valid YYYYMM columns, other non-identity columns) in file order."""
    rest = [c for c in columns if c not in identity and c != LINE]
    good = [c for c in rest if MONTH_COLUMN.match(c)]
    return good, [c for c in rest if c not in good]


def unpivot_sql(keep: dict[str, str], values: list[str], source: str) -> str:
    """Wide to long: one row per (kept columns, value column), as `col` and trimmed `v`."""
    kept = ", ".join(f"{expr} AS {quote_ident(alias)}" for alias, expr in keep.items())
    cols = ", ".join(quote_ident(c) for c in values)
    return (
        f"SELECT * EXCLUDE (v), trim(v) AS v FROM (UNPIVOT (SELECT {kept}, {cols} FROM {source}) "
        f"ON {cols} INTO NAME col VALUE v)"
    )


class MpsReader:
    """One MPS area level; reads CSV and Parquet editions alike."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.name = layout.name
        self.description = layout.description
        self.required_columns = layout.identity

    def matches(self, columns: list[str]) -> bool:
        present = set(columns)
        return set(self.layout.identity) <= present and not present & set(self.layout.excludes)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        lay = self.layout
        rows = read_rows(f, columns)
        months, others = month_columns(rows.table.column_names, lay.identity)
        if not months:
            raise FormatError(
                f"{f.name}: no month columns (expected names like 202401 after "
                f"{', '.join(lay.identity)})"
            )
        wide, row_rejects = self._valid_rows(f, rows)
        long, cell_rejects, missing = self._cells(wide, months, others)
        rejects = sorted(
            rows.rejects + row_rejects + with_raw(f, rows, cell_rejects), key=lambda r: r.line
        )
        future = [c for c in months if c > f"{_this_month():%Y%m}"]
        notes = [f"months {months[0]}..{months[-1]} ({len(months)} month columns)"]
        notes += [
            f"column {c!r} is a month in the future: its non-zero cells quarantined" for c in future
        ]
        if missing:
            notes.append(f"{missing} empty cells treated as missing (not zero, not quarantined)")
        notes += [
            f"column {c!r} is not a YYYYMM month: its non-zero cells quarantined" for c in others
        ]
        return Batch(
            format=lay.name,
            dataset=COUNTS,
            source=f.source_hint or DEFAULT_SOURCE,
            table=conform(long, COUNTS),
            rows_read=rows.rows_read,
            blank_lines=rows.blank_lines,
            rejects=rejects,
            force=FORCE,
            area_type=lay.area_type,
            notes=notes,
        )

    def _valid_rows(self, f: SourceFile, rows: Rows) -> tuple[pa.Table, list[Rejection]]:
        """Rows with an area and categories, with `_bcode`/`_bname` borough columns added.

        Only the identity columns go through DuckDB; the wide table is filtered in Arrow.
        """
        lay = self.layout
        checks = [missing_check(lay.borough, "borough")]
        if lay.area_code:
            checks.append(missing_check(lay.area_code, f"{lay.area_type} code"))
        checks += [missing_check(lay.major, "major category"), missing_check(lay.minor, "minor")]
        narrow = rows.table.select([LINE, *lay.identity])
        _, rejects = split(f, rows, narrow, checks, LINE)
        wide = rows.table
        if rejects:
            bad = pa.array(sorted({r.line for r in rejects}), type=pa.int32())
            wide = wide.filter(pc.invert(pc.is_in(wide[LINE], value_set=bad)))
        borough = wide[lay.borough]
        wide = wide.append_column(
            "_bcode", map_distinct(borough, london.borough_code, pa.string())
        ).append_column("_bname", map_distinct(borough, canonical_borough, pa.string()))
        return wide, rejects

    def _cells(
        self, wide: pa.Table, months: list[str], others: list[str]
    ) -> tuple[pa.Table, list[Rejection], int]:
        """Unpivot non-zero cells and validate each: (good long rows, rejections, empties).

        DuckDB unpivots (keeping its insertion order: by line, then month column) and drops
        the plain zeros; the checks run as Arrow kernels, and only the rare failing cells go
        through Python to word their reason.
        """
        lay = self.layout
        keep = {
            LINE: LINE,
            "area_code": nullable(lay.area_code) if lay.area_code else "_bcode",
            "area_name": "_bname" if lay.area_name == lay.borough else nullable(lay.area_name),
            "borough": "_bname",
            "major": nullable(lay.major),
            "minor": nullable(lay.minor),
        }
        sql = f"SELECT * FROM ({unpivot_sql(keep, months + others, 'wide')}) WHERE v <> '0'"
        con = duckdb.connect()
        try:
            con.register("wide", wide)
            cells = con.sql(sql).to_arrow_table()
        finally:
            con.close()
        values = cells["v"]
        month = map_distinct(cells["col"], _month_of_column, pa.date32())
        empty = pc.equal(values, "")
        future = pc.fill_null(pc.greater(month, pa.scalar(_this_month(), pa.date32())), False)
        ok = pc.and_(
            pc.and_(pc.match_substring_regex(values, INTEGER), pc.is_valid(month)),
            pc.invert(future),
        )
        counts = pc.cast(pc.if_else(ok, pc.utf8_ltrim(values, "+"), "0"), pa.int64())
        out_of_range = pc.or_(pc.less(counts, 0), pc.greater_equal(counts, MAX_COUNT))
        failed = pc.and_(pc.invert(empty), pc.or_(pc.invert(ok), out_of_range))
        bad = cells.filter(failed).select([LINE, "col", "v"]).to_pylist()
        rejects = [
            Rejection(int(r[LINE]), _cell_reason(r["col"], r["v"]), str(r["col"])) for r in bad
        ]
        good = (
            cells.append_column("month", month)
            .append_column("count", counts)
            .filter(pc.and_(pc.greater(counts, 0), pc.invert(failed)))
        )
        good = constant(constant(good, "force", FORCE), "area_type", lay.area_type)
        return good, rejects, pc.sum(empty).as_py() or 0


INTEGER = r"^[+-]?[0-9]{1,18}$"


def _month_of_column(name: str) -> object:
    match = MONTH_COLUMN.match(name)
    return datetime.date(int(match[1]), int(match[2]), 1) if match else None


def _this_month() -> datetime.date:
    return datetime.date.today().replace(day=1)


def _cell_reason(column: str, value: str) -> str:
    if not MONTH_COLUMN.match(column):
        return f"column {column} is not a YYYYMM month"
    month = _month_of_column(column)
    if isinstance(month, datetime.date) and month > _this_month():
        return f"month {month:%Y-%m} is in the future (after {_this_month():%Y-%m})"
    if re.fullmatch(r"[+-]?[0-9]+", value):
        if value.startswith("-"):
            return f"negative count {value}"
        return f"count too large (a billion or more): {value}"
    return f'non-integer count "{value}"'


READERS: list[Reader] = [MpsReader(BOROUGH), MpsReader(WARD), MpsReader(LSOA)]
