"""Helpers the tabular readers share: CSV or Parquet into one table of strings with exact
line numbers, SQL snippets for checks, and the last step to the canonical schema.

For Parquet, `line` is the row index + 2, as if the file were a CSV with a header line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from crimepulse.core import schema
from crimepulse.core.reference import london
from crimepulse.errors import FormatError
from crimepulse.sources import csvtable
from crimepulse.sources.base import Batch, Rejection, SourceFile, normalise
from crimepulse.sources.validate import Check, split_valid

LINE = "line"
_RAW_LIMIT = 2000  # characters of a Parquet row kept as a rejection's raw text


@dataclass(frozen=True)
class Rows:
    """A file as strings: normalised column names, empty string for null, int32 `line`."""

    table: pa.Table
    rejects: list[Rejection]
    rows_read: int
    parquet: bool
    blank_lines: int = 0  # CSV lines that were empty: neither rows nor rejected


def quote_ident(name: str) -> str:
    """A SQL identifier (month columns such as ``201004`` must be quoted)."""
    return '"' + name.replace('"', '""') + '"'


def shown(expr: str) -> str:
    """SQL that shows a text value in double quotes inside a rejection reason."""
    return f"'\"' || {expr} || '\"'"


def _check_unique(f: SourceFile, names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise FormatError(f"{f.name}: column {name!r} appears twice (after normalising)")
        seen.add(name)


def _parquet_rows(f: SourceFile) -> Rows:
    try:
        with f.open() as fh:
            table = pq.read_table(fh)
    except (pa.ArrowException, OSError) as exc:
        raise FormatError(f"{f.name}: not a readable Parquet file ({exc})") from exc
    names = [normalise(n) for n in table.column_names]
    _check_unique(f, names)
    arrays = {}
    for name, column in zip(names, table.columns, strict=True):
        try:
            text = pc.cast(column, pa.string())
        except pa.ArrowException as exc:
            raise FormatError(f"{f.name}: column {name!r} cannot be read as text ({exc})") from exc
        arrays[name] = pc.fill_null(text, "")
    arrays[LINE] = pa.array(range(2, table.num_rows + 2), type=pa.int32())
    return Rows(csvtable.trimmed(pa.table(arrays)), [], table.num_rows, parquet=True)


def read_rows(f: SourceFile, columns: list[str]) -> Rows:
    """CSV (via csvtable, which rejects malformed lines) or Parquet, as a table of strings."""
    if f.kind == "parquet":
        return _parquet_rows(f)
    if f.kind != "csv":
        raise FormatError(f"{f.name}: expected CSV or Parquet, found {f.kind}")
    _check_unique(f, columns)
    got = csvtable.read_strings(f, columns)
    blank = len(got.blank_lines)
    return Rows(got.table, got.rejects, got.rows_read, parquet=False, blank_lines=blank)


def _render_row(table: pa.Table, line: int) -> str:
    """A Parquet row as a CSV line (its raw text for the quarantine)."""
    row = table.slice(line - 2, 1).drop_columns([LINE]).to_pylist()[0]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row.values())
    return out.getvalue()[:_RAW_LIMIT]


def raw_texts(f: SourceFile, rows: Rows, lines: set[int]) -> dict[int, str]:
    """Raw text of the given lines: the file's line for CSV, a rendered row for Parquet."""
    if not lines:
        return {}
    if rows.parquet:
        return {line: _render_row(rows.table, line) for line in lines}
    return csvtable.raw_lines(f, lines)


def with_raw(f: SourceFile, rows: Rows, rejects: list[Rejection]) -> list[Rejection]:
    """Fill in the raw text of rejections that lack it."""
    missing = {r.line for r in rejects if r.raw is None}
    raws = raw_texts(f, rows, missing)
    return [r if r.raw is not None else replace(r, raw=raws.get(r.line)) for r in rejects]


def split(
    f: SourceFile, rows: Rows, table: pa.Table, checks: list[Check], select: str
) -> tuple[pa.Table, list[Rejection]]:
    """`validate.split_valid`, with raw text for Parquet rows too, and good rows in line order."""
    good, rejects = split_valid(f, table, checks, select, raw_from_file=not rows.parquet)
    if rows.parquet:
        rejects = with_raw(f, rows, rejects)
    if LINE in good.column_names:
        good = good.sort_by(LINE)
    return good, rejects


def map_distinct(column: pa.ChunkedArray, fn: Callable[[str], Any], kind: pa.DataType) -> pa.Array:
    """Apply `fn` to each distinct value only, then spread the results (vectorised lookup)."""
    distinct = pc.unique(column)
    mapped = pa.array([fn(v) for v in distinct.to_pylist()], type=kind)
    return pc.take(mapped, pc.index_in(column, value_set=distinct))


def canonical_borough(raw: str) -> str | None:
    """The canonical borough name, or the raw name when it is not a borough ("Unknown")."""
    text = raw.strip()
    return london.borough_name(text) or (text or None)


def conform(table: pa.Table, dataset: str) -> pa.Table:
    """Exactly the dataset's canonical columns, in order, with their Arrow types."""
    target: pa.Schema = schema.arrow_schema(dataset)
    return table.select(target.names).cast(target)


def constant(table: pa.Table, name: str, value: str | None) -> pa.Table:
    """Append a column holding one value on every row."""
    return table.append_column(name, pa.repeat(pa.scalar(value, pa.string()), table.num_rows))


def nullable(column: str) -> str:
    """SQL for a trimmed text column with empty meaning null."""
    return f"NULLIF(trim({quote_ident(column)}), '')"


def missing_check(column: str, what: str) -> Check:
    return Check(column, f"trim({quote_ident(column)}) = ''", f"'missing {what}'")


# No area records a billion crimes in a month, and below this no month's total can wrap a
# BIGINT (that would take nine billion rows): a bigger count is a typo, quarantined.
MAX_COUNT = 1_000_000_000


def number_checks(
    column: str,
    what: str,
    pattern: str,
    malformed: str = "non-numeric",
    limit: tuple[float, str] | None = None,
) -> list[Check]:
    """Missing, too large (`limit`: the bound and how a reason words it), malformed (text
    not matching the regex `pattern`) and negative values.

    Thousands commas are ignored when testing size and sign, so a pattern may allow them.
    """
    c = f"trim({quote_ident(column)})"
    number = f"TRY_CAST(replace({c}, ',', '') AS DOUBLE)"
    checks = [Check(column, f"{c} = ''", f"'missing {what}'")]
    if limit is not None:
        bound, words = limit
        checks.append(
            Check(
                column,
                f"{number} >= {bound} AND NOT isnan({number})",
                f"'{what} too large ({words}): ' || {c}",
            )
        )
    return [
        *checks,
        Check(
            column,
            f"NOT regexp_full_match({c}, '{pattern}') OR NOT isfinite({number})",
            f"'{malformed} {what} ' || {shown(c)}",
        ),
        Check(column, f"{number} < 0", f"'negative {what} ' || {c}"),
    ]


class HasHeader(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def required(self) -> Sequence[str]: ...


L = TypeVar("L", bound=HasHeader)


class LayoutReader(Generic[L]):
    """A reader for one layout of a table: it matches when the layout's columns are present."""

    def __init__(self, layout: L) -> None:
        self.layout = layout
        self.name = layout.name
        self.description = layout.description
        self.required_columns = list(layout.required)

    def matches(self, columns: list[str]) -> bool:
        return set(self.layout.required) <= set(columns)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        raise NotImplementedError
