"""Windows of time ending at an as-of date, and the windows they are compared with.

A window is a closed date range [start, end]. Month-based windows (month, quarter,
year-to-date, financial year, calendar year, rolling 12 months) start on a 1st and end on
a month's last day, so they can be counted from monthly sources; day-based windows (day,
7-day, 28-day) need a source with days. UK forces report financial years April–March.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from crimepulse.core.facts import WindowRef
from crimepulse.errors import QuestionError as QuestionError
from crimepulse.errors import WindowError as WindowError

COVID_YEARS = (2020, 2021)  # the named period whose lowest year is "the covid-era low"
PRE_COVID = (2017, 2019)  # the baseline "back to normal?" is asked against

DAY, MONTH = "day", "month"
# The as-of dates a question may name. Windows and their comparisons reach years either
# side of it, and Python's dates end at 9999-12-31 (as_of=9999-12-31 was "year 10000 is
# out of range", a 500); no crime data is older than 1900 or will be newer than 2999.
AS_OF_FIRST, AS_OF_LAST = date(1900, 1, 1), date(2999, 12, 31)

# name -> (label, kind); kind "days:N" or "months" (computed from the as-of date)
WINDOWS: dict[str, tuple[str, str]] = {
    "day": ("the day", "days:1"),
    "7d": ("7 days", "days:7"),
    "28d": ("28 days", "days:28"),
    "month": ("the month", "months"),
    "quarter": ("the quarter", "months"),
    "ytd": ("the year to date", "months"),
    "fy": ("the financial year to date", "months"),
    "year": ("the calendar year", "months"),
    "12m": ("the last 12 months", "months"),
}
_ALIASES = {
    "1d": "day",
    "week": "7d",
    "w": "7d",
    "28-day": "28d",
    "m": "month",
    "q": "quarter",
    "financial-year": "fy",
    "calendar-year": "year",
    "y": "year",
    "rolling-12": "12m",
}
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_BASELINE = re.compile(r"^baseline:(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class Window:
    name: str
    label: str
    start: date
    end: date
    by_month: bool = True  # counted in whole months (else in days)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def month_aligned(self) -> bool:
        """Whole months: countable from monthly data."""
        return self.by_month and self.start.day == 1 and self.end == month_end(self.end)

    @property
    def months(self) -> list[date]:
        """First days of the months the window touches."""
        out, m = [], self.start.replace(day=1)
        while m <= self.end:
            out.append(m)
            m = add_months(m, 1)
        return out

    def shifted(self, months: int = 0, days: int = 0, name: str | None = None) -> Window:
        """The same window moved back or forward (whole months keep month alignment)."""
        if months:
            start = add_months(self.start, months)
            end = month_end(add_months(self.end.replace(day=1), months))
            if not self.month_aligned:
                end = start + timedelta(days=self.days - 1)
        else:
            start, end = self.start + timedelta(days=days), self.end + timedelta(days=days)
        return Window(name or self.name, self.label, start, end, self.by_month)

    def ref(self) -> WindowRef:
        """The window as a Fact names it."""
        return WindowRef(self.name, self.label, self.start, self.end)

    def as_dict(self) -> dict[str, str]:
        return self.ref().as_dict()


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def add_months(d: date, months: int) -> date:
    """`d` moved by whole months (day clipped to the month's length)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def parse_as_of(text: str) -> date:
    """`YYYY-MM-DD`, or `YYYY-MM` meaning the month's last day."""
    text = text.strip()
    month_only = re.fullmatch(r"\d{4}-\d{2}", text) is not None
    day = _iso_date(text + "-01" if month_only else text, f"bad as-of date {text!r}")
    if not AS_OF_FIRST <= day <= AS_OF_LAST:
        raise WindowError(
            f"as-of date {text!r} is out of range: use a date from {AS_OF_FIRST} to {AS_OF_LAST}"
        )
    return month_end(day) if month_only else day


def _iso_date(text: str, what: str) -> date:
    """The user's `YYYY-MM-DD`, or a WindowError that starts with `what`."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:  # the user's text is not a date: date.fromisoformat says so
        raise WindowError(f"{what}: use YYYY-MM-DD or YYYY-MM") from exc


def window(spec: str, as_of: date) -> Window:
    """The window `spec` (7d, 28d, month, quarter, ytd, fy, year, 12m, day, or
    YYYY-MM-DD..YYYY-MM-DD) ending at `as_of`."""
    key = spec.strip().lower()
    key = _ALIASES.get(key, key)
    custom = _RANGE.match(key)
    if custom:
        start, end = (_iso_date(g, f"bad date {g!r} in window {spec!r}") for g in custom.groups())
        if end < start:
            raise WindowError(f"window {spec!r} ends before it starts")
        aligned = start.day == 1 and end == month_end(end)
        return Window(key, f"{start.isoformat()} to {end.isoformat()}", start, end, aligned)
    if key not in WINDOWS:
        known = ", ".join(WINDOWS)
        raise WindowError(
            f"unknown window {spec!r}: use one of {known}, or a range YYYY-MM-DD..YYYY-MM-DD"
        )
    label, kind = WINDOWS[key]
    if kind.startswith("days:"):
        n = int(kind.split(":")[1])
        return Window(key, label, as_of - timedelta(days=n - 1), as_of, by_month=False)
    first = as_of.replace(day=1)
    if key == "month":
        start = first
    elif key == "quarter":
        start = first.replace(month=(as_of.month - 1) // 3 * 3 + 1)
    elif key in ("ytd", "year"):
        start = date(as_of.year, 1, 1)
    elif key == "fy":
        start = date(as_of.year if as_of.month >= 4 else as_of.year - 1, 4, 1)
    else:  # 12m
        start = add_months(first, -11)
    return Window(key, label, start, as_of)


def previous(w: Window) -> Window:
    """The period of equal length just before `w`."""
    if w.month_aligned:
        n = len(w.months)
        return w.shifted(months=-n, name=f"previous {n} months" if n > 1 else "previous month")
    return w.shifted(days=-w.days, name=f"previous {w.days} days")


def last_year(w: Window) -> Window:
    """The same period a year earlier: calendar months for month-based windows, and 52 weeks
    (364 days) for day-based ones so that weekdays line up, as CompStat does."""
    if w.month_aligned:
        return w.shifted(months=-12, name="same period last year")
    return w.shifted(days=-364, name="same period last year")


def baseline(w: Window, first_year: int, last_year_: int) -> list[Window]:
    """The same window in each year of a baseline range (e.g. 2017-2019): the same dates,
    or the same months for a month-based window."""
    if last_year_ < first_year:
        raise WindowError(f"baseline {first_year}-{last_year_} ends before it starts")
    return [
        w.shifted(months=(year - w.end.year) * 12, name=str(year))
        for year in range(first_year, last_year_ + 1)
    ]


def parse_comparison(spec: str) -> tuple[str, tuple[int, int] | None]:
    """`previous`, `last-year` or `baseline:YYYY-YYYY`."""
    key = spec.strip().lower()
    found = _BASELINE.match(key)
    if found:
        return "baseline", (int(found.group(1)), int(found.group(2)))
    if key in ("previous", "last-year"):
        return key, None
    raise WindowError(f"unknown comparison {spec!r}: use previous, last-year or baseline:YYYY-YYYY")
