"""Words and marks for a page: one place that turns a Fact's verdict into what a reader sees.

The house rule is that "up" and "down" appear only when the verdict says the change is
statistically meaningful, and a percentage never appears without the counts it was
computed from. Numbers are formatted by the snapshot's `numbers` module so that a page
and a snapshot print the same figure the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crimepulse.present import numbers

MARKS = {"up": ("▲", "up"), "down": ("▼", "down")}


@dataclass(frozen=True)
class Change:
    """A comparison as a reader sees it: both counts, the % change, a mark and words."""

    current: str
    previous: str
    change: str
    pct: str
    verdict: str  # up | down | no meaningful change
    mark: str  # ▲, ▼ or an en dash
    words: str  # "up 12%" / "down 3.4%" / "no meaningful change"
    small: bool
    p: str
    q: str

    @property
    def css(self) -> str:
        return {"up": "rise", "down": "fall"}.get(self.verdict, "flat")


def change(fact: dict[str, Any]) -> Change:
    """The Change of a Fact (its `as_dict()`, or a grid row with the same fields)."""
    verdict = str(fact.get("verdict") or "no meaningful change")
    pct = numbers.pct(fact.get("change_pct"))
    delta = fact.get("change")
    if delta is None and fact.get("current") is not None and fact.get("previous") is not None:
        delta = float(fact["current"]) - float(fact["previous"])
    signed = "n/a" if delta is None else _signed(float(delta))
    if verdict in MARKS:
        mark, word = MARKS[verdict]
        text = f"{word} {pct.lstrip('+').lstrip(numbers.MINUS)}"
    else:
        mark, text = "–", "no meaningful change"
    return Change(
        current=numbers.count(fact.get("current")),
        previous=numbers.count(fact.get("previous")),
        change=signed,
        pct=pct,
        verdict=verdict,
        mark=mark,
        words=text,
        small=bool(fact.get("small_counts")),
        p=numbers.p_value(fact.get("p_value")),
        q=numbers.p_value(fact.get("q_value")).replace("p", "q", 1),
    )


def _signed(value: float) -> str:
    text = numbers.count(abs(value))
    if round(value) == 0:
        return "0"
    return ("+" if value > 0 else numbers.MINUS) + text


def sentence(label: str, where: str, fact: dict[str, Any], span: str, vs: str) -> str:
    """One plain sentence: "Robbery in Camden is up 21% in 2022: 27,663 against 22,803 in
    2021 (p < 0.001)." or "... shows no meaningful change: 112 against 135 (−17%) ..."."""
    c = change(fact)
    if c.verdict in MARKS:
        head = f"{label} in {where} is {c.words} in {span}"
        tail = f"{c.current} against {c.previous} in {vs}"
    else:
        head = f"{label} in {where} shows no meaningful change in {span}"
        tail = f"{c.current} against {c.previous} in {vs} ({c.pct})"
    small = "; the numbers are small, so read them with care" if c.small else ""
    return f"{head}: {tail}, {c.p}{small}."


def label(category: str) -> str:
    """A category's name as a heading: 'ROBBERY' -> 'Robbery', 'violence-and-sexual' ->
    'Violence and sexual'."""
    text = category.replace("-", " ").strip()
    return text[:1].upper() + text[1:].lower() if text else text
