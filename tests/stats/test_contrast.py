"""Two changes against each other: the difference of their log rate ratios, each with its
own series' dispersion, checked against a hand computation."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from crimepulse.stats.contrast import NO_CONTRAST_TEST, contrast_changes
from crimepulse.stats.dispersion import NOT_ENOUGH_HISTORY


def test_the_difference_and_its_variance_by_hand() -> None:
    found = contrast_changes(1200, 1000, 4.0, 6, 9000, 10000, 9.0, 5)
    la, lb = math.log(1200.5 / 1000.5), math.log(9000.5 / 10000.5)
    va, vb = 4.0 * (1 / 1200.5 + 1 / 1000.5), 9.0 * (1 / 9000.5 + 1 / 10000.5)
    df = (va + vb) ** 2 / (va**2 / 6 + vb**2 / 5)
    p = 2 * stats.t.sf(abs(la - lb) / math.sqrt(va + vb), df)
    assert found.ratio == pytest.approx(math.exp(la - lb))
    assert found.df == pytest.approx(df)
    assert found.p_value == pytest.approx(p)
    assert found.change_pct_a == pytest.approx(100 * (1200.5 / 1000.5 - 1))
    assert found.verdict == ("up" if p < 0.05 else "no meaningful change")
    assert found.ci_low is not None and found.ci_high is not None
    assert found.ci_low < found.ratio < found.ci_high


def test_a_dispersion_below_poisson_is_floored_and_a_big_one_hides_a_gap() -> None:
    # +10% against −10% on 10,000 a year: far beyond Poisson noise ...
    poisson_like = contrast_changes(11000, 10000, 0.2, 6, 9000, 10000, 0.5, 6)
    assert poisson_like.verdict == "up"
    assert poisson_like.p_value == contrast_changes(11000, 10000, 1, 6, 9000, 10000, 1, 6).p_value
    # ... but not beyond series that move ±15% between ordinary years (φ ≈ 225)
    noisy = contrast_changes(11000, 10000, 225.0, 6, 9000, 10000, 225.0, 6)
    assert noisy.verdict == "no meaningful change"
    assert contrast_changes(9000, 10000, 1, 6, 11000, 10000, 1, 6).verdict == "down"


def test_without_a_dispersion_there_is_no_verdict() -> None:
    found = contrast_changes(1100, 1000, None, None, 900, 1000, 2.0, 5)
    assert (found.verdict, found.p_value, found.test) == (
        NOT_ENOUGH_HISTORY,
        None,
        NO_CONTRAST_TEST,
    )
