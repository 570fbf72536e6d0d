"""The analysis engine on a small warehouse the tests write: counts equal hand sums,
verdicts follow the tests, and questions the data cannot answer are clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import crimepulse
from crimepulse.analysis.categories import CategoryError
from crimepulse.analysis.periods import WindowError
from crimepulse.analysis.selection import AreaError
from crimepulse.api import Crimepulse
from tests.factories import FEED_HEADER, write

MONTHS = [f"{y}{m:02d}" for y in range(2019, 2024) for m in range(1, 13)]
BOROUGHS = ["Camden", "Hackney", "Westminster"]


def _count(borough: str, minor: str, month: str) -> int:
    """A known count for every cell: robbery in Hackney doubles in 2023 from 10 a month."""
    year = int(month[:4])
    if minor == "ROBBERY OF PERSONAL PROPERTY":
        base = 10 + 5 * BOROUGHS.index(borough)
        return base * 2 if (borough == "Hackney" and year == 2023) else base
    if minor == "HOMICIDE":
        return 1 if int(month[4:]) % 4 == 0 else 0
    return 100 + int(month[4:])  # VIOLENCE WITH INJURY: a seasonal shape, same every year


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("engine")
    minors = [
        ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
        ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
        ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ]
    rows = [
        ",".join([major, minor, b, *(str(_count(b, minor, m)) for m in MONTHS)])
        for b in BOROUGHS
        for major, minor in minors
    ]
    write(root / "mps.csv", ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]), rows)
    population = [
        f"{code},{name},{year},test,{pop}"
        for code, name, pop in (
            ("E09000007", "Camden", 200_000),
            ("E09000012", "Hackney", 250_000),
            ("E09000033", "Westminster", 200_000),
        )
        for year in (2021, 2022)  # none for 2023: rates then are a clear error
    ]
    write(root / "pop.csv", "Code,Name,Year,Source,Population", population)
    write(
        root / "harm.csv",
        "index,category,subgroup,weight,unit",
        [
            "Test Index,Robbery,Robbery of personal property,365,days",
            "Test Index,Violence and sexual offences,Homicide,5475,days",
        ],
    )
    feed = [
        f"f{i},2023-03-{1 + i % 28:02d}T12:00:00,Robbery,,Camden,E01000001,51.5,-0.14,,metropolitan"
        for i in range(56)
    ] + [
        f"g{i},2023-02-{1 + i % 28:02d}T12:00:00,Robbery,,Camden,E01000001,51.5,-0.14,,metropolitan"
        for i in range(28)
    ]
    write(root / "feed.csv", FEED_HEADER + ",force", feed)
    with crimepulse.open(root / "w.duckdb") as handle:
        report = handle.ingest(root)
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield handle


def test_compare_counts_equal_hand_sums_and_verdict_follows_the_test(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "year", as_of="2023-12-31", vs="last-year")
    assert (fact.current, fact.previous) == (15 * 2 * 12, 15 * 12)
    assert fact.verdict == "up" and fact.p_value < 1e-10 and fact.change_pct == 100.0
    same = cp.compare("camden", "robbery", "year", as_of="2023-12", vs="last-year")
    assert (same.current, same.previous, same.verdict) == (120, 120, "no meaningful change")
    assert same.p_value == 1.0
    assert same.area.code == "E09000007"  # names resolve case-insensitively to codes
    london = cp.compare("all", "Robbery", "ytd", as_of="2023-03-31", vs="last-year")
    assert london.current == 3 * (10 + 30 + 20) and london.previous == 3 * (10 + 15 + 20)


def test_fact_json_has_the_documented_keys(cp: Crimepulse) -> None:
    fact = cp.compare("E09000012", "robbery", "quarter", as_of="2023-06-30", vs="previous")
    data = json.loads(fact.to_json())
    for key in (
        "current",
        "previous",
        "change",
        "change_pct",
        "verdict",
        "p_value",
        "ci_low",
        "ci_high",
        "test",
        "sources",
        "query",
        "id",
        "window",
        "area",
    ):
        assert key in data
    assert data["window"]["start"] == "2023-04-01"
    assert data["comparison"]["window"]["start"] == "2023-01-01"
    assert data["query"]["call"] == "compare" and "SELECT" in data["query"]["sql"]
    assert data["sources"][0]["source"] == "mps-datastore"


def test_small_counts_are_said_and_never_called_a_change(cp: Crimepulse) -> None:
    fact = cp.compare("Westminster", "homicide", "year", as_of="2023-12", vs="last-year")
    assert (fact.current, fact.previous) == (3, 3)
    assert fact.small_counts and fact.verdict == "no meaningful change"


def test_baseline_uses_the_same_window_in_each_year(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "ytd", as_of="2023-06", vs="baseline:2019-2022")
    assert fact.current == 30 * 6
    assert fact.comparison is not None and fact.comparison.counts == (90, 90, 90, 90)
    assert fact.previous == 90.0


def test_rate_per_1000_residents(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "year", as_of="2022-12", measure="rate")
    assert fact.value == pytest.approx(180 / 250_000 * 1000)
    assert fact.unit == "crimes per 1,000 residents"
    with pytest.raises(WindowError, match="no population for Hackney in 2023"):
        cp.compare("Hackney", "robbery", "year", as_of="2023-12", measure="rate")


def test_harm_weighted_totals_name_the_index_and_list_unweighted(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "violence", "year", as_of="2023-12", measure="harm")
    assert fact.previous == fact.current  # the same homicides every year
    assert fact.unit == "harm (Test Index)"
    homicides = sum(_count("Camden", "HOMICIDE", m) for m in MONTHS if m.startswith("2023"))
    assert fact.current == homicides * 5475
    assert any("VIOLENCE WITH INJURY" in n for n in fact.notes)


def test_granularity_and_publication_errors(cp: Crimepulse) -> None:
    with pytest.raises(WindowError, match=r"published monthly"):
        cp.compare("all", "robbery", "28d", as_of="2023-03-31", source="mps")
    with pytest.raises(WindowError, match=r"not published.*2024-01"):
        cp.compare("all", "robbery", "month", as_of="2024-01-31")
    with pytest.raises(CategoryError, match=r"police\.uk"):
        cp.compare("all", "homicide", "28d", as_of="2023-03-28", source="feed")
    with pytest.raises(AreaError, match="unknown area"):
        cp.compare("Atlantis", "robbery", "year", as_of="2023-12")


def test_day_windows_count_the_daily_feed(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "robbery", "28d", as_of="2023-03-28", vs="previous")
    assert fact.source == "feed"
    assert (fact.current, fact.previous) == (56, 28)
    assert fact.verdict == "up"


def test_grid_cells_and_fdr(cp: Crimepulse) -> None:
    grid = cp.grid("boroughs", "major", "year,quarter", as_of="2023-12-31")
    table = grid.to_arrow().to_pylist()
    assert len(table) == 3 * 2 * 2  # boroughs × majors × windows
    cell = next(
        r
        for r in table
        if r["area"] == "Hackney" and r["category"] == "ROBBERY" and r["window"] == "year"
    )
    assert (cell["current"], cell["previous"], cell["verdict"]) == (360, 180, "up")
    assert all(f.q_value is not None and f.q_value >= f.p_value for f in grid.facts)
    assert "Benjamini" in grid.meta["fdr"]


def test_flags_find_a_planted_jump(cp: Crimepulse) -> None:
    flags = cp.flags(as_of="2023-01-31", categories="minor")
    keys = {(f.area.name, f.category.name) for f in flags}
    assert ("Hackney", "ROBBERY OF PERSONAL PROPERTY") in keys
    assert all(f.verdict == "up" for f in flags if f.area.name == "Hackney")
    assert ("Camden", "ROBBERY OF PERSONAL PROPERTY") not in keys
