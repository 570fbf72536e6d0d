"""The one clock: the latest month from coverage, the latest week bounded by the data."""

from __future__ import annotations

from datetime import date

from crimepulse.store.clock import clock, latest_month, latest_week
from crimepulse.store.coverage import Series


def series(dataset: str, source: str, first: str, last: str) -> Series:
    return Series(dataset, source, "fmt", "metropolitan", None, first, last, 1, 1, 0, 1, "")


MPS = series("counts", "mps", "2010-04", "2026-02")
STREET = series("crimes", "police.uk", "2010-12", "2025-02")
NATIONAL = series("national_counts", "national", "2002-04", "2025-03")


def test_the_lead_series_decides_the_latest_month_and_each_source_keeps_its_own() -> None:
    # street crimes end earlier than the MPS tables: the MPS tables lead, whatever order
    assert latest_month([STREET, MPS]) == date(2026, 2, 28)
    assert latest_month([STREET]) == date(2025, 2, 28)
    assert latest_month([NATIONAL]) is None  # yearly tables are not "the latest month"
    found = clock([STREET, MPS, NATIONAL], today=date(2026, 12, 1))
    assert found.by_source == {"mps": date(2026, 2, 28), "police.uk": date(2025, 2, 28)}


def test_the_week_ends_where_the_data_ends_not_at_today() -> None:
    # data ending February 2026, read on 1 December 2026, no log entries: the latest week
    # is the last complete one in February (Sunday 22 February), never 2026-W48
    found = clock([MPS], today=date(2026, 12, 1))
    assert (found.week, found.week_end) == ("2026-W08", date(2026, 2, 22))
    assert found.months_before_week == 0
    # a log with entries to 25 November 2026 answers that week; the months lag nine months
    found = clock([MPS], today=date(2026, 12, 1), last_entry=date(2026, 11, 25))
    assert (found.week, found.week_end) == ("2026-W47", date(2026, 11, 22))
    assert found.months_before_week == 9


def test_a_week_is_complete_only_once_its_sunday_has_passed() -> None:
    assert latest_week(date(2026, 11, 30), None) == ("2026-W48", date(2026, 11, 29))
    assert latest_week(date(2026, 11, 29), None) == ("2026-W47", date(2026, 11, 22))
    # a last entry on a Sunday completes that week
    assert latest_week(date(2026, 12, 10), date(2026, 11, 29)) == ("2026-W48", date(2026, 11, 29))
    assert clock([], today=date(2026, 12, 1)).month is None
