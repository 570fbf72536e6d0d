"""Measures beyond counts: charge rates from outcomes, stop and search rates, and trends.

Each returns a Fact. Proportions carry an exact (Clopper–Pearson) interval; a share on a
small base says so rather than pretending precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

import ibis
from scipy import stats as sps

from crimepulse.analysis import categories as cats
from crimepulse.analysis import periods, selection
from crimepulse.analysis.compare import populations
from crimepulse.analysis.question import Question
from crimepulse.analysis.selection import FORCE, SOURCES, HasTables
from crimepulse.core.facts import AreaRef, CategoryRef, Fact, Finding
from crimepulse.core.reference.forces import DEFAULT_FORCE, FORCE_NAMES
from crimepulse.errors import CategoryError, MissingDataError
from crimepulse.stats import Trend
from crimepulse.stats import trend as mann_kendall

# data.police.uk outcomes that mean a suspect was charged or summonsed (including every
# court outcome, which only follows a charge). Out-of-court disposals are not charges.
CHARGED = frozenset(
    {
        "Suspect charged",
        "Suspect charged as part of another case",
        "Awaiting court outcome",
        "Court result unavailable",
        "Court case unable to proceed",
        "Defendant found not guilty",
        "Defendant sent to Crown Court",
        "Offender sent to prison",
        "Offender given suspended prison sentence",
        "Offender given community sentence",
        "Offender fined",
        "Offender given conditional discharge",
        "Offender given absolute discharge",
        "Offender otherwise dealt with",
        "Offender ordered to pay compensation",
        "Offender deprived of property",
    }
)
SMALL_BASE = 30  # below this many cases a share is shown with a caution
STOP_SEARCH = "data.police.uk stop and search"


def proportion(successes: int, trials: int, alpha: float = 0.05) -> dict[str, Any]:
    """A share with its exact Clopper–Pearson interval."""
    if trials == 0:
        return {"share": None, "ci_low": None, "ci_high": None, "successes": 0, "trials": 0}
    low = (
        0.0 if successes == 0 else float(sps.beta.ppf(alpha / 2, successes, trials - successes + 1))
    )
    high = (
        1.0
        if successes == trials
        else float(sps.beta.ppf(1 - alpha / 2, successes + 1, trials - successes))
    )
    return {
        "share": successes / trials,
        "ci_low": low,
        "ci_high": high,
        "successes": successes,
        "trials": trials,
        "method": "Clopper–Pearson exact interval",
    }


def _month(as_of: str | date) -> date:
    end = as_of if isinstance(as_of, date) else periods.parse_as_of(as_of)
    return end.replace(day=1)


def charge_rate(
    analysis: HasTables,
    month: str | date,
    *,
    category: str = "all",
    force: str = DEFAULT_FORCE,
    alpha: float = 0.05,
) -> Fact:
    """Share of one month's crimes (data.police.uk street records) whose latest outcome is
    a charge or summons, from the outcomes files (else the street file's last outcome).

    The share grows as later outcomes files arrive; `charge_rate_by_vintage` shows how.
    """
    first = _month(month)
    t = analysis.tables
    cat = cats.resolve(category)
    crimes = t["crimes"]
    src = SOURCES["police.uk"]
    crimes = crimes.filter(
        crimes.force == force, crimes.format == src.format_for(FORCE), crimes.month == first
    )
    if cat.crime_types is None:
        raise CategoryError(f"data.police.uk has no category {cat.label!r}")
    # The month must be published, and carry every crime type of the category: a share of
    # the burglaries is not the charge rate of all crime.
    month_window = periods.window("month", periods.month_end(first))
    selection.coverage(t, src, FORCE, force, cat).check([month_window])
    crimes = crimes.filter(crimes.category.isin(list(cat.crime_types)))
    outcomes = t["outcomes"]
    latest = (
        outcomes.filter(outcomes.force == force)
        .group_by("crime_id")
        .aggregate(outcome=outcomes.outcome.argmax(outcomes.month))
    )
    joined = crimes.left_join(latest, crimes.crime_id == latest.crime_id)
    final = ibis.coalesce(joined.outcome, joined.last_outcome)
    counted = (
        joined.aggregate(
            crimes=joined.count(),
            charged=final.isin(sorted(CHARGED)).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    total, charged = int(counted["crimes"] or 0), int(counted["charged"] or 0)
    if total == 0:
        raise MissingDataError(
            f"no {cat.label} crimes in data.police.uk for {force} in {first:%Y-%m}"
        )
    share = proportion(charged, total, alpha)
    notes = ["small base: treat the share with caution"] if total < SMALL_BASE else []
    return Fact.from_finding(
        share_finding(share),
        measure="charge_rate",
        value=share["share"],
        unit="share of crimes charged or summonsed",
        area=_force_area(force),
        category=cat.ref(),
        window=month_window.ref(),
        source="police.uk",
        query={"call": "charge_rate", "month": str(first), "category": category, "force": force},
        notes=notes,
    )


class Editions(Protocol):
    """An engine that can answer as of an earlier edition of the data (analysis.Analysis)."""

    backend: Any

    def as_of(self, when: str) -> HasTables: ...


def charge_rate_by_vintage(
    analysis: Editions, month: str | date, *, category: str = "all", force: str = DEFAULT_FORCE
) -> list[dict[str, Any]]:
    """The charge rate of one month's crimes as each edition of the data arrived: outcomes
    come in months after the crime, so an early figure understates the final one. An
    edition that cannot answer (the month not yet published) is left out; when none can,
    the last one's MissingDataError says why (never an empty history in silence)."""
    if analysis.backend is None:
        raise ValueError("vintages need the warehouse's DuckDB backend")
    rows = analysis.backend.con.execute(
        "SELECT DISTINCT vintage FROM batches WHERE dataset IN ('crimes', 'outcomes') "
        "ORDER BY vintage"
    ).fetchall()
    vintages = [r[0] for r in rows]
    out = []
    refused: MissingDataError | None = None
    for vintage in vintages:
        try:
            fact = charge_rate(analysis.as_of(str(vintage)), month, category=category, force=force)
        except MissingDataError as exc:
            refused = exc
            continue  # the month's crimes were not published yet at this vintage
        out.append(
            {
                "vintage": str(vintage),
                "charged": fact.current,
                "crimes": fact.previous,
                "share": fact.value,
                "ci_low": fact.ci_low,
                "ci_high": fact.ci_high,
            }
        )
    if not out and refused is not None:
        raise refused
    return out


def stop_search(
    analysis: HasTables,
    window: str,
    as_of: str | date,
    *,
    force: str = DEFAULT_FORCE,
    alpha: float = 0.05,
) -> list[Fact]:
    """Searches in a window, the arrest rate, and the find rate (searches whose outcome is
    linked to the object of the search, among those where the force records the link)."""
    end = as_of if isinstance(as_of, date) else periods.parse_as_of(as_of)
    w = periods.window(window, end)
    # A month not published (the real Met files in shared/data lack 2019-03..2021-05) is refused,
    # never summed as if the window were shorter than it says.
    slices = analysis.tables["current_slices"]
    published = slices.filter(slices.dataset == "stops", slices.force == force)
    months = frozenset(
        r["month"]
        for r in published.select("month", "suspect").to_pyarrow().to_pylist()
        if r["month"] is not None and not r["suspect"]
    )
    selection.check_published([w], STOP_SEARCH, force, months)
    stops = analysis.tables["stops"]
    s = stops.filter(
        stops.force == force, stops.month >= w.start.replace(day=1), stops.month <= w.end
    )
    row = (
        s.aggregate(
            searches=s.count(),
            arrests=s.outcome.isin(["Arrest", "Suspect arrested"]).sum(),
            linked_known=s.outcome_linked.notnull().sum(),
            linked=s.outcome_linked.cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    if not row["searches"]:
        raise MissingDataError(f"no stop and search records for {force} in {w.start}..{w.end}")
    searches = int(row["searches"])
    arrest = proportion(int(row["arrests"] or 0), searches, alpha)
    find = proportion(int(row["linked"] or 0), int(row["linked_known"] or 0), alpha)
    find_notes: list[str] = []
    if find["trials"] < searches:
        find_notes.append(
            f"the link to the object of search is recorded for {find['trials']:,} of "
            f"{searches:,} searches"
        )
    query = {"call": "stop_search", "window": window, "as_of": str(as_of), "force": force}

    def fact(
        measure: str, finding: Finding, value: float | None, unit: str, notes: list[str]
    ) -> Fact:
        return Fact.from_finding(
            finding,
            measure=measure,
            value=value,
            unit=unit,
            area=_force_area(force),
            category=CategoryRef("stop and search"),
            window=w.ref(),
            source="police.uk",
            query={**query, "measure": measure},  # three measures, three questions, three ids
            notes=notes,
        )

    return [
        fact("searches", Finding(current=searches), float(searches), "searches", []),
        fact("arrest_rate", share_finding(arrest), arrest["share"], "share of searches", []),
        fact("find_rate", share_finding(find), find["share"], "share of searches", find_notes),
    ]


def rates_per_1000(analysis: HasTables, facts: Sequence[Fact]) -> dict[str, float]:
    """Crimes per 1,000 residents for each borough Fact of a grid, by area code: the count
    over the residents in the year its window ends, as `compare(measure="rate")` gives it,
    but with one population query for all of them (not one comparison per borough)."""
    by_year: dict[int, list[Fact]] = {}
    for f in facts:
        if f.area.code and f.current is not None:
            by_year.setdefault(f.window.end.year, []).append(f)
    out: dict[str, float] = {}
    for year, chosen in by_year.items():
        codes = sorted({str(f.area.code) for f in chosen})
        people = populations(analysis.tables, codes, year)
        for f in chosen:
            out[str(f.area.code)] = float(f.current or 0) / people[str(f.area.code)] * 1000
    return out


def share_finding(share: dict[str, Any]) -> Finding:
    """A share with its exact interval (`proportion`): `current` the successes, `previous`
    the cases they are a share of."""
    return Finding(
        current=share["successes"],
        previous=share["trials"],
        test=share.get("method"),
        ci_low=share["ci_low"],
        ci_high=share["ci_high"],
        stats=share,
    )


def _force_area(force: str) -> AreaRef:
    return AreaRef(FORCE, FORCE_NAMES.get(force, force), None, force)


def trend_finding(result: Trend, values: list[float]) -> Finding:
    """Mann–Kendall's answer: its direction is the verdict (the slope is the Fact's value)."""
    d = result.as_dict()
    return Finding(
        test=d.get("test"),
        p_value=d.get("p_value"),
        verdict=d.get("direction"),
        stats={**d, "values": values},
    )


def trend(analysis: HasTables, question: Question, *, months: int = 24) -> Fact:
    """Is the monthly series over the last `months` months to the question's as-of date
    rising or falling? (Mann–Kendall, with Sen's slope.) The question's area, category,
    source and force are selected as for `compare`, counting those months."""
    end = question.end_date()
    last = periods.window("month", periods.month_end(end.replace(day=1)))
    first = periods.add_months(last.start, -(months - 1))
    span = periods.Window("trend", f"the last {months} months", first, last.end)
    chosen = selection.select(analysis.tables, question, span)
    f = chosen.rows(analysis.tables)
    chosen.coverage.check([span])
    monthly = f.mutate(month=f.period.truncate("M").cast("date"))
    rows = selection.window_totals(monthly, [span], ["month"]).to_pyarrow().to_pylist()
    by_month = {r["month"]: int(r["n"]) for r in rows}
    values = [float(by_month.get(m, 0)) for m in span.months]
    result = mann_kendall(values, alpha=question.alpha)
    assert chosen.area is not None and chosen.category is not None
    return Fact.from_finding(
        trend_finding(result, values),
        measure="trend",
        value=result.as_dict().get("slope"),
        unit="crimes per month (Sen's slope)",
        area=chosen.area.ref(),
        category=chosen.category.ref(),
        window=span.ref(),
        source=chosen.source.key,
        sources=chosen.coverage.vintages,
        query={
            "call": "trend",
            "area": question.area,
            "category": question.category,
            "as_of": str(question.as_of),
            "months": months,
            "source": question.source,
            "force": question.force,
        },
    )
