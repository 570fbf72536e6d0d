"""Faults the tests inject: a bug inside a statistics function, wherever it was imported.

A regression test for "a real bug is not turned into 'cannot answer'" needs a ValueError
from deep inside our own code. `break_function` replaces a function with one that raises,
in every crimepulse module that bound it by name, so the test does not depend on which
module of the analysis happens to import it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import pytest

BUG = "a bug inside the statistics"


def break_function(monkeypatch: pytest.MonkeyPatch, function: Callable[..., Any]) -> None:
    """Make `function` raise ValueError(BUG) wherever crimepulse holds a reference to it."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError(BUG)

    patched = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith("crimepulse") or module is None:
            continue
        for attribute, value in list(vars(module).items()):
            if value is function:
                monkeypatch.setattr(module, attribute, broken)
                patched += 1
    assert patched, f"{function.__qualname__} is not imported by any crimepulse module"
