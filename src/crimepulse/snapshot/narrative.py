"""Sentences from templates filled with Facts; the words follow the verdicts.

A template is a string with `{placeholders}`. A placeholder naming a Fact field
(`{current}`, `{previous}`, `{change_pct}`, ...) becomes a number span pointing at the
Fact; any other placeholder is a word supplied by the caller (`{label}`, `{when}`,
`{vs}`). Which template is used depends only on the Fact's verdict: a change that is not
statistically meaningful is never written as a rise or a fall.
"""

from __future__ import annotations

import re
from typing import Any

from crimepulse.present import numbers, words
from crimepulse.snapshot.model import Sentence, Span

UP, DOWN, SAME = words.UP, words.DOWN, words.NO_CHANGE

TEMPLATES: dict[str, str] = {
    UP: "{Label} went up: {current} in {when}, against {previous} {vs} ({change_pct}).",
    DOWN: "{Label} went down: {current} in {when}, against {previous} {vs} ({change_pct}).",
    SAME: "{Label}: {current} in {when}, against {previous} {vs}, {change_pct}; "
    f"a change this size is {words.within_normal('{variation}')}.",
    "untested": "{Label}: {current} in {when}.",
    "small": " " + words.SMALL_NUMBERS_SENTENCE,
    "ops_" + UP: "{Label}: {current} {when}, more than the {vs} average of {previous} "
    "a week ({change_pct}).",
    "ops_" + DOWN: "{Label}: {current} {when}, fewer than the {vs} average of {previous} "
    "a week ({change_pct}).",
    "ops_" + SAME: "{Label}: {current} {when}; the {vs} average was {previous} a week, "
    "so this is within the usual week-to-week range.",
    "ops_untested": "{Label}: {current} {when}.",
    "flag_up": "{Label} in {where} was higher than expected in {when}: {current} against "
    "about {previous} expected for the time of year.",
    "flag_down": "{Label} in {where} was lower than expected in {when}: {current} against "
    "about {previous} expected for the time of year.",
}
FACT_FIELDS = {
    "current": "count",
    "previous": "count",
    "value": "count",
    "change_pct": "pct",
    "p_value": "p",
    "ci_low": "count",
    "ci_high": "count",
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Words that describe a change; the tests check they only appear with an up/down verdict.
CHANGE_WORDS = (
    "went up",
    "went down",
    "rose",
    "fell",
    "higher than",
    "lower than",
    "more than",
    "fewer than",
)


def count_style(value: Any) -> str:
    """Small whole counts in words ("five"), others in figures; averages with a decimal."""
    if value is None:
        return "count"
    number = float(value)
    if not number.is_integer():
        return "mean"
    return "words" if 0 <= number < 10 else "count"


def fill(template: str, fact_id: str, fact: dict[str, Any], slots: dict[str, str]) -> Sentence:
    """The template as spans: Fact fields become number spans, other names words."""
    spans: Sentence = []
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        if match.start() > pos:
            spans.append(Span(template[pos : match.start()]))
        name = match.group(1)
        if name in FACT_FIELDS:
            style = FACT_FIELDS[name]
            if style == "count":
                style = count_style(fact.get(name))
            spans.append(Span(fact=fact_id, field=name, style=style))
        elif name == "Label":
            label = slots["label"]
            spans.append(Span(label[:1].upper() + label[1:]))
        else:
            spans.append(Span(slots[name]))
        pos = match.end()
    if pos < len(template):
        spans.append(Span(template[pos:]))
    return _merge(spans)


def _merge(spans: Sentence) -> Sentence:
    out: Sentence = []
    for s in spans:
        if s.fact is None and out and out[-1].fact is None:
            out[-1] = Span(out[-1].text + s.text)
        else:
            out.append(s)
    return out


def verdict_key(fact: dict[str, Any]) -> str:
    verdict = fact.get("verdict")
    if words.meaningful(verdict):
        return str(verdict)
    return SAME if fact.get("test") else "untested"


def comparison_words(fact: dict[str, Any]) -> tuple[str, str]:
    """("in 2021", "year-to-year") for the Fact's comparison window."""
    comparison = fact.get("comparison") or {}
    window = comparison.get("window") or {}
    kind = comparison.get("kind")
    variation = "year-to-year" if kind == "last-year" else "period-to-period"
    if not window:
        return "before", variation
    when = numbers.span(window["start"], window["end"])
    if kind == "previous" and fact["window"].get("name") == "7d":
        return "in the week before", "week-to-week"
    return f"in {when}", variation


def change_sentence(fact_id: str, fact: dict[str, Any], label: str) -> Sentence:
    """One headline Fact as a sentence whose words match its verdict."""
    key = verdict_key(fact)
    vs, variation = comparison_words(fact)
    when = numbers.span(fact["window"]["start"], fact["window"]["end"])
    slots = {"label": label, "when": when, "vs": vs, "variation": variation}
    spans = fill(TEMPLATES[key], fact_id, fact, slots)
    if fact.get("small_counts"):
        spans = _merge([*spans, Span(TEMPLATES["small"])])
    return spans


def ops_sentence(fact_id: str, fact: dict[str, Any], label: str, when: str) -> Sentence:
    """One outcomes-log Fact (a week's count against its recent weekly average)."""
    key = "ops_" + verdict_key(fact)
    slots = {"label": label, "when": when, "vs": "previous 13 weeks'"}
    spans = fill(TEMPLATES[key], fact_id, fact, slots)
    if fact.get("small_counts") and key != "ops_untested":
        spans = _merge([*spans, Span(TEMPLATES["small"])])
    return spans


def flag_sentence(fact_id: str, fact: dict[str, Any], label: str) -> Sentence:
    """A series outside its seasonal expectation (verdict up or down)."""
    key = "flag_" + str(fact.get("verdict"))
    when = numbers.span(fact["window"]["start"], fact["window"]["end"])  # a month, or a shift's
    slots = {"label": label, "where": str(fact["area"]["name"]), "when": when}
    return fill(TEMPLATES[key], fact_id, fact, slots)


def words_only(text: str) -> Sentence:
    return [Span(text)]
