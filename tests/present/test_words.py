"""Verdict words and marks: "up"/"down" and ▲/▼ only for a meaningful change; everything
else is "no meaningful change"; small counts are flagged; numbers come from `numbers`."""

from __future__ import annotations

from typing import Any

import pytest

from crimepulse.present import numbers, words


def _fact(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "current": 27663,
        "previous": 22803,
        "change_pct": 21.31,
        "verdict": "up",
        "p_value": 0.0001,
        "q_value": 0.02,
        "small_counts": False,
    }
    return {**base, **fields}


@pytest.mark.parametrize(
    ("verdict", "meaningful", "said", "mark"),
    [
        ("up", True, "up", "▲"),
        ("down", True, "down", "▼"),
        ("no meaningful change", False, "no meaningful change", "–"),
        (None, False, "no meaningful change", "–"),
        ("rising", False, "no meaningful change", "–"),  # a trend's word is not a verdict
    ],
)
def test_words_and_marks_follow_the_verdict(
    verdict: str | None, meaningful: bool, said: str, mark: str
) -> None:
    assert words.meaningful(verdict) is meaningful
    assert words.verdict_words(verdict) == said
    assert words.mark(verdict) == mark


def test_a_meaningful_rise() -> None:
    c = words.change(_fact())
    assert (c.current, c.previous, c.change) == ("27,663", "22,803", "+4,860")
    assert (c.pct, c.words, c.mark, c.css) == ("+21%", "up 21%", "▲", "rise")
    assert (c.p, c.q) == ("p < 0.001", "q = 0.02")


def test_a_fall_is_written_without_its_sign() -> None:
    c = words.change(_fact(current=112, previous=135, change_pct=-17.04, verdict="down"))
    assert c.pct == f"{numbers.MINUS}17%" and c.change == f"{numbers.MINUS}23"
    assert (c.words, c.mark, c.css) == ("down 17%", "▼", "fall")


def test_a_large_change_that_is_not_meaningful_says_so() -> None:
    c = words.change(
        _fact(current=4, previous=2, change_pct=100.0, verdict=None, small_counts=True)
    )
    assert (c.verdict, c.words, c.mark, c.css) == (
        "no meaningful change",
        words.NO_CHANGE,
        "–",
        "flat",
    )
    assert c.pct == "+100%" and c.small and c.small_words == "small numbers"
    assert words.change(_fact()).small_words == ""


def test_the_sentence_keeps_words_and_verdict_together() -> None:
    up = words.sentence("Robbery", "Camden", _fact(), "2022", "2021")
    assert up == "Robbery in Camden is up 21% in 2022: 27,663 against 22,803 in 2021, p < 0.001."
    flat = words.sentence(
        "Homicide",
        "Camden",
        _fact(current=4, previous=2, change_pct=100.0, verdict="no meaningful change",
              p_value=0.69, small_counts=True),
        "2022",
        "2021",
    )  # fmt: skip
    assert "shows no meaningful change" in flat and " up " not in flat
    assert "(+100%)" in flat and "p = 0.69" in flat and "small" in flat


def test_phrases_for_variation_and_small_counts() -> None:
    assert words.within_normal() == "within normal variation"
    assert words.within_normal("year-to-year") == "within normal year-to-year variation"
    assert "small numbers" in words.SMALL_NUMBERS_SENTENCE.lower()


def test_labels() -> None:
    assert words.label("ROBBERY") == "Robbery"
    assert words.label("violence-and-sexual") == "Violence and sexual"
    assert words.label("") == ""
