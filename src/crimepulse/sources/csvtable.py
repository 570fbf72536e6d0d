"""CSV to an Arrow table of strings, with exact line numbers and per-line rejections.

Fast path: Arrow's multi-threaded CSV reader, used when the file is clean (every row has
the header's column count, valid UTF-8, no line breaks inside quotes). Then data row i is
on line i + 2. Any irregularity sends that one file to the exact path, Python's csv
module over individually decoded lines, which keeps the good rows and rejects the rest
with the line number and raw text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv

from crimepulse.sources.base import Rejection, SourceFile, normalise

LINE = "line"


@dataclass
class CsvTable:
    """Good rows as strings (columns = normalised header names, plus `line`)."""

    table: pa.Table
    rejects: list[Rejection]
    rows_read: int


class _Irregular(Exception):
    pass


def _fast(f: SourceFile, names: list[str]) -> CsvTable:
    irregular: list[object] = []

    def on_invalid(row: object) -> str:
        irregular.append(row)  # noted, then the whole file goes to the exact path
        return "skip"

    stream = pa.input_stream(f.path, compression=f.compression) if f.path else f.open()
    with stream as fh:
        try:
            table = pacsv.read_csv(
                fh,
                read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=False, invalid_row_handler=on_invalid
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _Irregular() from exc
    if irregular:
        raise _Irregular()
    lines = pa.array(range(2, table.num_rows + 2), type=pa.int32())
    return CsvTable(table.append_column(LINE, lines), [], table.num_rows)


def _physical_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    yield from enumerate(data.splitlines(keepends=True), start=1)


def _exact(f: SourceFile, names: list[str]) -> CsvTable:
    with f.open() as fh:
        data = fh.read()
    rejects: list[Rejection] = []
    columns: list[list[str]] = [[] for _ in names]
    lines: list[int] = []
    rows_read = 0
    pending: list[tuple[int, str]] = []  # physical lines of the record being assembled

    def flush(record_lines: list[tuple[int, str]]) -> None:
        nonlocal rows_read
        text = "".join(t for _, t in record_lines)
        start = record_lines[0][0]
        if not text.strip("\r\n"):
            return  # a blank line is not a row
        rows_read += 1
        try:
            fields = next(csv.reader(io.StringIO(text), strict=True))
        except (csv.Error, StopIteration) as exc:
            rejects.append(Rejection(start, f"unparseable CSV: {exc}", None, text.rstrip("\r\n")))
            return
        if len(fields) != len(names):
            reason = f"wrong column count: {len(fields)} fields, header has {len(names)}"
            rejects.append(Rejection(start, reason, None, text.rstrip("\r\n")))
            return
        for column, value in zip(columns, fields, strict=True):
            column.append(value)
        lines.append(start)

    for number, raw in _physical_lines(data):
        if number == 1:
            continue  # header
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if pending:
                flush(pending)
                pending = []
            rows_read += 1
            raw_text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            rejects.append(
                Rejection(number, f"undecodable bytes (not UTF-8): {exc.reason}", None, raw_text)
            )
            continue
        pending.append((number, text))
        # A record is complete when its quotes are balanced.
        if sum(t.count('"') for _, t in pending) % 2 == 0:
            flush(pending)
            pending = []
    if pending:
        flush(pending)
    arrays = {n: pa.array(c, type=pa.string()) for n, c in zip(names, columns, strict=True)}
    arrays[LINE] = pa.array(lines, type=pa.int32())
    return CsvTable(pa.table(arrays), rejects, rows_read)


def read_strings(f: SourceFile, header: list[str]) -> CsvTable:
    """Read every data row of `f` as strings, columns named by the normalised `header`."""
    names = [normalise(c) for c in header]
    try:
        return _fast(f, names)
    except _Irregular:
        return _exact(f, names)


def raw_lines(f: SourceFile, wanted: set[int]) -> dict[int, str]:
    """The raw text of the given 1-based line numbers (for quarantine records)."""
    if not wanted:
        return {}
    found: dict[int, str] = {}
    last = max(wanted)
    with f.open() as fh:
        for number, raw in enumerate(fh, start=1):
            if number in wanted:
                found[number] = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if number >= last:
                break
    return found
