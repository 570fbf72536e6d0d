"""The engine on the real MPS borough tables in ../shared/data: the figures a Commissioner
might quote, with the verdicts the tests give; and on the real data.police.uk extract that
carries burglary alone, the questions it cannot answer refused with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import crimepulse
from crimepulse.api import Crimepulse
from crimepulse.errors import MissingDataError, SeriesBreakError


@pytest.fixture(scope="module")
def london(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    db = tmp_path_factory.mktemp("real-analysis") / "london.duckdb"
    parquet = shared_data / "mps-datastore-parquet"
    with crimepulse.open(db) as cp:
        cp.ingest(
            parquet / "recorded-crime-borough-historical.parquet",
            parquet / "recorded-crime-borough.parquet",
            shared_data / "london-borough-population",
            shared_data / "ons-crime-severity-weights" / "cchi_median_days_by_prc_subgroup.csv",
        )
        yield cp


def test_robbery_2022_rose_21_percent_within_its_usual_variation(london: Crimepulse) -> None:
    """+21% on 2021 — but London robbery moved 20-30% between ordinary years, and the
    exact Poisson test's "up" (p ~ 1e-104) only says the counts differ beyond chance."""
    fact = london.compare("all", "robbery", "year", as_of="2022-12-31", vs="last-year")
    assert (fact.current, fact.previous) == (27_663, 22_803)
    assert fact.source == "mps" and fact.test and fact.test.startswith("quasi-Poisson")
    assert fact.verdict == "no meaningful change" and 0.2 < fact.p_value < 0.9
    assert fact.stats["dispersion"] > 100 and fact.stats["df"] == 6
    assert fact.stats["poisson_verdict"] == "up" and fact.stats["poisson_p_value"] < 1e-50
    assert len(fact.stats["history_windows"]) == 8  # 2014-2021


def test_violence_2022_is_within_its_usual_variation(london: Crimepulse) -> None:
    fact = london.compare("all", "violence", "year", as_of="2022-12", vs="last-year")
    assert fact.change_pct == pytest.approx(3.14, abs=0.01)
    assert fact.verdict == "no meaningful change" and fact.p_value > 0.1
    assert fact.stats["poisson_p_value"] < 1e-20
    assert 1 < fact.stats["usual_change_pct"] < 10  # it moves a few % in a year


def test_a_month_against_the_month_before_is_compared_per_day(london: Crimepulse) -> None:
    """February 2021 (28 days) against January (31): fewer crimes, more a day. The %
    is the per-day change the test judged, so a verdict and its sign cannot disagree."""
    fact = london.compare("all", "all", "month", as_of="2021-02", vs="previous")
    assert (fact.current, fact.previous) == (52_368, 52_743)
    assert fact.stats["change_basis"] == "per day"
    assert fact.change_pct == pytest.approx(100 * (52_368 / 28) / (52_743 / 31) - 100)
    assert fact.change_pct > 0 and fact.verdict != "down"


def test_homicide_fell_17_percent_but_that_is_within_noise(london: Crimepulse) -> None:
    fact = london.compare("all", "homicide", "year", as_of="2022-12", vs="last-year")
    assert (fact.current, fact.previous) == (112, 135)
    assert fact.change_pct == pytest.approx(-17.04, abs=0.01)
    assert fact.verdict == "no meaningful change"
    assert 0.15 < fact.p_value < 0.5
    assert fact.stats["poisson_p_value"] == pytest.approx(0.16, abs=0.01)


def test_borough_grid_is_complete_and_fdr_controlled(london: Crimepulse) -> None:
    grid = london.grid("boroughs", "major", "month,ytd,fy", as_of="2025-02-28")
    areas = {f.area.name for f in grid.facts}
    assert len([a for a in areas if a not in ("Unknown",)]) >= 32
    called = [f for f in grid.facts if f.verdict in ("up", "down")]
    assert all((f.q_value or 1) < 0.05 for f in called)
    # an ordinary month: few cells beyond their usual variation (the exact Poisson test
    # calls many, its second opinion is kept on every cell)
    assert len(called) < 0.1 * len(grid.facts)
    assert sum(f.stats["poisson_p_value"] < 0.05 for f in grid.facts) > 3 * len(called)


def test_rates_and_harm_on_real_tables(london: Crimepulse) -> None:
    rate = london.compare("Westminster", "robbery", "year", as_of="2022-12", measure="rate")
    assert 5 < rate.value < 30  # robberies per 1,000 residents in the West End
    harm = london.compare("all", "robbery", "year", as_of="2022-12", measure="harm")
    assert harm.current == 27_663 * 365.0  # both robbery subgroups weigh 365 days
    # one weight for every robbery: the harm total is the count scaled, and so is its verdict
    count = london.compare("all", "robbery", "year", as_of="2022-12")
    assert harm.verdict == count.verdict == "no meaningful change"
    assert harm.stats["poisson_verdict"] == "up" and harm.stats["dispersion"] > 100


def test_homicide_2022_is_within_the_spread_of_2017_to_2019(london: Crimepulse) -> None:
    # 112 against 146, 140, 153: Poisson alone says "down" (p = 0.011); against the
    # baseline's own spread, with the uncertainty of 3 years, p = 0.133 (see test_baseline).
    fact = london.compare("all", "homicide", "year", as_of="2022-12", vs="baseline:2017-2019")
    assert fact.comparison is not None and fact.comparison.counts == (146, 140, 153)
    assert fact.current == 112 and fact.verdict == "no meaningful change"
    assert fact.p_value == pytest.approx(0.1332, abs=1e-4)
    assert fact.stats["poisson_verdict"] == "down"


def test_sutton_homicide_harm_2023_is_the_count_test(london: Crimepulse) -> None:
    # Five homicides in 2023 against none in 2022 drive Sutton's homicide harm: the exact
    # test on the harm total gives the count test's 2·(1/2)^5 = 0.0625, not "up".
    harm = london.compare("Sutton", "homicide", "year", as_of="2023-12", measure="harm")
    count = london.compare("Sutton", "homicide", "year", as_of="2023-12")
    assert (count.current, count.previous) == (5, 0)
    # both judged against the same history of homicide counts: one test, two scales
    assert harm.p_value == pytest.approx(count.p_value)
    assert harm.stats["poisson_p_value"] == pytest.approx(count.stats["poisson_p_value"])
    assert harm.stats["poisson_p_value"] == pytest.approx(0.0625)
    assert count.verdict == "no meaningful change" and count.p_value >= 0.0625
    assert harm.verdict == "no meaningful change" and harm.small_counts


# -- the real data.police.uk extract that carries burglary alone ---------------------------


@pytest.fixture(scope="module")
def burglary_extract(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crimepulse]:
    """Two years of the real Met street files (filtered upstream to burglary, see their
    PROVENANCE.md) and the real stop-and-search files of 2021-2022 (none for 2021-01..05
    nor 2022-01): enough to ask what they cannot answer, quickly."""
    db = tmp_path_factory.mktemp("real-extract") / "extract.duckdb"
    street = shared_data / "police-uk-met-burglary-street"
    stops = shared_data / "police-uk-met-stop-and-search"
    files = [*sorted(street.glob("202[34]-*")), *sorted(stops.glob("202[12]-*"))]
    with crimepulse.open(db) as cp:
        report = cp.ingest(*files)
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield cp


def test_the_burglary_extract_refuses_robbery_and_all_crime(burglary_extract: Crimepulse) -> None:
    for category, label in (("robbery", "robbery"), ("all", "all recorded crime")):
        with pytest.raises(MissingDataError) as refused:
            burglary_extract.compare(
                category=category, window="year", as_of="2024-12", source="police.uk"
            )
        assert str(refused.value).startswith(
            "data.police.uk street-level crime in this warehouse carries only Burglary "
            f"(2023-01..2024-12) for metropolitan: {label} cannot be counted from it"
        )
    # the burglaries themselves are answered: the rows per year PROVENANCE.md gives
    burglary = burglary_extract.compare(category="burglary", window="year", as_of="2024-12")
    assert (burglary.current, burglary.previous) == (52_552, 56_237)


def test_stop_and_search_over_the_missing_months_is_refused(
    burglary_extract: Crimepulse,
) -> None:
    with pytest.raises(MissingDataError, match=r"has not published for metropolitan: 2021-01, "):
        burglary_extract.stop_search("12m", "2021-12-31")
    with pytest.raises(MissingDataError, match=r"metropolitan: 2022-01 \(latest"):
        burglary_extract.stop_search("year", "2022-12-31")
    searches, _, _ = burglary_extract.stop_search("quarter", "2022-12-31")
    assert searches.value and searches.value > 0


def test_domestic_burglary_across_its_2023_split_is_not_a_100_percent_fall(
    london: Crimepulse,
) -> None:
    """The MPS rows under DOMESTIC BURGLARY alone give 0 against 12,206 for 2024 on 2023;
    its lineage counts the two names that replaced it, like with like."""
    fact = london.compare("all", "DOMESTIC BURGLARY", "year", as_of="2024-12")
    assert fact.previous > 12_206 and fact.current > 0
    assert fact.change_pct is not None and -30 < fact.change_pct < 0
    assert any("mps-2023-residential-burglary-split" in n for n in fact.notes)
    with pytest.raises(SeriesBreakError, match="Ask instead for DOMESTIC BURGLARY"):
        london.compare("all", "RES BURGLARY OF A HOME", "year", as_of="2024-12")


def test_hillingdon_2024_counts_heathrow_in_both_years(london: Crimepulse) -> None:
    """The MPS rows give Hillingdon's violence +6.1% in 2024 (7,603 -> 8,070) only because
    Heathrow was filed apart in 2023; with its row added back the change is -0.1%."""
    fact = london.compare("Hillingdon", "violence", "year", as_of="2024-12")
    assert (fact.current, fact.previous) == (8_070 + 188, 7_603 + 664)
    assert fact.change_pct == pytest.approx(-0.11, abs=0.01)
    assert fact.verdict == "no meaningful change"


def test_all_crime_across_fraud_leaving_for_action_fraud_carries_the_caveat(
    london: Crimepulse,
) -> None:
    fact = london.compare("all", "all", "year", as_of="2013-12")
    assert fact.change_pct == pytest.approx(-9.87, abs=0.01)
    assert any("mps-2013-fraud-to-action-fraud" in n for n in fact.notes)


def test_a_verdict_never_points_against_its_percentage(london: Crimepulse) -> None:
    """Months against the month before (28 days against 31) used to print "up" beside
    -0.7%: the verdict judged the rate a day, the % the counts. Now both are per day."""
    grid = london.grid("boroughs", "major", "month,quarter", as_of="2021-02-28", vs="previous")
    cells = grid.to_arrow().to_pylist()
    assert {c["change_basis"] for c in cells} == {"per day"}
    for cell in cells:
        if cell["verdict"] == "up":
            assert cell["change_pct"] > 0, cell
        if cell["verdict"] == "down":
            assert cell["change_pct"] < 0, cell
    harm = london.compare("all", "robbery", "month", as_of="2021-02", vs="previous", measure="harm")
    assert harm.stats["change_basis"] == "per day"
    assert harm.change_pct == pytest.approx(100 * (harm.current / 28) / (harm.previous / 31) - 100)


def test_a_grid_cells_history_stops_at_its_categorys_break(london: Crimepulse) -> None:
    """RES BURGLARY OF A HOME began in 2023-05 (the split of DOMESTIC BURGLARY): its cells
    judge only the years since, as its compare question does, while BURGLARY BUSINESS AND
    COMMUNITY, unbroken since 2017-04, keeps its years of history."""
    names = "RES BURGLARY OF A HOME,BURGLARY BUSINESS AND COMMUNITY"
    grid = london.grid("boroughs", names, "year", as_of="2025-06-30")
    cells = {(f.area.name, f.category.name): f for f in grid.facts}
    split = cells[("Lambeth", "RES BURGLARY OF A HOME")]
    alone = london.compare("Lambeth", "RES BURGLARY OF A HOME", "year", as_of="2025-06-30")
    assert split.verdict == alone.verdict == "not enough history"  # one year since 2023-05
    assert split.stats.get("history") == alone.stats.get("history")
    kept = cells[("Lambeth", "BURGLARY BUSINESS AND COMMUNITY")]
    assert len(kept.stats["history"]) == 7  # 2017-18 to 2023-24: the years since 2017-04
    assert grid.meta["history_since"] == {
        "RES BURGLARY OF A HOME": "2023-05-01",
        "BURGLARY BUSINESS AND COMMUNITY": "2017-04-01",
    }


def test_robbery_against_its_covid_low_and_its_2017_to_2019_level(london: Crimepulse) -> None:
    # the 12 months to February 2023 (the Commissioner's post) and calendar 2025: both
    # well above the covid low in per cent, neither beyond robbery's usual variation
    # (the series moves ±29–44% between comparable years), and neither measurably away
    # from the 2017–19 average (three years' spread leaves a wide expected range)
    early = london.position("robbery", as_of="2023-02")
    assert (early.low.current, early.low.previous) == (28966, 23869)
    assert early.low.stats["low_year"] == 2021  # the 12 months to February 2021
    assert round(early.low.change_pct or 0, 1) == 21.4
    assert early.low.stats["poisson_verdict"] == "up"  # Poisson alone would say "above"
    assert early.low.verdict == "no meaningful change"
    assert round(early.baseline.previous or 0) == 30026
    assert early.baseline.verdict == "no meaningful change"
    late = london.position("robbery", as_of="2025-12")
    assert (late.low.current, late.low.previous, late.low.stats["low_year"]) == (32216, 22803, 2021)
    assert round(late.low.change_pct or 0, 1) == 41.3
    assert late.low.verdict == "no meaningful change"
    assert round(late.baseline.previous or 0) == 34882
    assert late.baseline.verdict == "no meaningful change"
