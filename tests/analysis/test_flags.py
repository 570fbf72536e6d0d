"""Seasonal flags on the small warehouse (tests/analysis/conftest.py): a planted jump is
flagged, a steady series is not."""

from __future__ import annotations

import pytest

from crimepulse.api import Crimepulse
from crimepulse.errors import MissingDataError, QuestionError


def test_flags_find_a_planted_jump(cp: Crimepulse) -> None:
    flags = cp.flags(as_of="2023-01-31", categories="minor")
    keys = {(f.area.name, f.category.name) for f in flags}
    assert ("Hackney", "ROBBERY OF PERSONAL PROPERTY") in keys
    assert all(f.verdict == "up" for f in flags if f.area.name == "Hackney")
    assert ("Camden", "ROBBERY OF PERSONAL PROPERTY") not in keys


def test_a_flag_says_what_it_was_expected_to_be(cp: Crimepulse) -> None:
    flag = next(
        f
        for f in cp.flags(as_of="2023-01-31", categories="minor")
        if (f.area.name, f.category.name) == ("Hackney", "ROBBERY OF PERSONAL PROPERTY")
    )
    assert flag.comparison is not None
    data = flag.comparison.as_dict()
    assert list(data) == ["kind", "model", "history_months"]
    assert data["kind"] == "seasonal expectation" and data["model"]
    assert data["history_months"] == 48  # 2019-01..2022-12: every month before January 2023
    assert flag.current == 2 * 15  # Hackney robbery doubled from 15 a month
    assert flag.previous == pytest.approx(15, rel=0.2)
    assert flag.window.start.isoformat() == "2023-01-01"
    assert flag.area.code == "E09000012"


def test_unknown_areas_are_a_question_error_not_a_crash(cp: Crimepulse) -> None:
    with pytest.raises(QuestionError, match="unknown areas 'parishes'"):
        cp.flags(as_of="2023-01-31", areas="parishes")


def test_flags_never_model_a_category_the_source_does_not_carry(
    burglary_only: Crimepulse,
) -> None:
    with pytest.raises(MissingDataError, match="robbery cannot be counted from it"):
        burglary_only.flags("2023-12", areas="force", categories="robbery", source="police.uk")
