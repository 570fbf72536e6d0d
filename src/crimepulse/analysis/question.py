"""A question to the analysis, parsed once: what to count, over which period, against what.

Every face (the facade, the CLI, the JSON API, the pages, the snapshot) asks in the same
words: an area, a category, a window ending at an as-of date, a comparison (`vs`), a
measure, and optionally a source family, a force and a significance level. A `Question`
holds those words and parses them when it is made — the as-of date, the window and the
windows it is compared with, the comparison, the measure, the source key, alpha — so a
question that cannot be asked fails there, with the reason, before anything is counted.
A `GridQuestion` asks the same of every area at a level × several categories × several
windows (the CompStat grid; the seasonal flags use its areas, categories and as-of date).
What a question selects from the data (the area by name, the category's rows, the source
family, what has been published) is resolved in one place, `analysis.selection.select`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from crimepulse.analysis import periods
from crimepulse.analysis.periods import DAY, MONTH, Window
from crimepulse.core.reference.forces import DEFAULT_FORCE
from crimepulse.errors import QuestionError, WindowError

if TYPE_CHECKING:  # a question is parsed without ibis: the CLI parses one before any query
    import ibis.expr.types as ir

Tables = dict[str, "ir.Table"]
FORCE, BOROUGH, WARD, LSOA = "force", "borough", "ward", "lsoa"
# A grid's `areas` -> the level its cells are at.
AREA_LEVELS = {"boroughs": BOROUGH, "wards": WARD, "lsoas": LSOA, "force": FORCE, "all": FORCE}


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    dataset: str
    granularity: str

    def format_for(self, level: str) -> str:
        if self.key == "mps":
            return {FORCE: "mps-borough", BOROUGH: "mps-borough"}.get(level, f"mps-{level}")
        return "police.uk street" if self.key == "police.uk" else "daily incident feed"

    def area_type(self, level: str) -> str | None:
        if self.key != "mps":
            return None
        return BOROUGH if level in (FORCE, BOROUGH) else level


SOURCES = {
    "mps": Source("mps", "MPS recorded crime (London Datastore)", "counts", MONTH),
    "police.uk": Source("police.uk", "data.police.uk street-level crime", "crimes", MONTH),
    "feed": Source("feed", "the force's daily incident feed", "crimes", DAY),
}


def source_label(key: str) -> str:
    """A source's name as a reader knows it ("MPS recorded crime (London Datastore)" for
    `mps`); a key we hold no record of reads as itself."""
    known = SOURCES.get(key)
    return known.label if known else key


MEASURES = ("count", "rate", "harm")
NO_AS_OF = "give an as-of date (YYYY-MM-DD or YYYY-MM)"


def _end(as_of: str | date | None) -> date | None:
    if as_of is None or isinstance(as_of, date):
        return as_of
    return periods.parse_as_of(as_of)


def _comparison(vs: str) -> tuple[str, tuple[int, int] | None]:
    return periods.parse_comparison(vs)


def _compared_with(current: Window, kind: str, years: tuple[int, int] | None) -> list[Window]:
    if kind == "previous":
        return [periods.previous(current)]
    if kind == "last-year":
        return [periods.last_year(current)]
    assert years is not None
    return periods.baseline(current, *years)


def _check_common(source: str | None, alpha: float) -> None:
    if source and source not in SOURCES:
        raise QuestionError(f"unknown source {source!r}: use {', '.join(SOURCES)}")
    if not 0.0 < alpha < 1.0:
        raise QuestionError(f"alpha must be between 0 and 1, got {alpha}")


@dataclass(frozen=True, kw_only=True)
class Question:
    """One figure: `measure` of `category` in `area`, over `window` ending `as_of`, against
    `vs` (previous, last-year or baseline:YYYY-YYYY). `source` names a source family (mps,
    police.uk, feed) or None to let the data decide; `source_name` narrows it to one
    source within the family. `as_of` may be left out by a question that needs no window
    (a series). The text stays as it was asked (it is the Fact's query, and its id); the
    parsed values are `end`, `current` and `compared_with`."""

    area: str = "all"
    category: str = "all"
    window: str = "ytd"
    as_of: str | date | None = None
    vs: str = "last-year"
    measure: str = "count"
    source: str | None = None
    force: str = DEFAULT_FORCE
    alpha: float = 0.05
    source_name: str | None = None
    end: date | None = field(init=False, compare=False, repr=False)
    comparison: str = field(init=False, compare=False, repr=False)
    current: Window | None = field(init=False, compare=False, repr=False)
    compared_with: tuple[Window, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        end = _end(self.as_of)
        current = periods.window(self.window, end) if end is not None else None
        kind, years = _comparison(self.vs)
        others = _compared_with(current, kind, years) if current is not None else []
        if self.measure not in MEASURES:
            raise QuestionError(f"unknown measure {self.measure!r}: use count, rate or harm")
        _check_common(self.source, self.alpha)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "comparison", kind)
        object.__setattr__(self, "current", current)
        object.__setattr__(self, "compared_with", tuple(others))

    def replace(self, **changes: Any) -> Question:
        """The same question with some of its words changed (and parsed again)."""
        return dataclasses.replace(self, **changes)

    def across(self, areas: str) -> GridQuestion:
        """The same question asked of every area of a level at once (`boroughs`, `wards`):
        one grid, so its verdicts are FDR-controlled together (the map asks it so)."""
        return GridQuestion(
            areas=areas,
            categories=self.category,
            windows=self.window,
            as_of=self.as_of,
            vs=self.vs,
            source=self.source,
            force=self.force,
            alpha=self.alpha,
            source_name=self.source_name,
        )

    def windows(self) -> tuple[Window, tuple[Window, ...]]:
        """The window counted and the windows it is compared with (they end at the as-of
        date: a question without one has none)."""
        if self.current is None:
            raise WindowError(NO_AS_OF)
        return self.current, self.compared_with

    def end_date(self) -> date:
        """The as-of date; a question without one cannot be counted up to it."""
        if self.end is None:
            raise WindowError(NO_AS_OF)
        return self.end


@dataclass(frozen=True, kw_only=True)
class GridQuestion:
    """Every area at the level `areas` (boroughs, wards, lsoas or force) × `categories`
    (major, minor, types, groups, or a comma list) × `windows` (a comma list), each window
    ending `as_of` against `vs` (previous or last-year). The seasonal flags ask about the
    areas and categories in the month ending `as_of` (their windows and `vs` are not used).
    Parsed values: `level`, `end`, `comparison`, and `plan` (each window with the one it
    is compared with)."""

    areas: str = "boroughs"
    categories: str = "major"
    windows: str = "28d,ytd,fy"
    as_of: str | date | None = None
    vs: str = "last-year"
    source: str | None = None
    force: str = DEFAULT_FORCE
    alpha: float = 0.05
    source_name: str | None = None
    level: str = field(init=False, compare=False, repr=False)
    end: date | None = field(init=False, compare=False, repr=False)
    comparison: str = field(init=False, compare=False, repr=False)
    plan: tuple[tuple[Window, Window], ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.areas not in AREA_LEVELS:
            raise QuestionError(f"unknown areas {self.areas!r}: use {', '.join(AREA_LEVELS)}")
        end = _end(self.as_of)
        specs = [s.strip() for s in self.windows.split(",") if s.strip()]
        kind, years = "last-year", None
        plan = []
        for spec in specs:
            current = periods.window(spec, end) if end is not None else None
            kind, years = _comparison(self.vs)
            if current is not None:
                plan.append((current, _compared_with(current, kind, years)[0]))
        if not specs:
            raise WindowError("give at least one window (e.g. month,ytd,fy)")
        if kind == "baseline":
            raise WindowError("the grid compares with previous or last-year")
        _check_common(self.source, self.alpha)
        object.__setattr__(self, "level", AREA_LEVELS[self.areas])
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "comparison", kind)
        object.__setattr__(self, "plan", tuple(plan))

    def replace(self, **changes: Any) -> GridQuestion:
        """The same question with some of its words changed (and parsed again)."""
        return dataclasses.replace(self, **changes)

    def end_date(self) -> date:
        """The as-of date; a grid without one has no windows."""
        if self.end is None:
            raise WindowError(NO_AS_OF)
        return self.end
