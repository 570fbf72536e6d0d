"""The engine on the real MPS borough tables in ../shared/data: the figures a Commissioner
might quote, with the verdicts the tests give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import crimepulse
from crimepulse.api import Crimepulse
from crimepulse.errors import SeriesBreakError


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


def test_robbery_2022_was_up_on_2021(london: Crimepulse) -> None:
    fact = london.compare("all", "robbery", "year", as_of="2022-12-31", vs="last-year")
    assert (fact.current, fact.previous) == (27_663, 22_803)
    assert fact.verdict == "up" and fact.source == "mps"


def test_homicide_fell_17_percent_but_that_is_within_noise(london: Crimepulse) -> None:
    fact = london.compare("all", "homicide", "year", as_of="2022-12", vs="last-year")
    assert (fact.current, fact.previous) == (112, 135)
    assert fact.change_pct == pytest.approx(-17.04, abs=0.01)
    assert fact.verdict == "no meaningful change"
    assert 0.1 < fact.p_value < 0.25


def test_borough_grid_is_complete_and_fdr_controlled(london: Crimepulse) -> None:
    grid = london.grid("boroughs", "major", "month,ytd,fy", as_of="2025-02-28")
    areas = {f.area.name for f in grid.facts}
    assert len([a for a in areas if a not in ("Unknown",)]) >= 32
    up = [f for f in grid.facts if f.verdict == "up"]
    assert up and all((f.q_value or 1) < 0.05 for f in up)


def test_rates_and_harm_on_real_tables(london: Crimepulse) -> None:
    rate = london.compare("Westminster", "robbery", "year", as_of="2022-12", measure="rate")
    assert 5 < rate.value < 30  # robberies per 1,000 residents in the West End
    harm = london.compare("all", "robbery", "year", as_of="2022-12", measure="harm")
    assert harm.current == 27_663 * 365.0  # both robbery subgroups weigh 365 days
    assert harm.verdict == "up"


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
