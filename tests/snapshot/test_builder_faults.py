"""The snapshot builder never hides a bug: a ValueError from inside the statistics stops
the build instead of quietly dropping a chart, a headline grid or the seasonal flags."""

from __future__ import annotations

import pytest

from crimepulse import snapshot, stats
from crimepulse.api import Crimepulse
from tests.faults import BUG, break_function


def test_a_grid_bug_is_not_a_dropped_map(cp: Crimepulse, monkeypatch: pytest.MonkeyPatch) -> None:
    # The grid and the seasonal flags control the false discovery rate; a single
    # comparison does not, so the old builder fell back to those and dropped the rest.
    break_function(monkeypatch, stats.apply_fdr)
    with pytest.raises(ValueError, match=BUG):
        snapshot.build(cp, "year", "2023", "violence")


def test_a_seasonal_model_bug_is_not_a_dropped_trend_chart(
    cp: Crimepulse, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_function(monkeypatch, stats.seasonal_expectation)
    with pytest.raises(ValueError, match=BUG):
        snapshot.build(cp, "year", "2023", "violence")
