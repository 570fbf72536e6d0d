"""Two Poisson counts: is this period's count really different from the last one's?"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.rates import test_poisson_2indep

from ._common import AsDict, Verdict, check_alpha, check_count, verdict_from

EXACT_TEST = "exact conditional binomial test for two Poisson counts"

#: Below this many events in both periods together a comparison is flagged
#: `small_counts`: even a doubling (e.g. 12 vs 6, p = 0.24) cannot be told from noise,
#: so "no meaningful change" there means "too few to tell", not "stable".
SMALL_COUNTS = 20


@dataclass(frozen=True)
class Comparison(AsDict):
    """Current vs previous count with an exact test and the rate ratio's exact CI.

    `change` and `change_pct` are on the raw counts (what dashboards publish);
    `rate_ratio` and its CI are per unit of exposure, and the verdict follows the
    rate ratio. With equal exposures the two agree.
    """

    current: int
    previous: int
    change: int
    change_pct: float | None
    rate_ratio: float | None
    ci_low: float
    ci_high: float
    p_value: float
    test: str
    verdict: Verdict
    small_counts: bool
    exposure_ratio: float
    alpha: float
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None


def _check_exposure(exposure_ratio: float) -> float:
    if not (math.isfinite(exposure_ratio) and exposure_ratio > 0):
        raise ValueError(f"exposure_ratio must be a positive number, got {exposure_ratio}")
    return float(exposure_ratio)


def compare_counts(
    current: int, previous: int, *, exposure_ratio: float = 1.0, alpha: float = 0.05
) -> Comparison:
    """Compare two Poisson counts exactly.

    Given their total n = current + previous, `current` is Binomial(n, π) with
    π = RR·e / (1 + RR·e), where RR is the rate ratio and e = `exposure_ratio`
    (current exposure / previous exposure: days in the window, residents, ...).
    Under "no change" (RR = 1) π0 = e / (1 + e) (Przyborowski & Wilenski 1940).

    - p-value: two-sided exact binomial test taken as twice the smaller one-sided
      tail, capped at 1 (the one-sided p-values of scipy.stats.binomtest). This is the
      test the Clopper–Pearson interval inverts, so the CI excludes 1 exactly when
      p < alpha: a published verdict never contradicts its interval. (binomtest's
      default two-sided p, which sums outcomes no likelier than the observed one, can
      disagree with the interval near alpha when π0 ≠ 1/2.)
    - CI: the Clopper–Pearson interval (π_lo, π_hi) for π (Clopper & Pearson 1934)
      mapped through RR = π / ((1 − π)·e). current = 0 gives a lower limit of 0,
      previous = 0 an infinite upper limit; 0 vs 0 gives (0, inf) and p = 1.
    - `small_counts` when current + previous < SMALL_COUNTS (see there).
    """
    return compare_counts_many([current], [previous], exposure_ratio, alpha=alpha)[0]


def compare_counts_many(
    current: Sequence[int],
    previous: Sequence[int],
    exposure_ratio: float | Sequence[float] = 1.0,
    *,
    alpha: float = 0.05,
) -> list[Comparison]:
    """`compare_counts` over many pairs at once (a CompStat grid), vectorised.

    Same results as calling `compare_counts` per pair, ~100× faster for thousands of
    cells: the binomial tails (scipy.stats.binom) and the Clopper–Pearson limits
    (Beta quantiles, scipy.stats.beta) are computed as arrays.
    """
    cs = [check_count(v, f"current[{i}]") for i, v in enumerate(current)]
    bs = [check_count(v, f"previous[{i}]") for i, v in enumerate(previous)]
    if len(cs) != len(bs):
        raise ValueError(f"{len(cs)} current counts but {len(bs)} previous counts")
    if isinstance(exposure_ratio, int | float):
        es = [_check_exposure(exposure_ratio)] * len(cs)
    else:
        es = [_check_exposure(v) for v in exposure_ratio]
        if len(es) != len(cs):
            raise ValueError(f"{len(cs)} count pairs but {len(es)} exposure ratios")
    alpha = check_alpha(alpha)
    if not cs:
        return []
    c, b, e = np.asarray(cs, dtype=float), np.asarray(bs, dtype=float), np.asarray(es)
    pi0 = e / (1.0 + e)
    p = exact_poisson_p(c, b, e)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Clopper–Pearson: π_lo = Beta(α/2; c, n−c+1), π_hi = Beta(1−α/2; c+1, n−c).
        pi_lo = np.where(c == 0, 0.0, stats.beta.ppf(alpha / 2, np.maximum(c, 1), b + 1))
        pi_hi = np.where(b == 0, 1.0, stats.beta.ppf(1 - alpha / 2, c + 1, np.maximum(b, 1)))
        rr_lo = pi_lo / ((1.0 - pi_lo) * e)
        rr_hi = np.where(pi_hi >= 1.0, np.inf, pi_hi / ((1.0 - pi_hi) * e))
    out = []
    for i, (ci, bi, ei) in enumerate(zip(cs, bs, es, strict=True)):
        p_value = float(p[i])
        direction = int(np.sign(ci - (ci + bi) * float(pi0[i])))
        out.append(
            Comparison(
                current=ci,
                previous=bi,
                change=ci - bi,
                change_pct=None if bi == 0 else 100.0 * (ci - bi) / bi,
                rate_ratio=None if bi == 0 else (ci / bi) / ei,
                ci_low=float(rr_lo[i]),
                ci_high=float(rr_hi[i]),
                p_value=p_value,
                test=EXACT_TEST,
                verdict=verdict_from(p_value, alpha, direction),
                small_counts=ci + bi < SMALL_COUNTS,
                exposure_ratio=ei,
                alpha=alpha,
            )
        )
    return out


def exact_poisson_p(current: np.ndarray, previous: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """The exact conditional test's two-sided p-value (see `compare_counts`) over arrays:
    twice the smaller binomial tail, capped at 1; 1 where both counts are 0."""
    c, b = np.asarray(current, dtype=float), np.asarray(previous, dtype=float)
    n = c + b
    pi0 = exposure / (1.0 + exposure)
    with np.errstate(divide="ignore", invalid="ignore"):
        low = stats.binom.cdf(c, n, pi0)  # P(X <= c)
        high = stats.binom.sf(c - 1, n, pi0)  # P(X >= c)
    p: np.ndarray = np.where(n == 0, 1.0, np.minimum(1.0, 2.0 * np.minimum(low, high)))
    return p


def e_test(current: int, previous: int, exposure_ratio: float = 1.0) -> float:
    """Two-sided p-value of the E-test for two Poisson rates (Krishnamoorthy & Thomson 2004).

    An unconditional test, more powerful than the exact conditional test for small
    counts (10 vs 5: 0.21 vs 0.30), offered as a second opinion. Computed by
    statsmodels' `test_poisson_2indep(method="etest")`; its default grid runs from 0
    to the upper tail (hours for counts in the tens of thousands), so we pass a grid
    of ±1e-15 tail quantiles around both null means. Consequently p-values below
    about 1e-13 are approximate (the verdict is not).
    """
    c = check_count(current, "current")
    b = check_count(previous, "previous")
    e = _check_exposure(exposure_ratio)
    if c + b == 0:
        return 1.0
    # Null (constrained) means, as statsmodels computes them: total split by e : 1.
    mean_cur = (c + b) * e / (1.0 + e)
    mean_prev = (c + b) / (1.0 + e)
    lo = int(stats.poisson.ppf(1e-15, min(mean_cur, mean_prev)))
    hi = int(max(stats.poisson.isf(1e-15, max(mean_cur, mean_prev)), 100))
    grid = np.arange(lo, hi + 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # its rate ratio when b == 0
        res = test_poisson_2indep(
            c, e, b, 1.0, method="etest", compare="ratio", etest_kwds={"y_grid": grid}
        )
    return float(min(1.0, max(0.0, res.pvalue)))
