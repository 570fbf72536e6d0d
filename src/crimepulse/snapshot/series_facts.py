"""The monthly series behind the trend chart, as Facts.

Two kinds: each month's count against the same month a year before (one engine grid, so
one query for the whole series), and, for the months shown, the seasonal expectation
fitted on the previous three years (the analysis layer's `seasonal_expectation`: month
effects, a trend, overdispersion). The engine's `flags` only returns the series outside
their band; the chart needs the band for every month, hence this small adapter. Which
months can be shown comes from the warehouse's coverage (`FactSource.sources()`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from crimepulse.analysis.periods import add_months, month_end
from crimepulse.analysis.selection import FORCE, SOURCES
from crimepulse.core.facts import ComparisonRef, Fact, Finding
from crimepulse.core.reference import london
from crimepulse.core.reference.forces import DEFAULT_FORCE
from crimepulse.snapshot.source import FactSource
from crimepulse.stats import seasonal_expectation
from crimepulse.stats.seasonal import MIN_HISTORY_MONTHS
from crimepulse.store.coverage import Series

SHOWN = 24  # months on the chart
HISTORY = 36  # months the expectation is fitted on (at least MIN_HISTORY_MONTHS)


@dataclass
class TrendFacts:
    counts: list[dict[str, Any]]  # one per month shown, oldest first
    expected: list[dict[str, Any]]  # one per month shown that has enough history


def published_months(coverage: Sequence[Series], source: str, force: str) -> list[date]:
    """The months a source has published for the force, oldest first: the sound (not
    suspect) months of the warehouse's series that a force-level question counts."""
    family = SOURCES[source]
    months: set[date] = set()
    for s in coverage:
        if (s.dataset, s.format, s.force) != (family.dataset, family.format_for(FORCE), force):
            continue
        if family.area_type(FORCE) is not None and s.area_type != family.area_type(FORCE):
            continue
        months.update(date.fromisoformat(m.month + "-01") for m in s.detail if not m.suspect)
    return sorted(months)


def _consecutive_before(months: list[date], last: date, limit: int) -> list[date]:
    have = set(months)
    out: list[date] = []
    m = last
    while m in have and len(out) < limit:
        out.append(m)
        m = add_months(m, -1)
    return out[::-1]


def trend_facts(
    cp: FactSource,
    coverage: Sequence[Series],
    area: str,
    category: str,
    last_month: date,
    source: str,
    force: str = DEFAULT_FORCE,
) -> TrendFacts:
    """Monthly counts (vs the same month last year) and seasonal expectations."""
    months = _consecutive_before(
        published_months(coverage, source, force), last_month, 12 + SHOWN + HISTORY
    )
    months = months[12:]  # each month needs its month a year before
    months = months[-(SHOWN + HISTORY) :]
    if not months:
        return TrendFacts([], [])
    specs = ",".join(f"{m.isoformat()}..{month_end(m).isoformat()}" for m in months)
    level = "force" if area == "all" else "boroughs"
    grid = cp.grid(
        areas=level,
        categories=category,
        windows=specs,
        as_of=last_month.isoformat(),
        source=source,
        force=force,
    )
    by_month: dict[date, Fact] = {}
    for f in grid.facts:
        if level == "boroughs" and london.borough_code(area) != f.area.code:
            continue
        by_month[f.window.start] = f
    ordered = [by_month[m] for m in months if m in by_month]
    shown = ordered[-SHOWN:]
    expected = []
    for i, fact in enumerate(ordered):
        if fact not in shown:
            continue
        history = ordered[max(0, i - HISTORY) : i]
        if len(history) < MIN_HISTORY_MONTHS:
            continue
        expected.append(_expectation(fact, history, area, category).as_dict())
    return TrendFacts([f.as_dict() for f in shown], expected)


def _expectation(fact: Fact, history: list[Fact], area: str, category: str) -> Fact:
    target = fact.window.start
    rows = [(h.window.start.year, h.window.start.month, int(h.current or 0)) for h in history]
    e = seasonal_expectation(rows, target.year, target.month, observed=int(fact.current or 0))
    d = e.as_dict()
    query = {
        "call": "seasonal_expectation",
        "area": area,
        "category": category,
        "month": target.isoformat(),
        "history": [history[0].window.start.isoformat(), history[-1].window.end.isoformat()],
        "history_facts": [h.id for h in history],
    }
    finding = Finding(
        current=d["observed"],
        previous=d["expected"],
        change=d["change"],
        change_pct=d["change_pct"],
        test=d["test"],
        p_value=d["p_value"],
        ci_low=d["low"],
        ci_high=d["high"],
        verdict=d["verdict"],
        stats=d,
    )
    return Fact.from_finding(
        finding,
        measure="expected count",
        value=d["expected"],
        unit=fact.unit,
        area=fact.area,
        category=fact.category,
        window=fact.window,
        source=fact.source,
        comparison=ComparisonRef("seasonal expectation", model=d["model"]),
        sources=fact.sources,
        query=query,
        notes=[f"95% band from {len(history)} months of history"],
    )
