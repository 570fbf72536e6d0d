"""Is a monthly series rising or falling, beyond its ordinary ups and downs?

Why this exists: crime series wander. Months persist (a busy month is followed by busy
months) and whole years sit higher or lower than the next for reasons no count explains;
a test that treats months as independent reads that wandering as a trend. On simulated
trendless series with the real structure (crimepulse.stats.simulate) the Mann–Kendall test
called 24- and 36-month windows "rising" or "falling" up to 45% of the time at a nominal
5%, and a variance correction for autocorrelation (Hamed & Rao 1998) still 40%: a window of
two calendar years holds a single year-to-year shift, which no correction estimated from
the window can tell from a trend (bench/calibration.py measures all of this).

The method (quasi-Poisson trend test with an allowance for the level's wandering):

1. A log-linear Poisson regression, log μ_t = a + b·t (statsmodels GLM), gives the trend b
   per period and its variance V_b scaled by the Pearson dispersion φ = max(1, X²/(n − 2))
   (quasi-Poisson: never less variation than Poisson noise).
2. The level of a series moves between years by a log-scale SD of up to `level_sd` (0.15,
   the upper end of the year-to-year spread measured on the MPS borough tables, see
   stats.simulate). Such a shift moves the fitted trend too: a level that is constant within
   each year of `periods_per_year` periods and independent between years adds
   σ²·Σ_years (Σ_{t in year} c_t)² to the trend's variance, where c_t are the regression's
   weights for b (ordinary least squares on centred time), averaged over where the year
   boundaries fall in the window (its calendar alignment is not known here).
3. t = b / √(V_b + that allowance), two-sided p from Student's t with n − 2 df. "rising" or
   "falling" when p < alpha.

The allowance is an assumption, not an estimate: it is what the window cannot tell about
itself, and it makes a trend over one or two years need to beat an ordinary year-to-year
swing. `level_sd=0` drops it (a test of within-window noise only, valid for series that do
not wander between years). Sen's slope (Sen 1968, median of pairwise slopes, with its
(1 − alpha) CI via scipy.stats.theilslopes) is reported as the trend's size, in counts per
period; Mann–Kendall's S, variance, z, tau and p-value (Mann 1945; Kendall 1975:
tie-corrected, continuity-corrected normal approximation) are kept as a labelled second
opinion, valid only for independent periods.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import statsmodels.api as sm
from scipy import stats

from ._common import AsDict, as_float_list, check_alpha

Direction = Literal["rising", "falling", "no clear trend"]
#: The log-scale SD of a series' level between ordinary years allowed for by default.
LEVEL_SD = 0.15
PERIODS_PER_YEAR = 12
TREND_TEST = (
    "quasi-Poisson log-linear trend test, allowing for year-to-year level shifts (t reference)"
)
MK_TEST = "Mann–Kendall test (tie-corrected, continuity-corrected normal approximation)"


@dataclass(frozen=True)
class Trend(AsDict):
    """The trend test's result and Sen's slope, with Mann–Kendall as a second opinion.

    `p_value` and `direction` are the trend test's (`test`): `log_slope` is b (per period;
    exp(b·periods_per_year) is the yearly ratio), `t_stat` and `df` its statistic,
    `dispersion` φ and `level_sd` the allowance used. `slope`..`slope_high` and
    `intercept` are Sen's, in counts per period. `s`, `variance`, `z`, `tau` and
    `mann_kendall_p_value` are Mann–Kendall's (`mann_kendall_test`).
    """

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
    log_slope: float
    t_stat: float
    df: int
    dispersion: float
    level_sd: float
    mann_kendall_p_value: float
    mann_kendall_test: str


def level_allowance(n: int, periods_per_year: int = PERIODS_PER_YEAR) -> float:
    """Σ_years (Σ_{t in year} c_t)², averaged over the window's possible alignments.

    c_t = (t − t̄) / Σ(t − t̄)² are least squares' weights for the slope; a level constant
    within each year and independent between years with log-scale SD σ adds σ² times this
    to the slope's variance. For 12 months it is 2·Σ_k k²(12 − k)² / (12·286²) = 0.01690.
    """
    t = np.arange(n, dtype=float) - (n - 1) / 2.0
    c = t / float(np.sum(t * t))
    total = 0.0
    for offset in range(periods_per_year):
        year = (np.arange(n) + offset) // periods_per_year
        total += float(np.sum(np.bincount(year, weights=c) ** 2))
    return total / periods_per_year


def _mann_kendall(x: np.ndarray) -> tuple[int, float, float, float]:
    """(S, Var(S), z, two-sided p): S = Σ_{i<j} sign(x_j − x_i), Var(S) =
    [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 over groups of t tied values, z = (S − sign S)/√Var."""
    n = len(x)
    diff = x[None, :] - x[:, None]
    s = int(np.sign(diff[np.triu_indices(n, k=1)]).sum())
    _, ties = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - float(np.sum(ties * (ties - 1) * (2 * ties + 5)))) / 18.0
    if var <= 0:
        return s, var, 0.0, 1.0
    z = (s - math.copysign(1, s)) / math.sqrt(var) if s != 0 else 0.0
    return s, var, z, float(min(1.0, 2.0 * stats.norm.sf(abs(z))))


def _log_linear(x: np.ndarray) -> tuple[float, float, float]:
    """(b, its Poisson-model variance, Pearson dispersion X²/(n − 2)) of log μ = a + b·t."""
    n = len(x)
    t = np.arange(n, dtype=float) - (n - 1) / 2.0
    design = np.column_stack([np.ones(n), t])
    with warnings.catch_warnings():  # non-integer values (rates) are quasi-likelihood
        warnings.simplefilter("ignore")
        fit = sm.GLM(x, design, family=sm.families.Poisson()).fit(scale=1.0)
    mu = fit.fittedvalues
    pearson = float(np.sum((x - mu) ** 2 / np.maximum(mu, 1e-300)))
    return float(fit.params[1]), float(fit.cov_params()[1, 1]), pearson / (n - 2)


def trend(
    values: Sequence[float],
    *,
    alpha: float = 0.05,
    level_sd: float = LEVEL_SD,
    periods_per_year: int = PERIODS_PER_YEAR,
) -> Trend:
    """Is the series rising or falling beyond its usual variation?

    `values`: non-negative counts (or rates) per period, in time order, at least 3 (with
    n = 3 nothing can be significant; ~12+ periods are useful). See the module docstring
    for the method. A series that is all zero, or constant, has no trend: p = 1.
    """
    x = as_float_list(values, "values")
    alpha = check_alpha(alpha)
    n = len(x)
    if n < 3:
        raise ValueError(f"a trend needs at least 3 values, got {n}")
    if np.any(x < 0):
        raise ValueError("values must be non-negative counts or rates")
    if not (math.isfinite(level_sd) and level_sd >= 0):
        raise ValueError(f"level_sd must be a non-negative number, got {level_sd}")
    if periods_per_year < 1:
        raise ValueError(f"periods_per_year must be >= 1, got {periods_per_year}")
    s, var_s, z, p_mk = _mann_kendall(x)
    time = np.arange(n, dtype=float)
    sen = stats.theilslopes(x, time, alpha=1 - alpha)
    df = n - 2
    if np.all(x == x[0]):
        b, t_stat, phi, p_value = 0.0, 0.0, 1.0, 1.0
    else:
        b, var_b, dispersion = _log_linear(x)
        phi = max(1.0, dispersion)
        total = phi * var_b + level_sd**2 * level_allowance(n, periods_per_year)
        t_stat = b / math.sqrt(total)
        p_value = float(min(1.0, 2.0 * stats.t.sf(abs(t_stat), df)))
    if p_value < alpha and b != 0:
        direction: Direction = "rising" if b > 0 else "falling"
    else:
        direction = "no clear trend"
    return Trend(
        n=n,
        s=s,
        variance=var_s,
        z=z,
        tau=s / (n * (n - 1) / 2),
        p_value=p_value,
        slope=float(sen.slope),
        slope_low=float(sen.low_slope),
        slope_high=float(sen.high_slope),
        intercept=float(sen.intercept),
        direction=direction,
        test=TREND_TEST,
        alpha=alpha,
        log_slope=b,
        t_stat=t_stat,
        df=df,
        dispersion=phi,
        level_sd=float(level_sd),
        mann_kendall_p_value=p_mk,
        mann_kendall_test=MK_TEST,
    )


__all__ = [
    "LEVEL_SD",
    "MK_TEST",
    "PERIODS_PER_YEAR",
    "TREND_TEST",
    "Direction",
    "Trend",
    "level_allowance",
    "trend",
]
