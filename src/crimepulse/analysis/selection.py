"""What a question selects, and the Ibis expressions that count it.

`select` is the one selection step every question goes through (compare, grid, flags,
trend, series): it resolves the area by name or code, the category's rows, the source
family (`choose_source`: the one asked for, else what the data can answer — the daily
feed for a window of days, the MPS tables for a category they count, else data.police.uk)
and what that source has published there (`Coverage`: the months, and which crime types
it carries in which months, so a category it lacks is refused rather than counted as zero
or in part). So two questions that differ only in what they compute can never count from
different sources.

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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from crimepulse.analysis import categories as cats
from crimepulse.analysis import lineage
from crimepulse.analysis.categories import Category
from crimepulse.analysis.periods import DAY, MONTH, Window, add_months
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
    """`all`, a borough (name or E09 code), a ward (name, E05 code, or "Name (Borough)"
    for a name two boroughs share) or an LSOA (name or E01 code), case-insensitively. The
    City of London is its own force. A ward name shared by several wards is an AreaError
    listing how to ask for each (never one of them picked)."""
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
        ward = _ward(counts, text, force)
        if ward is not None:
            return ward
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
        'or a ward or LSOA name or code present in the data (a ward as "Name (Borough)" '
        "where two boroughs share its name)"
    )


# "Abbey (Merton)": a ward's name with its borough, as a shared name must be asked for.
_IN_BOROUGH = re.compile(r"^(?P<name>.*\S)\s*\((?P<borough>[^()]+)\)$")


def _ward(counts: ir.Table, text: str, force: str) -> Area | None:
    """The ward `text` names (code, name, or "Name (Borough)"), None when none does;
    AreaError when a name is shared, listing how to ask for each."""
    wards = counts.filter(counts.area_type == WARD)
    upper = text.upper()
    cond = (wards.area_code.upper() == upper) | (wards.area_name.upper() == upper)
    spelled = _IN_BOROUGH.match(text)
    borough = london.borough_name(spelled.group("borough")) if spelled else None
    if spelled and borough:
        named = wards.area_name.upper() == spelled.group("name").upper()
        cond = cond | (named & (wards.borough == borough))
    match = (
        wards.filter(cond)
        .group_by("area_code")
        .aggregate(area_name=wards.area_name.max(), borough=wards.borough.max())
        .order_by("area_code")
        .limit(10)
        .to_pyarrow()
        .to_pylist()
    )
    if not match:
        return None
    if len(match) > 1:
        name = match[0]["area_name"]
        places = sorted({str(r["borough"]) for r in match})
        codes = ", ".join(r["area_code"] for r in match)
        if len(places) == len(match):
            asks = " or ".join(f'"{name} ({r["borough"]})"' for r in match)
            raise AreaError(
                f'ward name "{name}" is in {len(match)} boroughs: ask for {asks} '
                f"(or by code {codes})"
            )
        raise AreaError(
            f'ward name "{name}" names {len(match)} wards in {", ".join(places)}: '
            f"ask by code ({codes})"
        )
    row = match[0]
    return Area(WARD, row["area_code"], row["area_name"], row["area_code"], force)


def ward_specs(tables: Tables, force: str) -> dict[str, str]:
    """Each ward code -> the words that ask for it unambiguously (`resolve_area` takes
    them back): its name, "Name (Borough)" where boroughs share the name, or the code
    where one borough has two wards of that name. For links and pickers."""
    counts = tables["counts"]
    wards = counts.filter(counts.area_type == WARD, counts.force == force)
    rows = (
        wards.group_by("area_code")
        .aggregate(area_name=wards.area_name.max(), borough=wards.borough.max())
        .to_pyarrow()
        .to_pylist()
    )
    by_name: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_name.setdefault(str(r["area_name"]).upper(), []).append(r)
    specs = {}
    for same in by_name.values():
        places = {r["borough"] for r in same}
        for r in same:
            if len(same) == 1:
                specs[r["area_code"]] = str(r["area_name"])
            elif len(places) == len(same) and r["borough"]:
                specs[r["area_code"]] = f"{r['area_name']} ({r['borough']})"
            else:
                specs[r["area_code"]] = str(r["area_code"])
    return specs


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
    never = _cannot_count(source, category)
    if never:
        raise CategoryError(never)
    if source.key == "mps":
        cond = ibis.literal(False)
        if category.mps_majors:
            cond = cond | f.major.upper().isin(list(category.mps_majors))
        if category.mps_minors:
            cond = cond | f.minor.upper().isin(list(category.mps_minors))
        return cond
    return f.crime_type.isin(list(category.crime_types or ()))


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


def _ym(d: date) -> str:
    return d.strftime("%Y-%m")


def _listed(items: list[str], limit: int = 6) -> str:
    """The first `limit` items, then how many more."""
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def month_ranges(months: Iterable[date]) -> str:
    """Months as consecutive runs: "2019-03..2021-05, 2022-01"."""
    runs: list[list[date]] = []
    for m in sorted(set(months)):
        if runs and add_months(runs[-1][-1], 1) == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    return _listed([_ym(r[0]) if len(r) == 1 else f"{_ym(r[0])}..{_ym(r[-1])}" for r in runs])


def check_published(windows: list[Window], label: str, force: str, months: frozenset[date]) -> None:
    """MissingDataError naming the months of `windows` that `label` has not published for
    `force`: a month not published would otherwise count as zero (or, summed, as a
    window shorter than it says)."""
    for w in windows:
        missing = [m for m in w.months if m not in months]
        if missing:
            latest = max(months).strftime("%Y-%m") if months else "none"
            shown = ", ".join(m.strftime("%Y-%m") for m in missing[:6])
            more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
            raise MissingDataError(
                f"{w.label} ({w.start}..{w.end}) needs months that {label} "
                f"has not published for {force}: {shown}{more} "
                f"(latest published month: {latest}); counting them as zero would be wrong"
            )


def _cannot_count(source: Source, category: Category) -> str | None:
    """Why a source family can never count a category (None: it can)."""
    if source.key == "mps":
        if not category.in_mps:
            return f"{source.label} has no category {category.label!r} (police.uk-only)"
        return None
    if category.crime_types is None:
        notes = "; ".join(category.notes)
        return (
            f"{source.label} has no category {category.label!r}"
            + (f" ({notes})" if notes else "")
            + "; use --source mps"
        )
    return None


@dataclass(frozen=True)
class Coverage:
    """Which months (and, for daily data, up to which day) a series has published, and —
    for police.uk-style records — which crime types it carries: `types` maps each type to
    the first and last month it appears in at force level. In between, a month without it
    is a month with none (the City of London's street files have no robbery in 2 of 92
    months); outside, the source does not carry it (an extract of one type, or a type
    published only since 2013). `category` is the category the question counts (None for
    a grid or the flags, which ask `uncounted` per category)."""

    source: Source
    level: str
    force: str
    months: frozenset[date]
    last_day: date | None
    vintages: list[dict[str, Any]]
    types: Mapping[str, tuple[date, date]] = field(default_factory=dict)
    category: Category | None = None

    def covers(self, window: Window) -> bool:
        """Whether the series has published every month (and day) `window` needs, and
        carries the question's category in each: what `check` asks, as a yes or no (a
        verdict's history stops where coverage does, never on years of zeros)."""
        if self.source.granularity == MONTH and not window.month_aligned:
            return False
        if any(m not in self.months for m in window.months):
            return False
        if self.category is not None and self.uncounted(self.category, window.months):
            return False
        return self.last_day is None or window.end <= self.last_day

    def check(self, windows: list[Window]) -> None:
        """Raise WindowError when a window is finer than the data, MissingDataError when
        it needs months (or days) not yet published, or crime types of the category that
        the source does not carry in every one of its months."""
        for w in windows:
            if self.source.granularity == MONTH and not w.month_aligned:
                raise WindowError(
                    f"{w.label} ({w.start}..{w.end}) is not whole months, but "
                    f"{self.source.label} is published monthly: use a month-based window "
                    "(month, quarter, ytd, fy, year, 12m) ending on a month's last day, "
                    "or a daily source (--source feed)"
                )
            check_published([w], self.source.label, self.force, self.months)
            if self.last_day is not None and w.end > self.last_day:
                raise MissingDataError(
                    f"{w.label} ends {w.end}, after the last day in {self.source.label} "
                    f"({self.last_day})"
                )
        if self.category is not None:
            reason = self.uncounted(self.category, [m for w in windows for m in w.months])
            if reason:
                raise MissingDataError(reason)

    def carries(self, crime_type: str, month: date) -> bool:
        """Whether the source carries `crime_type` in `month` (see the class)."""
        span = self.types.get(crime_type)
        return span is not None and span[0] <= month <= span[1]

    def counting(self, category: Category) -> frozenset[date]:
        """The published months in which the source carries all of `category`."""
        return frozenset(m for m in self.months if not self._short(category.needs(), [m]))

    def uncounted(self, category: Category, months: Iterable[date]) -> str | None:
        """Why the source cannot count `category` in every one of `months`, said as an
        error says it (None: it can). A category counted from types the source lacks in
        some month would be a zero, or a part passed off as the whole."""
        never = _cannot_count(self.source, category)
        if never or self.source.key == "mps":
            return never  # the MPS tables count every category they name, every month
        short = self._short(category.needs(), sorted(set(months)))
        return self._reason(category.label, short, category.in_mps) if short else None

    def uncounted_type(self, crime_type: str, months: Iterable[date]) -> str | None:
        """`uncounted` for one crime type (a grid's `types` or `major` key)."""
        if self.source.key == "mps":
            return None
        short = self._short({crime_type: ()}, sorted(set(months)))
        in_mps = any(t == crime_type for t, _ in cats.MPS_MINORS.values())
        return self._reason(crime_type.lower(), short, in_mps) if short else None

    def _short(
        self, needs: Mapping[str, tuple[str, ...]], months: list[date]
    ) -> dict[str, list[date]]:
        """Each needed type -> the months in which neither it nor a stand-in is carried."""
        if self.source.key == "mps":
            return {}
        out = {}
        for crime_type, stand_ins in needs.items():
            gap = [
                m for m in months if not any(self.carries(t, m) for t in (crime_type, *stand_ins))
            ]
            if gap:
                out[crime_type] = gap
        return out

    def _reason(self, label: str, short: dict[str, list[date]], in_mps: bool) -> str:
        by_months: dict[str, list[str]] = {}
        for crime_type, gap in short.items():
            by_months.setdefault(month_ranges(gap), []).append(crime_type)
        needed = "; ".join(f"{_listed(types)} in {when}" for when, types in by_months.items())
        spans: dict[str, list[str]] = {}
        for crime_type, (first, last) in sorted(self.types.items()):
            spans.setdefault(f"{_ym(first)}..{_ym(last)}", []).append(crime_type)
        carried = (
            "; ".join(f"{_listed(types)} ({span})" for span, types in spans.items())
            if spans
            else "no crime types"
        )
        if self.source.key == "police.uk":
            instead = "ingest the full street files" + (" or use --source mps" if in_mps else "")
        else:
            instead = "count a month-based window from --source police.uk or --source mps"
        return (
            f"{self.source.label} in this warehouse carries only {carried} for {self.force}: "
            f"{label} cannot be counted from it (it needs {needed}); {instead}"
        )


def coverage(
    tables: Tables, source: Source, level: str, force: str, category: Category | None = None
) -> Coverage:
    """The published months of the series a question will count (from the warehouse's
    current slices), with the vintages of those editions, and for police.uk-style records
    the months each crime type is carried in (one small aggregate over the force's
    records). `category`: what the question counts, checked by `Coverage.check`."""
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
    types: dict[str, tuple[date, date]] = {}
    if source.key != "mps" and months:
        crimes = tables["crimes"]
        c = crimes.filter(crimes.force == force, crimes.format == source.format_for(level))
        carried = (
            c.group_by("category")
            .aggregate(first=c.month.min(), last=c.month.max(), last_day=c.occurred_on.max())
            .to_pyarrow()
            .to_pylist()
        )
        types = {
            str(r["category"]): (r["first"], r["last"])
            for r in carried
            if r["category"] is not None and r["first"] is not None
        }
        days = [r["last_day"] for r in carried if r["last_day"] is not None]
        if source.granularity == DAY and days:
            last_day = max(days)
    vintages: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["source"], str(r["vintage"]))
        entry = vintages.setdefault(
            key, {"source": r["source"], "vintage": str(r["vintage"]), "months": 0}
        )
        entry["months"] += 1
    return Coverage(
        source, level, force, months, last_day, list(vintages.values()), types, category
    )


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
    cov = coverage(tables, source, where.level, where.force, category)
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


def _grid_groups(key: str, spec: str) -> list[str]:
    """The categories a grid of groupings (`groups`, or a comma list) asks for. `groups`
    is every grouping but `all` (the total is not a group beside its parts) and `asb`
    (anti-social behaviour is not recorded crime); a list asked by name keeps them, so
    `all` is all crime in every area (it was dropped, and the all-crime map was empty)."""
    if key == "groups":
        return [n for n in cats.GROUPS if n not in ("all", "asb")]
    return [n.strip() for n in spec.split(",") if n.strip()]


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
    resolved = [cats.resolve(n) for n in _grid_groups(key, spec)]

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


def countable_keys(
    spec: str, cov: Coverage, months: Iterable[date]
) -> tuple[CategoryKeys, dict[str, str]]:
    """A grid's (or the flags') category keys for `spec` (see `category_keys`), less the
    categories the source cannot count in every one of `months`, and why each was left
    out. A category left out is absent, never a row of zeros or of partial counts;
    MissingDataError (or CategoryError) when nothing asked for is left."""
    src = cov.source
    keys = category_keys(spec, src)
    wanted = sorted(set(months))
    key = spec.strip().lower()
    refused: dict[str, QuestionError] = {}
    if key in ("major", "types", "minor"):
        # The keys are the crime types the rows carry: those carried in some but not all
        # of the months would be partial (a type carried in none has no rows, so no cells).
        present = (
            [t for t in sorted(cov.types) if any(cov.carries(t, m) for m in wanted)]
            if src.key != "mps"
            else []
        )
        for crime_type in present:
            reason = cov.uncounted_type(crime_type, wanted)
            if reason:
                refused[crime_type] = MissingDataError(reason)
        asked = len(present)
    else:
        resolved = [cats.resolve(n) for n in _grid_groups(key, spec)]
        for c in resolved:
            never = _cannot_count(src, c)
            reason = never or cov.uncounted(c, wanted)
            if reason:
                refused[c.name] = (CategoryError if never else MissingDataError)(reason)
        asked = len(resolved)
    if refused and len(refused) == asked:
        raise next(iter(refused.values()))
    if not refused:
        return keys, {}
    return (lambda row: [k for k in keys(row) if k not in refused]), {
        name: str(exc) for name, exc in refused.items()
    }
