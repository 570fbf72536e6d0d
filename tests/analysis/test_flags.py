"""Seasonal flags on the small warehouse (tests/analysis/conftest.py): a planted jump is
flagged, a steady series is not; on a warehouse of their own, a retired category never
flags, a new series is modelled from its start and a step is a sustained shift."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

import crimepulse
from crimepulse.analysis.flags import Lifespan, lifespan
from crimepulse.analysis.question import GridQuestion
from crimepulse.api import Crimepulse
from crimepulse.errors import MissingDataError, QuestionError
from tests.factories import write


def test_flags_find_a_planted_jump(cp: Crimepulse) -> None:
    # Hackney robbery doubled from January 2023. In January alone (p = 0.005 for one month,
    # doubled for the two rules, in a family of 9 series) it is not yet a discovery at
    # FDR 5%; by March the three months together are.
    january = cp.flags(as_of="2023-01-31", categories="minor")
    assert ("Hackney", "ROBBERY OF PERSONAL PROPERTY") not in {
        (f.area.name, f.category.name) for f in january
    }
    flags = cp.flags(as_of="2023-03-31", categories="minor")
    keys = {(f.area.name, f.category.name) for f in flags}
    assert ("Hackney", "ROBBERY OF PERSONAL PROPERTY") in keys
    assert all(f.verdict == "up" for f in flags if f.area.name == "Hackney")
    assert ("Camden", "ROBBERY OF PERSONAL PROPERTY") not in keys


def test_a_flag_says_what_it_was_expected_to_be(cp: Crimepulse) -> None:
    flag = next(
        f
        for f in cp.flags(as_of="2023-03-31", categories="minor")
        if (f.area.name, f.category.name) == ("Hackney", "ROBBERY OF PERSONAL PROPERTY")
    )
    assert flag.comparison is not None
    data = flag.comparison.as_dict()
    assert list(data) == ["kind", "model", "history_months"]
    assert data["kind"] == "seasonal expectation" and data["model"]
    assert data["history_months"] == 50  # 2019-01..2023-02: every month before March 2023
    assert flag.stats["rule"] == "sustained shift"
    assert flag.stats["months"] == ["2023-01", "2023-02", "2023-03"]
    assert flag.current == 3 * 2 * 15  # Hackney robbery doubled from 15 a month
    assert flag.previous == pytest.approx(3 * 15, rel=0.1)
    assert (flag.window.start.isoformat(), flag.window.end.isoformat()) == (
        "2023-01-01",
        "2023-03-31",
    )
    assert flag.area.code == "E09000012"


def test_unknown_areas_are_a_question_error_not_a_crash(cp: Crimepulse) -> None:
    with pytest.raises(QuestionError, match="unknown areas 'parishes'"):
        cp.flags(as_of="2023-01-31", areas="parishes")


def test_flags_never_model_a_category_the_source_does_not_carry(
    burglary_only: Crimepulse,
) -> None:
    with pytest.raises(MissingDataError, match="robbery cannot be counted from it"):
        burglary_only.flags("2023-12", areas="force", categories="robbery", source="police.uk")


# --- series that ended, began or shifted, on their own small warehouse ------------------

MONTHS = [f"{y}{m:02d}" for y in range(2019, 2024) for m in range(1, 13)][:54]  # ..2023-06


def retired_count(borough: str, month: str) -> int:
    """FRAUD AND FORGERY: 80 a month until 2020-12, then none, then 3 stray records in
    Hackney in June 2023 (the month judged): a category no longer recorded."""
    if month < "202101":
        return 80
    return 3 if (borough == "Hackney" and month == "202306") else 0


NEW_MINOR = "BURGLARY OF A SHED"  # a name the lineage table does not know: no documented break


def new_count(borough: str, month: str) -> int:
    """A new burglary series: 1 stray record a year before it began, a partial first month
    (2020-09: 20), then 100 a month (Camden from April 2023: +60%, a sustained shift)."""
    if month < "202009":
        return 1 if month.endswith("06") else 0
    if month == "202009":
        return 20
    return 160 if (borough == "Camden" and month >= "202304") else 100


@pytest.fixture(scope="module")
def breaks_cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("breaks")
    rows = [
        ",".join([major, minor, b, *(str(f(b, m)) for m in MONTHS)])
        for b in ("Camden", "Hackney")
        for major, minor, f in (
            ("FRAUD AND FORGERY", "FRAUD AND FORGERY", retired_count),
            ("BURGLARY", NEW_MINOR, new_count),
            # the same counts under the name the MPS split burglary into in April 2023: the
            # lineage table's break there, so its step is the split, never a shift
            ("BURGLARY", "RES BURGLARY OF A HOME", new_count),
        )
    ]
    write(root / "mps.csv", ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]), rows)
    with crimepulse.open(root / "w.duckdb") as handle:
        report = handle.ingest(root)
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield handle


def test_a_retired_category_never_flags(breaks_cp: Crimepulse) -> None:
    flags = breaks_cp.flags(as_of="2023-06-30", categories="minor")
    assert not [f for f in flags if f.category.name == "FRAUD AND FORGERY"]
    assert flags and "not judged" in " ".join(flags[0].notes)


def test_a_new_series_is_modelled_from_its_start_and_a_step_is_a_sustained_shift(
    breaks_cp: Crimepulse,
) -> None:
    flags = breaks_cp.flags(as_of="2023-06-30", categories="minor")
    assert [(f.area.name, f.category.name) for f in flags] == [("Camden", NEW_MINOR)]
    flag = flags[0]
    assert flag.stats["rule"] == "sustained shift" and flag.verdict == "up"
    assert flag.stats["months"] == ["2023-04", "2023-05", "2023-06"]
    assert (flag.window.start.isoformat(), flag.window.end.isoformat()) == (
        "2023-04-01",
        "2023-06-30",
    )
    assert flag.current == 3 * 160 and flag.value == 480
    # Modelled from 2020-10 (the partial first month left out), so the expectation is the
    # 100 a month the series has had since, not dragged down by the years before it began.
    assert flag.stats["since"] == "2020-10"
    assert flag.previous == pytest.approx(300, rel=0.02)


def test_known_breaks_are_an_input(breaks_cp: Crimepulse) -> None:
    # A break at 2022-01 for the burglary series leaves 17 months: not enough to judge.
    question = GridQuestion(as_of="2023-06-30", categories="minor", source="mps")
    flags = breaks_cp.analysis.flags(question, breaks={NEW_MINOR: [date(2022, 1, 1)]})
    assert flags == []


def test_a_documented_break_is_never_read_as_a_shift(breaks_cp: Crimepulse) -> None:
    """RES BURGLARY OF A HOME began with the MPS's April 2023 burglary split (the lineage
    table): its step that month is the split, so the series is not judged on its history."""
    flags = breaks_cp.flags(as_of="2023-06-30", categories="minor")
    assert not [f for f in flags if f.category.name == "RES BURGLARY OF A HOME"]


def test_lifespan_by_hand() -> None:
    # Typical month: the 90th percentile of the last 12 months and the judged one.
    assert lifespan([80] * 24 + [0] * 12, 3) == Lifespan(0, retired=True)  # strays only
    assert lifespan([80] * 36, 80) == Lifespan(0, retired=False)
    assert lifespan([80] * 35 + [2], 1) == Lifespan(0, retired=True)  # ended: 2 < 8
    assert lifespan([80] * 35 + [2], 80) == Lifespan(0, retired=False)  # a dip, not an end
    assert lifespan([0, 1, 0, 30, 100, 100] + [100] * 30, 100) == Lifespan(4, retired=False)
    assert lifespan([0, 1, 0, 60, 100] + [100] * 30, 100) == Lifespan(3, retired=False)
