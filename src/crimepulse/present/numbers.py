"""Numbers as people write them: the one place any face turns a Fact's value into text.

The CLI, the pages and the snapshot's renderers never format numbers themselves; they
call these functions (or `fmt(value, style)`). Keeping every style here means the tests
can format a Fact's value the same way and find it in the output, and a change of house
style is one edit. The house rules: counts with thousands separators, a percentage change
with a true minus sign (U+2212) and one decimal only below 10%, a p-value to two
significant figures with "p < 0.001" below that.
"""

from __future__ import annotations

import calendar
import math
from datetime import date

MINUS = "\u2212"
_WORDS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


def count(value: float | None) -> str:
    """A whole count: 27,663 (thousands separators)."""
    if value is None:
        return "n/a"
    return f"{round(value):,}"


def words(value: float | None) -> str:
    """A small count in words ("five"), larger ones in figures ("27,663")."""
    if value is None:
        return "n/a"
    n = round(value)
    return _WORDS[n] if 0 <= n < len(_WORDS) else f"{n:,}"


def mean(value: float | None) -> str:
    """An average of counts: whole above 100, else one decimal (12.3)."""
    if value is None:
        return "n/a"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{round(value):,}"
    return f"{value:,.1f}"


def pct(value: float | None, signed: bool = True) -> str:
    """A percentage change rounded sensibly: −17%, +4.2%, 0%; a true minus sign."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    digits = 1 if abs(value) < 10 else 0
    text = f"{abs(value):.{digits}f}"
    if text.endswith(".0"):
        text = text[:-2]
    if float(text) == 0:
        return "0%"
    sign = (MINUS if value < 0 else "+") if signed else ""
    return f"{sign}{text}%"


def spread(value: float | None) -> str:
    """A usual range either side of nothing: ±6%, ±2.5% (a series' ordinary variation, one
    standard deviation, so it has no sign of its own)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return "±" + pct(value, signed=False)


def share(value: float | None) -> str:
    """A proportion (0..1) as a percentage: 23%."""
    if value is None:
        return "n/a"
    return pct(100 * value, signed=False)


def signed_count(value: float | None) -> str:
    """A change in a count: +12, −3 (true minus), 0."""
    if value is None:
        return "n/a"
    if round(value) == 0:
        return "0"
    return ("+" if value > 0 else MINUS) + count(abs(value))


def signed_mean(value: float | None) -> str:
    """A change in an average (crimes a day): +169, +0.4, −12.5 (true minus), 0."""
    if value is None:
        return "n/a"
    text = mean(abs(value))
    if float(text.replace(",", "")) == 0:
        return "0"
    return ("+" if value > 0 else MINUS) + text


def probability(value: float | None) -> str:
    """A p- or q-value on its own (a table cell): 0.16, 0.003, < 0.001."""
    if value is None:
        return "n/a"
    if value < 0.001:
        return "< 0.001"
    return f"{value:.2g}" if value < 0.1 else f"{value:.2f}"


def p_value(value: float | None) -> str:
    """p = 0.16, p = 0.003, p < 0.001."""
    return _labelled("p", value)


def q_value(value: float | None) -> str:
    """A false-discovery-rate adjusted p-value: q = 0.04, q < 0.001."""
    return _labelled("q", value)


def _labelled(name: str, value: float | None) -> str:
    text = probability(value)
    if value is None:
        return text
    return f"{name} {text}" if text.startswith("<") else f"{name} = {text}"


def significant(value: float, digits: int = 2) -> str:
    """A value to `digits` significant figures, as Python writes it (0.0041, 1.2e-05): the
    snapshot's Fact notes give q-values so, unlike `q_value` on the pages."""
    return f"{value:.{digits}g}"


def rate(value: float | None) -> str:
    """A rate per 1,000 residents: two significant decimals."""
    if value is None:
        return "n/a"
    return f"{value:,.2f}"


def ratio(value: float | None) -> str:
    """A ratio of two rates (a confidence interval's end): two decimals, 0.43."""
    if value is None:
        return "n/a"
    return f"{value:,.2f}"


def week(iso_week: str) -> str:
    """An ISO week as its days: 2026-W48 -> 23–29 November 2026; 30 November – 6 December
    2026 across a month; 29 December 2025 – 4 January 2026 across a year."""
    year, _, number = iso_week.partition("-W")
    start = date.fromisocalendar(int(year), int(number), 1)
    end = date.fromisocalendar(int(year), int(number), 7)
    if start.month == end.month:
        return f"{start.day}–{end.day} {_MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} – {day(end.isoformat())}"
    return f"{day(start.isoformat())} – {day(end.isoformat())}"


def month(iso: str) -> str:
    """2024-02-01 -> February 2024."""
    d = date.fromisoformat(iso[:10])
    return f"{_MONTHS[d.month - 1]} {d.year}"


def day(iso: str) -> str:
    """2024-02-05 -> 5 February 2024."""
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def span(start: str, end: str) -> str:
    """A window in words: "2022" for a calendar year, "January to June 2024", a month,
    or a day range."""
    s, e = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    last_day = e.replace(day=calendar.monthrange(e.year, e.month)[1])
    if s.day == 1 and e == last_day:
        if s.month == 1 and e.month == 12 and s.year == e.year:
            return str(s.year)
        if (s.year, s.month) == (e.year, e.month):
            return month(start)
        if s.year == e.year:
            return f"{_MONTHS[s.month - 1]} to {_MONTHS[e.month - 1]} {e.year}"
        return f"{month(start)} to {month(end)}"
    if s == e:
        return day(start)
    if s.year == e.year and s.month == e.month:
        return f"{s.day} to {day(end)}"
    if s.year == e.year:
        return f"{s.day} {_MONTHS[s.month - 1]} to {day(end)}"
    return f"{day(start)} to {day(end)}"


STYLES = {
    "count": count,
    "words": words,
    "mean": mean,
    "pct": pct,
    "share": share,
    "spread": spread,
    "p": p_value,
    "q": q_value,
    "rate": rate,
    "ratio": ratio,
}


def fmt(value: object, style: str) -> str:
    """Format one Fact field in a named style (see STYLES)."""
    if style not in STYLES:
        raise ValueError(f"unknown number style {style!r}")
    number = None if value is None else float(value)  # type: ignore[arg-type]
    return STYLES[style](number)
