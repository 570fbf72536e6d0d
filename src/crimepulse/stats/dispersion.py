"""Is a change bigger than the series' normal variation? A verdict test that knows crime
counts vary more than Poisson noise.

Why this exists: the exact Poisson test (`counts.compare_counts`) asks only whether two
counts differ beyond chance. Crime counts also move from year to year for reasons no
count explains (weather, policing, events), so that test calls most ordinary changes
"meaningful". This test judges the change against the variation the series itself showed
between comparable periods (for example the same window in each earlier year).

The method, in plain words (quasi-Poisson, as in a quasi-Poisson regression):

1. Dispersion from the history. `history` holds the counts of k comparable periods
   (same length, in time order; typically the same window in the k years before the
   current one, the comparison period among them). Their spread is compared with what
   Poisson noise alone would give: the Pearson dispersion φ = Σ (h − μ̂)² / μ̂ / df,
   where μ̂ is the history's mean (df = k − 1) or, from `TREND_FROM` periods on, a
   log-linear trend fitted to it by Poisson regression (df = k − 2), so that a steady
   drift is not mistaken for noise. φ = 1 means Poisson-like; φ = 5 means the counts
   vary five times as much as Poisson noise would make them.
2. The test. Given the total n = current + previous, the current count under "no
   change" has mean n·π0 with π0 = e / (1 + e) (e = `exposure_ratio`), and variance
   φ·n·π0·(1 − π0): the binomial variance of the exact test, inflated by φ. The
   statistic t = (current − n·π0) / √(φ·n·π0·(1 − π0)) is referred to Student's t with
   df degrees of freedom, which carries the uncertainty of a φ estimated from a few
   periods into the p-value (with 3 periods, df = 2 and the tails are wide).
3. Never less cautious than the exact test. Extra variation can only make a change less
   surprising, so the p-value is the larger of the t-test's and the exact Poisson test's.
   A history that happens to look Poisson-like (φ̂ ≤ 1) is NOT taken at its word: from
   3–5 periods φ̂ falls below 1 by chance for a fifth of series whose true dispersion
   is 3, and trusting it made the extreme p-values of a grid 10–40 times too common
   (measured: P(p < 1.5e-4) of 0.001–0.006 instead of 0.00015 at 100–1,000 a year,
   so Benjamini–Hochberg over 330 null cells found a "change" in 61% of grids). So φ
   is floored at 1 and the t reference kept: for truly Poisson counts this costs a
   little power (a doubling at 50 a year is found about 0.53 rather than 0.62 of the
   time with 5 years of history) and no honesty.
4. Too little history. With fewer than `MIN_HISTORY` periods the variation cannot be
   estimated: the verdict is "not enough history" and the p-value is None. The exact
   Poisson result is still given, labelled as a second opinion, never as the verdict.

Assumptions: the history's periods are comparable with the two compared (same window
length, no series break inside); the periods' own shocks are roughly independent of
each other (strong year-to-year persistence would make φ too small); the dispersion is
on the scale of counts, so it grows with the level (at London level it is large, in a
small borough category near 1), which is why it is estimated per series. The interval
for the rate ratio is the Wald interval on the log scale with the same φ and t quantile
(0.5 added to each count): approximate, and near alpha it may disagree with the p-value.

The exact Poisson p-value and verdict are kept in every result (`poisson_p_value`,
`poisson_verdict`), labelled: "the counts differ beyond chance" is a different, weaker
claim than "the change is bigger than the series' usual variation".
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special, stats

from ._common import AsDict, check_alpha, check_count, verdict_from
from .counts import Comparison, compare_counts_many, exact_poisson_p

#: Fewer comparable periods than this and the variation is not estimated: the verdict
#: is NOT_ENOUGH_HISTORY (a dispersion from two periods has one degree of freedom).
MIN_HISTORY = 3
#: A dispersion this close to 1 counts as Poisson-like (rounding in φ's arithmetic).
POISSON_LIKE = 1.0 + 1e-9
#: Below this many crimes a period on average, no ordinary ± range is given (see
#: `usual_change`): half the total at which a comparison is flagged small_counts.
USUAL_FROM = 10
#: From this many periods on, the dispersion is measured around a log-linear trend.
TREND_FROM = 5

NOT_ENOUGH_HISTORY: Literal["not enough history"] = "not enough history"
HistoryVerdict = Literal["up", "down", "no meaningful change", "not enough history"]

DISPERSED_TEST = "quasi-Poisson test, dispersion from the series' own history (t reference)"
POISSON_LIKE_TEST = (
    "quasi-Poisson test, history Poisson-like (dispersion taken as 1, t reference kept)"
)
POOLED_TEST = (
    "quasi-Poisson test, dispersion from the series' own history moderated across its "
    "peers (the grid's other areas; t reference)"
)
NO_TEST = "none: too little history to estimate the series' usual variation"
POISSON_OPINION = "the counts differ beyond chance (exact Poisson test)"


@dataclass(frozen=True)
class HistoryComparison(AsDict):
    """Current vs previous count, judged against the series' own period-to-period variation.

    `p_value`, `ci_low`..`ci_high` and `verdict` are the new test's (None / NaN limits and
    "not enough history" when the history is too short). `dispersion` is φ and `df` its
    degrees of freedom (both None without enough history). `poisson_p_value` and
    `poisson_verdict` are the exact Poisson test's, a labelled second opinion
    (`poisson_test`). `change_pct` is on the raw counts, `rate_ratio` per unit of exposure.
    `usual_change_pct` is how much the series moves between two ordinary periods (see
    `usual_change`). `q_value` and the fdr fields are set by `apply_fdr` in a grid.
    """

    current: int
    previous: int
    history: tuple[int, ...]
    change: int
    change_pct: float | None
    rate_ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    test: str
    verdict: HistoryVerdict
    dispersion: float | None
    df: int | None
    trend_removed: bool
    poisson_p_value: float
    poisson_verdict: HistoryVerdict
    poisson_test: str
    small_counts: bool
    exposure_ratio: float
    alpha: float
    usual_change_pct: float | None = None
    own_dispersion: float | None = None  # φ̂ of the series' own history, when pooled
    prior_df: float | None = None  # degrees of freedom its peers added (pooled cells)
    q_value: float | None = None
    fdr_controlled: bool = False
    fdr_family_size: int | None = None


def usual_change(history: Sequence[int], dispersion: float) -> float | None:
    """How much the series moves between two ordinary periods, as a % (one standard
    deviation of the change between two periods at the history's mean level, with the
    history's dispersion): what "it moves ±6% in an ordinary year" prints. None below
    USUAL_FROM crimes a period: there a few crimes more or less make any percentage, and
    a range of "±600%" tells a reader nothing (the counts are flagged small instead)."""
    mean = float(np.mean(history)) if len(history) else 0.0
    if mean < USUAL_FROM:
        return None
    spread = math.sqrt(max(dispersion, 1.0) * 2.0 / mean)
    return 100.0 * math.expm1(spread) if spread < 50 else None


def history_dispersion(history: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Pearson dispersion φ of each row of `history` (series × periods) and its df.

    Around the row mean when there are fewer than TREND_FROM periods (df = k − 1), else
    around a log-linear Poisson-regression trend (df = k − 2, fitted by iteratively
    reweighted least squares, vectorised over the rows). A row of zeros has φ = 0 (no
    variation at all). Returns (φ, df per row, whether a trend was removed).
    """
    h = np.asarray(history, dtype=float)
    if h.ndim != 2 or h.shape[1] < MIN_HISTORY:
        raise ValueError(f"history must be series x periods with >= {MIN_HISTORY} periods")
    k = h.shape[1]
    if k < TREND_FROM:
        mu = np.repeat(h.mean(axis=1, keepdims=True), k, axis=1)
        df = k - 1
        trend_removed = False
    else:
        mu = _poisson_trend(h)
        df = k - 2
        trend_removed = True
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(mu > 0, (h - mu) ** 2 / mu, 0.0)
    phi = terms.sum(axis=1) / df
    return phi, np.full(h.shape[0], df), trend_removed


def _poisson_trend(h: np.ndarray, iterations: int = 25) -> np.ndarray:
    """Fitted means of log μ = a + b·t per row (Poisson regression by IRLS)."""
    k = h.shape[1]
    t = np.arange(k, dtype=float) - (k - 1) / 2.0
    mean = np.maximum(h.mean(axis=1), 1e-9)
    a = np.log(mean)
    b = np.zeros(h.shape[0])
    for _ in range(iterations):
        mu = np.maximum(np.exp(a[:, None] + b[:, None] * t[None, :]), 1e-12)
        z = a[:, None] + b[:, None] * t[None, :] + (h - mu) / mu
        w = mu
        sw, swt, swtt = w.sum(1), (w * t).sum(1), (w * t * t).sum(1)
        swz, swtz = (w * z).sum(1), (w * t * z).sum(1)
        det = sw * swtt - swt**2
        ok = det > 1e-12
        a = np.where(ok, (swtt * swz - swt * swtz) / np.where(ok, det, 1.0), a)
        b = np.where(ok, (sw * swtz - swt * swz) / np.where(ok, det, 1.0), b)
        b = np.clip(b, -5.0, 5.0)
    fitted: np.ndarray = np.exp(a[:, None] + b[:, None] * t[None, :])
    return np.where(h.sum(axis=1, keepdims=True) > 0, fitted, 0.0)


def dispersed_p_values(
    current: np.ndarray,
    previous: np.ndarray,
    history: np.ndarray,
    exposure_ratio: float | np.ndarray = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The test over many series at once: (p, φ, df, exact Poisson p) per row.

    `history` is series × periods (>= MIN_HISTORY periods). The p-value is the larger of
    the t-test's (φ floored at 1) and the exact one's.
    """
    phi, df, _ = history_dispersion(history)
    p, p_exact = judged_p_values(current, previous, exposure_ratio, phi, df)
    return p, phi, df, p_exact


def judged_p_values(
    current: np.ndarray,
    previous: np.ndarray,
    exposure_ratio: float | np.ndarray,
    phi: np.ndarray,
    df: np.ndarray,
    p_exact: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(p, exact Poisson p) given each row's dispersion φ and its degrees of freedom: the
    larger of the t-test's (φ floored at 1) and the exact test's (`p_exact` when the
    caller has it already, else computed)."""
    c, b = np.asarray(current, dtype=float), np.asarray(previous, dtype=float)
    e = np.broadcast_to(np.asarray(exposure_ratio, dtype=float), c.shape)
    if p_exact is None:
        p_exact = exact_poisson_p(c, b, e)
    n = c + b
    pi0 = e / (1.0 + e)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (c - n * pi0) / np.sqrt(np.maximum(phi, 1.0) * n * pi0 * (1.0 - pi0))
    p_t = np.where(n == 0, 1.0, 2.0 * stats.t.sf(np.abs(np.nan_to_num(t)), df))
    return np.maximum(p_t, p_exact), p_exact


#: Below this a dispersion is taken as this when its logarithm is pooled (a history of
#: identical counts has φ̂ = 0, whose log is -inf).
LOG_FLOOR = 0.1
#: A prior "infinitely" sure (the areas' dispersions agree beyond their noise) still adds
#: only this many degrees of freedom.
MAX_PRIOR_DF = 200.0


def moderated_dispersion(
    phi: np.ndarray, df: np.ndarray, level: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Each series' dispersion, shrunk towards what its peers show at its level: the
    empirical-Bayes "moderated" variance of limma (Smyth 2004), with a trend in the level.

    Why: from 3–8 periods a series' own φ̂ is so uncertain that its t reference has wide
    tails, so a grid of hundreds of cells can call nothing after the FDR step, however
    large a change. Its peers (the other areas of the same category and window) say what
    dispersion to expect at that level, and how much series really differ: log φ̂ is
    regressed on log(level) across the peers; the spread of the residuals beyond what
    φ̂'s own sampling noise gives (trigamma(df/2)) is the real variation between series,
    which sets the prior's degrees of freedom d0 (small when series differ a lot: then
    each keeps mostly its own φ̂). φ̃ = (df·φ̂ + d0·φ0) / (df + d0), referred to t with
    df + d0 degrees of freedom. Returns (φ̃, df + d0, d0); with fewer than 3 usable
    peers nothing is pooled (d0 = 0).
    """
    phi = np.asarray(phi, dtype=float)
    df = np.asarray(df, dtype=float)
    level = np.asarray(level, dtype=float)
    usable = level > 0
    if usable.sum() < 3:
        return phi, df, 0.0
    z = np.log(np.maximum(phi[usable], LOG_FLOOR))
    d = df[usable]
    x = np.log(level[usable])
    # E[log φ̂] = log φ0 + ψ(d/2) − log(d/2) for φ̂ ~ φ0·χ²_d/d
    e = z - special.digamma(d / 2) + np.log(d / 2)
    design = np.column_stack([np.ones_like(x), x]) if np.ptp(x) > 1e-9 else np.ones((len(x), 1))
    coef, *_ = np.linalg.lstsq(design, e, rcond=None)
    residual = e - design @ coef
    spread = float(residual @ residual) / max(len(e) - design.shape[1], 1)
    extra = spread - float(np.mean(special.polygamma(1, d / 2)))
    d0 = MAX_PRIOR_DF if extra <= 0 else min(2.0 * _trigamma_inverse(extra), MAX_PRIOR_DF)
    all_x = np.log(np.maximum(level, 1e-12))
    full = np.column_stack([np.ones_like(all_x), all_x])[:, : design.shape[1]]
    prior = np.exp(full @ coef + special.digamma(d0 / 2) - np.log(d0 / 2))
    moderated = np.where(usable, (df * phi + d0 * prior) / (df + d0), phi)
    total_df = np.where(usable, df + d0, df)
    return moderated, total_df, d0


def _trigamma_inverse(y: float) -> float:
    """x with trigamma(x) = y (Newton's method on 1/x, as limma's trigammaInverse)."""
    if y > 1e7:
        return 1.0 / math.sqrt(y)
    if y < 1e-6:
        return 1.0 / y
    x = 0.5 + 1.0 / y
    for _ in range(50):
        tri = float(special.polygamma(1, x))
        step = tri * (1.0 - tri / y) / float(special.polygamma(2, x))
        x += step
        if -step / x < 1e-8:
            break
    return x


def compare_with_history(
    current: int,
    previous: int,
    history: Sequence[int],
    *,
    exposure_ratio: float = 1.0,
    alpha: float = 0.05,
) -> HistoryComparison:
    """Compare two counts against the variation the series showed between comparable periods.

    See the module docstring for the method. `history`: counts of comparable periods in
    time order (may be empty: the verdict is then "not enough history").
    """
    return compare_with_history_many([current], [previous], [history], exposure_ratio, alpha=alpha)[
        0
    ]


def compare_with_history_many(
    current: Sequence[int],
    previous: Sequence[int],
    histories: Sequence[Sequence[int]],
    exposure_ratio: float | Sequence[float] = 1.0,
    *,
    alpha: float = 0.05,
    pool: Sequence[Hashable] | None = None,
) -> list[HistoryComparison]:
    """`compare_with_history` over many cells at once (a CompStat grid), vectorised:
    the same results as one call per cell. Cells are grouped by history length, so a
    grid whose windows share their history years costs a few array operations.

    `pool`: one key per cell; cells with the same key (the areas of one category and
    window) have their dispersions moderated together (`moderated_dispersion`), and say
    so in `test` and `prior_df`. None: each cell is judged by its own history alone."""
    alpha = check_alpha(alpha)
    if len(histories) != len(current):
        raise ValueError(f"{len(current)} cells but {len(histories)} histories")
    exact = compare_counts_many(current, previous, exposure_ratio, alpha=alpha)
    hists = [
        tuple(check_count(v, f"histories[{i}][{j}]") for j, v in enumerate(h))
        for i, h in enumerate(histories)
    ]
    out: list[HistoryComparison | None] = [None] * len(exact)
    by_length: dict[int, list[int]] = {}
    for i, h in enumerate(hists):
        if len(h) < MIN_HISTORY:
            out[i] = _too_short(exact[i], h)
        else:
            by_length.setdefault(len(h), []).append(i)
    groups: dict[tuple[int, Hashable], list[int]] = {}
    for length, rows in by_length.items():
        for i in rows:
            groups.setdefault((length, None if pool is None else pool[i]), []).append(i)
    for rows in groups.values():
        c = np.array([exact[i].current for i in rows], dtype=float)
        b = np.array([exact[i].previous for i in rows], dtype=float)
        e = np.array([exact[i].exposure_ratio for i in rows])
        history = np.array([hists[i] for i in rows], dtype=float)
        own, df, _ = history_dispersion(history)
        phi, prior_df = own, 0.0
        if pool is not None:
            phi, df, prior_df = moderated_dispersion(own, df, history.mean(axis=1))
        exact_p = np.array([exact[i].p_value for i in rows])
        p, _ = judged_p_values(c, b, e, phi, df, exact_p)
        for j, i in enumerate(rows):
            quantile = float(stats.t.ppf(1 - alpha / 2, float(df[j])))
            judged = _judged(exact[i], hists[i], float(p[j]), float(phi[j]), int(df[j]), quantile)
            if prior_df > 0 and judged.test == DISPERSED_TEST:
                judged = dataclasses.replace(
                    judged, test=POOLED_TEST, own_dispersion=float(own[j]), prior_df=prior_df
                )
            elif prior_df > 0:
                judged = dataclasses.replace(
                    judged, own_dispersion=float(own[j]), prior_df=prior_df
                )
            out[i] = judged
    return [r for r in out if r is not None]


def _exp(x: float) -> float:
    """e**x, infinite where it overflows (an unbounded limit of a rate ratio)."""
    return math.exp(x) if x < 700 else math.inf


def _too_short(exact: Comparison, hist: tuple[int, ...]) -> HistoryComparison:
    return HistoryComparison(
        current=exact.current,
        previous=exact.previous,
        history=hist,
        change=exact.current - exact.previous,
        change_pct=exact.change_pct,
        rate_ratio=exact.rate_ratio,
        ci_low=None,
        ci_high=None,
        p_value=None,
        test=NO_TEST,
        verdict=NOT_ENOUGH_HISTORY,
        dispersion=None,
        df=None,
        trend_removed=False,
        poisson_p_value=exact.p_value,
        poisson_verdict=exact.verdict,
        poisson_test=POISSON_OPINION,
        small_counts=exact.small_counts,
        exposure_ratio=exact.exposure_ratio,
        alpha=exact.alpha,
    )


def _judged(
    exact: Comparison,
    hist: tuple[int, ...],
    p_value: float,
    dispersion: float,
    dof: int,
    quantile: float,
) -> HistoryComparison:
    """The verdict of a cell with enough history (`quantile`: t's at 1 − alpha/2, df)."""
    c, b, e = exact.current, exact.previous, exact.exposure_ratio
    direction = int(np.sign(c - (c + b) * e / (1.0 + e)))
    # the interval: the wider of the t-Wald one (φ floored at 1) and the exact one, as the
    # p-value is the larger of the two tests'
    log_rr = math.log((c + 0.5) / (b + 0.5) / e)
    half = quantile * math.sqrt(max(dispersion, 1.0) * (1.0 / (c + 0.5) + 1.0 / (b + 0.5)))
    ci_low = min(_exp(log_rr - half), exact.ci_low)
    ci_high = max(_exp(log_rr + half), exact.ci_high)
    test = DISPERSED_TEST if dispersion > POISSON_LIKE else POISSON_LIKE_TEST
    return dataclasses.replace(
        _too_short(exact, hist),
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        test=test,
        verdict=verdict_from(p_value, exact.alpha, direction),
        dispersion=dispersion,
        df=dof,
        trend_removed=len(hist) >= TREND_FROM,
        usual_change_pct=usual_change(hist, dispersion),
    )


__all__ = [
    "DISPERSED_TEST",
    "MIN_HISTORY",
    "NOT_ENOUGH_HISTORY",
    "NO_TEST",
    "POISSON_LIKE",
    "POISSON_LIKE_TEST",
    "POISSON_OPINION",
    "POOLED_TEST",
    "TREND_FROM",
    "HistoryComparison",
    "HistoryVerdict",
    "compare_with_history",
    "compare_with_history_many",
    "dispersed_p_values",
    "exact_poisson_p",
    "history_dispersion",
    "judged_p_values",
    "moderated_dispersion",
    "usual_change",
]
