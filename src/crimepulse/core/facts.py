"""Facts: every published number, with everything needed to trust it and re-run it.

A Fact is a value plus what was counted (measure, area, category, window), what it was
compared with, both counts, the test and its verdict, the sources and their vintages, and
the query that produced it. Renderers format Facts; they never compute.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Fact:
    measure: str  # count | rate | harm
    value: float | None
    unit: str
    area: dict[str, Any]
    category: dict[str, Any]
    window: dict[str, Any]
    source: str
    comparison: dict[str, Any] | None = None
    current: float | None = None
    previous: float | None = None
    change: float | None = None
    change_pct: float | None = None
    test: str | None = None
    p_value: float | None = None
    q_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    verdict: str | None = None
    small_counts: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """Stable for the same question: a hash of the query that produced it."""
        return fact_id(self.query)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        return {"id": self.id, **out}

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), default=str, indent=2)


def fact_id(query: dict[str, Any]) -> str:
    """A Fact's id from its query (so a table of cells can carry ids without building Facts)."""
    text = json.dumps(query, sort_keys=True, default=str)
    return "f-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python numbers, NaN to None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
