"""One count against a multi-year baseline, allowing for year-to-year spread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import AsDict, Verdict, central_p, check_alpha, check_count, verdict_from
from .counts import SMALL_COUNTS

#: Fewer baseline years than this and the spread is not estimated (Poisson only):
#: a variance from two values has one degree of freedom and swings wildly.
MIN_YEARS_FOR_SPREAD = 3
BASELINE_TEST = "predictive test against a multi-year baseline (year-to-year spread included)"


@dataclass(frozen=True)
class BaselineComparison(AsDict):
    """The current count against the same window in several baseline years.

    `mean`/`min`/`max` describe the baseline counts; `change` is current − mean.
    `within_range`: inside the baseline's own min–max. `within_expected`: inside the
    (1 − alpha) prediction interval `expected_low`..`expected_high`, which is what
    the verdict and p-value are about.
    """

    current: int
    baseline_counts: tuple[int, ...]
    mean: float
    min: int
    max: int
    change: float
    change_pct: float | None
    dispersion: float
    expected_low: int
    expected_high: int
    p_value: float
    test: str
    method: str
    verdict: Verdict
    within_range: bool
    within_expected: bool
    small_counts: bool
    alpha: float
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None


def compare_to_baseline(
    current: int, baseline_counts: Sequence[int], *, alpha: float = 0.05
) -> BaselineComparison:
    """Compare a count with a multi-year baseline (e.g. the same window in 2017–2019).

    Crime counts vary from year to year by more than Poisson noise (weather, policing,
    events), so the current count is judged against a predictive distribution that
    includes that spread and the uncertainty of the baseline mean (k years, mean m,
    sample variance s²):

    - k >= 3 and s² > m (overdispersed): negative binomial with mean m and variance
      s²·(1 + 1/k), i.e. the quasi-Poisson dispersion φ = s²/m, moment-matched (the
      predictive used by the Farrington outbreak-detection family: Farrington et al.
      1996, Noufaily et al. 2013). The uncertainty of φ itself is not included.
    - otherwise Poisson: the Poisson–gamma posterior predictive with Jeffreys prior,
      NB(size = Σbaseline + ½, p = k/(k+1)): mean ≈ m, variance ≈ m·(1 + 1/k). It
      stays proper when every baseline year is zero.

    p-value: twice the smaller tail of that distribution at `current`, capped at 1.
    Interval: its alpha/2 and 1 − alpha/2 quantiles. Verdict "up"/"down" when p < alpha.
    """
    c = check_count(current, "current")
    base = tuple(check_count(v, f"baseline_counts[{i}]") for i, v in enumerate(baseline_counts))
    if not base:
        raise ValueError("baseline_counts is empty: need at least one baseline period")
    alpha = check_alpha(alpha)
    k = len(base)
    arr = np.asarray(base, dtype=float)
    mean = float(arr.mean())
    var = float(arr.var(ddof=1)) if k >= 2 else 0.0

    if k >= MIN_YEARS_FOR_SPREAD and var > mean:
        dispersion = var / mean
        pred_var = var * (1.0 + 1.0 / k)
        size, prob = mean**2 / (pred_var - mean), mean / pred_var
        method = (
            f"negative binomial: dispersion {dispersion:.2f} (variance/mean) "
            f"from the spread of {k} baseline periods"
        )
    else:
        dispersion = 1.0
        size, prob = float(arr.sum()) + 0.5, k / (k + 1.0)
        why = (
            f"fewer than {MIN_YEARS_FOR_SPREAD} baseline periods to estimate spread"
            if k < MIN_YEARS_FOR_SPREAD
            else "baseline spread within Poisson noise"
        )
        method = f"Poisson ({why}), with the uncertainty of the baseline mean"

    dist = stats.nbinom(size, prob)
    p_value, _ = central_p(float(dist.logcdf(c)), float(dist.logsf(c - 1)))
    low = int(dist.ppf(alpha / 2))
    high = int(dist.ppf(1 - alpha / 2))
    direction = int(np.sign(c - float(dist.mean())))
    return BaselineComparison(
        current=c,
        baseline_counts=base,
        mean=mean,
        min=min(base),
        max=max(base),
        change=c - mean,
        change_pct=None if mean == 0 else 100.0 * (c - mean) / mean,
        dispersion=dispersion,
        expected_low=low,
        expected_high=high,
        p_value=p_value,
        test=BASELINE_TEST,
        method=method,
        verdict=verdict_from(p_value, alpha, direction),
        within_range=min(base) <= c <= max(base),
        within_expected=low <= c <= high,
        small_counts=c + mean < SMALL_COUNTS,
        alpha=alpha,
    )
