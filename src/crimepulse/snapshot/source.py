"""What a snapshot asks for, as a protocol: the builder depends on this, not on the facade.

A snapshot needs Facts (one comparison, a grid of them, the seasonal flags), the coverage
of the warehouse's series (for the caveats and the months a trend chart can show) and the
borough boundaries (for the map). `FactSource` names exactly those calls, with keyword
arguments, so the snapshot floor never imports `crimepulse.api`: the facade
(`crimepulse.Crimepulse`) satisfies it structurally and is handed in from above, and a
test can hand in a fake made of hand-written Facts to check the narrative on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from crimepulse.core.facts import Fact
from crimepulse.store.coverage import Series

if TYPE_CHECKING:
    import pyarrow as pa


class FactTable(Protocol):
    """A grid's answer: one tested Fact per area × category × window."""

    @property
    def facts(self) -> Sequence[Fact]: ...


class SqlSource(Protocol):
    """Read-only SQL over the warehouse; the map reads the `areas` boundaries with it."""

    def sql(self, query: str) -> pa.Table: ...


class FactSource(SqlSource, Protocol):
    """Everything the snapshot builder asks of the data. A question the data cannot
    answer (a window not published, an unknown category or area) raises the engine's
    question errors, which the builder turns into a caveat, never a zero."""

    def compare(
        self,
        *,
        area: str,
        category: str,
        window: str,
        as_of: str | date,
        vs: str = ...,
        source: str | None = ...,
        force: str = ...,
    ) -> Fact:
        """One count against a comparison, tested."""
        ...

    def grid(
        self,
        *,
        areas: str,
        categories: str,
        windows: str,
        as_of: str | date,
        vs: str = ...,
        source: str | None = ...,
        force: str = ...,
    ) -> FactTable:
        """Areas × categories × windows, tested together (FDR-controlled)."""
        ...

    def flags(
        self, *, as_of: str | date, categories: str = ..., force: str = ..., years: int = ...
    ) -> Sequence[Fact]:
        """Series outside their seasonal expectation in the month ending `as_of`."""
        ...

    def sources(self) -> Sequence[Series]:
        """Coverage per series: months held, gaps and suspect months."""
        ...


class NationalPair(Protocol):
    """A force's change and the rest of England and Wales's, as two Facts."""

    @property
    def force(self) -> Fact: ...

    @property
    def rest(self) -> Fact: ...

    @property
    def difference(self) -> Fact | None:
        """Whether the two changes differ beyond both series' usual variation."""
        ...


@runtime_checkable
class NationalSource(Protocol):
    """A FactSource that can also set the force against the rest of England and Wales
    (the facade can; a test's fake need not, and the snapshot then says so)."""

    def national(
        self, *, category: str, year: str | int, force: str | None = ..., alpha: float = ...
    ) -> NationalPair:
        """The force and the rest of England and Wales for one group and financial year."""
        ...


class ReferencePosition(Protocol):
    """The latest window against a named period's lowest year and against a baseline."""

    @property
    def low(self) -> Fact: ...

    @property
    def baseline(self) -> Fact: ...

    @property
    def low_years(self) -> tuple[int, int]: ...

    @property
    def baseline_years(self) -> tuple[int, int]: ...


@runtime_checkable
class PositionSource(Protocol):
    """A FactSource that can set the latest year against reference periods (the facade
    can: analysis/position.py; a test's fake need not)."""

    def position(
        self, category: str, *, as_of: str | date, area: str = ..., force: str | None = ...
    ) -> ReferencePosition:
        """The latest 12 months against the covid years' low and the 2017–19 average."""
        ...


class WarehouseFactSource(FactSource, Protocol):
    """A FactSource over a warehouse file, beside which the outcomes log lives."""

    @property
    def db(self) -> Path: ...
