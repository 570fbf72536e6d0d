"""Words and marks for a verdict: the one place that turns a Fact's verdict into what a
reader sees, on a page, in the CLI or in a snapshot.

The house rule is that "up" and "down" (and ▲, ▼) appear only when the verdict says the
change is bigger than the series' usual variation (how much the same period moved in
earlier years); every other change is "no meaningful change", however large the
percentage, and a percentage never appears without the counts it was computed from.
Where the usual variation could not be estimated the verdict is "not enough history",
written "too little history to judge", with the reason, and marked differently from "no
meaningful change" (we did not find no change: we could not judge). The usual range
("it moves ±6% in an ordinary year") is printed beside a change where a reader would
weigh one against the other, and the exact Poisson test is quoted only as a labelled
second opinion ("the counts differ beyond chance"), never as the verdict. The % printed
is always the Fact's `change_pct`, on the test's basis (per day when the periods'
lengths differ), so "up" never stands beside a minus sign. Small counts say so. Numbers
are formatted by `present.numbers`, so a page, the CLI and a snapshot print the same
figure the same way.

A Fact reaches this module as a dictionary: its `as_dict()`, or a grid row (flat, with
the same names); the test's details (`usual_change_pct`, `poisson_p_value`,
`change_basis`, `history`) are read from the row itself or from the Fact's `stats`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from crimepulse.core.reference.forces import force
from crimepulse.present import numbers

UP, DOWN = "up", "down"  # the two meaningful verdicts, which are also their words
NO_CHANGE = "no meaningful change"  # what every judged, unmeaningful verdict (or none) is called
NOT_ENOUGH_HISTORY = "not enough history"  # the verdict when the usual variation is unknown
TOO_LITTLE_HISTORY = "too little history to judge"  # ... and its words
TOO_LITTLE_HISTORY_SHORT = "too little history"  # ... in a table cell
MARKS = {UP: ("▲", UP), DOWN: ("▼", DOWN)}
NO_MARK = "–"  # an en dash: no meaningful change
NO_HISTORY_MARK = "○"  # an empty circle: no verdict could be given
SMALL_NUMBERS = "small numbers"  # the tag beside a figure counted from small numbers
SMALL_NUMBERS_SENTENCE = "These are small numbers, so a few more or fewer make a large percentage."
SMALL_COUNTS = "small counts"  # the same warning in a Fact's one-line note
#: The fewest comparable periods from which a series' usual variation is estimated
#: (crimepulse.stats.dispersion.MIN_HISTORY; tests/present checks the two agree).
MIN_HISTORY = 3
PER_DAY, PER_RESIDENT, PER_WEEK, COUNTS = "per day", "per resident", "per week", "counts"
#: What follows a % change on each basis ("+9.9% a day"); counts and weeks need nothing.
BASIS_SUFFIX = {PER_DAY: " a day", PER_RESIDENT: " per resident"}

# How far apart the periods of a series' history are, by window: the history of a
# window is the same window in earlier years, so its usual change is year-to-year.
_ORDINARY = {
    "year": "in an ordinary year",
    "fy": "in an ordinary year",
    "ytd": "in an ordinary year",
    "12m": "in an ordinary year",
    "month": "between the same month of ordinary years",
    "quarter": "between the same quarter of ordinary years",
    "28d": "between the same 28 days of ordinary years",
    "7d": "between the same week of ordinary years",
    "week": "between the same week of ordinary years",
    "day": "between the same day of ordinary years",
}
_ORDINARY_PERIOD = "between the same period of ordinary years"
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def meaningful(verdict: str | None) -> bool:
    """Whether a verdict may be written as a rise or a fall."""
    return verdict in MARKS


def judged(verdict: str | None) -> bool:
    """Whether a verdict was reached at all ("not enough history" is the one that was not)."""
    return verdict != NOT_ENOUGH_HISTORY


def verdict_words(verdict: str | None) -> str:
    """ "up", "down", "too little history to judge" or "no meaningful change"."""
    if verdict == NOT_ENOUGH_HISTORY:
        return TOO_LITTLE_HISTORY
    return MARKS[verdict][1] if verdict in MARKS else NO_CHANGE


def mark(verdict: str | None) -> str:
    """▲ for up, ▼ for down, ○ for too little history, an en dash for anything else."""
    if verdict == NOT_ENOUGH_HISTORY:
        return NO_HISTORY_MARK
    return MARKS[verdict][0] if verdict in MARKS else NO_MARK


# -- what the test knew -------------------------------------------------------------------


def stat(fact: dict[str, Any], key: str) -> Any:
    """One of the test's details: from a grid row's own columns, else the Fact's stats."""
    if fact.get(key) is not None:
        return fact[key]
    return (fact.get("stats") or {}).get(key)


def basis(fact: dict[str, Any]) -> str:
    """What the % change is of: "counts", "per day", "per resident" or "per week"."""
    return str(stat(fact, "change_basis") or COUNTS)


def _window_name(fact: dict[str, Any]) -> str:
    window = fact.get("window")
    return str(window.get("name", "")) if isinstance(window, dict) else str(window or "")


def _weeks_history(fact: dict[str, Any]) -> bool:
    """Whether the history is of consecutive weeks (the outcomes log's recent weeks), not
    the same period in earlier years."""
    kind = str((fact.get("comparison") or {}).get("kind", ""))
    return basis(fact) == PER_WEEK and "weeks" in kind


def ordinary(fact: dict[str, Any]) -> str:
    """How far apart two ordinary periods of this series are, in words: "in an ordinary
    year", "between the same month of ordinary years", "between ordinary weeks"."""
    if _weeks_history(fact):
        return "between ordinary weeks"
    return _ORDINARY.get(_window_name(fact), _ORDINARY_PERIOD)


def kind_of_variation(fact: dict[str, Any]) -> str:
    """ "year-to-year", or "week-to-week" for the outcomes log's recent weeks."""
    return "week-to-week" if _weeks_history(fact) else "year-to-year"


def usual_range(fact: dict[str, Any], figure: str | None = None) -> str:
    """ "it moves ±6% in an ordinary year": one standard deviation of the change between
    two ordinary periods of this series (about two ordinary changes in three are smaller).
    Empty when the test measured none. `figure` replaces the formatted ± figure (the
    snapshot puts a placeholder there, so the number stays a citation of the Fact)."""
    usual = stat(fact, "usual_change_pct")
    if usual is None:
        return ""
    return f"it moves {figure or numbers.spread(float(usual))} {ordinary(fact)}"


def _history_length(fact: dict[str, Any]) -> int | None:
    history = stat(fact, "history")
    return None if history is None else len(history)


def history_reason(fact: dict[str, Any]) -> str:
    """Why a Fact has no verdict: "only two earlier years of this period, and it takes
    three to learn how much it usually moves"."""
    n = _history_length(fact)
    unit = "weeks" if _weeks_history(fact) else "years"
    need = f"it takes {_NUMBER_WORDS[MIN_HISTORY]} to learn how much it usually moves"
    if n is None:
        return f"too few earlier {unit} of this period: {need}"
    if n == 0:
        return f"no earlier {unit[:-1]} of this period to learn how much it usually moves"
    count = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    one = unit[:-1] if n == 1 else unit
    return f"only {count} earlier {one} of this period, and {need}"


def variation_words(fact: dict[str, Any]) -> str:
    """How the change stands against the series' usual variation, in words.

    Up or down: "by more than its usual year-to-year variation". No meaningful change:
    "within the usual variation of this series" when the change is inside the usual ±
    range, else "not clearly beyond the usual variation of this series" (larger than an
    ordinary change, but not by enough to rule ordinary variation out with the history
    there is, across the table). Not enough history: "too little history to judge"."""
    verdict = fact.get("verdict")
    if verdict == NOT_ENOUGH_HISTORY:
        return TOO_LITTLE_HISTORY
    if meaningful(verdict):
        return f"by more than its usual {kind_of_variation(fact)} variation"
    usual, pct = stat(fact, "usual_change_pct"), fact.get("change_pct")
    if usual is not None and pct is not None and abs(float(pct)) > float(usual):
        return "not clearly beyond the usual variation of this series"
    return "within the usual variation of this series"


def judgement(fact: dict[str, Any]) -> str:
    """The % change and what it means, in one phrase: "+3.1%, within the usual variation
    of this series (it moves ±6% in an ordinary year)", "+21%, by more than its usual
    year-to-year variation (it moves ±6% in an ordinary year)", "+9.9% a day, too little
    history to judge (only two earlier years of this period, and it takes three ...)"."""
    pct = numbers.pct(fact.get("change_pct")) + BASIS_SUFFIX.get(basis(fact), "")
    verdict = fact.get("verdict")
    if verdict == NOT_ENOUGH_HISTORY:
        return f"{pct}, {TOO_LITTLE_HISTORY} ({history_reason(fact)})"
    usual = usual_range(fact)
    return f"{pct}, {variation_words(fact)}" + (f" ({usual})" if usual else "")


def second_opinion(fact: dict[str, Any]) -> str:
    """The exact Poisson test's answer, labelled as the weaker claim it is: "the counts
    differ beyond chance (exact Poisson p < 0.001), but not clearly by more than the
    series' usual variation". Empty when the Fact carries none."""
    p = stat(fact, "poisson_p_value")
    if p is None:
        return ""
    opinion = stat(fact, "poisson_verdict")
    differ = meaningful(opinion) if opinion is not None else float(p) < 0.05
    exact = f"exact Poisson {numbers.p_value(float(p))}"
    verdict = fact.get("verdict")
    if not differ and verdict == NOT_ENOUGH_HISTORY:
        return f"the counts do not even differ beyond chance ({exact})"
    if not differ:
        return f"the counts do not differ beyond chance either ({exact})"
    if meaningful(verdict):
        return f"the counts also differ beyond chance ({exact})"
    if verdict == NOT_ENOUGH_HISTORY:
        return (
            f"the counts differ beyond chance ({exact}), but without enough history we "
            "cannot say whether that is more than the series' usual variation"
        )
    return (
        f"the counts differ beyond chance ({exact}), but not clearly by more than the "
        "series' usual variation"
    )


def _days(window: Any) -> int | None:
    if not isinstance(window, dict) or not window.get("start") or not window.get("end"):
        return None
    start, end = (
        date.fromisoformat(str(window["start"])[:10]),
        date.fromisoformat(str(window["end"])[:10]),
    )
    return (end - start).days + 1


def period_days(fact: dict[str, Any]) -> tuple[int, int] | None:
    """(days counted, days compared with), when the Fact names both windows."""
    mine = _days(fact.get("window"))
    other = _days((fact.get("comparison") or {}).get("window"))
    return None if mine is None or other is None else (mine, other)


def per_day(fact: dict[str, Any], current: str | None = None, previous: str | None = None) -> str:
    """For a Fact compared per day: "+9.9% a day: 52,368 in 28 days against 52,743 in 31".
    Empty for any other basis. `current` and `previous` replace the formatted counts."""
    days = period_days(fact)
    if basis(fact) != PER_DAY or days is None:
        return ""
    cur = current or numbers.count(fact.get("current"))
    prev = previous or numbers.count(fact.get("previous"))
    pct = numbers.pct(fact.get("change_pct"))
    return f"{pct} a day: {cur} in {days[0]} days against {prev} in {days[1]}"


def how_we_know(fact: dict[str, Any]) -> str:
    """The Fact's test in plain words, for a detail line or a tooltip: what the change was
    judged against, the p-value, and the second opinion."""
    parts = []
    verdict = fact.get("verdict")
    n = _history_length(fact)
    if verdict == NOT_ENOUGH_HISTORY:
        parts.append(f"No verdict: {history_reason(fact)}.")
    elif stat(fact, "usual_change_pct") is not None or stat(fact, "dispersion") is not None:
        unit = "weeks" if _weeks_history(fact) else "years"
        against = f" ({n} earlier {unit} of this period)" if n else ""
        usual = usual_range(fact)
        tail = f": {usual}" if usual else ""
        p = numbers.p_value(fact.get("p_value"))
        q = fact.get("q_value")
        q_text = f", {numbers.q_value(q)} across the table" if q is not None else ""
        parts.append(
            f"Judged against how much this series usually moves{against}{tail} ({p}{q_text})."
        )
    elif fact.get("p_value") is not None:
        parts.append(f"{fact.get('test') or 'Tested'}: {numbers.p_value(fact.get('p_value'))}.")
    second = second_opinion(fact)
    if second:
        parts.append(f"Second opinion: {second}.")
    return " ".join(parts)


# -- a comparison as a reader sees it -----------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A comparison as a reader sees it: both counts, the % change, a mark, words, the
    series' usual range and how we know."""

    current: str
    previous: str
    change: str  # "+4,860", or "+169 a day" when compared per day
    pct: str  # "+21%", or "+9.9% a day"
    verdict: str  # up | down | no meaningful change | not enough history
    mark: str  # ▲, ▼, ○ or an en dash
    words: str  # "up 12%" / "down 3.4% a day" / "no meaningful change" / "too little history"
    small: bool
    p: str
    q: str
    usual: str = ""  # "it moves ±6% in an ordinary year", or nothing
    spread: str = ""  # "±6%", the same range on its own (a table cell), or nothing
    variation: str = ""  # "within the usual variation of this series", ...
    how: str = ""  # the test in plain words, with the second opinion
    detail: str = ""  # "+9.9% a day: 52,368 in 28 days against 52,743 in 31", or nothing

    @property
    def css(self) -> str:
        return {UP: "rise", DOWN: "fall", NOT_ENOUGH_HISTORY: "unjudged"}.get(self.verdict, "flat")

    @property
    def small_words(self) -> str:
        """ "small numbers" when the counts are small, else nothing."""
        return SMALL_NUMBERS if self.small else ""

    @property
    def title(self) -> str:
        """Everything behind the cell in one line (a tooltip): the change, what it means,
        how we know."""
        head = self.detail or f"{self.current} against {self.previous} ({self.pct})"
        if self.verdict == NOT_ENOUGH_HISTORY:
            return f"{head}: {TOO_LITTLE_HISTORY}. {self.how}".strip()
        return f"{head}: {self.words}, {self.variation}. {self.how}".strip()


def _per_day_change(fact: dict[str, Any]) -> str:
    """The change in crimes a day, "+169 a day" ("n/a" without both windows' lengths)."""
    days = period_days(fact)
    cur, prev = fact.get("current"), fact.get("previous")
    if days is None or cur is None or prev is None:
        return "n/a"
    return numbers.signed_mean(float(cur) / days[0] - float(prev) / days[1]) + " a day"


def _spread(fact: dict[str, Any]) -> str:
    usual = stat(fact, "usual_change_pct")
    return "" if usual is None else numbers.spread(float(usual))


def change(fact: dict[str, Any]) -> Change:
    """The Change of a Fact (its `as_dict()`, or a grid row with the same fields)."""
    verdict = str(fact.get("verdict") or NO_CHANGE)
    suffix = BASIS_SUFFIX.get(basis(fact), "")
    pct = numbers.pct(fact.get("change_pct"))
    if basis(fact) == PER_DAY:
        delta_text = _per_day_change(fact)
    else:
        delta = fact.get("change")
        if delta is None and fact.get("current") is not None and fact.get("previous") is not None:
            delta = float(fact["current"]) - float(fact["previous"])
        delta_text = numbers.signed_count(None if delta is None else float(delta))
    if meaningful(verdict):
        text = f"{verdict_words(verdict)} {pct.lstrip('+').lstrip(numbers.MINUS)}{suffix}"
    elif verdict == NOT_ENOUGH_HISTORY:
        text = TOO_LITTLE_HISTORY_SHORT
    else:
        text = NO_CHANGE
    return Change(
        current=numbers.count(fact.get("current")),
        previous=numbers.count(fact.get("previous")),
        change=delta_text,
        pct=pct + suffix,
        verdict=verdict,
        mark=mark(verdict),
        words=text,
        small=bool(fact.get("small_counts")),
        p=numbers.p_value(fact.get("p_value")),
        q=numbers.q_value(fact.get("q_value")),
        usual=usual_range(fact),
        spread=_spread(fact),
        variation=variation_words(fact),
        how=how_we_know(fact),
        detail=per_day(fact),
    )


def sentence(label: str, where: str, fact: dict[str, Any], span: str, vs: str) -> str:
    """One plain sentence: "Robbery in Camden is up 21% in 2022, by more than its usual
    year-to-year variation (it moves ±6% in an ordinary year): 27,663 against 22,803 in
    2021, p < 0.001." or "... shows no meaningful change in 2022: 112 against 135 in 2021,
    −17%, within the usual variation of this series (...); p = 0.16."; a Fact with no
    verdict gives its counts and says why there is none."""
    c = change(fact)
    usual = f" ({c.usual})" if c.usual else ""
    days = period_days(fact) if c.detail else None
    if days is not None:  # compared per day: say how many days each count is of
        counts = f"{c.current} in {days[0]} days against {c.previous} in {days[1]} in {vs}"
    else:
        counts = f"{c.current} against {c.previous} in {vs}"
    if meaningful(c.verdict):
        head = f"{label} in {where} is {c.words} in {span}, {c.variation}{usual}"
        tail = f"{counts}, {c.p}"
    elif c.verdict == NOT_ENOUGH_HISTORY:
        head = f"{label} in {where} in {span}"
        tail = f"{counts}, {c.pct}; {TOO_LITTLE_HISTORY}: {history_reason(fact)}"
    else:
        head = f"{label} in {where} shows {NO_CHANGE} in {span}"
        tail = f"{counts}, {c.pct}, {c.variation}{usual}; {c.p}"
    small = "; the numbers are small, so read them with care" if c.small else ""
    return f"{head}: {tail}{small}."


def place(area: dict[str, Any]) -> str:
    """Where a Fact counted, as a reader says it: a force's whole area is its place, "London
    (Metropolitan Police area)", not the force's name; a borough or ward its own name."""
    name = str(area.get("name") or "")
    if area.get("level") != "force" or not area.get("force"):
        return name
    record = force(str(area["force"]))
    return f"{record.place} ({record.name} area)"


def label(category: str) -> str:
    """A category's name as a heading: 'ROBBERY' -> 'Robbery', 'violence-and-sexual' ->
    'Violence and sexual'."""
    text = category.replace("-", " ").strip()
    return text[:1].upper() + text[1:].lower() if text else text
