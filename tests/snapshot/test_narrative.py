"""Sentences of the operational section: the words follow the Facts' verdicts, and every
number is a span of a Fact, even inside the log's own summaries."""

from __future__ import annotations

from typing import Any

from crimepulse.snapshot import narrative


def _fact(category: str, current: int, verdict: str | None, previous: float | None = None) -> Any:
    return {
        "category": {"name": category},
        "unit": category,
        "current": current,
        "previous": previous,
        "change_pct": round(100 * (current / previous - 1), 1) if previous else None,
        "verdict": verdict,
        "test": "quasi-Poisson" if verdict else None,
        "small_counts": False,
        "notes": [],
    }


def _text(spans: list[Any], facts: dict[str, Any]) -> str:
    return "".join(s.render(facts) for s in spans)


def test_an_entry_summary_cites_its_count_where_it_states_it() -> None:
    fact = {**_fact("arrest", 18, None), "notes": ["£18 seized and 18 people arrested"]}
    spans = narrative.entry_sentence("f-1", fact)
    assert [s.fact for s in spans] == [None, "f-1", None]  # the count, not the "£18"
    assert spans[0].text == "£18 seized and "
    assert _text(spans, {"f-1": fact}) == "£18 seized and 18 people arrested."
    quiet = {**_fact("county_line_closed", 3, None), "notes": ["lines closed in Kent"]}
    unstated = narrative.entry_sentence("f-2", quiet)
    assert [s.fact for s in unstated] == [None] and unstated[0].text == "Lines closed in Kent."


def test_each_count_is_judged_in_words_that_follow_its_verdict() -> None:
    facts = {
        "a": _fact("arrest", 130, "no meaningful change", 121.3),
        "c": _fact("charge", 13, "down", 49.6),
        "h": _fact("hostage_recovered", 1, None),
    }
    line = narrative.operation_sentence("Robbery", list(facts.items()))
    assert _text(line, facts) == "Robbery: 130 arrests, 13 charged, one hostage recovered."
    against = _text(narrative.operation_against(list(facts.items())), facts)
    assert against == (
        "Against the previous 13 weeks: arrests: within the usual range (about 121 a week); "
        "charged: fewer than usual (the average was 49.6 a week, −74%); hostages recovered: "
        "no earlier weeks in the log to compare with."
    )
    new = {"n": _fact("charge", 7, "up", 0.0)}
    first = _text(narrative.operation_against(list(new.items())), new)
    assert first == "Against the previous 13 weeks: charged: none in any of the previous 13 weeks."
    alone = narrative.operation_against([("h", facts["h"])])
    assert _text(alone, facts) == "The log holds no earlier weeks to compare these with."
    for word in narrative.CHANGE_WORDS:  # no change word where the verdict is not a change
        assert word not in _text(narrative.operation_against([("a", facts["a"])]), facts)
