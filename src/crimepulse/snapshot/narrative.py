"""Sentences from templates filled with Facts; the words follow the verdicts.

A template is a string with `{placeholders}`. A placeholder naming a Fact field
(`{current}`, `{previous}`, `{change_pct}`, ...) becomes a number span pointing at the
Fact; any other placeholder is a word supplied by the caller (`{label}`, `{when}`,
`{vs}`). Which template is used depends only on the Fact's verdict: a change that is not
bigger than the series' usual variation is never written as a rise or a fall, and one
with too little history to judge says so (and why) rather than "no meaningful change".
The words of each verdict come from crimepulse.present.words; the series' usual range
("it moves ±6% in an ordinary year") stands beside every headline change that has one,
its figure a citation of the Fact's test (`stats.usual_change_pct`).
"""

from __future__ import annotations

import re
from typing import Any

from crimepulse.present import numbers, words
from crimepulse.snapshot.model import Sentence, Span

UP, DOWN, SAME = words.UP, words.DOWN, words.NO_CHANGE
UNJUDGED = words.NOT_ENOUGH_HISTORY

# The headline's sentences: the counts, the % on the test's basis ({per}: " a day" when
# the periods differ in length), and what the change means against the series' usual
# variation ({variation}, {usual_range}: words from present.words). {usual} is the ±
# figure, a citation of the Fact's stats.usual_change_pct.
TEMPLATES: dict[str, str] = {
    UP: "{Label} went up, {variation}: {counts} ({change_pct}{per}{usual_range}).",
    DOWN: "{Label} went down, {variation}: {counts} ({change_pct}{per}{usual_range}).",
    SAME: "{Label}: {counts}, {change_pct}{per}, {variation}{usual_range}.",
    UNJUDGED: "{Label}: {counts}, {change_pct}{per}; " + words.TOO_LITTLE_HISTORY + " ({reason}).",
    "untested": "{Label}: {current} in {when}.",
    "counts": "{current} in {when}, against {previous} {vs}",
    "counts per day": "{current} in {when} ({days} days), against {previous} {vs} "
    "({other_days} days)",
    "small": " " + words.SMALL_NUMBERS_SENTENCE,
    "ops_" + UP: "{Label}: {current} {when}, more than the {vs} average of {previous} "
    "a week ({change_pct}).",
    "ops_" + DOWN: "{Label}: {current} {when}, fewer than the {vs} average of {previous} "
    "a week ({change_pct}).",
    "ops_" + SAME: "{Label}: {current} {when}; the {vs} average was {previous} a week, "
    "so this is within the usual week-to-week range.",
    "ops_" + UNJUDGED: "{Label}: {current} {when}; the {vs} average was {previous} a week "
    "({change_pct}), " + words.TOO_LITTLE_HISTORY + ".",
    "ops_untested": "{Label}: {current} {when}.",
    # "What went well" tells a fall in other words than the headline that states it
    "well": "{Label} fell {variation}: down {change_pct}{per}, from {previous} {vs} to "
    "{current} in {when}{usual_range}.",
    "well_none": "Nothing in this snapshot fell by more than it usually moves from one period "
    "to the next, so no figure here can yet be called an improvement.",
    "improve_none": "Nothing in this snapshot rose by more than it usually moves from one "
    "period to the next, and no borough was above the range expected for the time of year.",
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
    "usual": "spread",
}
# Placeholders that cite a field of the Fact's test (its stats) rather than a top-level one.
STATS_FIELDS = {"usual": "stats.usual_change_pct"}
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
            spans.append(Span(fact=fact_id, field=STATS_FIELDS.get(name, name), style=style))
        elif name == "Label":
            label = slots["label"]
            spans.append(Span(label[:1].upper() + label[1:]))
        else:
            spans.append(Span(slots[name]))
        pos = match.end()
    if pos < len(template):
        spans.append(Span(template[pos:]))
    return _merge(spans)


def merged(spans: Sentence) -> Sentence:
    """Adjacent word spans joined (sentences built from parts)."""
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
    if verdict == UNJUDGED:
        return UNJUDGED
    return SAME if fact.get("test") else "untested"


def comparison_words(fact: dict[str, Any]) -> str:
    """ "in 2021", "in the week before" or "before": the Fact's comparison window."""
    comparison = fact.get("comparison") or {}
    window = comparison.get("window") or {}
    if not window:
        return "before"
    if comparison.get("kind") == "previous" and fact["window"].get("name") == "7d":
        return "in the week before"
    return f"in {numbers.span(window['start'], window['end'])}"


def change_sentence(fact_id: str, fact: dict[str, Any], label: str) -> Sentence:
    """One headline Fact as a sentence whose words match its verdict: the counts (and
    their days, when compared per day), the %, and the series' usual range beside it."""
    key = verdict_key(fact)
    when = numbers.span(fact["window"]["start"], fact["window"]["end"])
    days = words.period_days(fact) if words.basis(fact) == words.PER_DAY else None
    counts = TEMPLATES["counts per day" if days else "counts"]
    usual = words.usual_range(fact, "{usual}")
    usual_range = f" ({usual})" if key == SAME else f"; {usual}"
    slots = {
        "label": label,
        "when": when,
        "vs": comparison_words(fact),
        "per": words.BASIS_SUFFIX.get(words.basis(fact), ""),
        "variation": words.variation_words(fact),
        "reason": words.history_reason(fact),
        "days": str(days[0]) if days else "",
        "other_days": str(days[1]) if days else "",
    }
    template = TEMPLATES[key].replace("{counts}", counts)
    template = template.replace("{usual_range}", usual_range if usual else "")
    spans = fill(template, fact_id, fact, slots)
    if fact.get("small_counts"):
        spans = _merge([*spans, Span(TEMPLATES["small"])])
    return spans


def well_sentence(fact_id: str, fact: dict[str, Any], label: str) -> Sentence:
    """A meaningful fall, told for "What went well" (the headline states it differently)."""
    usual = words.usual_range(fact, "{usual}")
    slots = {
        "label": label,
        "when": numbers.span(fact["window"]["start"], fact["window"]["end"]),
        "vs": comparison_words(fact),
        "per": words.BASIS_SUFFIX.get(words.basis(fact), ""),
        "variation": words.variation_words(fact),
    }
    template = TEMPLATES["well"].replace("{usual_range}", f" ({usual})" if usual else "")
    spans = fill(template, fact_id, fact, slots)
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


# What one count of an operation's week is called after its number: (one, more than one).
OPS_NOUNS: dict[str, tuple[str, str]] = {
    "arrest": ("arrest", "arrests"),
    "charge": ("charged", "charged"),
    "conviction": ("conviction", "convictions"),
    "sentence": ("sentenced", "sentenced"),
    "firearm_recovered": ("firearm recovered", "firearms recovered"),
    "weapon_recovered": ("weapon recovered", "weapons recovered"),
    "drugs_seized": ("drug seizure", "drug seizures"),
    "county_line_closed": ("line closed", "lines closed"),
    "hostage_recovered": ("hostage recovered", "hostages recovered"),
    "warrant_executed": ("warrant executed", "warrants executed"),
    "cash_seized": ("cash seizure", "cash seizures"),
    "crimes_solved": ("crime solved", "crimes solved"),
}
# Each count against its operation's own previous 13 weeks, in words that follow the verdict.
OPS_AGAINST: dict[str, str] = {
    UP: "{noun}: more than usual (the average was {previous} a week, {change_pct})",
    DOWN: "{noun}: fewer than usual (the average was {previous} a week, {change_pct})",
    SAME: "{noun}: within the usual range (about {previous} a week)",
    UNJUDGED: "{noun}: " + words.TOO_LITTLE_HISTORY,
    "untested": "{noun}: no earlier weeks in the log to compare with",
    "none_before": "{noun}: none in any of the previous 13 weeks",
}


def ops_noun(fact: dict[str, Any]) -> str:
    one, many = OPS_NOUNS.get(fact["category"]["name"], (fact["unit"], fact["unit"]))
    return one if fact.get("current") == 1 else many


def operation_sentence(title: str, counts: list[tuple[str, dict[str, Any]]]) -> Sentence:
    """ "Robbery: 130 arrests, 13 charged, 28 crimes solved." from the operation's Facts."""
    spans: Sentence = [Span(f"{title}: ")]
    for n, (fact_id, fact) in enumerate(counts):
        if n:
            spans.append(Span(", "))
        style = count_style(fact.get("current"))
        spans += [Span(fact=fact_id, field="current", style=style), Span(" " + ops_noun(fact))]
    return _merge([*spans, Span(".")])


def operation_against(counts: list[tuple[str, dict[str, Any]]]) -> Sentence:
    """Each count of an operation against its own previous 13 weeks, one clause each."""
    if all(verdict_key(f) == "untested" for _, f in counts):
        return [Span("The log holds no earlier weeks to compare these with.")]
    spans: Sentence = [Span("Against the previous 13 weeks: ")]
    for n, (fact_id, fact) in enumerate(counts):
        if n:
            spans.append(Span("; "))
        key = verdict_key(fact)
        first = key not in ("untested", UNJUDGED) and fact.get("previous") == 0
        clause = OPS_AGAINST["none_before" if first else key]
        noun = OPS_NOUNS.get(fact["category"]["name"], (fact["unit"], fact["unit"]))[1]
        spans += fill(clause, fact_id, fact, {"noun": noun})
    spans.append(Span("."))
    small = any(f.get("small_counts") and verdict_key(f) != "untested" for _, f in counts)
    if small:
        spans.append(Span(TEMPLATES["small"]))
    return _merge(spans)


def entry_sentence(fact_id: str, fact: dict[str, Any]) -> Sentence:
    """An entry's public summary (the log's approved words); its count, where the summary
    states it in figures, is the Fact's number rather than the text's."""
    summary = str((fact.get("notes") or [""])[0]).strip()
    summary = summary[:1].upper() + summary[1:]
    current = fact.get("current")
    figure = None if current is None else f"{int(current):,}"
    match = re.search(rf"(?<![\d,.£]){re.escape(figure)}(?![\d,.])", summary) if figure else None
    if match is None:
        return _merge([Span(summary), Span("" if summary.endswith(".") else ".")])
    style = "count"  # as the summary wrote it: in figures
    spans = [
        Span(summary[: match.start()]),
        Span(fact=fact_id, field="current", style=style),
        Span(summary[match.end() :] + ("" if summary.endswith(".") else ".")),
    ]
    return _merge([s for s in spans if s.fact or s.text])


def flag_sentence(fact_id: str, fact: dict[str, Any], label: str) -> Sentence:
    """A series outside its seasonal expectation (verdict up or down)."""
    key = "flag_" + str(fact.get("verdict"))
    when = numbers.span(fact["window"]["start"], fact["window"]["end"])  # a month, or a shift's
    slots = {"label": label, "where": str(fact["area"]["name"]), "when": when}
    return fill(TEMPLATES[key], fact_id, fact, slots)


def words_only(text: str) -> Sentence:
    return [Span(text)]


# The honest position against reference periods (analysis/position.py): "above its low
# of 2020–21" and "above / below its 2017–19 level" only as each Fact's verdict says; a
# change within usual variation is "not clearly away from that low", "not measurably
# different" from the baseline (three baseline years leave a wide range: never "back to").
POSITION_TEMPLATES: dict[str, str] = {
    "low_" + UP: "{Label} in {when} was above its low of {low_years}, by more than it "
    "usually moves: {current} against {previous} in {low} ({change_pct}).",
    "low_" + DOWN: "{Label} in {when} was below even its low of {low_years}, by more than it "
    "usually moves: {current} against {previous} in {low} ({change_pct}).",
    "low_" + SAME: "{Label} in {when}: {current} against {previous} in {low}, its lowest "
    "year of {low_years} ({change_pct}); within its usual variation, so not clearly "
    "away from that low.",
    "low_" + UNJUDGED: "{Label} in {when}: {current} against {previous} in {low}, its "
    "lowest year of {low_years} ({change_pct}); " + words.TOO_LITTLE_HISTORY + ".",
    "baseline_" + UP: "Against {years}: above that level, beyond those years' own spread "
    "({current} against an average of {previous}, {change_pct}).",
    "baseline_" + DOWN: "Against {years}: still below that level, beyond those years' own "
    "spread ({current} against an average of {previous}, {change_pct}).",
    "baseline_" + SAME: "Against {years}: not measurably different from it, within those "
    "years' own spread ({current} against an average of {previous}, {change_pct}).",
    "baseline_" + UNJUDGED: "Against {years}: {current} against an average of {previous} "
    "({change_pct}); " + words.TOO_LITTLE_HISTORY + ".",
}


def _years(first: int, last: int) -> str:
    """2017, 2019 -> "2017–19"; 2020, 2020 -> "2020"."""
    if first == last:
        return str(first)
    tail = str(last)[2:] if str(last)[:2] == str(first)[:2] else str(last)
    return f"{first}–{tail}"


def position_sentences(
    low_id: str,
    low: dict[str, Any],
    baseline_id: str,
    baseline: dict[str, Any],
    label: str,
    low_years: tuple[int, int],
    baseline_years: tuple[int, int],
) -> tuple[Sentence, Sentence]:
    """The latest window against its lowest year of `low_years`, then against the average
    of `baseline_years`: the words follow each Fact's own verdict."""
    slots = {
        "label": label,
        "when": numbers.span(low["window"]["start"], low["window"]["end"]),
        "low": numbers.span(
            low["comparison"]["window"]["start"], low["comparison"]["window"]["end"]
        ),
        "low_years": _years(*low_years),
        "years": f"its {_years(*baseline_years)} level",
    }

    def key(fact: dict[str, Any]) -> str:
        found = verdict_key(fact)
        return UNJUDGED if found == "untested" else found

    first = fill(POSITION_TEMPLATES["low_" + key(low)], low_id, low, slots)
    second = fill(POSITION_TEMPLATES["baseline_" + key(baseline)], baseline_id, baseline, slots)
    return first, second


def national_difference_sentence(
    fact_id: str, fact: dict[str, Any], label: str, place: str, rest: str
) -> Sentence:
    """Whether the force and the rest of the country moved differently: said only when the
    difference of their changes is beyond both series' usual variation (its Fact's
    verdict, stats.contrast); "against the national trend" only when they also moved in
    opposite directions."""
    key = verdict_key(fact)
    a = Span(fact=fact_id, field="current", style="pct")
    b = Span(fact=fact_id, field="previous", style="pct")
    name = label[:1].upper() + label[1:]
    if key in (UP, DOWN):
        opposite = (float(fact["current"]) > 0) != (float(fact["previous"]) > 0)
        if opposite:
            how = "against the national trend"
        else:
            how = "faster than the rest" if key == UP else "more slowly than the rest"
        lead = f"{name}: {place} moved {how}, beyond both series' usual variation ("
        return _merge([Span(lead), a, Span(f" in {place}, "), b, Span(f" in {rest}).")])
    if key == UNJUDGED:
        text = f"{name}: too little history to say whether {place} ("
        return _merge([Span(text), a, Span(f") and {rest} ("), b, Span(") moved differently.")])
    return _merge(
        [
            Span(f"{name}: {place} ("),
            a,
            Span(f") and {rest} ("),
            b,
            Span(
                ") moved within their usual variation of each other, so this is not a "
                "different trend."
            ),
        ]
    )
