"""The trend chart's months come from the warehouse's coverage (`FactSource.sources()`),
not from the engine's tables: they must be exactly the months the engine would count."""

from __future__ import annotations

from datetime import date

from crimepulse.analysis import selection
from crimepulse.api import Crimepulse
from crimepulse.snapshot.series_facts import published_months
from crimepulse.store.coverage import MonthCoverage, Series
from tests.snapshot.conftest import MONTHS


def _series(fmt: str, area_type: str | None, months: dict[str, bool], force: str) -> Series:
    s = Series("counts", "mps-datastore", fmt, force, area_type, None, None, 0, 0, 0, 1, "")
    s.detail = [MonthCoverage(m, 10, 10, 1, suspect, 1) for m, suspect in months.items()]
    return s


def test_sound_months_of_the_force_level_series_only() -> None:
    coverage = [
        _series("mps-borough", "borough", {"2023-01": False, "2023-02": True}, "metropolitan"),
        _series("mps-ward", "ward", {"2023-03": False}, "metropolitan"),  # finer table
        _series("mps-borough", "borough", {"2023-04": False}, "city-of-london"),  # other force
        _series("mps-borough", "borough", {"2022-12": False}, "metropolitan"),  # another file
    ]
    assert published_months(coverage, "mps", "metropolitan") == [
        date(2022, 12, 1),
        date(2023, 1, 1),
    ]
    assert published_months(coverage, "police.uk", "metropolitan") == []


def test_the_same_months_the_engine_counts(cp: Crimepulse) -> None:
    engine = selection.coverage(
        cp.analysis.tables, selection.SOURCES["mps"], "force", "metropolitan"
    )
    months = published_months(cp.sources(), "mps", "metropolitan")
    assert months == sorted(engine.months) and len(months) == len(MONTHS)
