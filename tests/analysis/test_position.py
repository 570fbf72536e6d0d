"""The honest position against reference periods: the latest year against its lowest year
of 2020–21 and against its 2017–19 average, each judged against the series' own usual
variation (never Poisson noise alone), on warehouses whose counts are known by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import crimepulse
from crimepulse.analysis.position import LOW
from crimepulse.api import Crimepulse
from crimepulse.errors import MissingDataError, WindowError
from crimepulse.snapshot import narrative
from crimepulse.snapshot.model import Snapshot
from tests.factories import write
from tests.snapshot.conftest import build_warehouse

# Robbery a month, one borough, by year: big swings from year to year (±20–30%), a low in
# 2021, and 2023 a quarter above that low: beyond Poisson noise, within its usual moves.
NOISY = {2015: 40, 2016: 60, 2017: 45, 2018: 65, 2019: 50, 2020: 42, 2021: 38, 2022: 55, 2023: 48}


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    """Robbery 45 a month across three boroughs 2015–2022, 60 a month in 2023."""
    db = build_warehouse(tmp_path_factory.mktemp("position"))
    with crimepulse.open(db, read_only=True) as cp:
        yield cp


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("noisy")
    months = [f"{y}{m:02d}" for y in NOISY for m in range(1, 13)]
    cells = [str(NOISY[int(m[:4])]) for m in months]
    write(
        root / "data" / "mps.csv",
        ",".join(["MajorText", "MinorText", "BoroughName", *months]),
        [",".join(["ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Camden", *cells])],
    )
    with crimepulse.open(root / "w.duckdb") as cp:
        cp.ingest(root / "data")
    with crimepulse.open(root / "w.duckdb", read_only=True) as cp:
        yield cp


def sentences(cp: Crimepulse, as_of: str) -> tuple[dict, dict, str, str]:  # type: ignore[type-arg]
    found = cp.position("robbery", as_of=as_of)
    low, base = found.low.as_dict(), found.baseline.as_dict()
    snap = Snapshot({}, {low["id"]: low, base["id"]: base}, [])
    a, b = narrative.position_sentences(
        low["id"], low, base["id"], base, "robbery", found.low_years, found.baseline_years
    )
    return low, base, snap.text(a), snap.text(b)


def test_a_rise_beyond_usual_variation_is_above_the_low_and_the_baseline(
    steady: Crimepulse,
) -> None:
    low, base, first, second = sentences(steady, "2023-12")
    # 2023: (10 + 30 + 20) × 12 = 720; 2020 and 2021: (10 + 15 + 20) × 12 = 540 each
    assert (low["current"], low["previous"]) == (720, 540)
    assert low["comparison"]["kind"] == LOW
    assert low["stats"]["reference_counts"] == {"2020": 540, "2021": 540}
    assert low["stats"]["low_year"] == 2020  # a tie: the earlier year
    assert low["verdict"] == "up" and round(low["change_pct"], 1) == 33.3
    assert "quasi-Poisson" in low["test"]
    assert (base["previous"], base["verdict"]) == (540, "up")
    assert first.startswith("Robbery in 2023 was above its low of 2020–21")
    assert "720 against 540 in 2020 (+33%)" in first
    assert second.startswith("Against its 2017–19 level: above that level")


def test_no_change_is_neither_above_the_low_nor_away_from_the_baseline(
    steady: Crimepulse,
) -> None:
    low, base, first, second = sentences(steady, "2022-12")
    assert (low["current"], low["previous"], low["verdict"]) == (540, 540, "no meaningful change")
    assert "above its low" not in first and "not clearly away from that low" in first
    assert base["verdict"] == "no meaningful change"
    assert "not measurably different from it" in second


def test_beyond_poisson_noise_but_within_usual_variation_is_not_above(noisy: Crimepulse) -> None:
    low, base, first, _ = sentences(noisy, "2023-12")
    assert (low["current"], low["previous"]) == (48 * 12, 38 * 12)
    assert low["stats"]["low_year"] == 2021
    # Poisson alone calls +26% on 456 a year real; the series' own swings do not
    assert low["stats"]["poisson_verdict"] == "up"
    assert low["verdict"] == "no meaningful change"
    assert "above its low" not in first
    assert base["previous"] == pytest.approx((45 + 65 + 50) * 12 / 3)
    assert base["verdict"] == "no meaningful change"


def test_a_reference_year_the_data_does_not_hold_is_an_error_not_a_zero(
    steady: Crimepulse,
) -> None:
    with pytest.raises(MissingDataError, match=r"not counted for 2010, 2011.*held|holds"):
        steady.position("robbery", as_of="2023-12", low_years=(2010, 2011))
    with pytest.raises(WindowError, match="12m or year"):
        steady.position("robbery", as_of="2023-12", window="month")


def test_the_twelve_months_compare_with_the_same_twelve_months(steady: Crimepulse) -> None:
    low = steady.position("robbery", as_of="2023-06").low.as_dict()
    # July 2022 – June 2023: 6 × 45 + 6 × 60 = 630; the low is July 2019 – June 2020
    assert (low["current"], low["previous"]) == (630, 540)
    assert (low["comparison"]["window"]["start"], low["comparison"]["window"]["end"]) == (
        "2019-07-01",
        "2020-06-30",
    )
