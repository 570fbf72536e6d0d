"""The trend test against hand-computed values, Mann–Kendall's second opinion, and a small
calibration on simulated trendless series.

Student's t with 2 degrees of freedom has a closed form, two-sided p = 1 − |t|/√(2 + t²),
so the 4-period cases below are checked without scipy.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from crimepulse.stats import trend
from crimepulse.stats.simulate import monthly_counts
from crimepulse.stats.trend import LEVEL_SD, MK_TEST, TREND_TEST, level_allowance


def t2_two_sided(t: float) -> float:
    return 1.0 - abs(t) / math.sqrt(2.0 + t * t)


def test_level_allowance_hand_computed() -> None:
    # 12 periods: c_t = (t − 5.5)/143. A year boundary k periods in (k = 1..11) splits the
    # window into sums −k(12 − k)/286 and +k(12 − k)/286; aligned (k = 0) it adds nothing.
    # Σ_k (k(12 − k))² = 8294, so the mean over the 12 alignments is 2·8294/(12·286²).
    assert level_allowance(12) == pytest.approx(2 * 8294 / (12 * 286**2), rel=1e-12)
    # 4 periods: c = (−3, −1, 1, 3)/10. A boundary after period 1, 2 or 3 gives
    # 2·0.3², 2·0.4², 2·0.3²; nine alignments have none: (0.18 + 0.32 + 0.18)/12.
    assert level_allowance(4) == pytest.approx(0.68 / 12, rel=1e-12)
    # Longer windows hold the same shifts against more months: a smaller allowance.
    assert level_allowance(36) < level_allowance(24) < level_allowance(12)


def test_doubling_every_period_hand_computed() -> None:
    # 100, 200, 400, 800 is exactly log-linear: b = ln 2, X² = 0 so φ = 1. Poisson
    # variance of b: with W = diag(μ) and centred t = (−1.5, −.5, .5, 1.5),
    # X'WX = [[1500, 1150], [1150, 2175]], det 1,940,000, so Var(b) = 1500/1,940,000.
    # Level allowance 0.15²·0.68/12. t = ln 2/√(sum) = 15.32, p = 1 − t/√(2 + t²).
    var_b = 1500 / 1_940_000
    t = math.log(2) / math.sqrt(var_b + 0.15**2 * 0.68 / 12)
    r = trend([100, 200, 400, 800])
    assert r.log_slope == pytest.approx(math.log(2), rel=1e-9)
    assert r.dispersion == 1.0 and r.df == 2 and r.level_sd == LEVEL_SD
    assert r.t_stat == pytest.approx(t, rel=1e-6)
    assert r.p_value == pytest.approx(t2_two_sided(t), rel=1e-6)
    assert r.direction == "rising" and r.test == TREND_TEST
    # Without the allowance only the Poisson variance is left: a bigger t.
    bare = trend([100, 200, 400, 800], level_sd=0.0)
    assert bare.t_stat == pytest.approx(math.log(2) / math.sqrt(var_b), rel=1e-6)
    assert trend([800, 400, 200, 100]).direction == "falling"


def test_mann_kendall_is_kept_as_second_opinion() -> None:
    r = trend(list(range(10)))
    # Every pair increases: S = C(10,2) = 45; Var = 10·9·25/18 = 125;
    # z = (45 − 1)/√125 = 3.9355; p = erfc(z/√2) = 8.30e-5.
    assert r.s == 45 and r.variance == pytest.approx(125.0) and r.tau == 1.0
    assert r.z == pytest.approx(44 / math.sqrt(125))
    assert r.mann_kendall_p_value == pytest.approx(math.erfc(44 / math.sqrt(125) / math.sqrt(2)))
    assert r.mann_kendall_test == MK_TEST
    assert r.direction == "rising" and r.slope == pytest.approx(1.0)


def test_mann_kendall_tie_correction() -> None:
    r = trend([1, 2, 2, 3, 3, 3, 4])
    # S: 6 (from 1) + 4 + 4 (the 2s) + 1 + 1 + 1 (the 3s) = 17.
    # Var = [7·6·19 − (2·1·9) − (3·2·11)]/18 = (798 − 18 − 66)/18 = 39.667.
    assert r.s == 17
    assert r.variance == pytest.approx(714 / 18)
    assert r.z == pytest.approx(16 / math.sqrt(714 / 18))


def test_constant_and_zero_series_have_no_trend() -> None:
    for values in ([7.0] * 12, [0.0] * 12):
        r = trend(values)
        assert r.p_value == 1.0 and r.direction == "no clear trend"
        assert r.slope == 0.0 and r.log_slope == 0.0
        assert r.mann_kendall_p_value == 1.0  # all tied: Var(S) = 0


def test_tiny_counts_are_not_a_trend() -> None:
    # 0, 0, 1, 0, 2, 1, 0, 3: Mann–Kendall's S is positive, but eight months of a handful
    # of crimes, Poisson-like (φ = 1), with an ordinary level shift allowed for, are no trend.
    r = trend([0, 0, 1, 0, 2, 1, 0, 3])
    assert r.s > 0 and r.dispersion == 1.0
    assert r.direction == "no clear trend" and r.p_value > 0.05


def test_sen_slope_on_a_known_line_with_an_outlier() -> None:
    y = [13 - 0.5 * i for i in range(11)]
    y[5] = 100.0  # one wild month: Sen's median ignores it, the dispersion does not
    r = trend(y)
    assert r.slope == pytest.approx(-0.5)
    assert r.slope_low <= -0.5 <= r.slope_high
    assert r.dispersion > 10 and r.direction == "no clear trend"
    assert r.mann_kendall_p_value < 0.05  # rank-based: only the months' order counts


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        trend([1.0, 2.0])
    with pytest.raises(ValueError):
        trend([1.0, float("nan"), 3.0])
    with pytest.raises(ValueError):
        trend([1.0, -2.0, 3.0])
    with pytest.raises(ValueError):
        trend([1.0, 2.0, 3.0], level_sd=-0.1)


def test_result_is_json_ready() -> None:
    data = json.loads(json.dumps(trend(np.array([1.0, 3.0, 2.0, 5.0])).as_dict()))  # type: ignore[arg-type]
    assert data["test"] == TREND_TEST and data["df"] == 2


def test_calibration_on_trendless_two_year_series() -> None:
    # 300 seeded trendless 24-month series at 5,000 crimes a year (year shocks, AR(1)
    # months): the trend test keeps its 5% (3 Monte-Carlo SE allowed); Mann–Kendall on the
    # same series calls far more of them trends.
    rng = np.random.default_rng(24)
    months = monthly_counts(rng, series=300, years=2, level=5000).reshape(300, 24)
    results = [trend(row.tolist()) for row in months]
    bound = 0.05 + 3 * math.sqrt(0.05 * 0.95 / 300)
    assert float(np.mean([r.p_value < 0.05 for r in results])) <= bound
    assert float(np.mean([r.mann_kendall_p_value < 0.05 for r in results])) > 0.2
