"""The builder's "where we must improve" sets the lead category against its covid-era low
and its 2017–19 level (analysis/position.py) only when it rose from that low by more than
its usual variation: robbery doubles in Hackney in 2023, and is flat in 2022."""

from __future__ import annotations

from crimepulse.api import Crimepulse


def improve_texts(cp: Crimepulse, as_of: str) -> tuple[list[str], dict]:  # type: ignore[type-arg]
    snap = cp.snapshot("month", as_of, "robbery", oplog=False, charts=False)
    section = next(s for s in snap.sections if s.key == "improve")
    return [snap.text(b.spans) for b in section.blocks], snap.facts


def test_a_rise_from_the_covid_low_is_where_we_must_improve(cp: Crimepulse) -> None:
    texts, facts = improve_texts(cp, "2023-12")
    said = [t for t in texts if "above its low of 2020–21" in t]
    assert said == [
        "Robbery in 2023 was above its low of 2020–21, by more than it usually moves: "
        "720 against 540 in 2020 (+33%)."
    ]
    assert texts[texts.index(said[0]) + 1].startswith("Against its 2017–19 level: above")
    lows = [f for f in facts.values() if f["comparison"]["kind"] == "lowest year"]
    assert len(lows) == 1 and lows[0]["verdict"] == "up"  # the sentence cites its Fact


def test_no_rise_from_the_low_says_nothing_of_it(cp: Crimepulse) -> None:
    texts, facts = improve_texts(cp, "2022-12")
    assert not any("low of 2020–21" in t for t in texts)
    assert not any(f["comparison"]["kind"] == "lowest year" for f in facts.values())
