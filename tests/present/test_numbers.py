"""The house style for numbers: one rule for counts, % changes, p- and q-values, rates and
dates, whichever face (CLI, page, snapshot) prints them. Expectations are written out by
hand from the rules in present/numbers.py's docstring."""

from __future__ import annotations

import math

import pytest

from crimepulse.present import numbers

MINUS = "\u2212"


def test_numbers_as_people_write_them() -> None:
    assert numbers.count(27663) == "27,663"
    assert numbers.words(5) == "five" and numbers.words(12) == "12"
    assert numbers.pct(-17.04) == "\u221217%" and numbers.pct(4.24) == "+4.2%"
    assert numbers.pct(0.01) == "0%"
    assert numbers.span("2022-01-01", "2022-12-31") == "2022"
    assert numbers.span("2024-01-01", "2024-09-30") == "January to September 2024"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (5.0, "+5%"),  # never "+5.0%": a trailing .0 is dropped
        (-4.96, f"{MINUS}5%"),  # a true minus sign, not a hyphen
        (9.94, "+9.9%"),  # one decimal below 10%
        (12.5, "+12%"),  # whole above 10% (round half to even)
        (100.0, "+100%"),
        (-0.04, "0%"),  # rounds to nothing: no sign at all
        (None, "n/a"),
        (math.nan, "n/a"),
    ],
)
def test_a_change_in_percent(value: float | None, shown: str) -> None:
    assert numbers.pct(value) == shown
    assert "-" not in numbers.pct(value).replace("n/a", "")


def test_a_change_in_a_count_has_a_true_minus() -> None:
    assert numbers.signed_count(12) == "+12"
    assert numbers.signed_count(-1234) == f"{MINUS}1,234"
    assert numbers.signed_count(0.3) == "0"
    assert numbers.signed_count(None) == "n/a"


def test_a_usual_range_and_a_change_in_an_average() -> None:
    assert numbers.spread(6.04) == "±6%" and numbers.spread(2.547) == "±2.5%"
    assert numbers.spread(46.98) == "±47%" and numbers.spread(None) == "n/a"
    assert numbers.fmt(12.3, "spread") == "±12%"
    assert numbers.signed_mean(52368 / 28 - 52743 / 31) == "+169"  # 1,870.3 - 1,701.4 a day
    assert numbers.signed_mean(-0.44) == f"{MINUS}0.4" and numbers.signed_mean(0.01) == "0"


@pytest.mark.parametrize(
    ("value", "bare", "p", "q"),
    [
        (0.16, "0.16", "p = 0.16", "q = 0.16"),
        (1.0, "1.00", "p = 1.00", "q = 1.00"),
        (0.0034, "0.0034", "p = 0.0034", "q = 0.0034"),
        (0.0002, "< 0.001", "p < 0.001", "q < 0.001"),
        (7.5e-15, "< 0.001", "p < 0.001", "q < 0.001"),
        (None, "n/a", "n/a", "n/a"),
    ],
)
def test_p_and_q_values(value: float | None, bare: str, p: str, q: str) -> None:
    assert numbers.probability(value) == bare
    assert numbers.p_value(value) == p
    assert numbers.q_value(value) == q
    assert numbers.fmt(value, "p") == p and numbers.fmt(value, "q") == q


def test_significant_figures_as_python_writes_them() -> None:
    assert numbers.significant(0.004123) == "0.0041"
    assert numbers.significant(1.234e-5) == "1.2e-05"


def test_means_and_rates() -> None:
    assert numbers.mean(45.0) == "45" and numbers.mean(12.34) == "12.3"
    assert numbers.mean(240.5) == "240"  # whole from 100 up (round half to even)
    assert numbers.mean(1234.6) == "1,235"
    assert numbers.rate(3.14159) == "3.14"
    assert numbers.share(0.234) == "23%"


def test_dates_in_words() -> None:
    assert numbers.month("2024-02-01") == "February 2024"
    assert numbers.day("2024-02-05") == "5 February 2024"
    assert numbers.span("2024-03-01", "2024-03-31") == "March 2024"
    assert numbers.span("2023-11-01", "2024-02-29") == "November 2023 to February 2024"
    assert numbers.span("2024-01-01", "2024-01-07") == "1 to 7 January 2024"


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown number style"):
        numbers.fmt(1, "roman")


@pytest.mark.parametrize(
    ("iso_week", "shown"),
    [
        ("2026-W48", "23–29 November 2026"),  # a Monday to Sunday in one month
        ("2026-W49", "30 November – 6 December 2026"),
        ("2026-W01", "29 December 2025 – 4 January 2026"),  # ISO 2026-W01 starts in 2025
        ("2020-W53", "28 December 2020 – 3 January 2021"),
    ],
)
def test_an_iso_week_as_its_days(iso_week: str, shown: str) -> None:
    assert numbers.week(iso_week) == shown


def test_a_ratio_has_two_decimals() -> None:
    assert numbers.ratio(0.42961359222057377) == "0.43"
    assert numbers.ratio(2.0284951535423934) == "2.03"
    assert numbers.ratio(None) == "n/a"
    assert numbers.fmt(1.0075998283965883, "ratio") == "1.01"
