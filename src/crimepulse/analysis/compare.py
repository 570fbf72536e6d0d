"""Compare: one count, rate or harm total against its comparison, tested, as a Fact.

A `Question` names the area, category and window; `selection.select` resolves what it
counts and from which source; one engine query sums the window and the windows it is
compared with; the statistics (crimepulse.stats) run on the small result. A count or a
rate is tested with the exact test for two Poisson counts (exposure: days, and residents
for a rate) or against a multi-year baseline; a harm total with the weighted comparison.
The functions turning each test's result into a `Finding` live here too (the grid uses
the count's).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

import ibis

from crimepulse.analysis import categories as cats
from crimepulse.analysis import lineage, selection
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import Question
from crimepulse.analysis.selection import BOROUGH, FORCE, Area, Source, Tables
from crimepulse.core.facts import ComparisonRef, Fact, Finding, plain
from crimepulse.core.reference import london
from crimepulse.core.reference.forces import CITY_OF_LONDON_FORCE
from crimepulse.errors import MissingDataError, QuestionError, WindowError
from crimepulse.stats import (
    BaselineComparison,
    Comparison,
    WeightedComparison,
    compare_counts,
    compare_to_baseline,
    weighted_comparison,
)

CURRENT = "current"  # the role of the window counted (the others: "compare", "baseline YYYY")


def counts_finding(result: Comparison) -> Finding:
    """Two counts, tested (crimepulse.stats.compare_counts): a compare or a grid cell."""
    d = result.as_dict()
    return Finding(
        current=d["current"],
        previous=d["previous"],
        change=d["change"],
        change_pct=d["change_pct"],
        test=d["test"],
        p_value=d["p_value"],
        q_value=d.get("q_value"),
        ci_low=d["ci_low"],
        ci_high=d["ci_high"],
        verdict=d["verdict"],
        small_counts=bool(d["small_counts"]),
        stats=d,
    )


def baseline_finding(result: BaselineComparison) -> Finding:
    """A count against a multi-year baseline: `previous` is the baseline's mean and the
    interval the expected range."""
    d = result.as_dict()
    return Finding(
        current=d["current"],
        previous=d.get("mean"),
        change=d.get("change"),
        change_pct=d.get("change_pct"),
        test=d.get("test") or d.get("method"),
        p_value=d.get("p_value"),
        ci_low=d.get("expected_low"),
        ci_high=d.get("expected_high"),
        verdict=d.get("verdict"),
        small_counts=bool(d.get("small_counts", False)),
        stats=d,
    )


def weighted_finding(result: WeightedComparison) -> Finding:
    """Two harm-weighted totals, tested. (Its `small_counts` is in `stats`, as it always
    was: a harm Fact's own flag stays False.)"""
    d = result.as_dict()
    return Finding(
        current=d["current"],
        previous=d["previous"],
        change=d["change"],
        change_pct=d["change_pct"],
        test=d["test"],
        p_value=d["p_value"],
        ci_low=d.get("ci_low"),
        ci_high=d.get("ci_high"),
        verdict=d["verdict"],
        stats=d,
    )


def compare(tables: Tables, question: Question) -> Fact:
    """One count (or rate, or harm total) against its comparison, with the test."""
    query: dict[str, Any] = {
        "call": "compare",
        "area": question.area,
        "category": question.category,
        "window": question.window,
        "as_of": str(question.as_of),
        "vs": question.vs,
        "source": question.source,
        "force": question.force,
        "measure": question.measure,
        "alpha": question.alpha,
    }
    current, others = question.windows()
    chosen = selection.select(tables, question, current)
    f = chosen.rows(tables)  # CategoryError when this source cannot count the category
    chosen.coverage.check([current, *others])
    breaks = lineage.check(chosen.source.key, chosen.category, chosen.area, [current, *others])
    roles = _with_roles(current, list(others))
    by = ["minor", "crime_type"] if question.measure == "harm" else []
    expr = selection.window_totals(f, list(roles.values()), by)
    rows = expr.to_pyarrow().to_pylist()
    query["sql"] = str(ibis.to_sql(expr))
    asked = _Asked(chosen, current, query, question.comparison, question.alpha)
    asked.notes += breaks  # series breaks the windows straddle (SeriesBreakError: refused)
    if question.measure == "harm":
        return _harm_fact(tables, rows, roles, asked)
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["window"]] += int(row["n"] or 0)
    return _count_fact(tables, totals, roles, asked, question.measure)


class _Asked:
    """What every Fact of one comparison shares: the selection, the window, the query."""

    def __init__(
        self,
        chosen: selection.Selection,
        current: Window,
        query: dict[str, Any],
        kind: str,
        alpha: float,
    ) -> None:
        assert chosen.area is not None and chosen.category is not None
        self.area: Area = chosen.area
        self.category = chosen.category
        self.source: Source = chosen.source
        self.sources = chosen.coverage.vintages
        self.current = current
        self.query = query
        self.kind = kind
        self.alpha = alpha
        # police.uk counts exclude ASB etc.: the category's notes say so (MPS tables do not)
        self.notes = list(self.category.notes) if self.source.key != "mps" else []

    def fact(
        self,
        finding: Finding,
        *,
        measure: str,
        value: float | None,
        unit: str,
        comparison: ComparisonRef,
        notes: list[str],
    ) -> Fact:
        return Fact.from_finding(
            finding,
            measure=measure,
            value=value,
            unit=unit,
            area=self.area.ref(),
            category=self.category.ref(),
            window=self.current.ref(),
            source=self.source.key,
            comparison=comparison,
            sources=self.sources,
            query=self.query,
            notes=notes,
        )


def _count_fact(
    tables: Tables,
    totals: dict[str, int],
    roles: dict[str, Window],
    asked: _Asked,
    measure: str,
) -> Fact:
    current = roles[CURRENT]
    n = totals.get(CURRENT, 0)
    comparison_windows = [w for role, w in roles.items() if role != CURRENT]
    notes = list(asked.notes)
    value: float = float(n)
    unit = "crimes"
    exposure = [float(w.days) for w in comparison_windows]
    cur_exposure = float(current.days)
    if measure == "rate":
        people = _population(tables, asked.area, current.end.year)
        value = n / people * 1000
        unit = "crimes per 1,000 residents"
        cur_exposure *= people
        exposure = [
            e * _population(tables, asked.area, w.end.year)
            for e, w in zip(exposure, comparison_windows, strict=True)
        ]
        notes.append(f"population {people:,.0f} ({current.end.year})")
    elif measure != "count":
        raise QuestionError(f"unknown measure {measure!r}: use count, rate or harm")
    if asked.kind == "baseline":
        counts = [totals.get(role, 0) for role in roles if role != CURRENT]
        return asked.fact(
            baseline_finding(compare_to_baseline(n, counts, alpha=asked.alpha)),
            measure=measure,
            value=plain(value),
            unit=unit,
            comparison=ComparisonRef(
                "baseline",
                windows=tuple(w.ref() for w in comparison_windows),
                counts=tuple(counts),
            ),
            notes=notes,
        )
    other = comparison_windows[0]
    prev = totals.get("compare", 0)
    tested = compare_counts(n, prev, exposure_ratio=cur_exposure / exposure[0], alpha=asked.alpha)
    return asked.fact(
        counts_finding(tested),
        measure=measure,
        value=plain(value),
        unit=unit,
        comparison=ComparisonRef(asked.kind, window=other.ref()),
        notes=notes,
    )


def _population(tables: Tables, where: Area, year: int) -> float:
    if where.level == FORCE:
        codes = (
            [london.CITY_OF_LONDON]
            if where.force == CITY_OF_LONDON_FORCE
            else [c for c in london.BOROUGHS if c != london.CITY_OF_LONDON]
        )
    elif where.level == BOROUGH and where.code:
        codes = [where.code]
    else:
        raise MissingDataError(f"no population for {where.level} areas: rates are by borough")
    return float(sum(populations(tables, codes, year).values()))


def populations(tables: Tables, codes: list[str], year: int) -> dict[str, float]:
    """Residents of each area code in `year`, in one query; an area with no figure for that
    year is a MissingDataError naming it (a rate is never computed on a guess)."""
    pop = tables["population"]
    rows = (
        pop.filter(pop.area_code.isin(codes), pop.year == year)
        .group_by("area_code")
        .aggregate(p=pop.population.max())
        .to_pyarrow()
        .to_pylist()
    )
    found = {str(r["area_code"]): float(r["p"]) for r in rows}
    missing = [london.BOROUGHS.get(c, c) for c in codes if c not in found]
    if missing:
        raise MissingDataError(
            f"no population for {', '.join(missing[:5])} in {year}: "
            "ingest a population table covering that year"
        )
    return found


def _harm_fact(
    tables: Tables,
    rows: list[dict[str, Any]],
    roles: dict[str, Window],
    asked: _Asked,
) -> Fact:
    src = asked.source
    weights, index_name = _harm_weights(tables, src)
    totals: dict[str, list[tuple[float, int]]] = defaultdict(list)
    unweighted: set[str] = set()
    for row in rows:
        key = row["minor"] if src.key == "mps" else row["crime_type"]
        lookup = cats.subgroup_of(key or "") if src.key == "mps" else key
        weight = weights.get(lookup or "")
        if weight is None:
            unweighted.add(str(key))
            continue
        totals[row["window"]].append((weight, int(row["n"] or 0)))
    if asked.kind == "baseline":
        raise WindowError("harm-weighted totals compare with previous or last-year only")
    tested = weighted_comparison(totals.get(CURRENT, []), totals.get("compare", []), asked.alpha)
    notes = list(asked.notes)
    if unweighted:
        notes.append("no harm weight (left out): " + ", ".join(sorted(unweighted)))
    other = next(w for role, w in roles.items() if role != CURRENT)
    finding = weighted_finding(tested)
    return asked.fact(
        finding,
        measure="harm",
        value=finding.current,
        unit=f"harm ({index_name})",
        comparison=ComparisonRef(asked.kind, window=other.ref()),
        notes=notes,
    )


def _harm_weights(tables: Tables, src: Source) -> tuple[dict[str, float], str]:
    hw = tables["harm_weights"]
    rows = hw.to_pyarrow().to_pylist()
    if not rows:
        raise MissingDataError("no harm weights in the warehouse: ingest a harm-weight table")
    index_name = str(rows[0]["index_name"])
    rows = [r for r in rows if r["index_name"] == index_name]
    if src.key == "mps":
        weights = {r["subgroup"]: float(r["weight"]) for r in rows if r["subgroup"]}
    else:
        weights = {r["category"]: float(r["weight"]) for r in rows if not r["subgroup"]}
    if not weights:
        level = "Home Office subgroup" if src.key == "mps" else "police.uk crime type"
        raise MissingDataError(f"the harm index {index_name!r} has no weights per {level}")
    return weights, index_name


def _with_roles(current: Window, others: list[Window]) -> dict[str, Window]:
    """Each window under its role in the one query: current, compare, or baseline YYYY
    (a Fact's comparison publishes its windows under these names)."""
    roles = {CURRENT: replace(current, name=CURRENT)}
    if len(others) == 1:
        roles["compare"] = replace(others[0], name="compare")
    else:
        for w in others:
            roles[f"baseline {w.name}"] = replace(w, name=f"baseline {w.name}")
    return roles
