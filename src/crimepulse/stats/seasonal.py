"""Seasonal expectation for a monthly count, and flags for series outside their band."""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import numpy as np
import statsmodels.api as sm
from scipy import stats

from crimepulse.errors import HistoryError

from ._common import (
    NO_CHANGE,
    AsDict,
    Verdict,
    central_p,
    check_alpha,
    check_count,
    to_json_value,
    verdict_from,
)
from .fdr import apply_fdr

SEASONAL_TEST = "two-sided tail probability under the seasonal model's predictive distribution"
MIN_HISTORY_MONTHS = 24
#: Overdispersion is declared when the Pearson χ² test gives p below this. Lenient on
#: purpose: with 11 residual df (24 months) the test has little power, and missing
#: real overdispersion gives bands that are too narrow, i.e. false alarms.
OVERDISPERSION_TEST_ALPHA = 0.2

Position = Literal["above", "below", "within"]
#: A series key: anything hashable the caller uses, e.g. (area, category); as_dict()
#: needs it JSON-ready (str, int, or a tuple of them).
K = TypeVar("K", bound=Hashable)
History = Sequence[tuple[int, int, int]]


@dataclass(frozen=True)
class Expectation(AsDict):
    """What a month's count should be given its past, and how surprising the observation is.

    `low`..`high` is the prediction band at `level`; `p_value` (two-sided),
    `surprise` = −log10 p, `change` (observed − expected) and `position` are None when
    no observed count was given. The verdict is "up"/"down" when p < 1 − level (then
    the count is outside the band). `trend_pct_per_year` is the fitted
    multiplicative year-on-year change. `variance` is the predictive variance: with
    `expected` it fixes the negative binomial used, so the p-value can be recomputed.
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


def _month_index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def _validate(history: History, target_year: int, target_month: int) -> np.ndarray:
    if not 1 <= target_month <= 12:
        raise ValueError(f"target_month must be 1..12, got {target_month}")
    target = _month_index(target_year, target_month)
    rows: list[tuple[int, int, int]] = []
    seen: set[int] = set()
    for i, row in enumerate(history):
        if len(row) != 3:
            raise ValueError(f"history[{i}] must be (year, month, count), got {row!r}")
        year, month, count = (int(v) for v in row)
        if not 1 <= month <= 12:
            raise ValueError(f"history[{i}]: month must be 1..12, got {month}")
        check_count(row[2], f"history[{i}] count")
        idx = _month_index(year, month)
        if idx >= target:
            raise ValueError(
                f"history[{i}] ({year}-{month:02d}) is not before the target "
                f"{target_year}-{target_month:02d}: history must precede the month judged"
            )
        if idx in seen:
            raise ValueError(f"history[{i}]: {year}-{month:02d} appears twice")
        seen.add(idx)
        rows.append((idx - target, month, count))
    if len(rows) < MIN_HISTORY_MONTHS:
        raise HistoryError(
            f"a seasonal expectation needs at least {MIN_HISTORY_MONTHS} months of history "
            f"(two of each calendar month), got {len(rows)}"
        )
    arr = np.asarray(rows, dtype=float)
    if arr[:, 2].sum() == 0:
        raise HistoryError("the history has no events at all: there is nothing to model")
    if not np.any(arr[:, 1] == target_month):
        raise HistoryError(f"the history has no month {target_month}: no seasonal level for it")
    return arr


def seasonal_expectation(
    history: History,
    target_year: int,
    target_month: int,
    *,
    observed: int | None = None,
    level: float = 0.95,
) -> Expectation:
    """Expected count for (target_year, target_month) from a Poisson GLM on the history.

    Model (statsmodels GLM, log link): one level per calendar month + a linear trend
    in years, fitted on `history` (all of which must precede the target; pass the
    recent years, e.g. 3–5: an old regime or the 2020 lockdowns would inflate the
    dispersion). If some calendar month has no events at all its level cannot be
    estimated, so the month effects are dropped (model says so).

    Overdispersion: Pearson χ²/df = φ, tested against χ²(df); when p <
    OVERDISPERSION_TEST_ALPHA the variance is taken as φ·μ (quasi-Poisson, McCullagh
    & Nelder 1989 §4.5) and the band widened by (t_df / z)² for the estimated φ.

    Predictive distribution: mean μ = fitted value at the target, variance
    V = φ·μ + μ²·Var(η̂) (noise plus the uncertainty of the fitted log-mean η̂),
    moment-matched to a negative binomial, as in the improved Farrington algorithm
    (Farrington et al. 1996; Noufaily et al. 2013). Band: its (1 ± level)/2 quantiles;
    p-value: twice the smaller tail at `observed`, capped at 1.
    Needs >= 24 months of history: a history the model cannot fit (too short, no events,
    no month like the target, no convergence) is a HistoryError (a ValueError); arguments
    that are wrong whatever the data (a month 13, a history row after the target) are a
    plain ValueError. Simulated coverage of the 95% band with 24–36 months: 94–97% under
    Poisson noise, 92–97% under strongly overdispersed NB noise, whose variance φ·μ only
    approximates (see the tests).
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    obs = None if observed is None else check_count(observed, "observed")
    arr = _validate(history, target_year, target_month)
    t_years, months, y = arr[:, 0] / 12.0, arr[:, 1].astype(int), arr[:, 2]

    month_totals = np.bincount(months, weights=y, minlength=13)
    levels = sorted(set(months.tolist()))
    seasonal = all(month_totals[m] > 0 for m in levels)
    if seasonal:
        cols = [(months == m).astype(float) for m in levels]
        x0 = np.array([1.0 if m == target_month else 0.0 for m in levels] + [0.0])
        shape = "month-of-year effects + linear trend"
    else:
        cols = [np.ones_like(y)]
        x0 = np.array([1.0, 0.0])
        shape = "linear trend only: a calendar month has no events, too sparse for seasonality"
    X = np.column_stack([*cols, t_years])  # target is t = 0, so x0 has a zero trend term

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is checked below
        res = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    if not res.converged:
        raise HistoryError("the Poisson model did not converge on this history")
    df = float(res.df_resid)
    chi2 = float(res.pearson_chi2)
    phi_hat = chi2 / df if df > 0 else 1.0
    od_p = float(stats.chi2.sf(chi2, df)) if df > 0 else 1.0
    overdispersed = od_p < OVERDISPERSION_TEST_ALPHA and phi_hat > 1.0
    phi = phi_hat if overdispersed else 1.0

    eta = float(x0 @ res.params)
    var_eta = float(x0 @ (np.asarray(res.cov_params()) * phi) @ x0)
    mu = math.exp(eta)
    var = phi * mu + mu * mu * var_eta
    q = 0.5 + level / 2
    if overdispersed:
        var *= (float(stats.t.ppf(q, df)) / float(stats.norm.ppf(q))) ** 2
        model = f"quasi-Poisson GLM ({shape}); dispersion {phi:.2f}; NB predictive"
    else:
        model = f"Poisson GLM ({shape}); NB predictive (parameter uncertainty)"
    var = max(var, mu * (1 + 1e-9))  # keep the NB proper if Var(η̂) underflows
    dist = stats.nbinom(mu * mu / (var - mu), mu / var)

    p_value = surprise = change = None
    position: Position | None = None
    low, high = int(dist.ppf(1 - q)), int(dist.ppf(q))
    if obs is not None:
        p_value, surprise = central_p(float(dist.logcdf(obs)), float(dist.logsf(obs - 1)))
        position = "above" if obs > high else "below" if obs < low else "within"
        change = obs - mu
    direction = 0 if change is None else (change > 0) - (change < 0)
    return Expectation(
        target_year=target_year,
        target_month=target_month,
        expected=mu,
        variance=var,
        low=low,
        high=high,
        level=level,
        observed=obs,
        p_value=p_value,
        surprise=surprise,
        position=position,
        change=change,
        change_pct=None if change is None else 100.0 * change / mu,
        test=SEASONAL_TEST,
        verdict=NO_CHANGE if p_value is None else verdict_from(p_value, 1 - level, direction),
        model=model,
        dispersion=phi,
        overdispersion_p_value=od_p,
        trend_pct_per_year=100.0 * (math.exp(float(res.params[-1])) - 1.0),
        n_months=len(y),
    )


@dataclass(frozen=True)
class Flag(AsDict, Generic[K]):
    """One series outside its band whose surprise survives the FDR control.

    `as_dict()` is flat: {"key": ..., **expectation fields} (q_value included).
    """

    key: K
    expectation: Expectation

    def as_dict(self) -> dict[str, Any]:
        return {"key": to_json_value(self.key), **self.expectation.as_dict()}


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


def flag_series(
    series: Iterable[tuple[K, History, int]],
    target_year: int,
    target_month: int,
    *,
    level: float = 0.95,
    alpha: float = 0.05,
) -> FlagReport[K]:
    """Which of many (key, history, observed) series are out of line this month?

    Each series gets a `seasonal_expectation`. With hundreds of series some fall
    outside a 95% band by chance, so a series is flagged only when it is outside the
    band AND its Benjamini–Hochberg q-value over all tested series is < alpha
    (`fdr` says so; each flag's expectation carries its q_value). Series that cannot
    be modelled (too short, no events, ...) are listed in `skipped` with the reason,
    not silently dropped. Ranked by surprise, ties by key.
    """
    alpha = check_alpha(alpha)
    keys: list[K] = []
    tested: list[Expectation] = []
    skipped: list[tuple[K, str]] = []
    n_series = 0
    for key, history, observed in series:
        n_series += 1
        try:
            exp = seasonal_expectation(
                history, target_year, target_month, observed=observed, level=level
            )
        except HistoryError as err:  # too little history: said in `skipped`; bugs propagate
            skipped.append((key, str(err)))
            continue
        keys.append(key)
        tested.append(exp)
    controlled = apply_fdr(tested, alpha)
    flags = [
        Flag(key=key, expectation=exp)
        for key, exp in zip(keys, controlled, strict=True)
        if exp.q_value is not None and exp.q_value < alpha and exp.position != "within"
    ]
    flags.sort(key=lambda f: (-(f.expectation.surprise or 0.0), str(f.key)))
    return FlagReport(
        target_year=target_year,
        target_month=target_month,
        flags=tuple(flags),
        n_series=n_series,
        n_tested=len(tested),
        n_outside_band=sum(e.position != "within" for e in tested),
        skipped=tuple(skipped),
        level=level,
        alpha=alpha,
        fdr=f"Benjamini–Hochberg FDR at {alpha:g} over all {len(tested)} tested series",
    )
