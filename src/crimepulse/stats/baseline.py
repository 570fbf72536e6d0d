"""One count against a multi-year baseline: is it outside the baseline years' own spread?

Why this exists: "2022 against the 2017–2019 average" is the comparison a Commissioner
quotes, and the honest question is whether this year falls outside what ordinary years
looked like. Judged by Poisson noise alone, almost every large-count change looks real; a
spread estimated from three years is itself very uncertain, and ignoring that uncertainty
calls 12–19% of ordinary years "up" or "down" at a nominal 5% (bench/calibration.py).

The method (a quasi-Poisson prediction test, as in the Farrington outbreak-detection family:
Farrington et al. 1996, Noufaily et al. 2013):

1. From the k baseline counts, mean m and sample variance s²: the dispersion
   φ = max(1, s²/m) (never below Poisson noise).
2. A new year's count differs from the baseline mean with variance φ·m·(1 + 1/k): the
   year's own variation plus the uncertainty of the mean of k years. The statistic
   t = (current − m) / √(φ·m·(1 + 1/k)) is referred to Student's t with k − 1 degrees of
   freedom, which carries the uncertainty of a variance estimated from k points.
3. Never less cautious than Poisson: the p-value is the larger of that and the Poisson
   predictive p-value (the Poisson–gamma posterior predictive with Jeffreys prior,
   NB(size = Σbaseline + ½, prob = k/(k + 1)), twice its smaller tail at `current`). With
   every baseline year zero there is no spread to scale, and the Poisson predictive p-value
   is the test (said in `method`).
4. Fewer than MIN_YEARS_FOR_SPREAD baseline periods: the spread cannot be estimated, so the
   verdict is "not enough history" and the p-value None. The Poisson predictive result is
   kept as a labelled second opinion (`poisson_p_value`, `poisson_verdict`), never the
   verdict.

Assumptions: the baseline years are comparable with the current one (same window, no series
break) and roughly independent of each other; no trend is removed from the baseline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import AsDict, check_alpha, check_count, verdict_from
from .counts import SMALL_COUNTS
from .dispersion import NOT_ENOUGH_HISTORY, HistoryVerdict

#: Fewer baseline periods than this and the spread is not estimated: the verdict is
#: NOT_ENOUGH_HISTORY (a variance from two values has one degree of freedom).
MIN_YEARS_FOR_SPREAD = 3
BASELINE_TEST = (
    "quasi-Poisson prediction test against a multi-year baseline "
    "(dispersion from the baseline's spread, t reference)"
)
NO_BASELINE_TEST = "none: fewer than 3 baseline periods to estimate the usual spread"
POISSON_BASELINE_OPINION = (
    "the count differs from the baseline beyond Poisson chance (Poisson predictive test)"
)


@dataclass(frozen=True)
class BaselineComparison(AsDict):
    """The current count against the same window in several baseline years.

    `mean`/`min`/`max` describe the baseline counts; `change` is current − mean.
    `within_range`: inside the baseline's own min–max. `within_expected`: inside the
    (1 − alpha) prediction interval `expected_low`..`expected_high`, which is what the
    verdict and p-value are about (None, with the interval, when there is not enough
    history). `dispersion` is φ and `df` the t reference's degrees of freedom.
    `poisson_p_value`/`poisson_verdict` are the Poisson predictive test's, a labelled
    second opinion (`poisson_test`).
    """

    current: int
    baseline_counts: tuple[int, ...]
    mean: float
    min: int
    max: int
    change: float
    change_pct: float | None
    dispersion: float | None
    df: int | None
    expected_low: int | None
    expected_high: int | None
    p_value: float | None
    test: str
    method: str
    verdict: HistoryVerdict
    within_range: bool
    within_expected: bool | None
    poisson_p_value: float
    poisson_verdict: HistoryVerdict
    poisson_test: str
    small_counts: bool
    alpha: float
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None


def poisson_predictive(
    current: np.ndarray, baseline: np.ndarray
) -> tuple[np.ndarray, stats.rv_discrete]:
    """The Poisson predictive p-value of each row (current vs a series × years baseline).

    NB(size = Σbaseline + ½, prob = k/(k+1)): Poisson counts whose rate has the Jeffreys
    posterior given the baseline; it stays proper when every baseline year is zero.
    Returns (p, the frozen distributions) for the interval.
    """
    b = np.asarray(baseline, dtype=float)
    k = b.shape[1]
    dist = stats.nbinom(b.sum(axis=1) + 0.5, k / (k + 1.0))
    c = np.asarray(current, dtype=float)
    p = np.minimum(1.0, 2.0 * np.minimum(dist.cdf(c), dist.sf(c - 1)))
    return p, dist


def baseline_p_values(
    current: np.ndarray, baseline: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The test over many series at once: (p, φ, Poisson predictive p) per row.

    `baseline` is series × years with at least MIN_YEARS_FOR_SPREAD years. A row whose
    baseline is all zero has φ = 1 and the Poisson predictive p-value.
    """
    c = np.asarray(current, dtype=float)
    b = np.asarray(baseline, dtype=float)
    if b.ndim != 2 or b.shape[1] < MIN_YEARS_FOR_SPREAD:
        raise ValueError(f"baseline must be series x years with >= {MIN_YEARS_FOR_SPREAD} years")
    k = b.shape[1]
    mean = b.mean(axis=1)
    var = b.var(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(mean > 0, np.maximum(1.0, var / mean), 1.0)
        t = (c - mean) / np.sqrt(phi * mean * (1.0 + 1.0 / k))
    p_t = np.where(mean > 0, 2.0 * stats.t.sf(np.abs(t), k - 1), 0.0)
    p_poisson, _ = poisson_predictive(c, b)
    return np.maximum(p_t, p_poisson), phi, p_poisson


def compare_to_baseline(
    current: int, baseline_counts: Sequence[int], *, alpha: float = 0.05
) -> BaselineComparison:
    """Compare a count with a multi-year baseline (e.g. the same window in 2017–2019).

    See the module docstring for the method. The interval `expected_low`..`expected_high`
    is the union of the t prediction interval m ± t(1 − alpha/2; k − 1)·√(φ·m·(1 + 1/k))
    and the Poisson predictive's alpha/2 and 1 − alpha/2 quantiles, so a count outside it
    is exactly one both tests call unusual (up to the discreteness of the Poisson tails).
    """
    c = check_count(current, "current")
    base = tuple(check_count(v, f"baseline_counts[{i}]") for i, v in enumerate(baseline_counts))
    if not base:
        raise ValueError("baseline_counts is empty: need at least one baseline period")
    alpha = check_alpha(alpha)
    k = len(base)
    arr = np.asarray(base, dtype=float)
    mean = float(arr.mean())
    p_poisson_arr, dist = poisson_predictive(np.array([c]), arr[None, :])
    p_poisson = float(p_poisson_arr[0])
    direction = int(np.sign(c - mean))
    too_short = BaselineComparison(
        current=c,
        baseline_counts=base,
        mean=mean,
        min=min(base),
        max=max(base),
        change=c - mean,
        change_pct=None if mean == 0 else 100.0 * (c - mean) / mean,
        dispersion=None,
        df=None,
        expected_low=None,
        expected_high=None,
        p_value=None,
        test=NO_BASELINE_TEST,
        method=(
            f"{k} baseline period{'s' if k > 1 else ''}: the spread between ordinary "
            f"periods needs at least {MIN_YEARS_FOR_SPREAD}"
        ),
        verdict=NOT_ENOUGH_HISTORY,
        within_range=min(base) <= c <= max(base),
        within_expected=None,
        poisson_p_value=p_poisson,
        poisson_verdict=verdict_from(p_poisson, alpha, direction),
        poisson_test=POISSON_BASELINE_OPINION,
        small_counts=c + mean < SMALL_COUNTS,
        alpha=alpha,
    )
    if k < MIN_YEARS_FOR_SPREAD:
        return too_short
    p, phi, _ = baseline_p_values(np.array([c]), arr[None, :])
    p_value, dispersion = float(p[0]), float(phi[0])
    low = int(dist.ppf(alpha / 2)[0])
    high = int(dist.ppf(1 - alpha / 2)[0])
    if mean > 0:
        half = float(stats.t.ppf(1 - alpha / 2, k - 1)) * math.sqrt(
            dispersion * mean * (1.0 + 1.0 / k)
        )
        low = min(low, max(0, math.ceil(mean - half)))
        high = max(high, math.floor(mean + half))
        method = (
            f"dispersion {dispersion:.2f} (variance/mean, at least 1) from the spread of "
            f"{k} baseline periods; t reference with {k - 1} df; never below the Poisson "
            "predictive p-value"
        )
    else:
        method = (
            f"all {k} baseline periods zero: no spread to scale, the Poisson predictive "
            "p-value is the test"
        )
    return dataclasses.replace(
        too_short,
        dispersion=dispersion,
        df=k - 1,
        expected_low=low,
        expected_high=high,
        p_value=p_value,
        test=BASELINE_TEST,
        method=method,
        verdict=verdict_from(p_value, alpha, direction),
        within_expected=low <= c <= high,
    )


__all__ = [
    "BASELINE_TEST",
    "MIN_YEARS_FOR_SPREAD",
    "NO_BASELINE_TEST",
    "POISSON_BASELINE_OPINION",
    "BaselineComparison",
    "baseline_p_values",
    "compare_to_baseline",
    "poisson_predictive",
]
