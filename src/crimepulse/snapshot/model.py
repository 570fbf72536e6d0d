"""The snapshot as data: Facts, and sections whose numbers point at those Facts.

A sentence is a list of `Span`s. A span is either words, or a reference to one field of
one Fact plus a number style; the number itself is only ever produced by formatting the
Fact's field (`numbers.fmt`) at render time. So every number a reader sees can be traced
to the Fact it came from, and the whole document round-trips through JSON (the workflow
store keeps exactly that JSON).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from crimepulse.present import numbers


@dataclass(frozen=True)
class Span:
    text: str = ""
    fact: str | None = None  # a Fact id: the span is that Fact's `field`, formatted
    field: str | None = None  # a top-level field, or a dotted path ("stats.usual_change_pct")
    style: str | None = None

    def render(self, facts: dict[str, dict[str, Any]]) -> str:
        if self.fact is None:
            return self.text
        value: Any = facts[self.fact]
        for part in (self.field or "value").split("."):
            value = value[part]
        return numbers.fmt(value, self.style or "count")


Sentence = list[Span]


@dataclass
class Block:
    """A paragraph (`p`), a bullet (`li`), a point under the bullet before it (`sub`; a
    `quote` when it quotes an entry's own words), a chart (`chart`, with `chart` its id) or
    a caveat (`note`)."""

    kind: str
    spans: Sentence = field(default_factory=list)
    chart: str | None = None

    def facts(self) -> list[str]:
        return list(dict.fromkeys(s.fact for s in self.spans if s.fact))


@dataclass
class Section:
    key: str  # headline, well, improve, operations, trend, map, next, caveats
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Chart:
    """A picture of Facts: `kind` trend or map; `alt` states the same facts in words."""

    id: str
    kind: str
    title: str
    facts: list[str]
    alt: Sentence
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. the map's geography


@dataclass
class Snapshot:
    meta: dict[str, Any]
    facts: dict[str, dict[str, Any]]  # id -> Fact.as_dict(), in order of first use
    sections: list[Section]
    charts: list[Chart] = field(default_factory=list)

    def text(self, spans: Sentence) -> str:
        return "".join(s.render(self.facts) for s in spans)

    def chart(self, chart_id: str) -> Chart:
        return next(c for c in self.charts if c.id == chart_id)

    def cited(self) -> list[str]:
        """Fact ids in order of first citation (text, then chart alt texts)."""
        ids: dict[str, None] = {}
        for section in self.sections:
            for block in section.blocks:
                if block.kind == "chart" and block.chart:
                    ids.update(dict.fromkeys(self.chart(block.chart).facts))
                ids.update(dict.fromkeys(block.facts()))
        return list(ids)

    def to_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "facts": self.facts,
            "sections": [asdict(s) for s in self.sections],
            "charts": [asdict(c) for c in self.charts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        def spans(raw: list[dict[str, Any]]) -> Sentence:
            return [Span(**s) for s in raw]

        sections = [
            Section(
                s["key"],
                s["title"],
                [Block(b["kind"], spans(b["spans"]), b.get("chart")) for b in s["blocks"]],
            )
            for s in data["sections"]
        ]
        charts = [
            Chart(c["id"], c["kind"], c["title"], list(c["facts"]), spans(c["alt"]), c["extra"])
            for c in data.get("charts", [])
        ]
        return cls(dict(data["meta"]), dict(data["facts"]), sections, charts)
