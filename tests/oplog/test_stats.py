"""The exact conditional Poisson test, checked against a direct binomial sum."""

from __future__ import annotations

from math import comb

import pytest

from crimepulse.oplog.stats import poisson_rate_test


def direct_p(x: int, n: int, p: float) -> float:
    """Two-sided exact binomial p-value by definition: outcomes no likelier than x."""
    probs = [comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(1.0, sum(q for q in probs if q <= probs[x] * (1 + 1e-7)))


@pytest.mark.parametrize(
    ("x", "t_x", "y", "t_y"),
    [(5, 1, 8, 4), (0, 1, 20, 4), (13, 1, 13, 13), (30, 1, 40, 4), (1, 1, 0, 1), (9, 1, 2, 1)],
)
def test_matches_the_binomial_definition(x: int, t_x: float, y: int, t_y: float) -> None:
    result = poisson_rate_test(x, t_x, y, t_y)
    assert result.p_value == pytest.approx(direct_p(x, x + y, t_x / (t_x + t_y)), rel=1e-6)
    assert result.rate_ratio == (pytest.approx((x / t_x) / (y / t_y)) if y else None)


def test_equal_rates_are_not_significant_and_big_changes_are() -> None:
    assert poisson_rate_test(10, 1, 40, 4).p_value == pytest.approx(1.0)
    assert poisson_rate_test(0, 1, 0, 13).p_value == 1.0
    assert poisson_rate_test(40, 1, 40, 4).p_value < 0.001
    assert poisson_rate_test(3, 1, 8, 4).p_value > 0.05  # small counts: not a change


def test_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        poisson_rate_test(-1, 1, 2, 1)
    with pytest.raises(ValueError):
        poisson_rate_test(1, 0, 2, 1)
