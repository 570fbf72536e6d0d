"""The CompStat grid on the small warehouse (tests/analysis/conftest.py): one cell per area
× category × window with hand-known counts, q-values from the FDR control, and each cell's
Fact the compare question of that cell."""

from __future__ import annotations

import pytest

from crimepulse.analysis.periods import WindowError
from crimepulse.api import Crimepulse


def test_grid_cells_and_fdr(cp: Crimepulse) -> None:
    grid = cp.grid("boroughs", "major", "year,quarter", as_of="2023-12-31")
    table = grid.to_arrow().to_pylist()
    assert len(table) == 3 * 2 * 2  # boroughs × majors × windows
    cell = next(
        r
        for r in table
        if r["area"] == "Hackney" and r["category"] == "ROBBERY" and r["window"] == "year"
    )
    # a doubling (p = 0.0045 with 3 years of flat history) does not survive the FDR over
    # the grid's 12 cells; the exact Poisson test's opinion (p ~ 1e-10) is kept beside it
    assert (cell["current"], cell["previous"]) == (360, 180)
    assert cell["p_value"] < 0.01 and cell["poisson_p_value"] < 1e-10
    assert all(f.q_value is not None and f.q_value >= f.p_value for f in grid.facts)
    for f in grid.facts:
        assert f.verdict in ("up", "down") if f.q_value < 0.05 else f.verdict != "up"
    assert "Benjamini" in grid.meta["fdr"]


def test_each_cell_is_the_compare_question_of_that_cell(cp: Crimepulse) -> None:
    grid = cp.grid("boroughs", "major", "year,quarter", as_of="2023-12-31", vs="previous")
    table = {(r["area"], r["category"], r["window"]): r for r in grid.to_arrow().to_pylist()}
    fact = next(
        f
        for f in grid.facts
        if (f.area.name, f.category.name, f.window.name) == ("Camden", "ROBBERY", "quarter")
    )
    assert fact.id == table[("Camden", "ROBBERY", "quarter")]["fact_id"]
    assert fact.query == {
        "call": "compare",
        "area": "Camden",
        "category": "ROBBERY",
        "window": "quarter",
        "as_of": "2023-12-31",
        "vs": "previous",
        "source": "mps",  # the source the grid chose, so the cell's id says what it counted
        "force": "metropolitan",
        "alpha": 0.05,
    }
    alone = cp.compare("Camden", "ROBBERY", "quarter", as_of="2023-12-31", vs="previous")
    assert (fact.current, fact.previous) == (alone.current, alone.previous) == (30, 30)
    assert fact.area.as_dict() == {
        "level": "borough",
        "code": "E09000007",
        "name": "Camden",
        "force": "metropolitan",
    }
    assert fact.category.as_dict() == {"name": "ROBBERY"}
    assert fact.comparison is not None and fact.comparison.kind == "previous"
    assert fact.comparison.window is not None
    assert fact.comparison.window.start.isoformat() == "2023-07-01"


def test_a_grid_compares_with_one_period_only(cp: Crimepulse) -> None:
    with pytest.raises(WindowError, match="previous or last-year"):
        cp.grid("boroughs", "major", "year", as_of="2023-12", vs="baseline:2019-2020")


def test_all_crime_asked_by_name_is_a_cell_per_area(cp: Crimepulse) -> None:
    """`all` is no group beside the others in a `groups` grid, but asked for by name it is
    all recorded crime in each area (it was dropped, so the all-crime map had no areas)."""
    as_of = "2023-12-31"
    every = {
        r["area"]: r["current"]
        for r in cp.grid("boroughs", "all", "year", as_of=as_of).to_arrow().to_pylist()
    }
    majors = cp.grid("boroughs", "major", "year", as_of=as_of).to_arrow().to_pylist()
    totals: dict[str, int] = {}
    for r in majors:
        totals[r["area"]] = totals.get(r["area"], 0) + r["current"]
    assert every == totals and len(every) == 3  # all crime: the sum of the majors
    both = cp.grid("boroughs", "all,robbery", "year", as_of=as_of).to_arrow().to_pylist()
    assert sorted({r["category"] for r in both}) == ["all", "robbery"]
    groups = cp.grid("boroughs", "groups", "year", as_of=as_of).to_arrow().to_pylist()
    assert {r["category"] for r in groups}.isdisjoint({"all", "asb"})
