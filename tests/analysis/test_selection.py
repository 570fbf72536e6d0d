"""The one selection step: compare, trend and series of the same question count from the
same source, chosen from the question and from what the warehouse holds.

Two warehouses a force could have: data.police.uk street records and a daily incident feed
(any force outside London), and the same with the MPS monthly tables added (the Met).
Before the selection step, `trend` and `series` picked the MPS tables for any category
they can count, whether the warehouse held them or not: the trend was an error and the
series empty where `compare` gave the police.uk figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import crimepulse
from crimepulse.analysis import categories as cats
from crimepulse.analysis import periods, selection
from crimepulse.analysis.periods import WindowError
from crimepulse.analysis.question import Question
from crimepulse.api import Crimepulse
from tests.factories import FEED_HEADER, STREET_HEADER, street_row, write

MONTHS = [f"2023-{m:02d}" for m in range(1, 13)]


def _street(month: str) -> int:
    """Robberies in police.uk street records in `month`: 5, 6, ... 16."""
    return 4 + int(month[5:])


def _mps(month: str) -> int:
    """Robberies in the MPS table in `month` (more than police.uk: a different count)."""
    return 100 + int(month[5:])


def _warehouse(root: Path, with_mps: bool) -> Crimepulse:
    data = root / "data"
    for month in MONTHS:
        rows = [
            street_row(f"r{month}-{i}", month=month, category="Robbery")
            for i in range(_street(month))
        ]
        write(data / f"{month}-metropolitan-street.csv", STREET_HEADER, rows)
    feed = [
        f"d{day},2023-12-{day:02d}T12:00:00,Robbery,,Camden,E01000001,51.5,-0.14,,metropolitan"
        for day in range(1, 32)
    ]
    write(data / "feed.csv", FEED_HEADER + ",force", feed)
    if with_mps:
        columns = [m.replace("-", "") for m in MONTHS]
        write(
            data / "mps.csv",
            ",".join(["MajorText", "MinorText", "BoroughName", *columns]),
            [",".join(["ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Camden"])
             + "," + ",".join(str(_mps(m)) for m in MONTHS)],
        )  # fmt: skip
    cp = crimepulse.open(root / "w.duckdb")
    report = cp.ingest(data)
    assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
    return cp


@pytest.fixture(scope="module", params=[False, True], ids=["street-and-feed", "with-mps"])
def warehouse(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Crimepulse, bool]]:
    with_mps = bool(request.param)
    cp = _warehouse(tmp_path_factory.mktemp("selection"), with_mps)
    yield cp, with_mps
    cp.close()


def test_compare_trend_and_series_choose_the_same_source(
    warehouse: tuple[Crimepulse, bool],
) -> None:
    cp, with_mps = warehouse
    question = Question(
        area="all", category="robbery", window="month", as_of="2023-12", vs="previous"
    )
    compared = cp.analysis.compare(question)
    trend = cp.analysis.trend(question, months=12)
    series = cp.analysis.series(question)
    expected = "mps" if with_mps else "police.uk"
    assert (compared.source, trend.source, series.source) == (expected,) * 3
    # ... and so they count the same crimes: December in each of the three
    december = _mps("2023-12") if with_mps else _street("2023-12")
    assert compared.current == december
    assert trend.stats["values"][-1] == december
    assert series.points[-1] == {**series.points[-1], "period": "2023-12-01", "count": december}


def test_the_facade_trend_needs_no_source_named(warehouse: tuple[Crimepulse, bool]) -> None:
    cp, with_mps = warehouse
    trend = cp.trend("all", "robbery", as_of="2023-12", months=12)
    compared = cp.compare("all", "robbery", "month", as_of="2023-12", vs="previous")
    assert trend.source == compared.source
    assert trend.stats["values"] == [float(_mps(m) if with_mps else _street(m)) for m in MONTHS]
    assert trend.value == pytest.approx(1.0)  # Sen's slope: one more robbery a month
    # 5 -> 16 a month is rising; 101 -> 112 (+11% in a year) is within the year-to-year
    # level shifts the trend test allows for (stats.trend.LEVEL_SD)
    assert trend.verdict == ("no clear trend" if with_mps else "rising")


def test_a_window_of_days_counts_the_daily_feed(warehouse: tuple[Crimepulse, bool]) -> None:
    cp, _ = warehouse
    fact = cp.compare("all", "robbery", "7d", as_of="2023-12-31", vs="previous")
    assert fact.source == "feed" and (fact.current, fact.previous) == (7, 7)


def test_choose_source_follows_what_is_counted(warehouse: tuple[Crimepulse, bool]) -> None:
    cp, with_mps = warehouse
    tables = cp.analysis.tables
    robbery = cats.resolve("robbery")
    days = periods.window("28d", date(2023, 12, 31))
    months = periods.window("quarter", date(2023, 12, 31))
    monthly = "mps" if with_mps else "police.uk"
    chosen = {
        "days": selection.choose_source(tables, None, robbery, days, "metropolitan").key,
        "months": selection.choose_source(tables, None, robbery, months, "metropolitan").key,
        "a series": selection.choose_source(tables, None, robbery, None, "metropolitan").key,
        "named": selection.choose_source(tables, "police.uk", robbery, days, "metropolitan").key,
    }
    assert chosen == {"days": "feed", "months": monthly, "a series": monthly, "named": "police.uk"}
    asb = cats.resolve("asb")  # not in the MPS tables: police.uk whatever the warehouse holds
    assert selection.choose_source(tables, None, asb, months, "metropolitan").key == "police.uk"
    with pytest.raises(WindowError, match="needs day-level data"):
        selection.choose_source(tables, None, robbery, days, "kent")


def test_select_resolves_the_area_and_category(warehouse: tuple[Crimepulse, bool]) -> None:
    cp, _ = warehouse
    question = Question(area="camden", category="Robbery", as_of="2023-12")
    chosen = selection.select(cp.analysis.tables, question, question.windows()[0])
    assert chosen.area is not None and chosen.category is not None
    assert (chosen.area.name, chosen.area.code, chosen.level) == ("Camden", "E09000007", "borough")
    assert chosen.category.crime_types == ("Robbery",)
    assert max(chosen.coverage.months) == date(2023, 12, 1)
