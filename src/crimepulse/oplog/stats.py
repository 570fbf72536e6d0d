"""Significance of a change between two counts, for the weekly comparisons.

Kept pure and small: the analysis issue may move it into a shared stats module.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binomtest


@dataclass(frozen=True)
class RateTest:
    """Counts `x` over exposure `t_x` against `y` over `t_y`, and the test's verdict."""

    x: int
    t_x: float
    y: int
    t_y: float
    rate_ratio: float | None  # (x/t_x) / (y/t_y); None when y is 0
    p_value: float


def poisson_rate_test(x: int, t_x: float, y: int, t_y: float) -> RateTest:
    """Exact conditional test that two Poisson counts share one rate (two-sided).

    Why this test: weekly operational counts are small (five firearms, thirteen lines),
    where normal approximations mislead. Given the total n = x + y, under equal rates x
    is Binomial(n, t_x / (t_x + t_y)) whatever the unknown rate, so the p-value is exact
    (Przyborowski & Wilenski 1940). `t_x` and `t_y` are exposures in the same unit, e.g.
    1 week against a 4-week baseline. Counts of people or items that come in clusters
    (one raid, five arrests) are over-dispersed, so treat p as optimistic for them.
    """
    if x < 0 or y < 0:
        raise ValueError("counts must be non-negative")
    if t_x <= 0 or t_y <= 0:
        raise ValueError("exposures must be positive")
    n = x + y
    p_value = 1.0 if n == 0 else float(binomtest(x, n, t_x / (t_x + t_y)).pvalue)
    ratio = (x / t_x) / (y / t_y) if y else None
    return RateTest(x, t_x, y, t_y, ratio, min(1.0, p_value))
