"""The snapshot's year and its national context: the latest complete year against the year
before, and the force against the rest of England and Wales.

A weekly or monthly snapshot leads with the last complete year, as a force's own post
does ("in 2022 murders were down 17% on the year before"): the calendar or the financial
year, whichever the force reports (`core.reference.forces.Force.reports_year`), counted as
one engine grid so the false discovery rate is controlled across its figures. The national
context sets the force against the rest of England and Wales for each theme category, in
the latest financial year complete at the as-of date (the national tables are financial
years). Where the tables carry no figure for a category (homicide is not in them) the
section says so in plain words, never a zero or a guess. Every number is a Fact; the words
follow each Fact's verdict (snapshot/narrative.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from crimepulse.analysis import national
from crimepulse.core.facts import Fact
from crimepulse.core.reference import forces
from crimepulse.errors import MissingDataError, QuestionError
from crimepulse.present import numbers
from crimepulse.snapshot import narrative
from crimepulse.snapshot.model import Block, Section, Span
from crimepulse.snapshot.source import FactSource, NationalSource
from crimepulse.snapshot.themes import Theme

REST = "the rest of England and Wales"
# Headline windows that, ending on their year's last month, count that whole year.
WHOLE_YEAR = {"ytd": "year", "fy": "fy"}


@dataclass(frozen=True)
class LatestYear:
    """The last complete year at a month's end: the window to ask for and where it ends."""

    window: str  # "year" or "fy"
    end: date
    name: str  # "2022" or "2021/22"


def latest_year(month_end: date, reports_year: str) -> LatestYear:
    """The latest year wholly published by `month_end` (the last month the sources hold)."""
    if reports_year == "calendar":
        year = month_end.year if month_end.month == 12 else month_end.year - 1
        return LatestYear("year", date(year, 12, 31), str(year))
    start = national.latest_complete(month_end)
    return LatestYear("fy", date(start + 1, 3, 31), national.label(start))


@dataclass
class Context:
    """What the two sections need from the builder: where to ask, and how to cite a Fact."""

    cp: FactSource
    theme: Theme
    force: str
    area: str
    add: Callable[[Fact], str]
    notes: list[str] = field(default_factory=list)  # for the caveats box

    @property
    def place(self) -> str:
        return forces.force(self.force).place


def year_section(ctx: Context, month_end: date, windows: tuple[str, ...]) -> Section | None:
    """The latest complete year against the year before, one sentence per theme category
    (None when no figure of the year could be counted, or when the headline's `windows`
    already count that year: the year to date at December is the calendar year)."""
    latest = latest_year(month_end, forces.force(ctx.force).reports_year)
    if latest.end == month_end and any(WHOLE_YEAR.get(w) == latest.window for w in windows):
        return None
    labels = dict(ctx.theme.categories)
    level = "force" if ctx.area == "all" else "boroughs"
    try:
        grid = ctx.cp.grid(
            areas=level,
            categories=",".join(labels),
            windows=latest.window,
            as_of=latest.end,
            force=ctx.force,
        )
    except QuestionError as exc:
        ctx.notes.append(f"The figures for {latest.name} are not shown: {exc}")
        return None
    found = {
        f.category.name: f
        for f in grid.facts
        if f.window.name == latest.window
        and (level == "force" or f.area.name.lower() == ctx.area.lower())
    }
    where = ctx.place if ctx.area == "all" else ctx.area
    kind = "year" if latest.window == "year" else "financial year (April to March)"
    blocks = [Block("p", [Span(f"The last complete {kind}, {latest.name}, in {where}:")])]
    missing = []
    for category, label in ctx.theme.categories:
        fact = found.get(category)
        if fact is None:
            missing.append(label)
            continue
        named = replace(fact, category=replace(fact.category, label=label))
        fact_id = ctx.add(named)
        blocks.append(Block("li", narrative.change_sentence(fact_id, named.as_dict(), label)))
    if len(blocks) == 1:
        ctx.notes.append(f"No figure of {latest.name} could be counted.")
        return None
    for label in missing:
        blocks.append(
            Block("li", [Span(f"{label[:1].upper()}{label[1:]}: not counted for {latest.name}.")])
        )
    return Section("year", f"{latest.name} against the year before", blocks)


def national_section(ctx: Context, as_of: date) -> Section:
    """The force against the rest of England and Wales, per theme category, in the latest
    financial year complete at `as_of`; a plain statement where no national figure exists."""
    start = national.latest_complete(as_of)
    year = national.label(start)
    title = f"{ctx.place} and {REST}"
    if ctx.area != "all":
        text = (
            f"The national tables are by police force area, so {ctx.area} cannot be set against "
            f"{REST}; the {forces.force(ctx.force).name} as a whole can."
        )
        return Section("national", title, [Block("p", [Span(text)])])
    if not isinstance(ctx.cp, NationalSource):
        text = (
            f"No national figures are available here, so {ctx.place} is not compared with {REST}."
        )
        return Section("national", title, [Block("p", [Span(text)])])
    lead = (
        f"The national figures are for financial years (April to March): {year} is the latest "
        f"complete at {numbers.day(as_of.isoformat())}. Each figure is compared with "
        f"{national.label(start - 1)} and judged against that series' own usual variation."
    )
    blocks = [Block("p", [Span(lead)])]
    absent = []
    for category, label in ctx.theme.categories:
        try:
            pair = ctx.cp.national(category=category, year=start, force=ctx.force)
        except MissingDataError as exc:
            if str(exc) == national.NO_TABLE:
                text = (
                    f"No national recorded-crime table is loaded, so {ctx.place} is not "
                    f"compared with {REST}."
                )
                ctx.notes.append(f"National context: {exc}.")
                return Section("national", title, [Block("p", [Span(text)])])
            absent.append(label)
            ctx.notes.append(f"National context for {label}: {exc}.")
            continue
        except QuestionError as exc:  # the force's own year cannot be counted
            absent.append(label)
            ctx.notes.append(f"National context for {label}: {exc}.")
            continue
        for fact, where in (
            (pair.force, f"{label} in {ctx.place}"),
            (pair.rest, f"{label} in {REST}"),
        ):
            named = replace(fact, category=replace(fact.category, label=label))
            fact_id = ctx.add(named)
            blocks.append(Block("li", narrative.change_sentence(fact_id, named.as_dict(), where)))
        if pair.difference is not None:  # did the two move differently? (stats.contrast)
            fact_id = ctx.add(pair.difference)
            sentence = narrative.national_difference_sentence(
                fact_id, pair.difference.as_dict(), label, ctx.place, REST
            )
            blocks.append(Block("sub", sentence))
    for label in absent:
        text = f"{label[:1].upper()}{label[1:]}: no national {label} figure is loaded for {year}."
        blocks.append(Block("li", [Span(text)]))
    return Section("national", title, blocks)
