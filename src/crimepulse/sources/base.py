"""What every reader shares: the file it reads, the batch it returns, the rows it rejects.

A reader knows one format. It validates and normalises rows into a canonical Arrow table
and lists the rows it refused (with line, field and reason); it never touches a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

import pyarrow as pa

from crimepulse.config import ReadLimits
from crimepulse.errors import FormatError as FormatError

# Canonical datasets, each stored in one table of the warehouse (see core/schema.py).
CRIMES = "crimes"
OUTCOMES = "outcomes"
STOPS = "stops"
COUNTS = "counts"
VICTIMS = "victims"
ACCUSED = "accused"
AREAS = "areas"
POPULATION = "population"
HARM_WEIGHTS = "harm_weights"
NATIONAL_COUNTS = "national_counts"


@dataclass(frozen=True)
class SourceFile:
    """One readable unit: a plain file, a gzip file, or a member of a zip archive.

    `name` is what messages show (``archive.zip!2023-01/x.csv`` for a zip member).
    `open` returns the decompressed bytes; `kind` says how to parse them.
    """

    name: str
    kind: str  # "csv" | "parquet" | "json"
    open: Callable[[], BinaryIO]
    content_hash: str
    size: int
    source_hint: str | None = None  # e.g. "synthetic" when a demo marker file is present
    force_hint: str | None = None  # e.g. "metropolitan" from a data.police.uk file name
    # A plain file on disk (not a zip member): lets Arrow decompress natively, which is
    # twice as fast as reading through Python's gzip module.
    path: str | None = None
    compression: str | None = None  # "gzip" or None
    encoding: str | None = None  # "UTF-16" when `open` transcodes the file to UTF-8
    # Why the unit cannot be read at all ("truncated gzip", "empty zip"): ingest rejects it,
    # by name. `skip` says why it is deliberately not read (a hidden zip member).
    problem: str | None = None
    skip: str | None = None
    # What reading it may cost (line length, expansion); `long_lines` is None until a pass
    # through its bytes (`files.surveyed`) has said whether a line is over the line limit.
    limits: ReadLimits = field(default_factory=ReadLimits)
    long_lines: bool | None = None


@dataclass(frozen=True)
class Rejection:
    """A row that failed validation: where it is, which field, why, and the raw text."""

    line: int
    reason: str
    field: str | None = None
    raw: str | None = None


@dataclass
class LazyRows:
    """Canonical rows described, not built: a SQL projection over the raw strings.

    The big formats hand this to the store, which runs `select` inside its own INSERT:
    building the canonical table in memory first and then copying it into the warehouse
    would convert every string twice. `rejected` lines are left out; `months` (month,
    rows) says which months the rows cover, for the store's bookkeeping.
    """

    raw: pa.Table
    select: str
    rejected: pa.Array
    num_rows: int
    months: pa.Table

    def materialise(self) -> pa.Table:
        from crimepulse.sources.validate import project

        return project(self.raw, self.select, self.rejected)


@dataclass
class Batch:
    """What a reader returns for one file.

    The rows are canonical columns (see core/schema.py for the dataset) plus `line`
    (1-based line in the file, header = line 1; for Parquet the 1-based row number + 1)
    and `month` (first day of the month the row belongs to; null for undated data such as
    boundaries), given either as a built `table` or as `lazy` rows. `rows_read` counts
    data rows in the file, so rows_read == row_count + len(rejects) for row-per-line
    formats, and `blank_lines` the empty lines of a CSV (neither rows nor rejected): with
    the header, a CSV's lines are all accounted for.
    """

    format: str
    dataset: str
    source: str
    rows_read: int
    blank_lines: int = 0
    table: pa.Table | None = None
    lazy: LazyRows | None = None
    rejects: list[Rejection] = field(default_factory=list)
    force: str | None = None
    area_type: str | None = None
    notes: list[str] = field(default_factory=list)

    def canonical(self) -> pa.Table:
        """The rows as a table (built on first use when they were given lazily)."""
        if self.table is None:
            assert self.lazy is not None, "a Batch needs a table or lazy rows"
            self.table = self.lazy.materialise()
        return self.table

    @property
    def row_count(self) -> int:
        if self.table is not None:
            return int(self.table.num_rows)
        assert self.lazy is not None, "a Batch needs a table or lazy rows"
        return self.lazy.num_rows


class Reader(Protocol):
    """A format: recognises a header and reads a file of that format.

    A reader may also list `required_columns` (normalised names its header must hold), so
    that a header missing some is told which (registry.closest).
    """

    name: str
    description: str

    def matches(self, columns: list[str]) -> bool:
        """True when these normalised column names are this format's header."""
        ...

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        """Read the whole file (columns = its normalised header)."""
        ...


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(column: str) -> str:
    """Header comparison key: case, BOM, spaces, punctuation and underscores ignored.

    ``"Crime ID"``, ``"crime_id"`` and ``"\\ufeffCRIME-ID"`` all become ``"crimeid"``.
    """
    return _NON_ALNUM.sub("", column.replace("\ufeff", "").strip().lower())


def has_columns(columns: list[str], required: list[str]) -> bool:
    """All `required` (already normalised) are present in `columns`."""
    present = set(columns)
    return all(c in present for c in required)
