"""Harm-weighted totals: is Σ weight × count really different between two periods?

Why this exists: a harm total (e.g. Cambridge Crime Harm Index days) is dominated by a few
heavily weighted crimes, one homicide weighing as much as thousands of thefts, so its
information is that of a handful of events. A normal approximation on such totals called
Sutton's five homicides in 2023 against none in 2022 "up" (p = 0.025) where the exact count
test says p = 0.0625. This test is exact on the counts instead.

The method (an exact conditional test, the multi-category form of `counts.compare_counts`):
given each category's total n_i = current_i + previous_i, under "no change" (every
category's rate the same in both periods, current exposure e times the previous) the
current count is Binomial(n_i, π0) with π0 = e / (1 + e), independently per category. The
statistic is D = H_cur − e·H_prev = Σ w_i·((1 + e)·current_i − e·n_i), a function of
T = Σ w_i·current_i. Its null distribution is enumerated exactly when the support is small
(at most EXACT_SUPPORT distinct values along the way) and drawn by Monte Carlo otherwise
(`draws` draws, fixed `seed`, so a result is reproducible). p-value: twice the smaller
tail, capped at 1, the convention of `compare_counts`, so one category gives exactly the
count test's p-value; a Monte-Carlo tail is (1 + #{T* beyond T}) / (1 + draws), never 0.

Dispersion: counts vary between periods more than Poisson noise (weather, policing). Given
`dispersion` φ > 1 (from the series' history), the variance of D is taken as φ times the
binomial one, by shrinking the observed deviation D − E[D] = D by 1/√φ before it is
compared with the null draws: a quasi-likelihood scaling, approximate (the draws keep the
binomial shape). A φ estimated from a few periods is itself uncertain: given its degrees of
freedom `dispersion_df`, the p-value is never below Student's t's (df = `dispersion_df`) on
the standardised deviation (T − E[T]) / √(max(1, φ)·Var(T)), Var(T) = Σ w²·n·π0·(1 − π0),
as in the quasi-Poisson count tests (`baseline`, `dispersion`).

The interval for the exposure-adjusted ratio (H_cur / H_prev) / e is the delta-method
Wald interval on the log scale (Var(log H) ≈ Σ w²·n / H², times φ): approximate, so near
alpha it may disagree with the exact p-value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import AsDict, Verdict, check_alpha, check_count, verdict_from
from .counts import SMALL_COUNTS, _check_exposure

#: The exact null distribution is enumerated while it has at most this many values.
EXACT_SUPPORT = 200_000
#: Monte-Carlo draws otherwise: a p-value's Monte-Carlo SE is at most 0.0016 near 0.05.
DRAWS = 20_000
#: The Monte-Carlo seed: the same counts always get the same p-value.
SEED = 20_261_201
WEIGHTED_TEST = "exact conditional test for a harm-weighted total (categories' binomial splits)"
EXACT_METHOD = "exact enumeration of the null distribution"


@dataclass(frozen=True)
class WeightedComparison(AsDict):
    """Two harm-weighted totals compared, category by category.

    `effective_events` is Kish's effective number of events, (Σ w·n)² / Σ w²·n over both
    periods: a total driven by a few heavily weighted crimes carries little information,
    and `small_counts` says so when it is below SMALL_COUNTS. `method` says whether the
    null distribution was enumerated or drawn (`draws`, None when exact); `dispersion` is
    the φ the test allowed for (None: Poisson) and `dispersion_df` its degrees of freedom.
    """

    current: float
    previous: float
    change: float
    change_pct: float | None
    ratio: float | None
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    method: str
    draws: int | None
    dispersion: float | None
    dispersion_df: int | None
    categories: int
    verdict: Verdict
    small_counts: bool
    effective_events: float
    exposure_ratio: float
    alpha: float
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None


def _checked(
    categories: Sequence[tuple[float, int, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights, current, previous = [], [], []
    for i, triple in enumerate(categories):
        if len(triple) != 3:
            raise ValueError(f"categories[{i}] must be (weight, current, previous)")
        w, c, b = triple
        weight = float(w)
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"categories[{i}]: weight must be a non-negative number, got {w}")
        weights.append(weight)
        current.append(check_count(c, f"categories[{i}] current"))
        previous.append(check_count(b, f"categories[{i}] previous"))
    return (
        np.asarray(weights, dtype=float),
        np.asarray(current, dtype=np.int64),
        np.asarray(previous, dtype=np.int64),
    )


def _exact_tails(
    w: np.ndarray, n: np.ndarray, pi0: float, threshold: float
) -> tuple[float, float] | None:
    """(P(T ≤ threshold), P(T ≥ threshold)) for T = Σ w_i·Binomial(n_i, π0), by convolving
    the categories' distributions (equal values merged); None when the support grows past
    EXACT_SUPPORT. One category is a binomial tail however large its count."""
    tol = 1e-9 * max(1.0, abs(threshold))
    if w.size == 1:
        x = threshold / float(w[0])
        below = stats.binom.cdf(math.floor(x + tol), n[0], pi0)
        above = stats.binom.sf(math.ceil(x - tol) - 1, n[0], pi0)
        return float(below), float(above)
    values: np.ndarray = np.zeros(1)
    probs: np.ndarray = np.ones(1)
    for wi, ni in sorted(zip(w, n, strict=True), key=lambda pair: pair[1]):
        if values.size * (ni + 1) > EXACT_SUPPORT:
            return None
        k = np.arange(ni + 1, dtype=float)
        values = (values[:, None] + wi * k[None, :]).ravel()
        probs = (probs[:, None] * stats.binom.pmf(k, ni, pi0)[None, :]).ravel()
        merged, index = np.unique(np.round(values, 9), return_inverse=True)
        values, probs = merged, np.bincount(index, weights=probs)
    return float(probs[values <= threshold + tol].sum()), float(
        probs[values >= threshold - tol].sum()
    )


def weighted_comparison(
    categories: Sequence[tuple[float, int, int]],
    *,
    alpha: float = 0.05,
    exposure_ratio: float = 1.0,
    dispersion: float | None = None,
    dispersion_df: int | None = None,
    draws: int = DRAWS,
    seed: int = SEED,
) -> WeightedComparison:
    """Compare harm-weighted totals H = Σ w_i·n_i given (weight, current, previous) per
    category (the pairing is what makes the test exact).

    See the module docstring for the method. `dispersion`: φ > 1 from the series' history
    (None or ≤ 1: Poisson); `dispersion_df`: its degrees of freedom, to carry its
    uncertainty (None: φ taken as known). `draws`/`seed`: the Monte-Carlo fallback's size
    and seed.
    """
    alpha = check_alpha(alpha)
    e = _check_exposure(exposure_ratio)
    if dispersion is not None and not (math.isfinite(dispersion) and dispersion > 0):
        raise ValueError(f"dispersion must be a positive number, got {dispersion}")
    if dispersion_df is not None and (dispersion is None or dispersion_df < 1):
        raise ValueError("dispersion_df needs a dispersion and must be >= 1")
    if draws < 1:
        raise ValueError(f"draws must be >= 1, got {draws}")
    phi = 1.0 if dispersion is None else max(1.0, float(dispersion))
    w, cur, prev = _checked(categories)
    h1, h0 = float(w @ cur), float(w @ prev)
    s1, s0 = float((w * w) @ cur), float((w * w) @ prev)
    d = h1 - e * h0
    pi0 = e / (1.0 + e)
    n = cur + prev
    keep = (w > 0) & (n > 0)
    wk, nk = w[keep], n[keep]
    # D = (1 + e)·T − e·Σ w·n: the test runs on T = Σ w·current, mean Σ w·n·π0 under no change.
    t_mean = float(wk @ nk) * pi0
    threshold = t_mean + (float(wk @ cur[keep]) - t_mean) / math.sqrt(phi)
    used_draws: int | None = None
    if not keep.any():
        p_value, method = 1.0, EXACT_METHOD
    else:
        tails = _exact_tails(wk, nk, pi0, threshold)
        if tails is not None:
            low, high = tails
            method = EXACT_METHOD
        else:
            rng = np.random.default_rng(seed)
            t_star = rng.binomial(nk[None, :], pi0, size=(draws, nk.size)) @ wk
            tol = 1e-9 * max(1.0, abs(threshold))
            low = (1 + int(np.sum(t_star <= threshold + tol))) / (1 + draws)
            high = (1 + int(np.sum(t_star >= threshold - tol))) / (1 + draws)
            used_draws = draws
            method = f"Monte Carlo, {draws:,} draws (seed {seed})"
        p_value = min(1.0, 2.0 * min(low, high))
        if dispersion_df is not None:
            t_var = phi * float((wk * wk) @ nk) * pi0 * (1.0 - pi0)
            t_stat = (float(wk @ cur[keep]) - t_mean) / math.sqrt(t_var)
            p_value = max(p_value, float(2.0 * stats.t.sf(abs(t_stat), dispersion_df)))
            method = f"{method}, never below Student's t with {dispersion_df} df"
    ratio = None if h0 == 0 else (h1 / h0) / e
    if ratio is not None and h1 > 0:
        z = float(stats.norm.ppf(1 - alpha / 2))
        se = math.sqrt(phi * (s1 / h1**2 + s0 / h0**2))
        lo, hi = ratio * math.exp(-z * se), ratio * math.exp(z * se)
    else:
        lo, hi = 0.0, math.inf
    total, total_sq = h1 + h0, s1 + s0
    effective = total * total / total_sq if total_sq > 0 else 0.0
    direction = (d > 0) - (d < 0)
    return WeightedComparison(
        current=h1,
        previous=h0,
        change=h1 - h0,
        change_pct=None if h0 == 0 else 100.0 * (h1 - h0) / h0,
        ratio=ratio,
        ci_low=lo,
        ci_high=hi,
        p_value=p_value,
        test=WEIGHTED_TEST,
        method=method if phi == 1.0 else f"{method}; deviation scaled for dispersion {phi:.2f}",
        draws=used_draws,
        dispersion=None if dispersion is None else phi,
        dispersion_df=dispersion_df,
        categories=int(keep.sum()),
        verdict=verdict_from(p_value, alpha, direction),
        small_counts=effective < SMALL_COUNTS,
        effective_events=effective,
        exposure_ratio=e,
        alpha=alpha,
    )


__all__ = [
    "DRAWS",
    "EXACT_METHOD",
    "EXACT_SUPPORT",
    "SEED",
    "WEIGHTED_TEST",
    "WeightedComparison",
    "weighted_comparison",
]
