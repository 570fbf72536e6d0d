"""Words and marks for a verdict: the one place that turns a Fact's verdict into what a
reader sees, on a page, in the CLI or in a snapshot.

The house rule is that "up" and "down" (and ▲, ▼) appear only when the verdict says the
change is statistically meaningful; every other change is "no meaningful change", however
large the percentage, and a percentage never appears without the counts it was computed
from. Small counts say so. Numbers are formatted by `present.numbers`, so a page, the CLI
and a snapshot print the same figure the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crimepulse.present import numbers

UP, DOWN = "up", "down"  # the two meaningful verdicts, which are also their words
NO_CHANGE = "no meaningful change"  # what every other verdict (or none) is called
MARKS = {UP: ("▲", UP), DOWN: ("▼", DOWN)}
NO_MARK = "–"  # an en dash: no meaningful change
SMALL_NUMBERS = "small numbers"  # the tag beside a figure counted from small numbers
SMALL_NUMBERS_SENTENCE = "These are small numbers, so a few more or fewer make a large percentage."
SMALL_COUNTS = "small counts"  # the same warning in a Fact's one-line note


def meaningful(verdict: str | None) -> bool:
    """Whether a verdict may be written as a rise or a fall."""
    return verdict in MARKS


def verdict_words(verdict: str | None) -> str:
    """ "up", "down" or "no meaningful change"."""
    return MARKS[verdict][1] if verdict in MARKS else NO_CHANGE


def mark(verdict: str | None) -> str:
    """▲ for up, ▼ for down, an en dash for anything else."""
    return MARKS[verdict][0] if verdict in MARKS else NO_MARK


def within_normal(kind: str = "") -> str:
    """ "within normal variation", or "within normal year-to-year variation" for a kind."""
    return f"within normal {kind} variation" if kind else "within normal variation"


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
        return {UP: "rise", DOWN: "fall"}.get(self.verdict, "flat")

    @property
    def small_words(self) -> str:
        """ "small numbers" when the counts are small, else nothing."""
        return SMALL_NUMBERS if self.small else ""


def change(fact: dict[str, Any]) -> Change:
    """The Change of a Fact (its `as_dict()`, or a grid row with the same fields)."""
    verdict = str(fact.get("verdict") or NO_CHANGE)
    pct = numbers.pct(fact.get("change_pct"))
    delta = fact.get("change")
    if delta is None and fact.get("current") is not None and fact.get("previous") is not None:
        delta = float(fact["current"]) - float(fact["previous"])
    if meaningful(verdict):
        text = f"{verdict_words(verdict)} {pct.lstrip('+').lstrip(numbers.MINUS)}"
    else:
        text = NO_CHANGE
    return Change(
        current=numbers.count(fact.get("current")),
        previous=numbers.count(fact.get("previous")),
        change=numbers.signed_count(None if delta is None else float(delta)),
        pct=pct,
        verdict=verdict,
        mark=mark(verdict),
        words=text,
        small=bool(fact.get("small_counts")),
        p=numbers.p_value(fact.get("p_value")),
        q=numbers.q_value(fact.get("q_value")),
    )


def sentence(label: str, where: str, fact: dict[str, Any], span: str, vs: str) -> str:
    """One plain sentence: "Robbery in Camden is up 21% in 2022: 27,663 against 22,803 in
    2021, p < 0.001." or "... shows no meaningful change in 2022: 112 against 135 in 2021
    (−17%), p = 0.16."."""
    c = change(fact)
    if meaningful(c.verdict):
        head = f"{label} in {where} is {c.words} in {span}"
        tail = f"{c.current} against {c.previous} in {vs}"
    else:
        head = f"{label} in {where} shows {NO_CHANGE} in {span}"
        tail = f"{c.current} against {c.previous} in {vs} ({c.pct})"
    small = "; the numbers are small, so read them with care" if c.small else ""
    return f"{head}: {tail}, {c.p}{small}."


def label(category: str) -> str:
    """A category's name as a heading: 'ROBBERY' -> 'Robbery', 'violence-and-sexual' ->
    'Violence and sexual'."""
    text = category.replace("-", " ").strip()
    return text[:1].upper() + text[1:].lower() if text else text
