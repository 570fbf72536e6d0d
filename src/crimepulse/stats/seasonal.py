"""Seasonal expectation for a monthly count, and flags for the series that are out of line.

Why this exists: a reader wants to know which of hundreds of area × category series did
something unusual this month, without a list of chance excursions, tiny counts or series
that no longer exist. Two rules judge each series, each against the series' own variation:

- "spike": the as-of month alone against its seasonal expectation (a quasi-Poisson GLM of
  the history before it, negative binomial predictive distribution);
- "sustained shift": the last 2–6 months together against the expectation from the history
  before them (a cumulative sum of residuals over each possible start month), which finds a
  step that one month alone cannot show.

Crime counts are not Poisson: a year can sit 5–15% above or below the next and months
persist (see stats.simulate). So both rules take their variance from the series itself
(quasi-Poisson dispersion; for the shift rule also the residuals' own autocorrelation) and
the expectation's uncertainty from a covariance clustered by year (months of one year share
that year's shock, so they are not independent evidence about the level). What the model
still leaves out was measured on the simulator's null series and closed by one factor per
rule (SPIKE_EXTRA_VARIANCE, SHIFT_EXTRA_VARIANCE), so that each rule's false-alarm rate per
series-month is at or under its share of the nominal level (bench/calibration.py,
`flags_section`). The two rules share alpha (Bonferroni): a series' p-value is
min(1, 2·min(p_spike, p_shift)), so the flags together keep the nominal rate.

Counts too small to mean anything do not flag (SMALL_EXPECTED, SMALL_OBSERVED,
SMALL_COUNT_ALPHA); a series with no crimes in the last 12 months is retired; history before
a known series break (a renamed, split or retired category) is not used.
Pure NumPy/SciPy: the GLM is fitted by iteratively reweighted least squares for many series
at once (it agrees with statsmodels' GLM, see the tests), so the flags and the calibration
benchmark run the same code.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Literal, TypeVar

import numpy as np
from scipy import stats

from crimepulse.errors import HistoryError

from ._common import (
    DOWN,
    NO_CHANGE,
    UP,
    AsDict,
    Verdict,
    central_p,
    check_alpha,
    check_count,
    to_json_value,
    verdict_from,
)
from .fdr import benjamini_hochberg

SEASONAL_TEST = "two-sided tail probability under the seasonal model's predictive distribution"
SHIFT_TEST = (
    "cumulative sum of observed − expected over the last 2–6 months, each start month "
    "tested, against the series' own dispersion and autocorrelation (Bonferroni over starts)"
)
FLAG_TEST = (
    "one-month spike or sustained shift against the series' seasonal expectation "
    "(Bonferroni over the two rules)"
)
MIN_HISTORY_MONTHS = 24
#: Overdispersion is declared when the Pearson χ² test gives p below this. Lenient on
#: purpose: with 11 residual df (24 months) the test has little power, and missing
#: real overdispersion gives bands that are too narrow, i.e. false alarms.
OVERDISPERSION_TEST_ALPHA = 0.2
#: The sustained-shift rule looks at windows of 2..SHIFT_WINDOW months ending in the
#: as-of month; its expectation is fitted on the history before the longest window (as
#: the improved Farrington algorithm leaves the recent weeks out of its baseline, so that
#: the shift being looked for does not pull the expectation towards itself).
SHIFT_WINDOW = 6
SHIFT_MIN_MONTHS = 2
#: Calibration (bench/calibration.py `flags_section`: 1,000 null series per level at
#: 50–30,000 crimes a year). Even with the clustered covariance, at 5,000–30,000 a year the
#: one-month 95% band missed 6% of null months and the shift z-scores had an SD of about
#: 1.45 (at 50 a year, 1.05): four or five years of history estimate the level poorly when
#: whole years move together, and that part of the variance is the extra-Poisson one. So
#: each rule's variance is multiplied by 1 + c·(the extra-Poisson share of it): for the
#: spike 1 − 1/φ (φ = max(1, Pearson dispersion)), for a shift window 1 − Σμ / (its noise
#: variance), which is larger, as a window sums months that move together. No change for
#: Poisson-like series, 1 + c where the extra variation dominates; c calibrated so each
#: rule's false-alarm rate per series-month is at or under its share (alpha / 2) at every
#: level simulated.
SPIKE_EXTRA_VARIANCE = 0.2
SHIFT_EXTRA_VARIANCE = 1.1
#: The minimum-count rule. Where the expected count is under SMALL_EXPECTED and the
#: observed under SMALL_OBSERVED, the normal and negative-binomial approximations behind
#: both rules are poor (the usual "expected count of at least 5" of Cochran 1954), the
#: dispersion is estimated from a handful of events, and a difference of a few crimes is
#: one incident or one recording decision. There a rule flags only when the exact
#: conditional test of the count against the history's total (`exact_conditional_p`) still
#: gives p < SMALL_COUNT_ALPHA, fifty times stricter than the usual 5% (e.g. 9 in a month
#: after 60 in the 48 months before: p = 2e-5; 6 after 60: p = 0.005, no flag), and that
#: exact p-value is the rule's.
SMALL_EXPECTED = 5.0
SMALL_OBSERVED = 10
SMALL_COUNT_ALPHA = 0.001
#: A fitted trend steeper than x10 a year (either way) is not extrapolated: in crime
#: counts it means the series began or ended inside the history (events only in its last
#: months give an unbounded trend), not that crime grew tenfold.
MAX_LOG_TREND = math.log(10.0)
STEEP = "the history's trend is steeper than x10 a year: the series began or ended inside it"
#: A series with no crime at all in this many months before the as-of month is retired
#: (its category or area stopped being recorded): it never flags, whatever the month holds.
RETIRED_AFTER_MONTHS = 12

Position = Literal["above", "below", "within"]
Rule = Literal["spike", "sustained shift"]
SPIKE: Rule = "spike"
SUSTAINED_SHIFT: Rule = "sustained shift"
#: A series key: anything hashable the caller uses, e.g. (area, category); as_dict()
#: needs it JSON-ready (str, int, or a tuple of them).
K = TypeVar("K", bound=Hashable)
History = Sequence[tuple[int, int, int]]
Breaks = Sequence[date]


@dataclass(frozen=True)
class Expectation(AsDict):
    """What a month's count should be given its past, and how surprising the observation is.

    `low`..`high` is the prediction band at `level`; `p_value` (two-sided),
    `surprise` = −log10 p, `change` (observed − expected) and `position` are None when
    no observed count was given. The verdict is "up"/"down" when p < 1 − level (then
    the count is outside the band). `trend_pct_per_year` is the fitted
    multiplicative year-on-year change. `variance` is the predictive variance: with
    `expected` it fixes the negative binomial used, so the p-value can be recomputed.
    `since` is the first month modelled ("YYYY-MM": after the last series break, if any).
    """

    target_year: int
    target_month: int
    expected: float
    variance: float
    low: int
    high: int
    level: float
    observed: int | None
    p_value: float | None
    surprise: float | None
    position: Position | None
    change: float | None
    change_pct: float | None
    test: str
    verdict: Verdict
    model: str
    dispersion: float
    overdispersion_p_value: float
    trend_pct_per_year: float
    n_months: int
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None
    small_counts: bool = False
    since: str | None = None


@dataclass(frozen=True)
class Shift(AsDict):
    """The sustained-shift rule's finding: the last `months` months (`start`..`end`,
    "YYYY-MM") together against their expectation from the history before them.

    `z` is the window's standardised excess, `p_value` its two-sided p-value with the
    Bonferroni factor over the windows tried; `low`..`high` the window total's band at
    `level`; `autocorrelation` the lag-1 correlation of the baseline's residuals (it widens
    the band); `small_counts` when the minimum-count rule applies.
    """

    start: str
    end: str
    months: int
    observed: int
    expected: float
    low: int
    high: int
    change: float
    change_pct: float
    z: float
    p_value: float
    dispersion: float
    autocorrelation: float
    baseline_months: int
    level: float
    test: str
    verdict: Verdict
    small_counts: bool


# -- the model, for many series at once --------------------------------------------------


def _calendar(rel: np.ndarray, target_month: int) -> np.ndarray:
    """Calendar month (1..12) of months `rel` months from the target month."""
    out: np.ndarray = (target_month - 1 + rel) % 12 + 1
    return out


def _design(rel: np.ndarray, target_month: int, seasonal: bool) -> tuple[np.ndarray, list[int]]:
    """One column per calendar month present (no intercept) + trend in years, or an
    intercept + trend when `seasonal` is False. The target month is t = 0."""
    if seasonal:
        months = _calendar(rel, target_month)
        levels = sorted(set(months.tolist()))
        cols = [(months == m).astype(float) for m in levels]
    else:
        levels = []
        cols = [np.ones(rel.size)]
    return np.column_stack([*cols, rel / 12.0]), levels


def _rows(rel: np.ndarray, target_month: int, levels: list[int]) -> np.ndarray:
    """Design rows for months `rel` (outside the fit) with the fit's columns."""
    t = rel / 12.0
    if not levels:
        return np.column_stack([np.ones(rel.size), t])
    months = _calendar(rel, target_month)
    return np.column_stack([*[(months == m).astype(float) for m in levels], t])


@dataclass(frozen=True)
class _Fit:
    """Poisson GLMs (log link) of many series on one design, with what the rules need."""

    X: np.ndarray
    levels: list[int]
    rel: np.ndarray
    beta: np.ndarray  # series × p
    bread: np.ndarray  # series × p × p: (X'WX)^-1 at the estimate
    clustered: np.ndarray  # series × p × p: covariance clustered by 12-month blocks
    mu: np.ndarray  # series × n
    phi_hat: np.ndarray  # Pearson χ² / df
    pearson: np.ndarray
    df: int
    converged: np.ndarray


def _fit(y: np.ndarray, rel: np.ndarray, target_month: int, seasonal: bool) -> _Fit:
    """Fit log μ = month level + trend to every row of `y` (series × months `rel`).

    Iteratively reweighted least squares (McCullagh & Nelder 1989 §2.5) started and
    stopped as statsmodels' GLM is (μ0 = (y + ȳ)/2; deviance change <= 1e-8·(1 + deviance)).
    The clustered covariance is the sandwich (X'WX)^-1 (Σ_g U_g U_g') (X'WX)^-1 over
    12-month blocks counted back from the last month (Liang & Zeger 1986), with the
    small-sample factor G/(G−1)·(n−1)/(n−p).
    """
    X, levels = _design(rel, target_month, seasonal)
    n, p = X.shape
    s = y.shape[0]
    mu = (y + y.mean(axis=1, keepdims=True)) / 2.0
    mu = np.maximum(mu, 1e-10)
    eta = np.log(mu)
    beta = np.zeros((s, p))
    dev_old = np.full(s, np.inf)
    converged = np.zeros(s, dtype=bool)
    for _ in range(100):
        z = eta + (y - mu) / mu
        a = np.einsum("sn,np,nq->spq", mu, X, X)
        b = np.einsum("sn,np->sp", mu * z, X)
        try:
            beta = np.linalg.solve(a, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            break
        eta = np.clip(beta @ X.T, -700.0, 700.0)
        mu = np.maximum(np.exp(eta), 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2.0 * np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu), axis=1)
        converged = np.abs(dev - dev_old) <= 1e-8 * (1.0 + np.abs(dev))
        if converged.all():
            break
        dev_old = dev
    a = np.einsum("sn,np,nq->spq", mu, X, X)
    with np.errstate(all="ignore"):
        bread = np.linalg.pinv(a)
    df = n - p
    pearson = np.sum((y - mu) ** 2 / mu, axis=1)
    phi_hat = pearson / df if df > 0 else np.ones(s)
    blocks = (rel.max() - rel) // 12
    n_blocks = int(blocks.max()) + 1
    e = y - mu
    scores = np.stack([e[:, blocks == g] @ X[blocks == g] for g in range(n_blocks)], axis=1)
    meat = np.einsum("sgp,sgq->spq", scores, scores)
    factor = n_blocks / max(n_blocks - 1, 1) * (n - 1) / max(n - p, 1)
    clustered = factor * bread @ meat @ bread
    finite = np.isfinite(beta).all(axis=1) & np.isfinite(bread).all(axis=(1, 2))
    return _Fit(
        X, levels, rel, beta, bread, clustered, mu, phi_hat, pearson, df, converged & finite
    )


def _seasonal_ok(y: np.ndarray, rel: np.ndarray, target_month: int) -> np.ndarray:
    """Which series can have month effects: every calendar month present has an event."""
    months = _calendar(rel, target_month)
    return np.all(
        np.stack([y[:, months == m].sum(axis=1) > 0 for m in set(months.tolist())], axis=1),
        axis=1,
    )


def _by_shape(
    y: np.ndarray, rel: np.ndarray, target_month: int
) -> Iterator[tuple[np.ndarray, bool, _Fit]]:
    """Fit the seasonal series and the too-sparse ones (trend only) separately."""
    ok = _seasonal_ok(y, rel, target_month)
    for seasonal in (True, False):
        idx = np.flatnonzero(ok == seasonal)
        if idx.size:
            yield idx, seasonal, _fit(y[idx], rel, target_month, seasonal)


def _inflation(phi_hat: np.ndarray, extra: float) -> np.ndarray:
    """The calibrated variance factor 1 + extra·(1 − 1/φ), φ = max(1, φ̂)."""
    factor: np.ndarray = 1.0 + extra * (1.0 - 1.0 / np.maximum(phi_hat, 1.0))
    return factor


def _small(expected: np.ndarray, observed: np.ndarray) -> np.ndarray:
    small: np.ndarray = (expected < SMALL_EXPECTED) & (observed < SMALL_OBSERVED)
    return small


def exact_conditional_p(
    current: np.ndarray, history: np.ndarray, exposure_ratio: np.ndarray
) -> np.ndarray:
    """Two-sided exact conditional test of a count against the history's total (twice the
    smaller binomial tail, capped at 1; Przyborowski & Wilenski 1940): given n = current +
    history, current ~ Binomial(n, e / (1 + e)) under "no change", e = the current period's
    months / the history's. For the minimum-count rule: unlike a Poisson test against the
    fitted expectation it needs no trend extrapolated from a handful of events (which can
    put the expectation at 0.0 and make 3 crimes look impossible)."""
    c = np.asarray(current, dtype=float)
    n = c + np.asarray(history, dtype=float)
    pi0 = exposure_ratio / (1.0 + exposure_ratio)
    low = stats.binom.cdf(c, n, pi0)
    high = stats.binom.sf(c - 1, n, pi0)
    p: np.ndarray = np.where(n == 0, 1.0, np.minimum(1.0, 2.0 * np.minimum(low, high)))
    return p


@dataclass(frozen=True)
class SpikeArrays:
    """The one-month rule for many series (arrays over series; see `spike_arrays`)."""

    expected: np.ndarray
    variance: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray  # NaN where no observed count was given
    dispersion: np.ndarray
    overdispersion_p: np.ndarray
    trend: np.ndarray
    seasonal: np.ndarray
    converged: np.ndarray
    df: np.ndarray
    steep: np.ndarray  # trend beyond ±MAX_LOG_TREND a year: not to be extrapolated


def spike_arrays(
    y: np.ndarray,
    rel: np.ndarray,
    target_month: int,
    observed: np.ndarray | None,
    *,
    level: float = 0.95,
    calibrated: bool = True,
) -> SpikeArrays:
    """The seasonal expectation of the target month for every row of `y` (series × the
    months `rel` < 0 before it), its band at `level` and the p-value of `observed`.

    Predictive distribution: mean μ = fitted value at the target, variance
    V = φ·μ + μ²·Var(η̂), moment-matched to a negative binomial (improved Farrington,
    Noufaily et al. 2013). φ: the Pearson dispersion when the χ² test finds
    overdispersion (p < OVERDISPERSION_TEST_ALPHA), widened by (t_df / z)² for its
    estimation, else 1. With `calibrated` (the flags' rule) Var(η̂) is the larger of the
    model-based and the year-clustered one and V is multiplied by the calibrated
    1 + SPIKE_EXTRA_VARIANCE·(1 − 1/φ̂);
    `calibrated=False` is the rule used before (model-based Var(η̂) only), kept so the
    benchmark can measure both.
    """
    s = y.shape[0]
    out = {
        name: np.full(s, np.nan)
        for name in ("expected", "variance", "dispersion", "od_p", "trend", "df")
    }
    seasonal = np.zeros(s, dtype=bool)
    converged = np.zeros(s, dtype=bool)
    x0_rel = np.array([0])
    for idx, is_seasonal, f in _by_shape(y, rel, target_month):
        x0 = _rows(x0_rel, target_month, f.levels)[0]
        od_p = stats.chi2.sf(f.pearson, f.df) if f.df > 0 else np.ones(idx.size)
        overdispersed = (od_p < OVERDISPERSION_TEST_ALPHA) & (f.phi_hat > 1.0)
        phi = np.where(overdispersed, f.phi_hat, 1.0)
        eta = f.beta @ x0
        var_eta = phi * np.einsum("p,spq,q->s", x0, f.bread, x0)
        if calibrated:
            var_eta = np.maximum(var_eta, np.einsum("p,spq,q->s", x0, f.clustered, x0))
        mu = np.exp(eta)
        var = phi * mu + mu * mu * var_eta
        q = 0.5 + level / 2
        widen = (float(stats.t.ppf(q, f.df)) / float(stats.norm.ppf(q))) ** 2 if f.df > 0 else 1
        var = np.where(overdispersed, var * widen, var)
        if calibrated:
            var = var * _inflation(f.phi_hat, SPIKE_EXTRA_VARIANCE)
        out["expected"][idx] = mu
        out["variance"][idx] = np.maximum(var, mu * (1 + 1e-9))
        out["dispersion"][idx] = phi
        out["od_p"][idx] = od_p
        out["trend"][idx] = 100.0 * (np.exp(f.beta[:, -1]) - 1.0)
        out["df"][idx] = f.df
        seasonal[idx] = is_seasonal
        converged[idx] = f.converged
    mu, var = out["expected"], out["variance"]
    with np.errstate(all="ignore"):
        size, prob = mu * mu / (var - mu), mu / var
        q = 0.5 + level / 2
        low = stats.nbinom.ppf(1 - q, size, prob)
        high = stats.nbinom.ppf(q, size, prob)
        p = np.full(s, np.nan)
        if observed is not None:
            obs = np.asarray(observed, dtype=float)
            log_low = stats.nbinom.logcdf(obs, size, prob)
            log_high = stats.nbinom.logsf(obs - 1, size, prob)
            p = np.minimum(1.0, np.exp(np.log(2.0) + np.minimum(log_low, log_high)))
    steep = ~(np.abs(np.log1p(out["trend"] / 100.0)) <= MAX_LOG_TREND)
    return SpikeArrays(
        mu, var, low, high, p, out["dispersion"], out["od_p"], out["trend"], seasonal,
        converged, out["df"], steep,
    )  # fmt: skip


@dataclass(frozen=True)
class ShiftArrays:
    """The sustained-shift rule for many series (see `shift_arrays`); NaN / 0 where the
    rule could not be applied (`available` False)."""

    available: np.ndarray
    months: np.ndarray  # the window with the smallest p-value (2..SHIFT_WINDOW)
    observed: np.ndarray
    expected: np.ndarray
    sd: np.ndarray  # of the window total, calibrated
    z: np.ndarray
    p_value: np.ndarray
    dispersion: np.ndarray
    autocorrelation: np.ndarray
    baseline_months: int


def shift_arrays(
    y: np.ndarray, rel: np.ndarray, target_month: int, observed: np.ndarray
) -> ShiftArrays:
    """The sustained-shift rule for every row of `y` (series × months `rel` < 0; the
    target month's counts in `observed`).

    Baseline: the months before the last SHIFT_WINDOW (at least MIN_HISTORY_MONTHS of
    them, and every month of the window present, else not available). For each window of
    the last k = 2..SHIFT_WINDOW months, S_k = Σ (observed − expected) over the window;
    its variance is the noise a'Γa, with Γ_ij = γ(|i−j|)·√(μ_i μ_j) from the baseline's
    Pearson residuals (γ(0) = φ ≥ 1; γ(h) their lag-h autocovariance, kept in [0, φ]),
    plus the expectation's uncertainty g'Cg (g = Σ μ_i x_i, C the larger of the
    model-based φ·(X'WX)^-1 and the year-clustered covariance), times the calibrated
    1 + SHIFT_EXTRA_VARIANCE·(1 − Σμ / a'Γa); z_k = S_k / SD. The window with the
    largest |z| is reported, with p = min(1, (number of windows)·2·Φ(−|z|)).
    """
    s = y.shape[0]
    window = np.arange(-(SHIFT_WINDOW - 1), 0)
    in_window = np.isin(rel, window)
    base = rel < -(SHIFT_WINDOW - 1)
    n_windows = SHIFT_WINDOW - SHIFT_MIN_MONTHS + 1
    nan = np.full(s, np.nan)
    result = {k: nan.copy() for k in ("observed", "expected", "sd", "z", "p", "phi", "rho")}
    months = np.zeros(s, dtype=int)
    available = np.zeros(s, dtype=bool)
    if in_window.sum() < SHIFT_WINDOW - 1 or base.sum() < MIN_HISTORY_MONTHS:
        return ShiftArrays(
            available, months, nan, nan, nan, nan, nan, nan, nan, baseline_months=int(base.sum())
        )
    yb, relb = y[:, base], rel[base]
    order = np.argsort(rel[in_window])
    y_window = np.concatenate([y[:, in_window][:, order], np.asarray(observed)[:, None]], 1)
    rel_window = np.append(window, 0)
    has_events = yb.sum(axis=1) > 0
    span = relb.max() - relb.min() + 1
    for idx, _, f in _by_shape(yb[has_events], relb, target_month):
        idx = np.flatnonzero(has_events)[idx]
        phi = np.maximum(f.phi_hat, 1.0)
        # Pearson residuals on a dense month grid (missing months contribute no pairs).
        r = np.zeros((idx.size, span))
        present = np.zeros(span, dtype=bool)
        pos = relb - relb.min()
        r[:, pos] = (yb[idx] - f.mu) / np.sqrt(f.mu)
        present[pos] = True
        scale = relb.size / max(f.df, 1)
        gamma = np.empty((idx.size, SHIFT_WINDOW))
        gamma[:, 0] = phi
        for h in range(1, SHIFT_WINDOW):
            pairs = present[h:] & present[:-h]
            cov = (r[:, h:] * r[:, :-h])[:, pairs].mean(axis=1) * scale if pairs.any() else 0
            gamma[:, h] = np.clip(cov, 0.0, phi)
        xw = _rows(rel_window, target_month, f.levels)
        mu_w = np.exp(f.beta @ xw.T)  # series × SHIFT_WINDOW
        lag = np.abs(np.arange(SHIFT_WINDOW)[:, None] - np.arange(SHIFT_WINDOW)[None, :])
        noise = gamma[:, lag] * np.sqrt(mu_w[:, :, None] * mu_w[:, None, :])
        best_p = np.full(idx.size, np.inf)
        for k in range(SHIFT_MIN_MONTHS, SHIFT_WINDOW + 1):
            a = np.zeros(SHIFT_WINDOW)
            a[-k:] = 1.0
            excess = (y_window[idx] - mu_w) @ a
            g = (mu_w * a) @ xw  # series × p
            par = np.maximum(
                phi * np.einsum("sp,spq,sq->s", g, f.bread, g),
                np.einsum("sp,spq,sq->s", g, f.clustered, g),
            )
            noise_k = np.einsum("k,skl,l->s", a, noise, a)
            with np.errstate(divide="ignore", invalid="ignore"):
                extra_share = np.clip(1.0 - (mu_w @ a) / noise_k, 0.0, 1.0)
            sd = np.sqrt((noise_k + par) * (1.0 + SHIFT_EXTRA_VARIANCE * extra_share))
            z = excess / sd
            p = np.minimum(1.0, n_windows * 2.0 * stats.norm.sf(np.abs(z)))
            better = p < best_p
            best_p = np.where(better, p, best_p)
            sub = idx[better]
            months[sub] = k
            result["observed"][sub] = (y_window[idx] @ a)[better]
            result["expected"][sub] = (mu_w @ a)[better]
            result["sd"][sub] = sd[better]
            result["z"][sub] = z[better]
            result["p"][sub] = p[better]
        result["phi"][idx] = phi
        result["rho"][idx] = gamma[:, 1] / gamma[:, 0]
        gentle = np.abs(f.beta[:, -1]) <= MAX_LOG_TREND
        available[idx] = f.converged & gentle & np.isfinite(best_p)
    return ShiftArrays(
        available, months, result["observed"], result["expected"], result["sd"],
        result["z"], result["p"], result["phi"], result["rho"], baseline_months=int(base.sum()),
    )  # fmt: skip


@dataclass(frozen=True)
class FlagArrays:
    """Both rules and their combination for many series (see `flag_arrays`)."""

    spike: SpikeArrays
    shift: ShiftArrays
    spike_small: np.ndarray
    shift_small: np.ndarray
    spike_p: np.ndarray  # the rule's p-value after the minimum-count rule (1 = vetoed)
    shift_p: np.ndarray  # NaN where the rule was not available
    p_value: np.ndarray  # min(1, 2·min(spike_p, shift_p)), or spike_p alone
    rule: np.ndarray  # 0: spike, 1: sustained shift


def flag_arrays(
    y: np.ndarray, rel: np.ndarray, target_month: int, observed: np.ndarray, *, level: float = 0.95
) -> FlagArrays:
    """Both rules for every row of `y` (series × months `rel` < 0 before the target) and
    the series' p-value, before any false-discovery control. This is what `flag_series`
    runs per group of series with the same months, and what the benchmark measures."""
    obs = np.asarray(observed, dtype=float)
    sp = spike_arrays(y, rel, target_month, obs, level=level)
    sh = shift_arrays(y, rel, target_month, obs)
    spike_small = _small(sp.expected, obs)
    exact = exact_conditional_p(obs, y.sum(axis=1), np.full(obs.size, 1.0 / rel.size))
    spike_p = np.where(spike_small, np.where(exact < SMALL_COUNT_ALPHA, exact, 1.0), sp.p_value)
    shift_small = sh.available & _small(sh.expected, sh.observed)
    base = rel < -(SHIFT_WINDOW - 1)
    with np.errstate(invalid="ignore"):
        exact = exact_conditional_p(
            np.nan_to_num(sh.observed), y[:, base].sum(axis=1), sh.months / max(base.sum(), 1)
        )
    n_windows = SHIFT_WINDOW - SHIFT_MIN_MONTHS + 1
    small_p = np.where(exact < SMALL_COUNT_ALPHA, np.minimum(1.0, n_windows * exact), 1.0)
    shift_p = np.where(sh.available, np.where(shift_small, small_p, sh.p_value), np.nan)
    both = np.fmin(spike_p, shift_p)
    p = np.where(sh.available, np.minimum(1.0, 2.0 * both), spike_p)
    rule = np.where(sh.available & (shift_p < spike_p), 1, 0)
    return FlagArrays(sp, sh, spike_small, shift_small, spike_p, shift_p, p, rule)


# -- one series ----------------------------------------------------------------------------


def _month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _label(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def _validate(
    history: History, target_year: int, target_month: int, breaks: Breaks = ()
) -> tuple[np.ndarray, np.ndarray, int | None]:
    """(months relative to the target, counts, first month modelled) after the last break.

    A break is the first month of a new series (a category renamed, split, retired, or a
    new recording system): the months before the last break on or before the target are
    dropped, so they never predict the months after it.
    """
    if not 1 <= target_month <= 12:
        raise ValueError(f"target_month must be 1..12, got {target_month}")
    target = _month_index(target_year, target_month)
    cut = max(
        (_month_index(b.year, b.month) for b in breaks if _month_index(b.year, b.month) <= target),
        default=None,
    )
    rows: dict[int, int] = {}
    for i, row in enumerate(history):
        if len(row) != 3:
            raise ValueError(f"history[{i}] must be (year, month, count), got {row!r}")
        year, month = int(row[0]), int(row[1])
        if not 1 <= month <= 12:
            raise ValueError(f"history[{i}]: month must be 1..12, got {month}")
        count = check_count(row[2], f"history[{i}] count")
        idx = _month_index(year, month)
        if idx >= target:
            raise ValueError(
                f"history[{i}] ({year}-{month:02d}) is not before the target "
                f"{target_year}-{target_month:02d}: history must precede the month judged"
            )
        if idx in rows:
            raise ValueError(f"history[{i}]: {year}-{month:02d} appears twice")
        rows[idx] = count
    kept = sorted(i for i in rows if cut is None or i >= cut)
    if len(kept) < MIN_HISTORY_MONTHS:
        since = f" since the series break in {_label(cut)}" if cut is not None else ""
        raise HistoryError(
            f"a seasonal expectation needs at least {MIN_HISTORY_MONTHS} months of history "
            f"(two of each calendar month){since}, got {len(kept)}"
        )
    rel = np.array([i - target for i in kept], dtype=np.int64)
    y = np.array([rows[i] for i in kept], dtype=float)
    if y.sum() == 0:
        raise HistoryError("the history has no events at all: there is nothing to model")
    if not np.any(_calendar(rel, target_month) == target_month):
        raise HistoryError(f"the history has no month {target_month}: no seasonal level for it")
    return rel, y, cut


def _model_text(seasonal: bool, dispersion: float) -> str:
    shape = (
        "month-of-year effects + linear trend"
        if seasonal
        else "linear trend only: a calendar month has no events, too sparse for seasonality"
    )
    if dispersion > 1.0:
        return f"quasi-Poisson GLM ({shape}); dispersion {dispersion:.2f}; NB predictive"
    return f"Poisson GLM ({shape}); NB predictive (parameter uncertainty)"


def _expectation(
    sp: SpikeArrays,
    i: int,
    rel: np.ndarray,
    target_year: int,
    target_month: int,
    observed: int | None,
    level: float,
    since: int | None,
) -> Expectation:
    mu, var = float(sp.expected[i]), float(sp.variance[i])
    p_value = surprise = change = None
    position: Position | None = None
    low, high = int(sp.low[i]), int(sp.high[i])
    if observed is not None:
        size, prob = mu * mu / (var - mu), mu / var
        p_value, surprise = central_p(
            float(stats.nbinom.logcdf(observed, size, prob)),
            float(stats.nbinom.logsf(observed - 1, size, prob)),
        )
        position = "above" if observed > high else "below" if observed < low else "within"
        change = observed - mu
    direction = 0 if change is None else (change > 0) - (change < 0)
    return Expectation(
        target_year=target_year,
        target_month=target_month,
        expected=mu,
        variance=var,
        low=low,
        high=high,
        level=level,
        observed=observed,
        p_value=p_value,
        surprise=surprise,
        position=position,
        change=change,
        change_pct=None if change is None else 100.0 * change / mu,
        test=SEASONAL_TEST,
        verdict=NO_CHANGE if p_value is None else verdict_from(p_value, 1 - level, direction),
        model=_model_text(bool(sp.seasonal[i]), float(sp.dispersion[i])),
        dispersion=float(sp.dispersion[i]),
        overdispersion_p_value=float(sp.overdispersion_p[i]),
        trend_pct_per_year=float(sp.trend[i]),
        n_months=int(rel.size),
        small_counts=observed is not None and bool(_small(np.array([mu]), np.array([observed]))[0]),
        since=None if since is None else _label(since),
    )


def seasonal_expectation(
    history: History,
    target_year: int,
    target_month: int,
    *,
    observed: int | None = None,
    level: float = 0.95,
    breaks: Breaks = (),
) -> Expectation:
    """Expected count for (target_year, target_month) from a Poisson GLM on the history.

    Model: one level per calendar month + a linear trend in years, fitted on `history`
    (all of which must precede the target; pass the recent years, e.g. 3–5: an old regime
    or the 2020 lockdowns would inflate the dispersion), from the last of `breaks` on or
    before the target (the first month of a new series) onwards. If some calendar month
    has no events at all its level cannot be estimated, so the month effects are dropped
    (model says so). The predictive distribution and band are `spike_arrays`'s
    (calibrated): p-value twice the smaller tail at `observed`, capped at 1.
    Needs >= 24 months of history: a history the model cannot fit (too short, no events,
    no month like the target, no convergence) is a HistoryError (a ValueError); arguments
    that are wrong whatever the data (a month 13, a history row after the target) are a
    plain ValueError.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    obs = None if observed is None else check_count(observed, "observed")
    rel, y, since = _validate(history, target_year, target_month, breaks)
    sp = spike_arrays(
        y[None, :], rel, target_month, None if obs is None else np.array([obs]), level=level
    )
    if not sp.converged[0]:
        raise HistoryError("the Poisson model did not converge on this history")
    if sp.steep[0]:
        raise HistoryError(STEEP)
    return _expectation(sp, 0, rel, target_year, target_month, obs, level, since)


# -- many series -------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag(AsDict, Generic[K]):
    """One series out of line whose p-value survives the FDR control.

    `rule` says which rule fired ("spike": the as-of month alone; "sustained shift": the
    months in `months`, "YYYY-MM", first to last); `p_value` is the series' (both rules,
    Bonferroni), `q_value` its Benjamini–Hochberg q over every series tested, `verdict`
    the direction of the rule that fired. `expectation` is the as-of month's (its own
    p-value is the spike rule's), `shift` the sustained-shift rule's result (None when
    the history was too short for it). `as_dict()` is flat: {"key": ..., **expectation
    fields, "rule", "months", "p_value", "q_value", "verdict", "spike_p_value", "shift"}.
    """

    key: K
    expectation: Expectation
    rule: Rule
    months: tuple[str, ...]
    p_value: float
    q_value: float
    verdict: Verdict
    shift: Shift | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": to_json_value(self.key),
            **self.expectation.as_dict(),
            "rule": self.rule,
            "months": list(self.months),
            "p_value": to_json_value(self.p_value),
            "q_value": to_json_value(self.q_value),
            "verdict": self.verdict,
            "test": FLAG_TEST,
            "spike_p_value": to_json_value(self.expectation.p_value),
            "shift": None if self.shift is None else self.shift.as_dict(),
        }

    @property
    def surprise(self) -> float:
        """−log10 of the series' p-value: how the flags are ranked."""
        return -math.log10(max(self.p_value, 1e-300))


@dataclass(frozen=True)
class FlagReport(AsDict, Generic[K]):
    """Flags ranked by surprise (most surprising first), with what was and was not tested.

    Iterating the report (or len()) goes over `flags`.
    """

    target_year: int
    target_month: int
    flags: tuple[Flag[K], ...]
    n_series: int
    n_tested: int
    n_outside_band: int
    skipped: tuple[tuple[K, str], ...]
    level: float
    alpha: float
    fdr: str

    def __iter__(self) -> Iterator[Flag[K]]:
        return iter(self.flags)

    def __len__(self) -> int:
        return len(self.flags)


def _shift_result(
    sh: ShiftArrays, i: int, target: int, level: float, small: bool, p: float
) -> Shift:
    k = int(sh.months[i])
    observed, expected = int(sh.observed[i]), float(sh.expected[i])
    half = float(stats.norm.ppf(0.5 + level / 2)) * float(sh.sd[i])
    change = observed - expected
    return Shift(
        start=_label(target - k + 1),
        end=_label(target),
        months=k,
        observed=observed,
        expected=expected,
        low=max(0, math.floor(expected - half)),
        high=math.ceil(expected + half),
        change=change,
        change_pct=100.0 * change / expected if expected > 0 else math.inf,
        z=float(sh.z[i]),
        p_value=p,
        dispersion=float(sh.dispersion[i]),
        autocorrelation=float(sh.autocorrelation[i]),
        baseline_months=sh.baseline_months,
        level=level,
        test=SHIFT_TEST,
        verdict=UP if change > 0 else DOWN if change < 0 else NO_CHANGE,
        small_counts=small,
    )


def _breaks_for(breaks: Breaks | Mapping[Any, Breaks], key: Hashable) -> Breaks:
    if isinstance(breaks, Mapping):
        found: Breaks = breaks.get(key, ())
        return found
    return breaks


def flag_series(
    series: Iterable[tuple[K, History, int]],
    target_year: int,
    target_month: int,
    *,
    level: float = 0.95,
    alpha: float = 0.05,
    breaks: Breaks | Mapping[K, Breaks] = (),
) -> FlagReport[K]:
    """Which of many (key, history, observed) series are out of line this month?

    Each series is judged by both rules (module docstring; `flag_arrays`): its p-value is
    the Bonferroni combination of the one-month spike rule and the sustained-shift rule,
    each after the minimum-count rule. With hundreds of series some are extreme by chance,
    so a series is flagged only when its Benjamini–Hochberg q-value over all tested series
    is < alpha (`fdr` says so). `breaks`: the first months of new series (one sequence for
    every series, or per key): the history before the last break is not used. A series
    with no crime in the RETIRED_AFTER_MONTHS months before is retired and never flags;
    it and the series that cannot be modelled (too short, no events, ...) are listed in
    `skipped` with the reason, not silently dropped. Ranked by surprise, ties by key.
    """
    alpha = check_alpha(alpha)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    target = _month_index(target_year, target_month)
    skipped: list[tuple[K, str]] = []
    groups: dict[tuple[int, ...], list[tuple[K, np.ndarray, int, int | None]]] = defaultdict(list)
    n_series = 0
    for key, history, observed in series:
        n_series += 1
        obs = check_count(observed, "observed")
        try:
            rel, y, since = _validate(history, target_year, target_month, _breaks_for(breaks, key))
        except HistoryError as err:  # too little history: said in `skipped`; bugs propagate
            skipped.append((key, str(err)))
            continue
        recent = rel >= -RETIRED_AFTER_MONTHS
        if not y[recent].any():
            skipped.append(
                (
                    key,
                    f"retired: no crime recorded in the {RETIRED_AFTER_MONTHS} months before "
                    f"{target_year}-{target_month:02d} (a category or area no longer recorded)",
                )
            )
            continue
        groups[tuple(rel.tolist())].append((key, y, obs, since))

    judged: list[tuple[K, Expectation, Shift | None, float, int]] = []
    for rel_key, members in groups.items():
        rel = np.array(rel_key, dtype=np.int64)
        y = np.stack([m[1] for m in members])
        counts = np.array([m[2] for m in members], dtype=float)
        fa = flag_arrays(y, rel, target_month, counts, level=level)
        for i, (key, _, observed, since) in enumerate(members):
            if not fa.spike.converged[i]:
                skipped.append((key, "the Poisson model did not converge on this history"))
                continue
            if fa.spike.steep[i]:
                skipped.append((key, STEEP))
                continue
            exp = _expectation(fa.spike, i, rel, target_year, target_month, observed, level, since)
            shift = None
            if fa.shift.available[i]:
                shift = _shift_result(
                    fa.shift, i, target, level, bool(fa.shift_small[i]), float(fa.shift_p[i])
                )
            judged.append((key, exp, shift, float(fa.p_value[i]), int(fa.rule[i])))

    qs = benjamini_hochberg([p for _, _, _, p, _ in judged], alpha)
    family = len(judged)
    flags: list[Flag[K]] = []
    for (key, exp, shift, p, rule), q in zip(judged, qs, strict=True):
        assert q is not None
        exp = dataclasses.replace(exp, q_value=q, fdr_controlled=True, fdr_family_size=family)
        if q >= alpha:
            continue
        if rule == 1 and shift is not None:
            months = tuple(_label(target - j) for j in range(shift.months - 1, -1, -1))
            flags.append(Flag(key, exp, SUSTAINED_SHIFT, months, p, q, shift.verdict, shift))
        else:
            verdict = UP if (exp.change or 0) > 0 else DOWN
            months = (_label(target),)
            flags.append(Flag(key, exp, SPIKE, months, p, q, verdict, shift))
    flags.sort(key=lambda f: (-f.surprise, str(f.key)))
    return FlagReport(
        target_year=target_year,
        target_month=target_month,
        flags=tuple(flags),
        n_series=n_series,
        n_tested=family,
        n_outside_band=sum(e.position != "within" for _, e, _, _, _ in judged),
        skipped=tuple(skipped),
        level=level,
        alpha=alpha,
        fdr=(
            f"Benjamini–Hochberg FDR at {alpha:g} over all {family} tested series "
            "(each series' p-value: spike or sustained shift, Bonferroni)"
        ),
    )


__all__ = [
    "FLAG_TEST",
    "MAX_LOG_TREND",
    "MIN_HISTORY_MONTHS",
    "RETIRED_AFTER_MONTHS",
    "SEASONAL_TEST",
    "SHIFT_EXTRA_VARIANCE",
    "SHIFT_TEST",
    "SHIFT_WINDOW",
    "SMALL_COUNT_ALPHA",
    "SMALL_EXPECTED",
    "SMALL_OBSERVED",
    "SPIKE",
    "SPIKE_EXTRA_VARIANCE",
    "SUSTAINED_SHIFT",
    "Expectation",
    "Flag",
    "FlagArrays",
    "FlagReport",
    "Rule",
    "Shift",
    "ShiftArrays",
    "SpikeArrays",
    "exact_conditional_p",
    "flag_arrays",
    "flag_series",
    "seasonal_expectation",
    "shift_arrays",
    "spike_arrays",
]
