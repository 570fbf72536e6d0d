"""Did two series change differently? The difference of two log rate ratios, each with its
own series' dispersion: "bucking the national trend" only when that difference is bigger
than both series' usual variation allows.

Why this exists: a force up 4% while the rest of the country is down 6% looks like
bucking the trend, but each change has its own usual variation (stats.dispersion), and
the gap between two changes carries both. Setting two verdicts side by side does not
answer it (one "up", one "no meaningful change" can be the same change), so the
difference is tested directly.

The method: for each series, the log of its rate ratio L = log((c + ½)/(p + ½)) − log(e)
has variance ≈ φ·(1/(c + ½) + 1/(p + ½)) (quasi-Poisson, the delta method), φ its
dispersion floored at 1 (as in stats.dispersion). D = L_a − L_b, var(D) = v_a + v_b
(independent series), t = D/√var(D) referred to Student's t with the Welch–Satterthwaite
degrees of freedom of the two dispersions' own. `ratio` = e^D is how much faster a rose
than b (1.10: ten per cent faster); its interval uses the same t quantile. Either series
without a dispersion (too little history) gives "not enough history", no p-value.
Assumptions: the two series' shocks are independent (a force and the rest of the country
share national shocks, which makes this test cautious, never bold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

from ._common import AsDict, check_alpha, check_count, verdict_from
from .dispersion import NOT_ENOUGH_HISTORY, HistoryVerdict

CONTRAST_TEST = (
    "difference of two log rate ratios, each with its series' dispersion "
    "(quasi-Poisson, Welch t reference)"
)
NO_CONTRAST_TEST = "none: a series has too little history to estimate its usual variation"


@dataclass(frozen=True)
class ChangeContrast(AsDict):
    """Series a's change against series b's. `verdict` "up": a rose faster (or fell
    slower) than b beyond usual variation; "down": the reverse."""

    change_pct_a: float  # a's change per unit of exposure, %
    change_pct_b: float
    ratio: float  # (a's rate ratio) / (b's)
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    df: float | None
    verdict: HistoryVerdict
    test: str
    alpha: float


def contrast_changes(
    current_a: int,
    previous_a: int,
    dispersion_a: float | None,
    df_a: int | None,
    current_b: int,
    previous_b: int,
    dispersion_b: float | None,
    df_b: int | None,
    *,
    exposure_a: float = 1.0,
    exposure_b: float = 1.0,
    alpha: float = 0.05,
) -> ChangeContrast:
    """Whether a's change and b's differ by more than both series' usual variation."""
    alpha = check_alpha(alpha)
    ca, pa = check_count(current_a, "current_a"), check_count(previous_a, "previous_a")
    cb, pb = check_count(current_b, "current_b"), check_count(previous_b, "previous_b")
    la = math.log((ca + 0.5) / (pa + 0.5)) - math.log(exposure_a)
    lb = math.log((cb + 0.5) / (pb + 0.5)) - math.log(exposure_b)
    d = la - lb
    pct_a, pct_b = 100.0 * math.expm1(la), 100.0 * math.expm1(lb)
    if dispersion_a is None or dispersion_b is None or not df_a or not df_b:
        return ChangeContrast(
            pct_a, pct_b, math.exp(d), None, None, None, None, NOT_ENOUGH_HISTORY,
            NO_CONTRAST_TEST, alpha,
        )  # fmt: skip
    va = max(dispersion_a, 1.0) * (1 / (ca + 0.5) + 1 / (pa + 0.5))
    vb = max(dispersion_b, 1.0) * (1 / (cb + 0.5) + 1 / (pb + 0.5))
    df = (va + vb) ** 2 / (va**2 / df_a + vb**2 / df_b)
    se = math.sqrt(va + vb)
    p = float(2 * stats.t.sf(abs(d) / se, df))
    q = float(stats.t.ppf(1 - alpha / 2, df))
    return ChangeContrast(
        pct_a,
        pct_b,
        math.exp(d),
        math.exp(d - q * se),
        math.exp(d + q * se),
        p,
        df,
        verdict_from(p, alpha, (d > 0) - (d < 0)),
        CONTRAST_TEST,
        alpha,
    )
