"""Compare: one count, rate or harm total against its comparison, tested, as a Fact.

A `Question` names the area, category and window; `selection.select` resolves what it
counts and from which source; one engine query sums the window, the windows it is
compared with and its history (the same window in up to HISTORY_YEARS earlier years the
source has published); the statistics (crimepulse.stats) run on the small result.

A count or a rate against the previous period or last year is judged against the
series' own usual variation (stats.dispersion: quasi-Poisson, dispersion from the
history, t reference); the exact Poisson test's answer is kept in the Fact's stats as a
labelled second opinion. With too little history the verdict is "not enough history".
A count against a multi-year baseline uses the baseline's own spread; a harm total the
weighted comparison. One definition of change per Fact (`change_basis` in its stats):
the counts when the periods are the same length, else the rate per day (or per resident
for a rate), and then `change_pct` is that rate's change, so the verdict and the printed
% always point the same way. The functions turning each test's result into a `Finding`
live here too (the grid uses them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from typing import Any

import ibis
import numpy as np

from crimepulse.analysis import categories as cats
from crimepulse.analysis import lineage, periods, selection
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import Question
from crimepulse.analysis.selection import BOROUGH, FORCE, Area, Source, Tables
from crimepulse.core.facts import NOT_ENOUGH_HISTORY, ComparisonRef, Fact, Finding, plain
from crimepulse.core.reference import london
from crimepulse.core.reference.forces import CITY_OF_LONDON_FORCE
from crimepulse.errors import MissingDataError, QuestionError, WindowError
from crimepulse.stats import (
    BaselineComparison,
    HistoryComparison,
    WeightedComparison,
    compare_to_baseline,
    compare_with_history,
    weighted_comparison,
)
from crimepulse.stats.dispersion import MIN_HISTORY, NO_TEST, history_dispersion

CURRENT = "current"  # the role of the window counted (the others: "compare", "baseline YYYY")
HISTORY = "history"  # "history 1" is the window a year before the current one, and so on
#: How many earlier years a verdict's history reaches back (fewer when the source has
#: published fewer): eight years give six degrees of freedom around a trend (five gave
#: three, and a doubling of 500 a year was missed one time in seven rather than one in 17).
HISTORY_YEARS = 8
#: Periods whose lengths differ by more than this share are compared per day (a month
#: against the month before); closer ones (a leap day in a year) are compared as counts.
SAME_LENGTH = 0.02
COUNTS_BASIS, PER_DAY_BASIS, RATE_BASIS = "counts", "per day", "per resident"


def change_basis(current: Window, other: Window) -> tuple[str, float]:
    """The change's definition for two periods and the exposure ratio the test uses: per
    day when their lengths differ by more than SAME_LENGTH, else the counts (ratio 1).
    Compare, harm totals and the grid all ask here, so they cannot disagree."""
    if abs(current.days / other.days - 1.0) > SAME_LENGTH:
        return PER_DAY_BASIS, current.days / other.days
    return COUNTS_BASIS, 1.0


def history_windows(
    current: Window, covered: selection.Coverage, since: date | None = None
) -> list[Window]:
    """The window counted, in each of up to HISTORY_YEARS earlier years that the source has
    published, oldest first: comparable periods whose spread is the series' usual
    variation (a history stops at the first year the source does not cover, and before
    `since`, the start of the series as it is now: see lineage.comparable_since)."""
    found: list[Window] = []
    shifted = current
    for years_back in range(1, HISTORY_YEARS + 1):
        shifted = periods.last_year(shifted)
        if not covered.covers(shifted) or (since is not None and shifted.start < since):
            break
        found.append(replace(shifted, name=f"{HISTORY} {years_back}"))
    return found[::-1]


def _two_periods(d: dict[str, Any], change_pct: float | None) -> Finding:
    """A Finding from a two-period result's `as_dict()` (counts or harm totals: the same
    field names), with the change's % on the basis the test judged."""
    return Finding(
        current=d["current"],
        previous=d["previous"],
        change=d["change"],
        change_pct=change_pct,
        test=d["test"],
        p_value=d["p_value"],
        q_value=d.get("q_value"),
        ci_low=d.get("ci_low"),
        ci_high=d.get("ci_high"),
        verdict=d["verdict"],
        small_counts=bool(d["small_counts"]),
        stats=d,
    )


def pct_on_basis(counts_pct: float | None, ratio: float | None, basis: str) -> float | None:
    """The % of change on `basis`: the counts' own %, or the exposure-adjusted ratio's
    (per day, per resident) — the test's — so a verdict and its sign agree."""
    if basis == COUNTS_BASIS:
        return counts_pct
    return None if ratio is None else 100.0 * (ratio - 1.0)


def history_finding(result: HistoryComparison, basis: str) -> Finding:
    """Two counts judged against the series' own variation (stats.dispersion): a compare
    or a grid cell. `basis` is the change's definition (see `change_basis`)."""
    d = result.as_dict()
    d["change_basis"] = basis
    return _two_periods(d, pct_on_basis(result.change_pct, result.rate_ratio, basis))


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


def weighted_finding(result: WeightedComparison, basis: str = COUNTS_BASIS) -> Finding:
    """Two harm-weighted totals, tested; `small_counts` when their effective number of
    events is small (a few heavily weighted crimes)."""
    d = result.as_dict()
    return _two_periods(d, pct_on_basis(result.change_pct, result.ratio, basis))


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
    if question.comparison != "baseline":
        since = lineage.comparable_since(chosen.source.key, chosen.category, chosen.area)
        roles.update({w.name: w for w in history_windows(current, chosen.coverage, since)})
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
    comparison_windows = [
        w for role, w in roles.items() if role != CURRENT and not role.startswith(HISTORY)
    ]
    notes = list(asked.notes)
    value: float = float(n)
    unit = "crimes"
    if measure not in ("count", "rate"):
        raise QuestionError(f"unknown measure {measure!r}: use count, rate or harm")
    people = 1.0
    if measure == "rate":
        people = _population(tables, asked.area, current.end.year)
        value = n / people * 1000
        unit = "crimes per 1,000 residents"
        notes.append(f"population {people:,.0f} ({current.end.year})")
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
    basis, exposure = change_basis(current, other)
    if measure == "rate":
        then = _population(tables, asked.area, other.end.year)
        exposure, basis = current.days * people / (other.days * then), RATE_BASIS
    elif basis == PER_DAY_BASIS:
        notes.append(
            f"compared per day: {current.days} days against {other.days}, "
            "so the % is the change in crimes a day"
        )
    history = [totals.get(role, 0) for role in roles if role.startswith(HISTORY)]
    tested = compare_with_history(
        n, totals.get("compare", 0), history, exposure_ratio=exposure, alpha=asked.alpha
    )
    finding = history_finding(tested, basis)
    finding.stats["history_windows"] = [
        w.ref().as_dict() for role, w in roles.items() if role.startswith(HISTORY)
    ]
    return asked.fact(
        finding,
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
    paired: dict[str, tuple[float, int, int]] = {}  # category: (weight, current, compare)
    history: dict[str, int] = defaultdict(int)  # history role: crimes
    unweighted: set[str] = set()
    for row in rows:
        key = row["minor"] if src.key == "mps" else row["crime_type"]
        lookup = cats.subgroup_of(key or "") if src.key == "mps" else key
        weight = weights.get(lookup or "")
        if weight is None:
            unweighted.add(str(key))
            continue
        _, cur, prev = paired.get(str(key), (weight, 0, 0))
        n = int(row["n"] or 0)
        if row["window"] == CURRENT:
            cur += n
        elif row["window"] == "compare":
            prev += n
        else:  # a history year: its crimes (weighted or not) measure the usual variation
            history[row["window"]] += n
        paired[str(key)] = (weight, cur, prev)
    if asked.kind == "baseline":
        raise WindowError("harm-weighted totals compare with previous or last-year only")
    current = roles[CURRENT]
    other = next(w for role, w in roles.items() if role != CURRENT)
    basis, exposure = change_basis(current, other)
    notes = list(asked.notes)
    if basis == PER_DAY_BASIS:
        notes.append(f"compared per day: {current.days} days against {other.days}")
    # the series' usual variation, from its crime counts in the history years (oldest first)
    counts = [history[role] for role in roles if role.startswith(HISTORY)][::-1]
    poisson = weighted_comparison(list(paired.values()), alpha=asked.alpha, exposure_ratio=exposure)
    if unweighted:
        notes.append("no harm weight (left out): " + ", ".join(sorted(unweighted)))
    dispersion: float | None = None
    if len(counts) >= MIN_HISTORY:
        phi, df, _ = history_dispersion(np.array([counts], dtype=float))
        dispersion = float(phi[0])
        tested = weighted_comparison(
            list(paired.values()),
            alpha=asked.alpha,
            exposure_ratio=exposure,
            dispersion=max(dispersion, 1.0),
            dispersion_df=int(df[0]),
        )
        finding = weighted_finding(tested, basis)
    else:
        finding = replace(
            weighted_finding(poisson, basis),
            verdict=NOT_ENOUGH_HISTORY,
            p_value=None,
            test=NO_TEST,
        )
    finding.stats.update(
        change_basis=basis,
        history=counts,
        dispersion=dispersion,
        poisson_p_value=poisson.p_value,
        poisson_verdict=poisson.verdict,
        poisson_test="the weighted totals differ beyond chance (exact conditional test)",
    )
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
