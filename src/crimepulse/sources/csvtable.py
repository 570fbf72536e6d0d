"""CSV to an Arrow table of strings, with exact line numbers and per-line rejections.

Fast path: Arrow's multi-threaded CSV reader, used when the file is clean (every row has
the header's column count, valid UTF-8, no line breaks inside quotes). Then data row i is
on line i + 2 (blank lines are kept as irregular rows, so they cannot shift that). Any
irregularity sends that one file to the exact path, Python's csv module over individually
decoded lines, which keeps the good rows and rejects the rest with the line number and raw
text. There every physical line is a row, a rejection or a blank line: a stray or
unclosed quote costs its own line, never the lines after it (`records`).

The exact path streams: lines come from `limits.physical_lines` (a line over the file's
line limit is quarantined with its length, never held), and good rows become Arrow in
batches. A file with such a line goes straight to it (the survey says so beforehand), so
Arrow never buffers the line either.
"""

from __future__ import annotations

import csv
import io
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crimepulse.config import format_size
from crimepulse.sources import files
from crimepulse.sources import limits as bounds
from crimepulse.sources.base import Rejection, SourceFile, normalise

LINE = "line"
BATCH_ROWS = 1 << 16  # rows the exact path gathers as Python strings before making Arrow


@dataclass
class CsvTable:
    """Good rows as strings (columns = normalised header names, plus `line`)."""

    table: pa.Table
    rejects: list[Rejection]
    rows_read: int
    blank_lines: list[int] = field(default_factory=list)  # neither rows nor rejected


class _Irregular(Exception):
    pass


def _suspect(table: pa.Table) -> bool:
    """Rows Arrow read without complaint whose line numbers would still be wrong: a value
    holding a line feed (Arrow lets a quote run across lines even with
    `newlines_in_values=False`, so an unclosed quote can fold several lines into one row),
    or a row of empty values, which may be a blank line rather than a row of commas.
    (Cheap passes: finding a substring, and string lengths.)"""
    if table.num_columns == 0 or table.num_rows == 0:
        return False
    for column in table.columns:
        if pc.max(pc.find_substring(column, "\n")).as_py() >= 0:
            return True
    empty = pc.equal(pc.binary_length(table.column(0)), 0)
    for column in table.columns[1:]:
        if not pc.any(empty).as_py():
            return False
        empty = pc.and_(empty, pc.equal(pc.binary_length(column), 0))
    return bool(pc.any(empty).as_py())


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
                    newlines_in_values=False,
                    # A blank line must not vanish: it would shift every later row's line
                    # number. Kept, it is an irregular row, and the exact path numbers lines.
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _Irregular() from exc
    if irregular or _suspect(table):
        raise _Irregular()
    lines = pa.array(range(2, table.num_rows + 2), type=pa.int32())
    return CsvTable(table.append_column(LINE, lines), [], table.num_rows)


_UNCLOSED = "a quoted field opened on this line is never closed"
_RUNS_ON = "a quoted field opened on this line runs to line"
MAX_RECORD_LINES = 1000  # a quoted field spanning more lines than this is taken as unclosed


def _ends_quoted(text: str, quoted: bool) -> bool:
    """Whether `text` (one physical line) ends inside a quoted field, given whether it
    began inside one. A quote opens a field only at the field's start, as in RFC 4180:
    a stray quote inside an unquoted field is text, so it cannot swallow the lines after."""
    if '"' not in text:  # most lines: nothing can open or close (a fast substring test)
        return quoted
    at_start = not quoted
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quoted:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                quoted = False
        elif c == '"' and at_start:
            quoted, at_start = True, False
        else:
            at_start = c == ","
        i += 1
    return quoted


@dataclass(frozen=True)
class Refused:
    """A physical line refused before it is parsed (undecodable bytes, over the line
    limit): why, and the text to keep as its raw line."""

    reason: str
    raw: str


@dataclass(frozen=True)
class Record:
    """One CSV record and the physical lines it spans (`first`..`last`): its fields, or
    why it was refused (then it spans exactly one line: the lines after it are read anew)."""

    first: int
    last: int
    text: str
    fields: list[str] | None = None
    reason: str | None = None


Line = tuple[int, "str | Refused | None"]


def records(
    lines: Iterable[Line], width: int, max_record: int | None = None
) -> Iterator[Record | int]:
    """Split physical lines into records of `width` fields; a blank line is given as its
    number. Every line is in exactly one record or is blank, so none vanishes: a quoted
    field that never closes (or whose record is malformed, or runs past `max_record`
    characters) refuses only its first line, and reading resumes on the next. A line that
    is None could not be decoded; a `Refused` one says why itself. Lines are read lazily:
    only a quoted field's lines are held, while it is open."""
    source = iter(lines)
    ahead: deque[Line] = deque()
    while True:
        if not ahead:
            nxt = next(source, None)
            if nxt is None:
                return
            ahead.append(nxt)
        number, text = ahead[0]
        if not isinstance(text, str):
            reason = "undecodable bytes (not UTF-8)" if text is None else text.reason
            yield Record(number, number, "" if text is None else text.raw, reason=reason)
            ahead.popleft()
            continue
        if not text.strip("\r\n"):
            yield number
            ahead.popleft()
            continue
        j, quoted, size, too_long = 0, _ends_quoted(text, False), len(text), False
        while quoted and j < MAX_RECORD_LINES:
            if j + 1 >= len(ahead):
                more = next(source, None)
                if more is None:
                    break
                ahead.append(more)
            following = ahead[j + 1][1]
            if not isinstance(following, str):
                break
            size += len(following)
            if max_record is not None and size > max_record:
                too_long = True
                break
            j += 1
            quoted = _ends_quoted(following, True)
        raw = text.rstrip("\r\n")
        if quoted:
            reason = _UNCLOSED
            if too_long:
                reason += f" within the {format_size(int(max_record or 0))} line limit"
            yield Record(number, number, raw, reason=reason)
            ahead.popleft()
            continue
        span = [ahead[k] for k in range(j + 1)]
        joined = "".join(str(t) for _, t in span)
        try:
            parsed = list(csv.reader(io.StringIO(joined, newline=""), strict=True))
        except csv.Error as exc:
            parsed, error = [], f"unparseable CSV: {exc}"
        else:
            error = f"unparseable CSV: {len(parsed)} records" if len(parsed) != 1 else ""
        if not error and len(parsed[0]) != width:
            error = f"wrong column count: {len(parsed[0])} fields, header has {width}"
        if error and j > 0:
            error = (
                f"a quoted field opened on this line is not closed on it (read on to line "
                f"{span[-1][0]}, the record is malformed: {error})"
            )
        if error:
            yield Record(number, number, raw, reason=error)
            ahead.popleft()
            continue
        yield Record(number, span[-1][0], joined.rstrip("\r\n"), fields=parsed[0])
        for _ in range(j + 1):
            ahead.popleft()


def decoded_lines(stream: BinaryIO, limit: int) -> Iterator[Line]:
    """(number, text) for each physical line of `stream`: a line over `limit` bytes, or
    one that is not UTF-8, as a `Refused` that says why (with its text, or its start)."""
    for number, raw in enumerate(bounds.physical_lines(stream, limit), start=1):
        if isinstance(raw, bounds.LongLine):
            start = raw.prefix.decode("utf-8", errors="replace").rstrip("\r\n")
            reason = bounds.line_reason(number, raw.length, limit)
            yield number, Refused(reason, f"{start}… ({raw.length:,} bytes)")
            continue
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            yield number, Refused(f"undecodable bytes (not UTF-8): {exc.reason}", text)


class _Columns:
    """Good rows gathered as strings, turned into Arrow every BATCH_ROWS rows."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.columns: list[list[str]] = [[] for _ in names]
        self.lines: list[int] = []
        self.batches: list[pa.RecordBatch] = []

    def add(self, fields: list[str], line: int) -> None:
        for column, value in zip(self.columns, fields, strict=True):
            column.append(value)
        self.lines.append(line)
        if len(self.lines) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        arrays = [pa.array(c, type=pa.string()) for c in self.columns]
        arrays.append(pa.array(self.lines, type=pa.int32()))
        self.batches.append(pa.RecordBatch.from_arrays(arrays, names=[*self.names, LINE]))
        self.columns = [[] for _ in self.names]
        self.lines = []

    def table(self) -> pa.Table:
        self._flush()
        return pa.Table.from_batches(self.batches)


def _exact(f: SourceFile, names: list[str]) -> CsvTable:
    limit = f.limits.max_line_bytes
    rejects: list[Rejection] = []
    good = _Columns(names)
    blank: list[int] = []
    rows_read = 0
    with f.open() as fh:
        lines = decoded_lines(fh, limit)
        next(lines, None)  # line 1 is the header
        for record in records(lines, len(names), max_record=limit):
            if isinstance(record, int):
                blank.append(record)
                continue
            rows_read += 1
            if record.fields is None:
                rejects.append(Rejection(record.first, str(record.reason), None, record.text))
                continue
            good.add(record.fields, record.first)
    return CsvTable(good.table(), rejects, rows_read, blank)


# First or last bytes that may be whitespace: ASCII space, tab, LF, VT, FF, CR, and any
# non-ASCII byte (a UTF-8 sequence that may be a Unicode space such as U+00A0).
_MAYBE_SPACE = np.zeros(256, dtype=bool)
_MAYBE_SPACE[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]] = True
_MAYBE_SPACE[0x80:] = True


def _maybe_padded(column: pa.ChunkedArray) -> bool:
    """Whether any value may start or end with whitespace, from its first and last bytes
    (a look through the offsets, several times cheaper than trimming a column that needs
    none). An empty value is judged by its neighbours' bytes: at worst a clean column is
    trimmed for nothing."""
    for chunk in column.chunks:
        _, offset_buffer, data_buffer = chunk.buffers()
        if len(chunk) == 0 or data_buffer is None or data_buffer.size == 0:
            continue
        offsets = np.frombuffer(offset_buffer, dtype=np.int32)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        first = data[np.minimum(offsets[:-1], data.size - 1)]
        last = data[np.maximum(offsets[1:] - 1, 0)]
        if _MAYBE_SPACE[first].any() or _MAYBE_SPACE[last].any():
            return True
    return False


def trimmed(table: pa.Table) -> pa.Table:
    """Every text value without its leading and trailing whitespace, so that " Burglary ",
    "E09000001 " and " 2024-01" are stored, checked and matched as their unpadded selves by
    every reader (the raw text of a rejected line is still read back from the file). Only
    columns that may hold padding are trimmed."""
    columns = [
        pc.utf8_trim_whitespace(c) if pa.types.is_string(c.type) and _maybe_padded(c) else c
        for c in table.columns
    ]
    return pa.table(columns, names=table.column_names)


def read_strings(f: SourceFile, header: list[str]) -> CsvTable:
    """Read every data row of `f` as strings, columns named by the normalised `header`,
    values trimmed (`trimmed`)."""
    names = [normalise(c) for c in header]
    f = files.surveyed(f)
    if f.long_lines:  # Arrow would buffer the long line whole: the exact path skips it
        got = _exact(f, names)
    else:
        try:
            got = _fast(f, names)
        except _Irregular:
            got = _exact(f, names)
    got.table = trimmed(got.table)
    return got


def raw_lines(f: SourceFile, wanted: set[int]) -> dict[int, str]:
    """The raw text of the given 1-based line numbers (for quarantine records); a line
    over the line limit is given by its start and its length."""
    if not wanted:
        return {}
    found: dict[int, str] = {}
    last = max(wanted)
    with f.open() as fh:
        for number, text in decoded_lines(fh, f.limits.max_line_bytes):
            if number in wanted:
                raw = text.raw if isinstance(text, Refused) else str(text).rstrip("\r\n")
                found[number] = raw
            if number >= last:
                break
    return found
