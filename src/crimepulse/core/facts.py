"""Facts: every published number, with everything needed to trust it and re-run it.

A Fact is a value plus what was counted (measure, area, category, window), what it was
compared with, both figures, the test and its verdict, the sources and their vintages, and
the query that produced it. Renderers format Facts; they never compute. The parts are typed
values (`AreaRef`, `CategoryRef`, `WindowRef`, `ComparisonRef`, a `Verdict` word) so the
floors above read attributes, not dictionary keys; `as_dict()` is the one place a Fact
becomes JSON. Every Fact is made the same way, `Fact.from_finding`: what was asked, plus a
`Finding` (what the figures and the test found), plus the provenance. This module is on the
ground floor: it imports nothing else of crimepulse.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

# A verdict is a word, never a number: a change ("up", "down", "no meaningful change",
# the words of crimepulse.stats; "not enough history" when the series' usual variation
# cannot be estimated, so no verdict is possible) or, for a trend, a direction.
Verdict = Literal[
    "up",
    "down",
    "no meaningful change",
    "not enough history",
    "rising",
    "falling",
    "no clear trend",
]
UP: Verdict = "up"
DOWN: Verdict = "down"
NO_CHANGE: Verdict = "no meaningful change"
NOT_ENOUGH_HISTORY: Verdict = "not enough history"


@dataclass(frozen=True)
class AreaRef:
    """Where a Fact counted: `level` force, borough, ward or lsoa; `code` the ONS code where
    the area has one; `force` the force whose data it is (None for the outcomes log)."""

    level: str
    name: str
    code: str | None = None
    force: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        # The key order each kind of Fact has always published: the analysis's areas
        # (which name their force) give the code first, the log's areas the name first.
        if self.force is None:
            return {"level": self.level, "name": self.name, "code": self.code}
        return {"level": self.level, "code": self.code, "name": self.name, "force": self.force}


@dataclass(frozen=True)
class CategoryDefinition:
    """What a category counts in each family of sources: rows of an MPS table whose major is
    in `mps_majors` or minor in `mps_minors`, police.uk-style records whose crime type is in
    `crime_types` (None: that family cannot count it)."""

    mps_majors: tuple[str, ...] = ()
    mps_minors: tuple[str, ...] = ()
    crime_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CategoryRef:
    """What a Fact counted: a category `name`, the `label` a reader sees (when one was
    given), and its `definition` (when the Fact counted one category of the analysis)."""

    name: str
    label: str | None = None
    definition: CategoryDefinition | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.label is not None:
            out["label"] = self.label
        if self.definition is not None:
            d = self.definition
            out["mps_majors"] = list(d.mps_majors)
            out["mps_minors"] = list(d.mps_minors)
            out["crime_types"] = None if d.crime_types is None else list(d.crime_types)
        return out


@dataclass(frozen=True)
class WindowRef:
    """The period a Fact counted: a closed range of days, named as the question named it."""

    name: str
    label: str
    start: date
    end: date

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True)
class ComparisonRef:
    """What a Fact's value was compared with. `kind` says how: `previous` or `last-year`
    (one `window`), `baseline` (the same window in several years: `windows`, `counts`),
    `seasonal expectation` (a `model` fitted on `history_months`), or the log's `previous
    13 weeks` (`weeks`, `counts`). Only the parts a kind has are set (and published)."""

    kind: str
    window: WindowRef | None = None
    windows: tuple[WindowRef, ...] | None = None
    weeks: tuple[str, ...] | None = None
    counts: tuple[int, ...] | None = None
    model: str | None = None
    history_months: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.window is not None:
            out["window"] = self.window.as_dict()
        if self.windows is not None:
            out["windows"] = [w.as_dict() for w in self.windows]
        if self.weeks is not None:
            out["weeks"] = list(self.weeks)
        if self.counts is not None:
            out["counts"] = list(self.counts)
        if self.model is not None:
            out["model"] = self.model
        if self.history_months is not None:
            out["history_months"] = self.history_months
        return out


@dataclass(frozen=True)
class Finding:
    """What a Fact's figures and its test found: the two figures compared (`current` and
    `previous`: this period and the other, observed and expected, charged and all), the
    change, the test with its p- and q-value, the interval and the verdict, and the test's
    full result (`stats`). Untested figures leave the test's parts None."""

    current: float | None = None
    previous: float | None = None
    change: float | None = None
    change_pct: float | None = None
    test: str | None = None
    p_value: float | None = None
    q_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    verdict: Verdict | None = None
    small_counts: bool = False
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fact:
    measure: str  # count | rate | harm | charge_rate | searches | arrest_rate | find_rate | trend
    value: float | None
    unit: str
    area: AreaRef
    category: CategoryRef
    window: WindowRef
    source: str
    comparison: ComparisonRef | None = None
    current: float | None = None
    previous: float | None = None
    change: float | None = None
    change_pct: float | None = None
    test: str | None = None
    p_value: float | None = None
    q_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    verdict: Verdict | None = None
    small_counts: bool = False
    stats: dict[str, Any] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    query: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_finding(
        cls,
        finding: Finding,
        *,
        measure: str,
        value: float | None,
        unit: str,
        area: AreaRef,
        category: CategoryRef,
        window: WindowRef,
        source: str,
        query: dict[str, Any],
        comparison: ComparisonRef | None = None,
        sources: Sequence[dict[str, Any]] = (),
        notes: Sequence[str] = (),
    ) -> Fact:
        """The one way a Fact is made: what was asked (measure, area, category, window,
        source, comparison), what was found, and where it came from (sources, query)."""
        return cls(
            measure=measure,
            value=value,
            unit=unit,
            area=area,
            category=category,
            window=window,
            source=source,
            comparison=comparison,
            current=finding.current,
            previous=finding.previous,
            change=finding.change,
            change_pct=finding.change_pct,
            test=finding.test,
            p_value=finding.p_value,
            q_value=finding.q_value,
            ci_low=finding.ci_low,
            ci_high=finding.ci_high,
            verdict=finding.verdict,
            small_counts=finding.small_counts,
            stats=finding.stats,
            sources=list(sources),
            query=query,
            notes=list(notes),
        )

    @property
    def id(self) -> str:
        """Stable for the same question: a hash of the query that produced it (less the
        SQL that answered it, see `fact_id`)."""
        return fact_id(self.query)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, in the published key order (the JSON API and the snapshots carry it)."""
        return {
            "id": self.id,
            "measure": self.measure,
            "value": self.value,
            "unit": self.unit,
            "area": self.area.as_dict(),
            "category": self.category.as_dict(),
            "window": self.window.as_dict(),
            "source": self.source,
            "comparison": None if self.comparison is None else self.comparison.as_dict(),
            "current": self.current,
            "previous": self.previous,
            "change": self.change,
            "change_pct": self.change_pct,
            "test": self.test,
            "p_value": self.p_value,
            "q_value": self.q_value,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "verdict": self.verdict,
            "small_counts": self.small_counts,
            "stats": copy.deepcopy(self.stats),
            "sources": copy.deepcopy(self.sources),
            "query": copy.deepcopy(self.query),
            "notes": list(self.notes),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), default=str, indent=2)


# Parts of a query that record how it was answered, not what was asked: the rendered SQL
# names its window table afresh on every run (and differs by engine), so it is kept in the
# Fact's provenance but left out of the id.
ANSWERED_BY = frozenset({"sql"})


def fact_id(query: dict[str, Any]) -> str:
    """A Fact's id from its query (so a table of cells can carry ids without building Facts):
    the same question gets the same id on every run, on any engine."""
    asked = {k: v for k, v in query.items() if k not in ANSWERED_BY}
    text = json.dumps(asked, sort_keys=True, default=str)
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
