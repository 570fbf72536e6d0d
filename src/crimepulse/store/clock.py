"""One clock: the latest complete month and week the data answers, decided in one place.

Pages, the API's default as-of date and snapshots each used to pick "the latest" their own
way (the newest month a table holds, the month a probe query answered, the week before
today's), so one page could say October while the table beneath it said November, and a
warehouse ending in February showed "this week" as a week in November. Here the latest
month is read from the warehouse's coverage (per source, and for the force's lead monthly
series: the MPS tables when loaded, else street-level crimes), and the latest week is the
last complete ISO week ending on or before both today and the last day the data holds (the
outcomes log's last entry when it has one, else the lead month's last day). Everything
that says "latest" asks `clock()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from crimepulse.store.coverage import YEARLY, Series, _next_month

# The monthly datasets whose newest month is "the latest month", in order of preference:
# the force's pre-aggregated tables (the longest consistent series), then crime records.
LEAD_DATASETS = ("counts", "crimes")


def _month_end(first: date) -> date:
    return _next_month(first) - timedelta(days=1)


def _last_month_end(s: Series) -> date | None:
    return _month_end(date.fromisoformat(f"{s.last_month}-01")) if s.last_month else None


def latest_month(series: Sequence[Series], source: str | None = None) -> date | None:
    """The last day of the newest month the lead monthly series holds (of `source` only,
    when given); None when the warehouse holds no monthly figures."""
    monthly = [s for s in series if s.dataset not in YEARLY and s.last_month]
    if source is not None:
        monthly = [s for s in monthly if s.source == source]
    for dataset in LEAD_DATASETS:
        ends = [e for s in monthly if s.dataset == dataset and (e := _last_month_end(s))]
        if ends:
            return max(ends)
    ends = [e for s in monthly if (e := _last_month_end(s))]
    return max(ends) if ends else None


def latest_week(today: date, last_day: date | None) -> tuple[str, date]:
    """The last complete ISO week (its name and its Sunday) ending before `today` and on or
    before `last_day`, the last day the data holds."""
    end = today - timedelta(days=today.isoweekday())  # the Sunday before today
    if last_day is not None:
        end = min(end, last_day - timedelta(days=last_day.isoweekday() % 7))
    year, number, _ = end.isocalendar()
    return f"{year}-W{number:02d}", end


@dataclass(frozen=True)
class Clock:
    """What "latest" means for this warehouse (and log) on `today`."""

    today: date
    month: date | None  # last day of the latest complete month of the lead series
    week: str  # the latest complete ISO week the data answers
    week_end: date  # that week's Sunday
    by_source: dict[str, date] = field(default_factory=dict)  # each source's latest month

    @property
    def months_before_week(self) -> int | None:
        """How many months the latest month ends before the latest week's month (1 is the
        usual publishing lag); None with no monthly figures."""
        if self.month is None:
            return None
        return (self.week_end.year - self.month.year) * 12 + self.week_end.month - self.month.month

    def as_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "month": self.month.isoformat() if self.month else None,
            "week": self.week,
            "week_end": self.week_end.isoformat(),
            "by_source": {k: v.isoformat() for k, v in sorted(self.by_source.items())},
        }


def clock(series: Sequence[Series], today: date, last_entry: date | None = None) -> Clock:
    """The one clock: the latest month from the warehouse's `series` (its coverage), the
    latest week bounded by `last_entry` (the outcomes log's last day, if it has entries),
    else by that month's last day."""
    month = latest_month(series)
    sources = {s.source for s in series if s.dataset not in YEARLY and s.last_month}
    by_source = {src: m for src in sorted(sources) if (m := latest_month(series, src))}
    week, sunday = latest_week(today, last_entry if last_entry is not None else month)
    return Clock(today, month, week, sunday, by_source)
