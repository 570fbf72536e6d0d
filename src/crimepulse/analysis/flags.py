"""Seasonal flags: the area × category series whose latest months are out of line.

Each monthly series is judged on its previous years by crimepulse.stats.flag_series: a
one-month "spike" rule and a "sustained shift" rule over the last 2–6 months, both against
the series' own seasonal expectation and variation, with the false discovery rate
controlled over every series tested. Series that no longer exist or only began recently are
recognised here, from the data: a category (or area) whose total across the level fell to
almost nothing is retired and never flags, and a series that began recently is modelled
only from its start (known series breaks, e.g. from a lineage table, can be passed too).
One engine query counts every series.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from crimepulse.analysis import lineage, periods, selection
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import GridQuestion
from crimepulse.analysis.selection import Tables
from crimepulse.core.facts import AreaRef, CategoryRef, ComparisonRef, Fact, Finding
from crimepulse.errors import CategoryError
from crimepulse.stats import Flag, flag_series
from crimepulse.stats.seasonal import FLAG_TEST, SUSTAINED_SHIFT

#: A month counts as "live" for a category (or area) when its total across the level is at
#: least this share of the typical month (the 90th percentile of the last RECENT_MONTHS of
#: history and the judged month: what the series is now; one extreme month cannot move
#: it): a renamed or retired MPS category keeps a trickle of
#: stray records (1–3 a month across London), far under 10% of its old level, and a new
#: one had as few before it began; real falls, even the April 2020 lockdown, stay above it.
LIVE_SHARE = 0.1
RECENT_MONTHS = 12
#: The first live month of a new series is often partial (the new code used from mid-month):
#: when it is under this share of the next month it is left out.
PARTIAL_SHARE = 0.5


@dataclass(frozen=True)
class Lifespan:
    """Where a category's (or area's) series begins in the history, and whether it ended.

    `start` is the index of the first month to model (0: the whole history); `retired`
    when the series ended: no crime in the last RECENT_MONTHS of history, no live month
    at all, or neither the last history month nor the judged month is live.
    """

    start: int
    retired: bool


def lifespan(history: Sequence[int], current: int) -> Lifespan:
    """The lifespan of a series from its monthly totals (`history` in time order, `current`
    the judged month's). See LIVE_SHARE and PARTIAL_SHARE."""
    counts = np.asarray(history, dtype=float)
    if counts.size == 0 or not counts[-RECENT_MONTHS:].any():
        return Lifespan(0, retired=True)  # no crime at all in the last 12 months
    typical = float(np.percentile([*counts[-RECENT_MONTHS:], current], 90))
    live = (counts > 0) & (counts >= LIVE_SHARE * typical)
    if not live.any():
        return Lifespan(0, retired=True)
    ended = not live[-1] and not (current > 0 and current >= LIVE_SHARE * typical)
    first = int(np.argmax(live))
    if first + 1 < counts.size and counts[first] < PARTIAL_SHARE * counts[first + 1]:
        first += 1
    return Lifespan(first, retired=ended)


def _finding(flag: Flag[Any]) -> tuple[Finding, float]:
    """The flag as a Finding (and the Fact's value): a spike is the month against its
    band; a sustained shift is the months it covers against their expected total."""
    e, s = flag.expectation, flag.shift
    shift = flag.rule == SUSTAINED_SHIFT and s is not None
    finding = Finding(
        current=s.observed if shift and s else e.observed,
        previous=s.expected if shift and s else e.expected,
        change=s.change if shift and s else e.change,
        change_pct=s.change_pct if shift and s else e.change_pct,
        test=f"{FLAG_TEST}; rule: {flag.rule}",
        p_value=flag.p_value,
        q_value=flag.q_value,
        ci_low=s.low if shift and s else e.low,
        ci_high=s.high if shift and s else e.high,
        verdict=flag.verdict,
        small_counts=s.small_counts if shift and s else e.small_counts,
        stats=flag.as_dict(),
    )
    return finding, float(finding.current or 0)


def flags(
    tables: Tables,
    question: GridQuestion,
    *,
    years: int = 5,
    breaks: Sequence[date] | Mapping[str, Sequence[date]] = (),
) -> list[Fact]:
    """Series out of line in the month ending the as-of date (a one-month spike, or a
    sustained shift over the months up to it), most surprising first, with the false
    discovery rate controlled over every series tested. `years`: the history each series
    is modelled on; `breaks`: known series breaks (first months of a new series), for
    every category or per category key. Retired categories and areas are not judged."""
    target = periods.window("month", question.end_date())
    chosen = selection.select_areas(tables, question, target)
    chosen.coverage.check([target])
    start = date(target.start.year - years, target.start.month, 1)
    span = Window("history", "history", start, target.end)
    f = chosen.rows(tables)
    expr = selection.window_totals(
        f.mutate(month=f.period.truncate("M").cast("date")),
        [span],
        ["area", "area_name", "major", "minor", "crime_type", "month"],
    )
    rows = expr.to_pyarrow().to_pylist()
    # A category the source does not carry in every month modelled is not tested (a run of
    # zeros would look like a fall); the Facts' notes name it.
    modelled = [m for m in chosen.coverage.months if start <= m <= target.start]
    groups, left_out = selection.countable_keys(question.categories, chosen.coverage, modelled)
    by_series: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, str] = {}
    for row in rows:
        names[str(row["area"])] = str(row["area_name"] or row["area"])
        for key in groups(row):
            by_series[(str(row["area"]), key)][row["month"]] += int(row["n"])
    published = sorted(m for m in chosen.coverage.months if start <= m <= target.start)
    before = [m for m in published if m < target.start]
    spans = _lifespans(by_series, before, target.start)
    inputs = []
    series_breaks: dict[tuple[str, str], list[date]] = {}
    retired = 0

    def documented(key: str) -> list[date]:
        """The series breaks the lineage table documents for a category key (none for a
        key it cannot resolve, e.g. a raw minor name it does not list)."""
        try:
            return lineage.break_dates(chosen.source.key, key)
        except CategoryError:
            return []

    for (a, c), months in by_series.items():
        life = [spans[("area", a)], spans[("category", c)]]
        if any(span.retired for span in life):
            retired += 1
            continue
        known = list(breaks.get(c, ()) if isinstance(breaks, Mapping) else breaks)
        known += documented(c)
        first = max(span.start for span in life)
        series_breaks[(a, c)] = known + ([before[first]] if first > 0 else [])
        history = [(m.year, m.month, months.get(m, 0)) for m in before]
        inputs.append(((a, c), history, months.get(target.start, 0)))
    report = flag_series(
        inputs,
        target.start.year,
        target.start.month,
        alpha=question.alpha,
        breaks=series_breaks,
    )
    notes = [f"{report.n_tested} series tested; {report.fdr}"]
    retired += sum(reason.startswith("retired") for _, reason in report.skipped)
    if retired:
        notes.append(
            f"{retired} series not judged: their category or area is no longer recorded (retired)"
        )
    if left_out:
        cannot = ", ".join(left_out)
        notes.append(f"not tested (the source cannot count them in every month): {cannot}")
    facts = []
    for item in report.flags:
        a, c = item.key
        finding, value = _finding(item)
        window = target
        if item.rule == SUSTAINED_SHIFT and item.shift is not None:
            first_month = date.fromisoformat(item.months[0] + "-01")
            window = Window("months", f"the {len(item.months)} months", first_month, target.end)
        facts.append(
            Fact.from_finding(
                finding,
                measure="count",
                value=value,
                unit="crimes",
                area=AreaRef(
                    question.level,
                    names.get(a, a),
                    selection.area_code(question.level, a),
                    question.force,
                ),
                category=CategoryRef(c),
                window=window.ref(),
                source=chosen.source.key,
                comparison=ComparisonRef(
                    "seasonal expectation",
                    model=item.expectation.model,
                    history_months=len(published) - 1,
                ),
                sources=chosen.coverage.vintages,
                query={
                    "call": "flags",
                    "as_of": str(question.as_of),
                    "areas": question.areas,
                    "categories": question.categories,
                    "source": question.source,
                    "force": question.force,
                    "series": [a, c],
                },
                notes=notes,
            )
        )
    return facts


def _lifespans(
    by_series: Mapping[tuple[str, str], Mapping[date, int]], before: list[date], target: date
) -> dict[tuple[str, str], Lifespan]:
    """The lifespan of every category (its total over the level's areas) and every area
    (its total over the categories counted): what was renamed, split or retired shows in
    these totals, where the counts are large, rather than in one small series."""
    totals: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for (a, c), months in by_series.items():
        for m, n in months.items():
            totals[("area", a)][m] += n
            totals[("category", c)][m] += n
    return {
        key: lifespan([months.get(m, 0) for m in before], months.get(target, 0))
        for key, months in totals.items()
    }
