"""One area × category over time: the counts, and what was expected of each recent month.

The question's area, category and source are selected as for `compare` (month by month),
so a series and a comparison of the same question count from the same source, over the
months that source carries the whole category in. For each
of the last `band_months` months the seasonal model is fitted on the years before it
(never on the month itself), so a point outside its band was a surprise at the time, not
with hindsight.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa

from crimepulse.analysis import periods, selection
from crimepulse.analysis.periods import DAY, Window
from crimepulse.analysis.question import Question
from crimepulse.analysis.selection import HasTables
from crimepulse.core.facts import AreaRef, CategoryRef
from crimepulse.errors import HistoryError, MissingDataError, QuestionError
from crimepulse.stats import seasonal_expectation

# Known breaks in published series: (source key, first period after the break, note).
BREAKS = [
    (
        "mps",
        date(2024, 2, 1),
        "The MPS changed its crime recording system in February 2024; "
        "compare months either side with care.",
    ),
]
HISTORY_YEARS = 5


@dataclass
class MonthlySeries:
    area: AreaRef
    category: CategoryRef
    source: str
    granularity: str
    points: list[dict[str, Any]] = field(default_factory=list)
    breaks: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(self.points)

    def as_dict(self) -> dict[str, Any]:
        return {
            "area": self.area.as_dict(),
            "category": self.category.as_dict(),
            "source": self.source,
            "granularity": self.granularity,
            "points": self.points,
            "breaks": self.breaks,
            "sources": self.sources,
        }


def monthly_series(
    analysis: HasTables,
    question: Question,
    *,
    start: str | date | None = None,
    end: str | date | None = None,
    band_months: int = 24,
    level: float = 0.95,
) -> MonthlySeries:
    """Counts per period (month; day for a daily source) of the question's area and
    category, from `start` to `end` (default: all that is published), with expected bands
    and flags."""
    chosen = selection.select(analysis.tables, question, None)
    assert chosen.area is not None and chosen.category is not None
    where, cat, src, cov = chosen.area.ref(), chosen.category.ref(), chosen.source, chosen.coverage
    f = chosen.rows(analysis.tables)
    if not cov.months:
        return MonthlySeries(where, cat, src.key, src.granularity)
    # Only the months the source carries the whole category in: never a run of zeros or
    # of partial counts for the months it does not (MissingDataError when there are none).
    published = sorted(cov.counting(chosen.category))
    if not published:
        reason = cov.uncounted(chosen.category, cov.months)
        assert reason is not None  # no published month counts it, so some month lacks it
        raise MissingDataError(reason)
    first = _as_date(start) or published[0]
    last = _as_date(end) or periods.month_end(published[-1])
    months = [m for m in published if first <= m <= last]
    # Count from far enough back to fit the bands of the last points, not just from `first`.
    band_start = months[-band_months] if len(months) >= band_months else (months or [first])[0]
    history_start = max(published[0], date(band_start.year - HISTORY_YEARS, band_start.month, 1))
    span = Window("series", "series", min(first, history_start), last)
    rows = selection.window_totals(f, [span], ["period"]).to_pyarrow().to_pylist()
    counts = {r["period"]: int(r["n"]) for r in rows}
    if src.granularity == DAY:
        points = [
            {"period": p.isoformat(), "count": n}
            for p, n in sorted(counts.items())
            if first <= p <= last
        ]
        return MonthlySeries(where, cat, src.key, DAY, points, [], cov.vintages)
    points = [{"period": m.isoformat(), "count": counts.get(m, 0)} for m in months]
    _add_bands(points, published, counts, band_months, level)
    breaks = [
        {"period": b.isoformat(), "note": note}
        for key, b, note in BREAKS
        if key == src.key and first <= b <= last
    ]
    return MonthlySeries(where, cat, src.key, "month", points, breaks, cov.vintages)


def _as_date(value: str | date | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return periods.parse_as_of(value) if len(value) == 7 else date.fromisoformat(value)
    except ValueError as exc:  # parsing the user's date: date.fromisoformat's refusal
        raise QuestionError(f"bad date {value!r}: use YYYY-MM-DD or YYYY-MM") from exc


def _add_bands(
    points: list[dict[str, Any]],
    published: list[date],
    counts: dict[date, int],
    band_months: int,
    level: float,
) -> None:
    """Expected value and band for the last `band_months` points, each fitted on the
    HISTORY_YEARS before it."""
    for point in points[-band_months:]:
        month = date.fromisoformat(point["period"])
        earliest = date(month.year - HISTORY_YEARS, month.month, 1)
        history = [(m.year, m.month, counts.get(m, 0)) for m in published if earliest <= m < month]
        try:
            e = seasonal_expectation(
                history, month.year, month.month, observed=point["count"], level=level
            )
        except HistoryError:
            continue  # too little history for a band: the point is shown without one
        point.update(
            expected=round(e.expected, 2),
            low=e.low,
            high=e.high,
            outside=e.position in ("above", "below"),
            p_value=e.p_value,
        )
