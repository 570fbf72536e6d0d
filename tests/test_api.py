"""The facade's analysis methods: typed parameters, the question's words by keyword after
the first few (no `**options` that swallow a misspelt word), each asking one Question."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import crimepulse
from crimepulse.api import Crimepulse

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
