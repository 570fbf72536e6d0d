"""Charge rates, stop and search rates and trends on small files the tests write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import crimepulse
from crimepulse.analysis.measures import proportion
from crimepulse.api import Crimepulse
from crimepulse.errors import MissingDataError
from tests.factories import MET, OUTCOMES_HEADER, STOP_HEADER, STREET_HEADER, street_row, write


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("measures")
    data = root / "data"
    # 2024-01: 40 burglaries; 4 have a later outcome "Suspect charged", 1 a court outcome in
    # the street file itself, and 1 was charged but later found not guilty (still charged).
    street = [
        street_row(f"b{i}", month="2024-01", outcome="Under investigation") for i in range(38)
    ]
    street += [
        street_row("b38", month="2024-01", outcome="Offender fined"),
        street_row("b39", month="2024-01", outcome="Under investigation"),
    ]
    write(data / "2024-01-metropolitan-street.csv", STREET_HEADER, street)
    outcome = [
        f"b{i},2024-03,{MET},{MET},-0.14,51.5,On or near X,E01000001,Camden 001A,Suspect charged"
        for i in range(4)
    ] + [
        f"b39,2024-02,{MET},{MET},-0.14,51.5,On or near X,E01000001,Camden 001A,Suspect charged",
        f"b39,2024-05,{MET},{MET},-0.14,51.5,On or near X,E01000001,Camden 001A,"
        "Defendant found not guilty",
        f"b5,2024-02,{MET},{MET},-0.14,51.5,On or near X,E01000001,Camden 001A,"
        "Investigation complete; no suspect identified",
    ]
    write(data / "2024-03-metropolitan-outcomes.csv", OUTCOMES_HEADER, outcome)
    searches = [
        f"Person search,2024-01-{1 + i % 28:02d}T10:00:00+00:00,,,,,Male,18-24,,White,,"
        f"Controlled drugs,{'Arrest' if i < 10 else 'A no further action disposal'},"
        f"{'True' if i < 5 else ('False' if i < 40 else '')},"
        for i in range(50)
    ]
    write(data / "2024-01-metropolitan-stop-and-search.csv", STOP_HEADER, searches)
    # March's searches too, but no February file: a gap, as the real files have 2019-2021.
    march = [row.replace("2024-01-", "2024-03-", 1) for row in searches[:20]]
    write(data / "2024-03-metropolitan-stop-and-search.csv", STOP_HEADER, march)
    # A rising monthly series of robberies: 10, 12, 14, ... over 12 months.
    for m in range(1, 13):
        rows = [
            street_row(f"r{m}-{i}", month=f"2023-{m:02d}", category="Robbery")
            for i in range(8 + 2 * m)
        ]
        write(data / f"2023-{m:02d}-metropolitan-street.csv", STREET_HEADER, rows)
    with crimepulse.open(root / "w.duckdb") as handle:
        assert handle.ingest(data).exit_code(strict=True) == 0
        yield handle


def test_charge_rate_uses_the_latest_outcome(cp: Crimepulse) -> None:
    fact = cp.charge_rate("2024-01", category="burglary")
    # charged: b0..b3 (outcomes file), b38 (court outcome in the street file), b39 (not
    # guilty is a court outcome, so it was charged) = 6 of 40.
    assert (fact.current, fact.previous) == (6, 40)
    assert fact.value == pytest.approx(6 / 40)
    assert fact.ci_low is not None and fact.ci_low < 0.15 < (fact.ci_high or 0)


def test_charge_rate_grows_as_later_outcomes_arrive(tmp_path: Path) -> None:
    from datetime import datetime

    from crimepulse.analysis.measures import charge_rate_by_vintage

    street = [
        street_row(f"c{i}", month="2024-01", outcome="Under investigation") for i in range(10)
    ]
    write(tmp_path / "v1" / "2024-01-metropolitan-street.csv", STREET_HEADER, street)
    charged = [
        f"c{i},2024-02,{MET},{MET},-0.14,51.5,On or near X,E01000001,Camden 001A,Suspect charged"
        for i in range(3)
    ]
    write(tmp_path / "v2" / "2024-02-metropolitan-outcomes.csv", OUTCOMES_HEADER, charged)
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(tmp_path / "v1", vintage=datetime(2024, 2, 28))
        cp.ingest(tmp_path / "v2", vintage=datetime(2024, 3, 31))
        history = charge_rate_by_vintage(cp.analysis, "2024-01", category="burglary")
        with pytest.raises(MissingDataError, match="carries only Burglary"):
            charge_rate_by_vintage(cp.analysis, "2024-01")  # all crime, from burglaries alone
    assert [(h["charged"], h["crimes"]) for h in history] == [(0, 10), (3, 10)]
    assert history[0]["vintage"] < history[1]["vintage"]


def test_stop_search_rates(cp: Crimepulse) -> None:
    searches, arrests, finds = cp.stop_search("month", "2024-01-31")
    assert searches.value == 50
    assert (arrests.current, arrests.previous) == (10, 50)
    assert (finds.current, finds.previous) == (5, 40)  # the link is recorded for 40
    assert any("recorded for 40" in n for n in finds.notes)


def test_a_stop_search_window_over_a_gap_is_refused_naming_the_months(cp: Crimepulse) -> None:
    with pytest.raises(MissingDataError) as refused:
        cp.stop_search("quarter", "2024-03-31")
    assert str(refused.value) == (
        "the quarter (2024-01-01..2024-03-31) needs months that data.police.uk stop and "
        "search has not published for metropolitan: 2024-02 (latest published month: "
        "2024-03); counting them as zero would be wrong"
    )
    searches, _, _ = cp.stop_search("month", "2024-03-31")  # a month published is answered
    assert searches.value == 20 and searches.notes == []


def test_trend_rising(cp: Crimepulse) -> None:
    fact = cp.trend("all", "robbery", as_of="2023-12", months=12, source="police.uk")
    assert fact.stats["values"] == [float(8 + 2 * m) for m in range(1, 13)]
    assert fact.verdict == "rising" and fact.value == pytest.approx(2.0)


def test_proportion_interval_matches_clopper_pearson_by_hand() -> None:
    # 0 of 10: the upper limit solves (1 - p)^10 = 0.025.
    zero = proportion(0, 10)
    assert zero["ci_low"] == 0.0 and zero["ci_high"] == pytest.approx(1 - 0.025 ** (1 / 10))
    assert proportion(0, 0)["share"] is None


def test_stop_search_facts_each_have_their_own_id(cp: Crimepulse) -> None:
    facts = cp.stop_search("month", "2024-01-31")
    assert [f.measure for f in facts] == ["searches", "arrest_rate", "find_rate"]
    assert len({f.id for f in facts}) == 3
