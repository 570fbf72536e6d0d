"""Windows and their comparisons, computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from crimepulse.analysis import periods
from crimepulse.errors import WindowError


@pytest.mark.parametrize(
    ("spec", "as_of", "start", "end"),
    [
        ("day", date(2024, 3, 20), date(2024, 3, 20), date(2024, 3, 20)),
        ("7d", date(2024, 3, 20), date(2024, 3, 14), date(2024, 3, 20)),
        ("28d", date(2024, 3, 20), date(2024, 2, 22), date(2024, 3, 20)),
        ("month", date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29)),
        ("quarter", date(2024, 5, 31), date(2024, 4, 1), date(2024, 5, 31)),
        ("ytd", date(2024, 3, 31), date(2024, 1, 1), date(2024, 3, 31)),
        ("fy", date(2024, 3, 31), date(2023, 4, 1), date(2024, 3, 31)),
        ("fy", date(2024, 4, 30), date(2024, 4, 1), date(2024, 4, 30)),
        ("year", date(2022, 12, 31), date(2022, 1, 1), date(2022, 12, 31)),
        ("12m", date(2024, 3, 31), date(2023, 4, 1), date(2024, 3, 31)),
        ("2023-01-01..2023-06-30", date(2024, 1, 1), date(2023, 1, 1), date(2023, 6, 30)),
    ],
)
def test_windows_end_at_the_as_of_date(spec: str, as_of: date, start: date, end: date) -> None:
    w = periods.window(spec, as_of)
    assert (w.start, w.end) == (start, end)


def test_month_based_windows_are_month_aligned_and_day_windows_are_not() -> None:
    assert periods.window("ytd", date(2024, 3, 31)).month_aligned
    assert not periods.window("ytd", date(2024, 3, 20)).month_aligned
    # 28 days that happen to be February are still a day-based window.
    assert not periods.window("28d", date(2023, 2, 28)).month_aligned


def test_comparisons() -> None:
    ytd = periods.window("ytd", date(2024, 3, 31))
    prev = periods.previous(ytd)
    assert (prev.start, prev.end) == (date(2023, 10, 1), date(2023, 12, 31))
    ly = periods.last_year(ytd)
    assert (ly.start, ly.end) == (date(2023, 1, 1), date(2023, 3, 31))
    d28 = periods.window("28d", date(2024, 3, 31))
    ly28 = periods.last_year(d28)
    assert ly28.days == 28 and ly28.end == date(2023, 4, 2)  # 364 days: same weekdays
    assert ly28.end.weekday() == d28.end.weekday()
    feb = periods.window("month", date(2024, 2, 29))
    assert periods.last_year(feb).end == date(2023, 2, 28)
    base = periods.baseline(ytd, 2017, 2019)
    assert [(b.start, b.end) for b in base] == [
        (date(y, 1, 1), date(y, 3, 31)) for y in (2017, 2018, 2019)
    ]


def test_as_of_accepts_a_month() -> None:
    assert periods.parse_as_of("2024-02") == date(2024, 2, 29)
    assert periods.parse_as_of("2024-02-10") == date(2024, 2, 10)
    with pytest.raises(WindowError, match="bad as-of"):
        periods.parse_as_of("Feb 2024")


@pytest.mark.parametrize("bad", ["fortnight", "2024-02-01..2024-01-01"])
def test_bad_windows_say_what_is_allowed(bad: str) -> None:
    with pytest.raises(WindowError, match="window"):
        periods.window(bad, date(2024, 3, 31))


def test_comparison_specs() -> None:
    assert periods.parse_comparison("baseline:2017-2019") == ("baseline", (2017, 2019))
    assert periods.parse_comparison("Last-Year") == ("last-year", None)
    with pytest.raises(WindowError, match="baseline:YYYY-YYYY"):
        periods.parse_comparison("last-decade")
