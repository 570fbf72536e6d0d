"""What a question selects, and the Ibis expressions that count it.

`select` is the one selection step every question goes through (compare, grid, flags,
trend, series): it resolves the area by name or code, the category's rows, the source
family (`choose_source`: the one asked for, else what the data can answer — the daily
feed for a window of days, the MPS tables for a category they count, else data.police.uk)
and what that source has published there (`Coverage`). So two questions that differ only
in what they compute can never count from different sources.

Three families of source, each with its own granularity:
- `mps`: the London Datastore MPS tables (monthly counts by MPS major/minor category; the
  borough table for force- and borough-level questions, the ward and LSOA tables below);
- `police.uk`: data.police.uk street records (monthly; police.uk crime types);
- `feed`: a force's daily incident feed (days; police.uk crime types).

Every expression here is Ibis over the canonical tables, so it runs on DuckDB by default
and on any other Ibis backend holding the same tables (see tests/analysis/test_parity.py).
Nothing here reads files or prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from crimepulse.analysis import categories as cats
from crimepulse.analysis import lineage
from crimepulse.analysis.categories import Category
from crimepulse.analysis.periods import DAY, MONTH, Window
from crimepulse.analysis.question import (
    AREA_LEVELS,
    BOROUGH,
    FORCE,
    LSOA,
    SOURCES,
    WARD,
    GridQuestion,
    Question,
    Source,
    Tables,
)
from crimepulse.core.facts import AreaRef
from crimepulse.core.reference import london
from crimepulse.core.reference.forces import CITY_OF_LONDON_FORCE, FORCE_NAMES
from crimepulse.errors import AreaError, CategoryError, MissingDataError, QuestionError, WindowError

# The vocabulary is the question's (analysis.question); selection executes it.
__all__ = ["AREA_LEVELS", "BOROUGH", "FORCE", "LSOA", "SOURCES", "WARD", "Source", "Tables"]


class HasTables(Protocol):
    """What the measures ask of the engine: its canonical tables."""

    tables: Tables


@dataclass(frozen=True)
class Area:
    """A place to count: the force, a borough, a ward or an LSOA."""

    level: str
    key: str  # what the frame's `area` column holds for it
    name: str
    code: str | None
    force: str

    def ref(self) -> AreaRef:
        """The area as a Fact names it."""
        return AreaRef(self.level, self.name, self.code, self.force)


def resolve_area(spec: str, force: str, tables: Tables) -> Area:
    """`all`, a borough (name or E09 code), a ward (name or E05 code) or an LSOA (name or
    E01 code), case-insensitively. The City of London is its own force."""
    text = spec.strip()
    if text.lower() in ("all", "force", force):
        return Area(FORCE, force, FORCE_NAMES.get(force, force), None, force)
    code = london.borough_code(text)
    if code == london.CITY_OF_LONDON:
        city = CITY_OF_LONDON_FORCE
        return Area(FORCE, city, FORCE_NAMES[city], None, city)
    if code:
        name = london.BOROUGHS[code]
        return Area(BOROUGH, name, name, code, force)
    upper = text.upper()
    counts = tables["counts"]
    if re.fullmatch(r"E05\d{6}", upper) or not re.fullmatch(r"E0\d{7}", upper):
        wards = counts.filter(counts.area_type == WARD)
        match = (
            wards.filter((wards.area_code.upper() == upper) | (wards.area_name.upper() == upper))
            .select("area_code", "area_name")
            .distinct()
            .limit(2)
            .to_pyarrow()
            .to_pylist()
        )
        if match:
            return Area(
                WARD, match[0]["area_code"], match[0]["area_name"], match[0]["area_code"], force
            )
    crimes = tables["crimes"]
    found = (
        crimes.filter((crimes.lsoa_code.upper() == upper) | (crimes.lsoa_name.upper() == upper))
        .select("lsoa_code", "lsoa_name")
        .distinct()
        .limit(1)
        .to_pyarrow()
        .to_pylist()
    )
    if not found:
        lsoas = counts.filter(counts.area_type == LSOA)
        found = [
            {"lsoa_code": r["area_code"], "lsoa_name": r["area_name"]}
            for r in lsoas.filter(
                (lsoas.area_code.upper() == upper) | (lsoas.area_name.upper() == upper)
            )
            .select("area_code", "area_name")
            .distinct()
            .limit(1)
            .to_pyarrow()
            .to_pylist()
        ]
    if found:
        row = found[0]
        return Area(
            LSOA, row["lsoa_code"], row["lsoa_name"] or row["lsoa_code"], row["lsoa_code"], force
        )
    raise AreaError(
        f"unknown area {spec!r}: use all, a London borough (name or E09 code), "
        "or a ward or LSOA name or code present in the data"
    )


def frame(
    tables: Tables,
    source: Source,
    level: str,
    force: str,
    source_name: str | None = None,
) -> ir.Table:
    """Rows to count, one shape for every source: period, area, area_name, major, minor,
    crime_type, n. `area` is the key of `level` (the force id, the borough name, the ward
    or LSOA code); a borough-table row the series lineage joins to a borough (the
    Heathrow airport row) counts as that borough (analysis/lineage.py says why)."""
    if source.key == "mps":
        t = tables["counts"]
        t = t.filter(t.force == force, t.area_type == source.area_type(level))
        if source_name:
            t = t.filter(t.source == source_name)
        aliases = lineage.borough_aliases(source.key)
        borough = t.borough.substitute(aliases) if aliases else t.borough
        area = {FORCE: ibis.literal(force), BOROUGH: borough}.get(level, t.area_code)
        return t.select(
            period=t.month,
            area=area,
            area_name=t.area_name if level != FORCE else ibis.literal(force),
            major=t.major,
            minor=t.minor,
            crime_type=ibis.null(str),
            n=t["count"].cast("int64"),
        )
    t = tables["crimes"]
    t = t.filter(t.force == force, t.format == source.format_for(level))
    if source_name:
        t = t.filter(t.source == source_name)
    if level == WARD:
        raise AreaError(f"{source.label} has no wards; use --source mps for ward counts")
    area = {FORCE: ibis.literal(force), BOROUGH: t.borough, LSOA: t.lsoa_code}[level]
    name = {FORCE: ibis.literal(force), BOROUGH: t.borough, LSOA: t.lsoa_name}[level]
    return t.select(
        period=t.occurred_on if source.granularity == DAY else t.month,
        area=area,
        area_name=name,
        major=ibis.null(str),
        minor=ibis.null(str),
        crime_type=t.category,
        n=ibis.literal(1, "int64"),
    )


def category_filter(f: ir.Table, source: Source, category: Category) -> ir.BooleanValue:
    """Which frame rows a category counts, or CategoryError when the source cannot count it."""
    if source.key == "mps":
        if not category.in_mps:
            raise CategoryError(
                f"{source.label} has no category {category.label!r} (police.uk-only)"
            )
        cond = ibis.literal(False)
        if category.mps_majors:
            cond = cond | f.major.upper().isin(list(category.mps_majors))
        if category.mps_minors:
            cond = cond | f.minor.upper().isin(list(category.mps_minors))
        return cond
    if category.crime_types is None:
        notes = "; ".join(category.notes)
        raise CategoryError(
            f"{source.label} has no category {category.label!r}"
            + (f" ({notes})" if notes else "")
            + "; use --source mps"
        )
    return f.crime_type.isin(list(category.crime_types))


def windows_table(windows: list[Window]) -> ir.Table:
    return ibis.memtable(
        pa.table(
            {
                "window": [w.name for w in windows],
                "start": pa.array([w.start for w in windows], pa.date32()),
                "end": pa.array([w.end for w in windows], pa.date32()),
            }
        )
    )


def window_totals(f: ir.Table, windows: list[Window], by: list[str]) -> ir.Table:
    """One expression: the sum of `n` per window and per `by` columns (a range join)."""
    w = windows_table(windows)
    joined = f.join(w, [f.period >= w.start, f.period <= w.end])
    return joined.group_by(["window", *by]).aggregate(n=joined.n.sum())


# -- what has been published ------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Which months (and, for daily data, up to which day) a series has published."""

    source: Source
    level: str
    force: str
    months: frozenset[date]
    last_day: date | None
    vintages: list[dict[str, Any]]

    def check(self, windows: list[Window]) -> None:
        """Raise WindowError when a window is finer than the data, MissingDataError when
        it needs months (or days) not yet published."""
        for w in windows:
            if self.source.granularity == MONTH and not w.month_aligned:
                raise WindowError(
                    f"{w.label} ({w.start}..{w.end}) is not whole months, but "
                    f"{self.source.label} is published monthly: use a month-based window "
                    "(month, quarter, ytd, fy, year, 12m) ending on a month's last day, "
                    "or a daily source (--source feed)"
                )
            missing = [m for m in w.months if m not in self.months]
            if missing:
                latest = max(self.months).strftime("%Y-%m") if self.months else "none"
                shown = ", ".join(m.strftime("%Y-%m") for m in missing[:6])
                more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
                raise MissingDataError(
                    f"{w.label} ({w.start}..{w.end}) needs months that {self.source.label} "
                    f"has not published for {self.force}: {shown}{more} "
                    f"(latest published month: {latest}); counting them as zero would be wrong"
                )
            if self.last_day is not None and w.end > self.last_day:
                raise MissingDataError(
                    f"{w.label} ends {w.end}, after the last day in {self.source.label} "
                    f"({self.last_day})"
                )


def coverage(tables: Tables, source: Source, level: str, force: str) -> Coverage:
    """The published months of the series a question will count (from the warehouse's
    current slices), with the vintages of those editions."""
    slices = tables["current_slices"]
    s = slices.filter(
        slices.dataset == source.dataset,
        slices.format == source.format_for(level),
        slices.force == force,
    )
    area_type = source.area_type(level)
    if area_type:
        s = s.filter(s.area_type == area_type)
    rows = s.select("month", "source", "vintage", "path", "suspect").to_pyarrow().to_pylist()
    months = frozenset(r["month"] for r in rows if r["month"] is not None and not r["suspect"])
    last_day = None
    if source.granularity == DAY and months:
        crimes = tables["crimes"]
        last = (
            crimes.filter(crimes.force == force, crimes.format == source.format_for(level))
            .occurred_on.max()
            .to_pyarrow()
            .as_py()
        )
        last_day = last
    vintages: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["source"], str(r["vintage"]))
        entry = vintages.setdefault(
            key, {"source": r["source"], "vintage": str(r["vintage"]), "months": 0}
        )
        entry["months"] += 1
    return Coverage(source, level, force, months, last_day, list(vintages.values()))


# -- the selection step -----------------------------------------------------------------


def choose_source(
    tables: Tables, key: str | None, category: Category, counted: Window | None, force: str
) -> Source:
    """The source family a question counts from: the one it names; else, for a window that
    is not whole months, the force's daily feed (an error when there is none); else the MPS
    tables when they count the category and hold the force; else data.police.uk.
    `counted` is the window counted (None: month by month, as a series is)."""
    if key:
        if key not in SOURCES:
            raise QuestionError(f"unknown source {key!r}: use {', '.join(SOURCES)}")
        return SOURCES[key]
    if counted is not None and not counted.month_aligned:
        crimes = tables["crimes"]
        daily = crimes.filter(crimes.force == force, crimes.format == "daily incident feed")
        if not daily.limit(1).count().to_pyarrow().as_py():
            raise WindowError(
                f"{counted.label} ({counted.start}..{counted.end}) needs day-level data, and "
                f"the warehouse has none for {force}: the MPS tables and data.police.uk "
                "are published by month. Use a month-based window (month, quarter, ytd, "
                "fy, year, 12m) ending on a month's last day, or ingest a daily feed"
            )
        return SOURCES["feed"]
    counts = tables["counts"]
    has_mps = counts.filter(counts.force == force).limit(1).count().to_pyarrow().as_py()
    if category.in_mps and has_mps:
        return SOURCES["mps"]
    return SOURCES["police.uk"]


@dataclass(frozen=True)
class Selection:
    """What a question selects: the source family, the level and force counted, what the
    source has published there, and — for a question about one figure — the area and the
    category (a grid or the flags count every area of the level and every row)."""

    source: Source
    level: str
    force: str
    coverage: Coverage
    area: Area | None = None
    category: Category | None = None
    source_name: str | None = None

    def rows(self, tables: Tables) -> ir.Table:
        """The frame to count (see `frame`), narrowed to the area and the category selected;
        CategoryError when the source cannot count the category."""
        f = frame(tables, self.source, self.level, self.force, self.source_name)
        if self.category is not None:
            f = f.filter(category_filter(f, self.source, self.category))
        if self.area is not None and self.level != FORCE:
            f = f.filter(f.area == self.area.key)
        return f


def select(tables: Tables, question: Question, counted: Window | None) -> Selection:
    """What a one-figure question (compare, trend, series) selects, counting `counted`
    (the compared window, a trend's months; None for a series, month by month)."""
    category = cats.resolve(question.category)
    where = resolve_area(question.area, question.force, tables)
    source = choose_source(tables, question.source, category, counted, where.force)
    cov = coverage(tables, source, where.level, where.force)
    return Selection(source, where.level, where.force, cov, where, category, question.source_name)


def select_areas(tables: Tables, question: GridQuestion, counted: Window) -> Selection:
    """What a grid or the flags select: every area at the question's level, counting
    `counted` (the first window of a grid; the month the flags judge)."""
    source = choose_source(tables, question.source, cats.GROUPS["all"], counted, question.force)
    cov = coverage(tables, source, question.level, question.force)
    return Selection(source, question.level, question.force, cov, None, None, question.source_name)


# -- a grid's areas and categories, row by row --------------------------------------------


def area_code(level: str, key: str) -> str | None:
    """The ONS code of an area of `level` from its frame key (the force has none)."""
    if level == BOROUGH:
        return london.borough_code(key)
    return None if level == FORCE else key


CategoryKeys = Callable[[dict[str, Any]], list[str]]


def category_keys(spec: str, src: Source) -> CategoryKeys:
    """row -> the grid's category keys it counts towards (`spec`: major, types, minor,
    groups, or a comma list of categories)."""
    key = spec.strip().lower()
    if key in ("major", "types"):
        if src.key == "mps" and key == "major":
            return lambda row: [row["major"]] if row["major"] else []
        if src.key == "mps":
            return lambda row: [cats.MPS_MINORS.get(row["minor"] or "", ("Other crime",))[0]]
        return lambda row: [row["crime_type"]] if row["crime_type"] else []
    if key == "minor":
        if src.key != "mps":
            raise cats.CategoryError(f"{src.label} has no minor categories; use major")
        return lambda row: [row["minor"]] if row["minor"] else []
    names = list(cats.GROUPS) if key == "groups" else [s for s in spec.split(",") if s.strip()]
    resolved = [cats.resolve(n) for n in names if n not in ("all", "asb")]

    def keys(row: dict[str, Any]) -> list[str]:
        out = []
        for c in resolved:
            if src.key == "mps":
                major, minor = (row["major"] or "").upper(), (row["minor"] or "").upper()
                if major in c.mps_majors or minor in c.mps_minors:
                    out.append(c.name)
            elif c.crime_types and row["crime_type"] in c.crime_types:
                out.append(c.name)
        return out

    return keys
