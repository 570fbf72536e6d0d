"""National context: a force against the rest of England and Wales, for one offence group
and financial year, as two Facts with honest verdicts.

The national tables (`national_counts`, read by sources/national.py) give England and
Wales by offence group and financial year. "The rest of England and Wales" is that figure
less the force's own count of the same category and year (the same `compare` the force's
Fact comes from, so the two Facts cannot disagree about the force). Each change is judged
the way every count is (stats.dispersion: quasi-Poisson, the dispersion estimated from
the series' own history, a t reference): the force's from its own financial years, the
rest's from the same difference in up to HISTORY_YEARS earlier financial years, so the
rest of the country is judged against its own usual variation, not against Poisson noise.
A question the tables cannot answer (no national table loaded, a group they do not carry
such as homicide, a year outside them) is a MissingDataError that says which.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis.expr.types as ir

from crimepulse.analysis import categories as cats
from crimepulse.analysis.compare import change_basis, history_finding
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import Question
from crimepulse.core.facts import AreaRef, ComparisonRef, Fact, Finding
from crimepulse.core.reference import forces
from crimepulse.errors import MissingDataError, WindowError
from crimepulse.stats import compare_with_history
from crimepulse.stats.contrast import contrast_changes

NATIONAL = "national_counts"
ENGLAND_AND_WALES = "K04000001"
HISTORY_YEARS = 8  # as compare.HISTORY_YEARS: the rest's usual variation, from its own years
_YEAR = re.compile(r"^(\d{4})(?:[-/](\d{2}|\d{4}))?$")
# The national trend table first (one consistent series), then the force-area tables.
_PREFERRED_FORMATS = ("ew-offence-groups", "pfa-offence-groups")
NO_TABLE = (
    "no national recorded-crime table is loaded: ingest the England & Wales tables "
    "(e.g. ew_recorded_crime_by_offence_group_2002_2025.csv)"
)


def financial_year(text: str | int) -> int:
    """The first calendar year of a financial year written "2022/23", "2022-23" or 2022."""
    match = _YEAR.match(str(text).strip())
    if not match:
        raise WindowError(f"bad financial year {text!r}: use e.g. 2022-23 or 2022/23")
    start, end = int(match[1]), match[2]
    if end is not None and int(end) % 100 != (start + 1) % 100:
        raise WindowError(f"bad financial year {text!r}: {end} is not the year after {start}")
    return start


def label(start_year: int) -> str:
    """2022 -> "2022/23", as the national tables write a financial year."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def latest_complete(day: date) -> int:
    """The first calendar year of the latest financial year wholly ended on `day`."""
    return day.year - 2 if (day.month, day.day) < (3, 31) else day.year - 1


@dataclass(frozen=True)
class NationalComparison:
    """The force's change and the rest of England and Wales's, for one group and year, and
    whether the two changes differ beyond both series' usual variation (`difference`)."""

    force: Fact
    rest: Fact
    difference: Fact | None = None

    @property
    def facts(self) -> list[Fact]:
        return [self.force, self.rest]

    def as_dict(self) -> dict[str, Any]:
        out = {"force": self.force.as_dict(), "rest": self.rest.as_dict()}
        if self.difference is not None:
            out["difference"] = self.difference.as_dict()
        return out


def difference(force_fact: Fact, rest_fact: Fact, query: dict[str, Any]) -> Fact:
    """The force's change against the rest's (stats.contrast): "up" when the force rose
    faster (or fell slower) than the rest by more than both series' usual variation. Its
    `current` and `previous` are the two changes in %, its value the ratio of their
    rate ratios."""
    a, b = force_fact.stats, rest_fact.stats
    tested = contrast_changes(
        int(force_fact.current or 0),
        int(force_fact.previous or 0),
        a.get("dispersion"),
        a.get("df"),
        int(rest_fact.current or 0),
        int(rest_fact.previous or 0),
        b.get("dispersion"),
        b.get("df"),
        exposure_a=float(a.get("exposure_ratio") or 1.0),
        exposure_b=float(b.get("exposure_ratio") or 1.0),
        alpha=float(query["alpha"]),
    )
    d = tested.as_dict()
    finding = Finding(
        current=tested.change_pct_a,
        previous=tested.change_pct_b,
        change=tested.change_pct_a - tested.change_pct_b,
        change_pct=100.0 * (tested.ratio - 1.0),
        test=tested.test,
        p_value=tested.p_value,
        ci_low=d["ci_low"],
        ci_high=d["ci_high"],
        verdict=tested.verdict,
        small_counts=bool(force_fact.small_counts or rest_fact.small_counts),
        stats=d,
    )
    return Fact.from_finding(
        finding,
        measure="ratio",
        value=tested.ratio,
        unit="ratio of the force's change to the rest's",
        area=force_fact.area,
        category=rest_fact.category,
        window=force_fact.window,
        source="national",
        comparison=ComparisonRef("rest of England and Wales", window=rest_fact.window),
        sources=rest_fact.sources,
        query={**query, "part": "difference"},
        notes=[
            "the force's change against the rest of England and Wales's, each with its own "
            "series' usual variation: a difference beyond both is a different trend"
        ],
    )


def carried(tables: dict[str, ir.Table]) -> list[str]:
    """The crimepulse categories the loaded national tables count for England and Wales."""
    table = _table(tables)
    rows = (
        table.filter(table.area_code == ENGLAND_AND_WALES, table.category.notnull())
        .select("category")
        .distinct()
        .to_pyarrow()
        .to_pylist()
    )
    return sorted(str(r["category"]) for r in rows)


def national(
    tables: dict[str, ir.Table],
    compare: Callable[[Question], Fact],
    *,
    category: str,
    year: str | int,
    force: str,
    alpha: float = 0.05,
) -> NationalComparison:
    """`force` against the rest of England and Wales for `category` in financial year
    `year`, each against the year before. `compare` answers the force's own question."""
    start = financial_year(year)
    cat = cats.resolve(category)
    fmt, national_counts = _england_and_wales(tables, cat, start)
    force_fact = compare(
        Question(
            area="all",
            category=cat.name,
            window="fy",
            as_of=date(start + 1, 3, 31),
            vs="last-year",
            force=force,
            alpha=alpha,
        )
    )
    own = _force_years(force_fact, start)
    rest = {y: national_counts[y] - n for y, n in own.items() if y in national_counts}
    negative = sorted(y for y, n in rest.items() if n < 0)
    if negative:
        raise MissingDataError(
            f"the force's own {cat.label} count exceeds England and Wales's in "
            f"{label(negative[0])}: the national table does not count what the force counts"
        )
    history = []
    for back in range(1, HISTORY_YEARS + 1):  # history 1 is the year compared with
        if start - back not in rest:
            break
        history.append(rest[start - back])
    record = forces.force(force)
    assert force_fact.comparison is not None and force_fact.comparison.window is not None
    current = Window("fy", force_fact.window.label, force_fact.window.start, force_fact.window.end)
    other_ref = force_fact.comparison.window
    other = Window("fy", other_ref.label, other_ref.start, other_ref.end)
    basis, exposure = change_basis(current, other)
    tested = compare_with_history(
        rest[start], rest[start - 1], history[::-1], exposure_ratio=exposure, alpha=alpha
    )
    finding = history_finding(tested, basis)
    finding.stats["history_years"] = [label(start - b) for b in range(len(history), 0, -1)]
    finding.stats["england_and_wales"] = {label(y): national_counts[y] for y in sorted(rest)}
    finding.stats["force_counts"] = {label(y): own[y] for y in sorted(rest)}
    query = {
        "call": "national",
        "part": "rest",
        "category": cat.name,
        "year": label(start),
        "force": force,
        "alpha": alpha,
    }
    rest_fact = Fact.from_finding(
        finding,
        measure="count",
        value=float(rest[start]),
        unit="crimes",
        area=AreaRef("country", f"England and Wales less the {record.name}", None, None),
        category=cat.ref(),
        window=force_fact.window,
        source="national",
        comparison=ComparisonRef("last-year", window=other_ref),
        sources=[*_sources(tables, fmt, cat, start), *force_fact.sources],
        query=query,
        notes=[
            f"England and Wales's {cat.label} (Home Office recorded crime, {label(start)} and "
            f"{label(start - 1)}) less the {record.name}'s own count ({force_fact.source}); "
            f"its usual variation is that of this difference over {len(history)} financial "
            "year(s) before it"
        ],
    )
    return NationalComparison(force_fact, rest_fact, difference(force_fact, rest_fact, query))


def _table(tables: dict[str, ir.Table]) -> ir.Table:
    table = tables.get(NATIONAL)
    if table is None:
        raise MissingDataError(NO_TABLE)
    return table


def _england_and_wales(
    tables: dict[str, ir.Table], cat: cats.Category, start: int
) -> tuple[str, dict[int, int]]:
    """England and Wales's count of `cat` per financial year (first calendar year), from
    one table (the format holding the most years; the national trend table on a tie)."""
    table = _table(tables)
    rows = (
        table.filter(table.area_code == ENGLAND_AND_WALES, table.category == cat.name)
        .select("format", "period_start", "period_end", "count")
        .to_pyarrow()
        .to_pylist()
    )
    by_format: dict[str, dict[int, int]] = {}
    for r in rows:
        first, last = r["period_start"], r["period_end"]
        if (first.month, first.day) == (4, 1) and last == date(first.year + 1, 3, 31):
            by_format.setdefault(str(r["format"]), {})[first.year] = int(r["count"])
    if not by_format:
        held = carried(tables)
        if not held and not table.count().to_pyarrow().as_py():
            raise MissingDataError(NO_TABLE)
        raise MissingDataError(
            f"no national {cat.label} figure is loaded: the England & Wales tables loaded "
            f"count {', '.join(held) or 'no crimepulse category'} by financial year"
        )
    usable = {f: years for f, years in by_format.items() if {start, start - 1} <= set(years)}
    if not usable:
        years = sorted({y for ys in by_format.values() for y in ys})
        raise MissingDataError(
            f"no national {cat.label} figure is loaded for {label(start)} against "
            f"{label(start - 1)} (the tables loaded count it for {label(years[0])} to "
            f"{label(years[-1])} only)"
        )

    def rank(fmt: str) -> tuple[int, int]:
        preferred = _PREFERRED_FORMATS.index(fmt) if fmt in _PREFERRED_FORMATS else 99
        return (-len(usable[fmt]), preferred)

    chosen = min(usable, key=rank)
    return chosen, usable[chosen]


def _force_years(fact: Fact, start: int) -> dict[int, int]:
    """The force's count per financial year: the two compared and its history years."""
    out = {start: int(fact.current or 0), start - 1: int(fact.previous or 0)}
    windows = fact.stats.get("history_windows") or []
    counts = fact.stats.get("history") or []
    for window, n in zip(windows, counts, strict=False):
        first = date.fromisoformat(str(window["start"]))
        out.setdefault(first.year, int(n))
    return out


def _sources(
    tables: dict[str, ir.Table], fmt: str, cat: cats.Category, start: int
) -> list[dict[str, Any]]:
    """The national editions counted, as a Fact lists its sources (source and vintage)."""
    table = _table(tables)
    batches = tables.get("batches")
    rows = table.filter(
        table.area_code == ENGLAND_AND_WALES,
        table.format == fmt,
        table.category == cat.name,
        table.period_start.year().isin([start, start - 1]),
    )
    if batches is not None:
        joined = rows.join(batches.select("batch_id", "vintage"), "batch_id")
        found = joined.select("source", "format", "vintage").distinct().to_pyarrow().to_pylist()
    else:
        found = rows.select("source", "format").distinct().to_pyarrow().to_pylist()
    return [
        {"source": r["source"], "format": r["format"], "vintage": str(r.get("vintage"))}
        for r in sorted(found, key=lambda r: (str(r["format"]), str(r.get("vintage"))))
    ]
