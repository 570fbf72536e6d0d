"""The facade's analysis methods: typed parameters, the question's words by keyword after
the first few (no `**options` that swallow a misspelt word), each asking one Question, for
the deployment's force (`Settings.force`) unless the question names another."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import crimepulse
from crimepulse.api import Crimepulse
from crimepulse.config import Settings
from tests.factories import TWO_FORCES, two_forces

METHODS = ("compare", "grid", "flags", "trend", "charge_rate", "stop_search")
# What may still be passed by position (as the README and existing callers do).
POSITIONAL = {
    "compare": ["area", "category", "window"],
    "grid": ["areas", "categories", "windows"],
    "flags": ["as_of"],
    "trend": ["area", "category"],
    "charge_rate": ["month"],
    "stop_search": ["window", "as_of"],
}


@pytest.mark.parametrize("name", METHODS)
def test_analysis_methods_take_typed_keyword_parameters(name: str) -> None:
    parameters = list(inspect.signature(getattr(Crimepulse, name)).parameters.values())[1:]
    kinds = {p.name: p.kind for p in parameters}
    assert inspect.Parameter.VAR_KEYWORD not in kinds.values(), f"{name} takes **options"
    assert inspect.Parameter.VAR_POSITIONAL not in kinds.values(), f"{name} takes *args"
    positional = [n for n, k in kinds.items() if k is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == POSITIONAL[name]
    untyped = [p.name for p in parameters if p.annotation is inspect.Parameter.empty]
    assert not untyped, f"{name}: {untyped} have no type"
    if name in ("compare", "grid", "trend"):  # the as-of date: always by name, never left out
        as_of = inspect.signature(getattr(Crimepulse, name)).parameters["as_of"]
        assert as_of.kind is inspect.Parameter.KEYWORD_ONLY
        assert as_of.default is inspect.Parameter.empty


def test_a_misspelt_word_is_an_error_not_ignored(tmp_path: Path) -> None:
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        with pytest.raises(TypeError):
            cp.compare("all", "robbery", "year", as_of="2023-12", measur="rate")  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            cp.compare("all", "robbery", "year", "2023-12")  # type: ignore[misc]


@pytest.mark.parametrize("name", [*METHODS, "snapshot"])
def test_a_force_left_out_is_the_deployments(name: str) -> None:
    force = inspect.signature(getattr(Crimepulse, name)).parameters["force"]
    assert force.kind is inspect.Parameter.KEYWORD_ONLY and force.default is None


@pytest.fixture(scope="module")
def two_force_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("forces")
    with crimepulse.open(root / "w.duckdb") as cp:
        assert cp.ingest(two_forces(root / "data")).exit_code(strict=True) == 0
        return cp.db


CITY, MET = "city-of-london", "metropolitan"


def test_the_analysis_answers_for_the_deployments_force(two_force_db: Path) -> None:
    """December 2023 against December 2022: the City's counts for a City deployment."""
    city_2022, city_2023 = TWO_FORCES[CITY]
    with crimepulse.open(two_force_db, read_only=True, settings=Settings(force=CITY)) as cp:
        fact = cp.compare(category="burglary", window="month", as_of="2023-12")
        assert (fact.area.force, fact.current, fact.previous) == (CITY, city_2023, city_2022)
        cell = cp.grid("force", "Burglary", "month", as_of="2023-12").facts[0]
        assert (cell.area.force, cell.current, cell.previous) == (CITY, city_2023, city_2022)
        trend = cp.trend(category="burglary", as_of="2023-12", months=24)
        assert trend.area.force == CITY and trend.value is not None and trend.value < 0
        assert cp.charge_rate("2023-12", category="burglary").area.force == CITY
        # named: that force
        met = cp.compare(category="burglary", window="month", as_of="2023-12", force=MET)
        assert (met.area.force, met.current) == (MET, TWO_FORCES[MET][1])


def test_the_environment_names_the_deployments_force(
    two_force_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRIMEPULSE_FORCE", raising=False)
    with crimepulse.open(two_force_db, read_only=True) as cp:
        fact = cp.compare(category="burglary", window="month", as_of="2023-12")
        assert fact.area.force == MET  # the default
    monkeypatch.setenv("CRIMEPULSE_FORCE", CITY)
    with crimepulse.open(two_force_db, read_only=True) as cp:
        fact = cp.compare(category="burglary", window="month", as_of="2023-12")
        assert fact.current == TWO_FORCES[CITY][1]


def test_a_snapshot_is_of_the_deployments_force(two_force_db: Path) -> None:
    with crimepulse.open(two_force_db, read_only=True, settings=Settings(force=CITY)) as cp:
        city = cp.snapshot("month", "2023-12", "burglary", oplog=False, charts=False)
        met = cp.snapshot("month", "2023-12", "burglary", oplog=False, charts=False, force=MET)
    assert city.meta["force"] == CITY and " in the City of London: " in city.meta["title"]
    assert met.meta["force"] == MET and " in London: " in met.meta["title"]
    counted = {f["area"]["force"] for f in city.facts.values() if f["area"].get("force")}
    assert counted == {CITY}
