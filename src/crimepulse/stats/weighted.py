"""Harm-weighted totals: is Σ weight × count really different between two periods?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from ._common import AsDict, Verdict, check_alpha, check_count, verdict_from
from .counts import SMALL_COUNTS, _check_exposure

WEIGHTED_TEST = "score test for two weighted sums of Poisson counts (normal approximation)"


@dataclass(frozen=True)
class WeightedComparison(AsDict):
    """Two harm-weighted totals (e.g. Cambridge Crime Harm Index days) compared.

    `effective_events` is Kish's effective number of events, (Σ w·n)² / Σ w²·n over
    both periods: a total driven by a few heavily weighted crimes (one homicide
    weighs as much as thousands of thefts) carries little information, and
    `small_counts` says so when it is below SMALL_COUNTS.
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
    verdict: Verdict
    small_counts: bool
    effective_events: float
    exposure_ratio: float
    alpha: float
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None


def _sums(pairs: Sequence[tuple[float, int]], name: str) -> tuple[float, float]:
    total = total_sq = 0.0
    for i, (w, n) in enumerate(pairs):
        count = check_count(n, f"{name}[{i}] count")
        weight = float(w)
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"{name}[{i}]: weight must be a non-negative number, got {w}")
        total += weight * count
        total_sq += weight * weight * count
    return total, total_sq


def weighted_comparison(
    current: Sequence[tuple[float, int]],
    previous: Sequence[tuple[float, int]],
    alpha: float = 0.05,
    *,
    exposure_ratio: float = 1.0,
) -> WeightedComparison:
    """Compare harm-weighted totals H = Σ w_i·n_i given (weight, count) per category.

    Each category count is Poisson, so Var(H) = Σ w_i²·λ_i. Under "no change" (every
    category's rate the same in both periods, current exposure e times the previous)
    D = H_cur − e·H_prev has mean 0 and variance e·Σ w_i²·(n_cur,i + n_prev,i) at the
    pooled estimates, which needs no pairing of categories between the lists.
    p-value: two-sided normal tail of D / √Var (a score test; the approximation is
    poor when `small_counts`). CI for the exposure-adjusted ratio
    (H_cur / H_prev) / e: Wald on the log scale by the delta method,
    Var(log H) ≈ Σ w²·n / H²; unbounded (0, inf) when either total is zero.
    """
    alpha = check_alpha(alpha)
    e = _check_exposure(exposure_ratio)
    h1, s1 = _sums(current, "current")
    h0, s0 = _sums(previous, "previous")
    var0 = e * (s1 + s0)
    d = h1 - e * h0
    p_value = 1.0
    if var0 > 0:
        p_value = float(min(1.0, 2.0 * stats.norm.sf(abs(d) / math.sqrt(var0))))
    ratio = None if h0 == 0 else (h1 / h0) / e
    if ratio is not None and h1 > 0:
        z = float(stats.norm.ppf(1 - alpha / 2))
        se = math.sqrt(s1 / h1**2 + s0 / h0**2)
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
        verdict=verdict_from(p_value, alpha, direction),
        small_counts=effective < SMALL_COUNTS,
        effective_events=effective,
        exposure_ratio=e,
        alpha=alpha,
    )
