"""Monotonic trend over the last N periods: Mann–Kendall test and Sen's slope."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

from ._common import AsDict, as_float_list, check_alpha

Direction = Literal["rising", "falling", "no clear trend"]
MK_TEST = "Mann–Kendall test (tie-corrected, continuity-corrected normal approximation)"


@dataclass(frozen=True)
class Trend(AsDict):
    """Mann–Kendall S, its variance and p-value; Sen's slope (per period) with its CI."""

    n: int
    s: int
    variance: float
    z: float
    tau: float
    p_value: float
    slope: float
    slope_low: float
    slope_high: float
    intercept: float
    direction: Direction
    test: str
    alpha: float


def trend(values: Sequence[float], *, alpha: float = 0.05) -> Trend:
    """Is the series rising or falling, without assuming a straight line or normal noise?

    Mann–Kendall (Mann 1945; Kendall 1975): S = Σ_{i<j} sign(x_j − x_i),
    Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over groups of t tied values,
    z = (S − sign(S)) / √Var(S), two-sided normal p-value. This is Kendall's tau
    against time (scipy.stats.kendalltau's asymptotic variance is the same), kept
    explicit for the continuity correction and so S can be reported. Sen's slope
    (Sen 1968): median of pairwise slopes, via scipy.stats.theilslopes, with its
    (1 − alpha) CI. A constant series has Var(S) = 0: p = 1, no clear trend.
    Needs n >= 3 (with n = 3 nothing can be significant; ~6+ periods are useful).
    """
    x = as_float_list(values, "values")
    alpha = check_alpha(alpha)
    n = len(x)
    if n < 3:
        raise ValueError(f"a trend needs at least 3 values, got {n}")
    diff = x[None, :] - x[:, None]
    s = int(np.sign(diff[np.triu_indices(n, k=1)]).sum())
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    if var <= 0:
        z, p_value = 0.0, 1.0
    else:
        z = (s - math.copysign(1, s)) / math.sqrt(var) if s != 0 else 0.0
        p_value = float(min(1.0, 2.0 * stats.norm.sf(abs(z))))
    t = np.arange(n, dtype=float)
    sen = stats.theilslopes(x, t, alpha=1 - alpha)
    if p_value < alpha and s != 0:
        direction: Direction = "rising" if s > 0 else "falling"
    else:
        direction = "no clear trend"
    return Trend(
        n=n,
        s=s,
        variance=var,
        z=z,
        tau=s / (n * (n - 1) / 2),
        p_value=p_value,
        slope=float(sen.slope),
        slope_low=float(sen.low_slope),
        slope_high=float(sen.high_slope),
        intercept=float(sen.intercept),
        direction=direction,
        test=MK_TEST,
        alpha=alpha,
    )
