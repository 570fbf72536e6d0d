"""Verdict words and marks: "up"/"down" and ▲/▼ only for a change beyond the series' usual
variation; "too little history to judge" (○) where it could not be estimated, never
"no meaningful change"; the usual range, the per-day basis and the exact Poisson second
opinion in words; small counts are flagged; numbers come from `numbers`."""

from __future__ import annotations

from typing import Any

import pytest

from crimepulse.present import numbers, words
from crimepulse.stats import dispersion


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
        ("not enough history", False, "too little history to judge", "○"),
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
    assert (
        up == "Robbery in Camden is up 21% in 2022, by more than its usual year-to-year "
        "variation: 27,663 against 22,803 in 2021, p < 0.001."
    )
    flat = words.sentence(
        "Homicide",
        "Camden",
        _fact(current=4, previous=2, change_pct=100.0, verdict="no meaningful change",
              p_value=0.69, small_counts=True),
        "2022",
        "2021",
    )  # fmt: skip
    assert "shows no meaningful change" in flat and " up " not in flat
    assert "+100%, within the usual variation" in flat and "p = 0.69" in flat and "small" in flat


def test_small_counts_sentence() -> None:
    assert "small numbers" in words.SMALL_NUMBERS_SENTENCE.lower()


def test_the_history_words_need_what_the_test_needs() -> None:
    assert words.MIN_HISTORY == dispersion.MIN_HISTORY
    assert words.NOT_ENOUGH_HISTORY == dispersion.NOT_ENOUGH_HISTORY


YEAR = {"name": "year", "start": "2022-01-01", "end": "2022-12-31"}


def test_no_change_within_the_usual_range_says_so_with_the_range() -> None:
    fact = _fact(
        current=1031, previous=1000, change_pct=3.1, verdict="no meaningful change",
        p_value=0.6, window=YEAR, stats={"usual_change_pct": 6.0, "history": [1] * 8},
    )  # fmt: skip
    assert words.judgement(fact) == (
        "+3.1%, within the usual variation of this series (it moves ±6% in an ordinary year)"
    )
    c = words.change(fact)
    assert (c.words, c.spread, c.css) == ("no meaningful change", "±6%", "flat")
    assert "it moves ±6% in an ordinary year" in c.title and "p = 0.60" in c.title


def test_a_change_larger_than_usual_but_not_meaningful_is_not_called_within() -> None:
    # +14% when the series usually moves ±2.5%, but too few years (or too many cells) to
    # rule ordinary variation out: neither "up" nor "within"
    fact = _fact(
        change_pct=14.1, verdict="no meaningful change", p_value=0.012,
        window={"name": "month"}, stats={"usual_change_pct": 2.55},
    )  # fmt: skip
    said = words.judgement(fact)
    assert said.startswith("+14%, not clearly beyond the usual variation of this series")
    assert "within" not in said and "between the same month of ordinary years" in said


def test_a_meaningful_change_says_it_beat_the_usual_variation() -> None:
    fact = _fact(window=YEAR, stats={"usual_change_pct": 6.04, "history": [1] * 5})
    assert words.judgement(fact) == (
        "+21%, by more than its usual year-to-year variation (it moves ±6% in an ordinary year)"
    )
    assert "5 earlier years of this period" in words.how_we_know(fact)


def test_not_enough_history_is_not_no_change() -> None:
    fact = _fact(
        current=7, previous=5, change_pct=40.0, verdict="not enough history", p_value=None,
        q_value=None, window={"name": "7d"},
        stats={"history": [9, 11], "poisson_p_value": 0.56, "poisson_verdict": words.NO_CHANGE},
    )  # fmt: skip
    c = words.change(fact)
    assert (c.words, c.mark, c.css, c.spread) == ("too little history", "○", "unjudged", "")
    assert words.history_reason(fact) == (
        "only two earlier years of this period, and it takes three to learn how much it "
        "usually moves"
    )
    text = words.sentence("Robbery", "Camden", fact, "the week", "the week before")
    assert "too little history to judge: only two earlier years" in text
    assert words.NO_CHANGE not in text and " up " not in text and "(+40%)" not in text
    assert "+40%" in text
    assert words.history_reason({**fact, "stats": {"history": []}}).startswith("no earlier year ")


def test_a_per_day_change_has_the_days_and_the_daily_sign() -> None:
    # February 2023 (28 days) against January (31): fewer crimes, but more a day
    rate_ratio = (52368 / 28) / (52743 / 31)
    fact = _fact(
        current=52368, previous=52743, change=52368 - 52743, change_pct=100 * (rate_ratio - 1),
        window={"name": "month", "start": "2023-02-01", "end": "2023-02-28"},
        comparison={"kind": "previous", "window": {"start": "2023-01-01", "end": "2023-01-31"}},
        stats={"change_basis": "per day"},
    )  # fmt: skip
    c = words.change(fact)
    per_day_change = 52368 / 28 - 52743 / 31  # +168.9 a day
    assert c.change == f"+{round(per_day_change)} a day"
    assert (c.pct, c.words) == ("+9.9% a day", "up 9.9% a day")
    assert c.detail == "+9.9% a day: 52,368 in 28 days against 52,743 in 31"
    assert numbers.MINUS not in c.change + c.pct + c.words  # never "up" beside a minus sign
    text = words.sentence("Theft", "London", fact, "February 2023", "January 2023")
    assert "up 9.9% a day" in text and "52,368 in 28 days against 52,743 in 31" in text


@pytest.mark.parametrize(
    ("verdict", "poisson", "said"),
    [
        ("no meaningful change", "up", "the counts differ beyond chance (exact Poisson "
         "p < 0.001), but not clearly by more than the series' usual variation"),
        ("up", "up", "the counts also differ beyond chance (exact Poisson p < 0.001)"),
        ("not enough history", "up", "the counts differ beyond chance (exact Poisson "
         "p < 0.001), but without enough history we cannot say whether that is more than "
         "the series' usual variation"),
    ],
)  # fmt: skip
def test_the_exact_test_is_a_labelled_second_opinion(verdict: str, poisson: str, said: str) -> None:
    fact = _fact(verdict=verdict, stats={"poisson_p_value": 1e-9, "poisson_verdict": poisson})
    assert words.second_opinion(fact) == said
    assert f"Second opinion: {said}." in words.how_we_know(fact)


def test_no_second_opinion_when_the_fact_has_none() -> None:
    assert words.second_opinion(_fact()) == ""
    quiet = _fact(verdict=words.NO_CHANGE,
                  stats={"poisson_p_value": 0.3, "poisson_verdict": words.NO_CHANGE})  # fmt: skip
    assert words.second_opinion(quiet) == (
        "the counts do not differ beyond chance either (exact Poisson p = 0.30)"
    )


def test_a_grid_row_is_read_like_a_fact() -> None:
    row = _fact(window="month", usual_change_pct=12.0, change_basis="counts")
    assert words.usual_range(row) == "it moves ±12% between the same month of ordinary years"


def test_the_logs_recent_weeks_are_week_to_week() -> None:
    fact = _fact(
        verdict="up", comparison={"kind": "the previous 13 weeks' average"},
        stats={"change_basis": "per week", "usual_change_pct": 30.0},
    )  # fmt: skip
    assert words.judgement(fact) == (
        "+21%, by more than its usual week-to-week variation (it moves ±30% between ordinary weeks)"
    )


def test_labels() -> None:
    assert words.label("ROBBERY") == "Robbery"
    assert words.label("violence-and-sexual") == "Violence and sexual"
    assert words.label("") == ""


def test_a_force_area_is_named_for_its_place_not_the_force() -> None:
    met = {"level": "force", "code": None, "name": "Metropolitan Police", "force": "metropolitan"}
    assert words.place(met) == "London (Metropolitan Police area)"
    city = {**met, "name": "City of London Police", "force": "city-of-london"}
    assert words.place(city) == "the City of London (City of London Police area)"
    borough = {"level": "borough", "code": "E09000012", "name": "Hackney", "force": "metropolitan"}
    assert words.place(borough) == "Hackney"
    logged = {"level": "force", "name": "all", "code": None}  # the log's areas name no force
    assert words.place(logged) == "all"
