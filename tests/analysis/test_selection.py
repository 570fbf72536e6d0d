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
from crimepulse.errors import AreaError, MissingDataError
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


# -- what a source carries: crime types by month, and wards by name ------------------------

STREET_MONTHS = [f"2024-{m:02d}" for m in range(1, 7)]
WARDS = [  # (name, code, borough, robberies a month)
    ("Abbey", "E05013810", "Merton", 3),
    ("Abbey", "E05014053", "Barking and Dagenham", 5),
    ("Camden Town", "E05013658", "Camden", 7),
]


def _carried(month: int) -> dict[str, int]:
    """Crimes of each type in the street file of 2024-`month`: burglary every month, robbery
    in all but March, the pre-2013 "Violent crime" until March then its successor, and
    drugs only from April."""
    out = {"Burglary": month, "Robbery": 0 if month == 3 else 2, "Drugs": int(month >= 4)}
    out["Violent crime" if month <= 3 else "Violence and sexual offences"] = 3 + (month >= 4)
    return {t: n for t, n in out.items() if n}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    data = tmp_path_factory.mktemp("carried") / "data"
    for month in STREET_MONTHS:
        rows = [
            street_row(f"{month}-{t[:3]}-{i}", month=month, category=t)
            for t, n in _carried(int(month[5:])).items()
            for i in range(n)
        ]
        write(data / f"{month}-metropolitan-street.csv", STREET_HEADER, rows)
    columns = [m.replace("-", "") for m in STREET_MONTHS]
    write(
        data / "wards.csv",
        ",".join(["WardName", "WardCode", "MajorText", "MinorText", "LookUp_BoroughName",
                  *columns]),
        [
            ",".join([name, code, "ROBBERY", "ROBBERY OF PERSONAL PROPERTY", borough])
            + "," + ",".join([str(n)] * len(columns))
            for name, code, borough, n in WARDS
        ],
    )  # fmt: skip
    with crimepulse.open(data.parent / "w.duckdb") as cp:
        report = cp.ingest(data)
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield cp


def test_coverage_knows_the_months_each_crime_type_is_carried_in(mixed: Crimepulse) -> None:
    cov = selection.coverage(
        mixed.analysis.tables, selection.SOURCES["police.uk"], "force", "metropolitan"
    )
    first, march, april, june = (date(2024, m, 1) for m in (1, 3, 4, 6))
    assert dict(cov.types) == {
        "Burglary": (first, june),
        "Robbery": (first, june),  # none in March, but carried: March had none
        "Violent crime": (first, march),
        "Violence and sexual offences": (april, june),
        "Drugs": (april, june),
    }
    assert cov.carries("Robbery", march) and not cov.carries("Drugs", march)


def test_a_month_inside_a_types_span_counts_as_none(mixed: Crimepulse) -> None:
    fact = mixed.compare(
        "all", "robbery", "month", as_of="2024-03", vs="previous", source="police.uk"
    )
    assert (fact.current, fact.previous) == (0, _carried(2)["Robbery"])


def test_a_type_not_yet_carried_is_refused_with_the_months_it_lacks(mixed: Crimepulse) -> None:
    with pytest.raises(MissingDataError) as refused:
        mixed.compare("all", "drugs", "quarter", as_of="2024-06", vs="previous", source="police.uk")
    message = str(refused.value)
    assert "drug offences cannot be counted from it (it needs Drugs in 2024-01..2024-03)" in message
    assert "Drugs, Violence and sexual offences (2024-04..2024-06)" in message
    # ... while a comparison inside the months it is carried in is answered
    fact = mixed.compare(
        "all", "drugs", "month", as_of="2024-06", vs="previous", source="police.uk"
    )
    assert (fact.current, fact.previous) == (_carried(6)["Drugs"], _carried(5)["Drugs"])


def test_a_pre_2013_type_stands_in_for_the_type_it_became(mixed: Crimepulse) -> None:
    fact = mixed.compare(
        "all", "violence-and-sexual", "quarter", as_of="2024-06", vs="previous", source="police.uk"
    )
    old, new = "Violent crime", "Violence and sexual offences"
    assert fact.current == sum(_carried(m)[new] for m in (4, 5, 6))
    assert fact.previous == sum(_carried(m)[old] for m in (1, 2, 3))
    assert cats.resolve("violence-and-sexual").needs() == {new: (old,)}
    assert set(cats.resolve("all").needs()) == set(cats.POLICE_UK_TYPES) - {"Anti-social behaviour"}


def test_a_series_counts_only_the_months_the_source_carries_the_category_in(
    mixed: Crimepulse,
) -> None:
    drugs = mixed.analysis.series(Question(category="drugs", source="police.uk"))
    assert [p["period"] for p in drugs.points] == ["2024-04-01", "2024-05-01", "2024-06-01"]
    with pytest.raises(MissingDataError, match="all recorded crime cannot be counted"):
        mixed.analysis.series(Question(category="all", source="police.uk"))


def test_month_ranges_collapse_consecutive_months() -> None:
    months = [date(2019, 3, 1), date(2019, 4, 1), date(2019, 5, 1), date(2022, 1, 1)]
    assert selection.month_ranges(reversed(months)) == "2019-03..2019-05, 2022-01"


def test_a_ward_name_two_boroughs_share_is_asked_back(mixed: Crimepulse) -> None:
    tables = mixed.analysis.tables
    with pytest.raises(AreaError) as refused:
        selection.resolve_area("abbey", "metropolitan", tables)
    assert str(refused.value) == (
        'ward name "Abbey" is in 2 boroughs: ask for "Abbey (Merton)" or '
        '"Abbey (Barking and Dagenham)" (or by code E05013810, E05014053)'
    )
    merton = selection.resolve_area("Abbey (merton)", "metropolitan", tables)
    barking = selection.resolve_area("ABBEY (Barking & Dagenham)", "metropolitan", tables)
    camden = selection.resolve_area("camden town", "metropolitan", tables)
    assert [(a.level, a.code) for a in (merton, barking, camden)] == [
        ("ward", "E05013810"),
        ("ward", "E05014053"),
        ("ward", "E05013658"),
    ]
    with pytest.raises(AreaError, match="unknown area 'Abbey \\(Camden\\)'"):
        selection.resolve_area("Abbey (Camden)", "metropolitan", tables)
    fact = mixed.compare("Abbey (Merton)", "robbery", "month", as_of="2024-06", vs="previous")
    assert (fact.area.code, fact.current, fact.previous) == ("E05013810", 3, 3)


def test_every_ward_has_words_that_ask_for_it_alone(mixed: Crimepulse) -> None:
    specs = selection.ward_specs(mixed.analysis.tables, "metropolitan")
    assert specs == {
        "E05013810": "Abbey (Merton)",
        "E05014053": "Abbey (Barking and Dagenham)",
        "E05013658": "Camden Town",
    }
    tables = mixed.analysis.tables
    assert all(
        selection.resolve_area(s, "metropolitan", tables).code == c for c, s in specs.items()
    )


def test_a_grid_keeps_only_the_types_carried_in_every_month_it_counts(mixed: Crimepulse) -> None:
    cov = selection.coverage(
        mixed.analysis.tables, selection.SOURCES["police.uk"], "force", "metropolitan"
    )
    first_half = [date(2024, m, 1) for m in range(1, 7)]
    keys, left_out = selection.countable_keys("types", cov, first_half)
    assert sorted(left_out) == ["Drugs", "Violence and sexual offences", "Violent crime"]
    assert (
        "drugs cannot be counted from it (it needs Drugs in 2024-01..2024-03)"
        in (left_out["Drugs"])
    )
    row = {"major": None, "minor": None}
    assert keys({**row, "crime_type": "Robbery"}) == ["Robbery"]
    assert keys({**row, "crime_type": "Drugs"}) == []  # never a partial cell
    # a type carried in none of the months has no rows, so nothing to leave out
    _, left_in_q1 = selection.countable_keys("types", cov, first_half[:3])
    assert left_in_q1 == {}
    groups, refused = selection.countable_keys("robbery,drugs,violence", cov, first_half[3:])
    assert sorted(refused) == ["violence"]  # police.uk has no violence without sexual offences
    assert groups({**row, "crime_type": "Drugs"}) == ["drugs"]  # carried April to June
    with pytest.raises(MissingDataError, match="drug offences cannot be counted"):
        selection.countable_keys("drugs", cov, first_half)
