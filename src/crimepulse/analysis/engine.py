"""The analysis engine: one object that answers Questions about the canonical tables.

`Analysis` holds Ibis tables (not a connection), so the same questions run on DuckDB (the
default) or on any Ibis backend holding the canonical tables (tests/analysis/test_parity.py
runs them on PySpark). Each question is answered by its own module — `compare`, `grid`,
`flags`, `measures` (trend, charge rate, stop and search), `timeseries` — after the one
selection step (`selection.select`); this class only hands them the tables, and knows how
to reach earlier editions of the data (`as_of`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir

from crimepulse.analysis import compare as _compare
from crimepulse.analysis import flags as _flags
from crimepulse.analysis import grid as _grid
from crimepulse.analysis import measures, national, position, timeseries
from crimepulse.analysis.grid import Grid
from crimepulse.analysis.question import GridQuestion, Question
from crimepulse.core.facts import Fact

TABLES = ("counts", "crimes", "current_slices", "population", "harm_weights", "outcomes", "stops")
# Tables a warehouse may lack (one built before the national tables existed, opened
# read-only): a question needing one says so (analysis.national), the others still run.
OPTIONAL_TABLES = ("national_counts", "batches")


class Analysis:
    """Questions about one warehouse (or any backend holding the canonical tables)."""

    def __init__(self, tables: dict[str, ir.Table], backend: Any = None) -> None:
        self.tables = tables
        self.backend = backend  # for questions about earlier vintages (`as_of`)

    @classmethod
    def from_duckdb(cls, con: Any) -> Analysis:
        backend = ibis.duckdb.from_connection(con)
        # (not backend.list_tables(), which ibis 12 cannot run on DuckDB 2.0)
        found = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        present = {str(r[0]) for r in found}
        names = [*TABLES, *(n for n in OPTIONAL_TABLES if n in present)]
        return cls({name: backend.table(name) for name in names}, backend)

    def as_of(self, vintage: str) -> Analysis:
        """The same questions over what had been published at `vintage` (the warehouse's
        `<table>_as_of` views of earlier editions)."""
        if self.backend is None:
            raise ValueError("earlier vintages need the warehouse's DuckDB backend")
        literal = vintage.replace("'", "''")
        suffix = hashlib.sha256(vintage.encode()).hexdigest()[:10]
        tables = {}
        for name in TABLES + tuple(n for n in OPTIONAL_TABLES if n in self.tables):
            if name == "batches":  # bookkeeping, not a dataset: its rows carry their vintage
                tables[name] = self.tables[name]
                continue
            source = "slices_as_of" if name == "current_slices" else f"{name}_as_of"
            view = f"{name}_at_{suffix}"
            # A temporary view per table (not `backend.sql`, which ibis 12 cannot run on
            # DuckDB 2.0): the same Ibis questions then run over the earlier edition.
            self.backend.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {source}('{literal}')"
            )
            tables[name] = self.backend.table(view)
        return Analysis(tables, self.backend)

    def compare(self, question: Question) -> Fact:
        """One count, rate or harm total against its comparison, tested."""
        return _compare.compare(self.tables, question)

    def grid(self, question: GridQuestion) -> Grid:
        """Every area × category × window with its comparison, tested, FDR-controlled."""
        return _grid.grid(self.tables, question)

    def flags(
        self,
        question: GridQuestion,
        *,
        years: int = 5,
        breaks: Sequence[date] | Mapping[str, Sequence[date]] = (),
    ) -> list[Fact]:
        """Series out of line in the month ending the as-of date (a one-month spike or a
        sustained shift), against their seasonal expectation; `breaks`: known series
        breaks (first months of a new series), for every category or per category."""
        return _flags.flags(self.tables, question, years=years, breaks=breaks)

    def trend(self, question: Question, *, months: int = 24) -> Fact:
        """Rising, falling or no clear trend over the last `months` months (Mann–Kendall)."""
        return measures.trend(self, question, months=months)

    def national(
        self, *, category: str, year: str | int, force: str, alpha: float = 0.05
    ) -> national.NationalComparison:
        """`force` against the rest of England and Wales for `category` in a financial year
        (both against the year before, each with its verdict): analysis/national.py."""
        return national.national(
            self.tables, self.compare, category=category, year=year, force=force, alpha=alpha
        )

    def position(self, **asked: Any) -> position.Position:
        """The latest window against a named period's lowest year and a baseline's mean,
        each with its verdict: analysis/position.py (keyword arguments as there)."""
        return position.position(self.compare, **asked)

    def series(
        self,
        question: Question,
        *,
        start: str | date | None = None,
        end: str | date | None = None,
        band_months: int = 24,
        level: float = 0.95,
    ) -> timeseries.MonthlySeries:
        """The question's area × category month by month, with expected bands."""
        return timeseries.monthly_series(
            self, question, start=start, end=end, band_months=band_months, level=level
        )


__all__ = ["OPTIONAL_TABLES", "TABLES", "Analysis", "Grid"]
