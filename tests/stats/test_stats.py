"""The statistics layer against hand-computed values (arithmetic in the comments).

Binomial tails are summed exactly with math.comb (integers, then one division), so
these checks do not lean on scipy, which the code under test uses.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from statsmodels.stats import rates

from crimepulse.stats import (
    NO_CHANGE,
    NOT_ENOUGH_HISTORY,
    SMALL_COUNTS,
    Comparison,
    apply_fdr,
    benjamini_hochberg,
    compare_counts,
    compare_counts_many,
    compare_to_baseline,
    e_test,
    trend,
    weighted_comparison,
)


def binom_tail_ge(k: int, n: int, p: Fraction = Fraction(1, 2)) -> float:
    """P(X >= k) for X ~ Binomial(n, p), exactly: Σ C(n, j) p^j (1-p)^(n-j)."""
    return float(sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1)))


def binom_tail_le(k: int, n: int, p: Fraction = Fraction(1, 2)) -> float:
    return float(sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(0, k + 1)))


def binom_tail_ge_float(k: int, n: int, p: float) -> float:
    """The same for an irrational p (a Clopper–Pearson limit), in floats."""
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))


def nb_tail_ge(k: int, size: float, prob: float) -> float:
    """P(X >= k) for X ~ NB(size, prob): 1 − Σ_{j<k} Γ(j+size)/(j!Γ(size)) prob^size (1−prob)^j."""
    cdf = sum(
        math.exp(
            math.lgamma(j + size)
            - math.lgamma(j + 1)
            - math.lgamma(size)
            + size * math.log(prob)
            + j * math.log(1 - prob)
        )
        for j in range(k)
    )
    return 1 - cdf


def json_ready(value: Any) -> bool:
    """Only dict/list/str/int/float/bool/None, all the way down (no numpy types)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_ready(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_ready(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


# --- compare_counts -------------------------------------------------------------------


def test_ten_vs_five_exact_p_value_and_clopper_pearson_ci() -> None:
    r = compare_counts(10, 5)
    # n = 15, p0 = 1/2. Upper tail: C(15,10..15) = 3003+1365+455+105+15+1 = 4944,
    # P(X >= 10) = 4944 / 2^15 = 0.150878..., doubled: 0.3017578125.
    assert r.p_value == pytest.approx(2 * 4944 / 2**15, abs=1e-12)
    assert r.p_value == pytest.approx(2 * binom_tail_ge(10, 15), abs=1e-12)
    assert r.p_value == pytest.approx(0.3018, abs=5e-5)
    assert r.change == 5
    assert r.change_pct == pytest.approx(100.0)
    assert r.rate_ratio == pytest.approx(2.0)
    assert r.verdict == NO_CHANGE
    assert r.small_counts  # 15 < 20
    assert r.test == "exact conditional binomial test for two Poisson counts"
    # Clopper–Pearson defines π_lo by P(X >= 10 | π_lo) = 0.025 and π_hi by
    # P(X <= 10 | π_hi) = 0.025; RR = π / (1 − π), so π = RR / (1 + RR).
    pi_lo = r.ci_low / (1 + r.ci_low)
    pi_hi = r.ci_high / (1 + r.ci_high)
    assert binom_tail_ge_float(10, 15, pi_lo) == pytest.approx(0.025, abs=1e-9)
    assert 1 - binom_tail_ge_float(11, 15, pi_hi) == pytest.approx(0.025, abs=1e-9)
    assert r.ci_low < 1 < r.ci_high  # consistent with p >= 0.05
    assert (r.ci_low, r.ci_high) == pytest.approx((0.6229, 7.4573), abs=1e-4)


def test_london_robbery_2022_vs_2021_is_up() -> None:
    # MPS borough table, London total robbery: 27,663 (2022) vs 22,803 (2021).
    r = compare_counts(27663, 22803)
    assert r.verdict == "up"
    assert r.p_value < 1e-50
    assert r.change == 4860
    assert r.change_pct == pytest.approx(100 * 4860 / 22803)  # +21.31%
    assert r.ci_low > 1.18 and r.ci_high < 1.24  # RR 1.213
    assert not r.small_counts


def test_minus_seventeen_percent_is_not_meaningful() -> None:
    r = compare_counts(112, 135)
    # change = -23, -23/135 = -17.04%; n = 247, P(X <= 112 | Bin(247, 1/2)) doubled.
    assert r.change_pct == pytest.approx(-17.037, abs=1e-3)
    assert r.p_value == pytest.approx(2 * binom_tail_le(112, 247), rel=1e-9)
    assert r.p_value == pytest.approx(0.1614, abs=1e-4)
    assert r.verdict == NO_CHANGE
    assert r.ci_low < 1 < r.ci_high


def test_zero_vs_zero() -> None:
    r = compare_counts(0, 0)
    assert r.p_value == 1.0
    assert r.change_pct is None and r.rate_ratio is None
    assert r.ci_low == 0.0 and r.ci_high == math.inf
    assert r.verdict == NO_CHANGE and r.small_counts
    d = r.as_dict()
    assert d["ci_high"] is None  # unbounded: strict JSON has no Infinity
    json.dumps(d, allow_nan=False)


def test_zero_vs_five_and_five_vs_zero() -> None:
    down = compare_counts(0, 5)
    # P(X <= 0 | Bin(5, 1/2)) = 1/32, doubled = 0.0625 (>= 0.05: five is too few).
    assert down.p_value == pytest.approx(0.0625)
    assert down.rate_ratio == 0.0 and down.change_pct == -100.0
    assert down.ci_low == 0.0
    # π_hi solves (1 − π)^5 = 0.025, so RR_hi = π/(1−π) = 0.025^(−1/5) − 1 = 1.0913.
    assert down.ci_high == pytest.approx(0.025 ** (-1 / 5) - 1, rel=1e-9)
    assert down.verdict == NO_CHANGE

    up = compare_counts(5, 0)
    assert up.p_value == pytest.approx(0.0625)
    assert up.rate_ratio is None and up.change_pct is None  # no base to divide by
    assert up.ci_low == pytest.approx(1 / (0.025 ** (-1 / 5) - 1), rel=1e-9)
    assert up.ci_high == math.inf
    # Six vs none: 2 / 64 = 0.03125 < 0.05, so "up".
    assert compare_counts(6, 0).p_value == pytest.approx(2 / 64)
    assert compare_counts(6, 0).verdict == "up"


def test_tiny_counts() -> None:
    r = compare_counts(1, 3)
    # P(X <= 1 | Bin(4, 1/2)) = (1 + 4)/16, doubled = 0.625.
    assert r.p_value == pytest.approx(0.625)
    assert r.verdict == NO_CHANGE and r.small_counts
    assert r.change_pct == pytest.approx(-66.667, abs=1e-3)


def test_equal_counts() -> None:
    r = compare_counts(50, 50)
    # Both tails are > 1/2 (they share P(X = 50)), so twice the smaller is capped at 1.
    assert r.p_value == 1.0
    assert r.verdict == NO_CHANGE
    assert r.rate_ratio == 1.0 and r.change == 0 and r.change_pct == 0.0
    # p0 = 1/2 makes the interval symmetric on the log scale: lo · hi = 1.
    assert r.ci_low * r.ci_high == pytest.approx(1.0, rel=1e-9)


def test_exposure_ratio_28_vs_31_days() -> None:
    e = 28 / 31
    # 280 crimes in 28 days vs 310 in 31: counts down 9.7%, daily rate exactly equal.
    same = compare_counts(280, 310, exposure_ratio=e)
    assert same.change_pct == pytest.approx(-9.677, abs=1e-3)
    assert same.rate_ratio == pytest.approx(1.0)
    assert same.p_value == 1.0  # 590 · 28/59 = 280 exactly: both tails > 1/2
    assert same.verdict == NO_CHANGE
    # 300 vs 250: RR = (300/250)·(31/28) = 1.3286; π0 = e/(1+e) = 28/59, n = 550.
    r = compare_counts(300, 250, exposure_ratio=e)
    assert r.rate_ratio == pytest.approx(1.2 * 31 / 28)
    assert r.p_value == pytest.approx(2 * binom_tail_ge(300, 550, Fraction(28, 59)), rel=1e-9)
    assert r.verdict == "up"
    # Ignoring the exposure would understate the rise (p larger).
    assert compare_counts(300, 250).p_value > r.p_value


def test_verdict_never_contradicts_the_interval() -> None:
    # The CI excludes 1 exactly when p < alpha, for any exposure.
    for e in (1.0, 28 / 31, 0.5, 3.0):
        for c in range(0, 40, 3):
            for b in range(0, 40, 4):
                r = compare_counts(c, b, exposure_ratio=e)
                excludes = r.ci_low > 1 or r.ci_high < 1
                assert excludes == (r.p_value < 0.05), (c, b, e, r)
                if r.verdict == "up":
                    assert r.ci_low > 1
                if r.verdict == "down":
                    assert r.ci_high < 1


def test_alpha_changes_interval_and_verdict() -> None:
    r90 = compare_counts(30, 18, alpha=0.10)
    r95 = compare_counts(30, 18)
    assert r90.p_value == r95.p_value
    assert r95.ci_low < r90.ci_low < r90.ci_high < r95.ci_high
    assert (r95.p_value < 0.05) == (r95.verdict == "up")


def test_small_counts_threshold() -> None:
    assert compare_counts(10, SMALL_COUNTS - 11).small_counts
    assert not compare_counts(10, SMALL_COUNTS - 10).small_counts


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        compare_counts(-1, 3)
    with pytest.raises(ValueError):
        compare_counts(1, 3, exposure_ratio=0)
    with pytest.raises(ValueError):
        compare_counts(1, 3, alpha=1.5)
    with pytest.raises(TypeError):
        compare_counts(1.5, 3)  # type: ignore[arg-type]


# --- E-test -----------------------------------------------------------------------------


def test_e_test_matches_statsmodels_default_grid_on_small_counts() -> None:
    # Our grid only narrows statsmodels' default for speed; small counts must agree.
    for c, b in [(10, 5), (1, 3), (0, 5), (112, 135)]:
        default = rates.test_poisson_2indep(c, 1.0, b, 1.0, method="etest").pvalue
        assert e_test(c, b) == pytest.approx(default, rel=1e-9, abs=1e-14)
    assert e_test(0, 0) == 1.0
    assert e_test(10, 5) < compare_counts(10, 5).p_value  # the E-test is less conservative


@pytest.mark.parametrize(
    ("current", "previous"),
    [(27663, 22803), (112, 135), (1480, 1390), (1480, 1350), (820, 905), (310, 250)],
)
def test_e_test_agrees_with_exact_verdict_on_real_size_counts(current: int, previous: int) -> None:
    exact = compare_counts(current, previous)
    assert (e_test(current, previous) < 0.05) == (exact.p_value < 0.05)


# --- Benjamini–Hochberg -------------------------------------------------------------------


def test_benjamini_hochberg_hand_worked() -> None:
    # m = 4. Sorted: .01·4/1 = .04, .03·4/2 = .06, .04·4/3 = .0533, .20·4/4 = .20;
    # running minimum from the top: .20, .0533, min(.06, .0533) = .0533, .04.
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.20])
    assert q == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    # None is "no test": kept in place and not counted in m.
    q2 = benjamini_hochberg([0.01, None, 0.04, 0.03, 0.20, None])
    assert q2[1] is None and q2[5] is None
    assert [q2[0], q2[2], q2[3], q2[4]] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.20])
    assert benjamini_hochberg([]) == []
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5, 1.2])


def test_apply_fdr_downgrades_and_keeps_p() -> None:
    cs = [compare_counts(60, 30), compare_counts(30, 15), compare_counts(112, 135)]
    # p = .00206, .0357 (2·P(X>=30 | Bin(45,1/2))), .1614
    assert cs[1].p_value == pytest.approx(2 * binom_tail_ge(30, 45), rel=1e-9)
    assert [c.verdict for c in cs] == ["up", "up", NO_CHANGE]
    out = apply_fdr(cs)
    # q = .00206·3 = .00618; .0357·3/2 = .0535; .1614
    assert [c.q_value for c in out] == pytest.approx(
        [cs[0].p_value * 3, cs[1].p_value * 1.5, cs[2].p_value]
    )
    assert [c.verdict for c in out] == ["up", NO_CHANGE, NO_CHANGE]
    assert all(c.fdr_controlled and c.fdr_family_size == 3 for c in out)
    assert [c.p_value for c in out] == [c.p_value for c in cs]
    assert all(isinstance(c, Comparison) for c in out)
    assert cs[1].verdict == "up" and cs[1].q_value is None  # originals untouched


def test_apply_fdr_works_on_baseline_and_weighted_results() -> None:
    # 400 against 100, 130, 85 is "up" (p ≈ 0.008, see test_baseline); one baseline year
    # is "not enough history": no p-value, not in the family, and its verdict stays.
    out = apply_fdr([compare_to_baseline(400, [100, 130, 85]), compare_to_baseline(125, [100])])
    assert out[0].verdict == "up" and out[0].fdr_family_size == 1
    assert out[0].q_value == out[0].p_value
    assert out[1].verdict == NOT_ENOUGH_HISTORY and out[1].q_value is None
    w = apply_fdr([weighted_comparison([(1.0, 1000, 800)])])
    assert w[0].q_value == w[0].p_value


# --- serialisation ------------------------------------------------------------------


def test_every_result_is_json_ready() -> None:
    results = [
        compare_counts(np.int64(10), np.int64(5)),  # type: ignore[arg-type]
        compare_counts(5, 0),
        compare_to_baseline(130, [100, 130, 85]),
        compare_to_baseline(130, [100, 130]),  # not enough history: None fields
        trend(np.array([1.0, 3.0, 2.0, 5.0])),  # type: ignore[arg-type]
        weighted_comparison([(np.float64(2.0), np.int64(3), 0)]),  # type: ignore[list-item]
        *apply_fdr([compare_counts(10, 5)]),
    ]
    for r in results:
        d = r.as_dict()
        assert json_ready(d), d
        json.dumps(d, allow_nan=False)
    assert compare_counts(np.int64(10), np.int64(5)).as_dict()["current"] == 10  # type: ignore[arg-type]


def test_many_equals_one_by_one_and_scipy_binomtest() -> None:
    from scipy.stats import binomtest

    pairs = [(0, 0), (0, 7), (7, 0), (10, 5), (112, 135), (300, 250), (1, 3), (27663, 22803)]
    exposures = [1.0, 0.5, 2.0, 1.0, 28 / 31, 28 / 31, 1.0, 1.0]
    many = compare_counts_many([c for c, _ in pairs], [b for _, b in pairs], exposures, alpha=0.1)
    for (c, b), e, m in zip(pairs, exposures, many, strict=True):
        assert m == compare_counts(c, b, exposure_ratio=e, alpha=0.1)
        if c + b == 0:
            continue
        pi0 = e / (1 + e)
        one_sided = min(
            binomtest(c, c + b, pi0, alternative="less").pvalue,
            binomtest(c, c + b, pi0, alternative="greater").pvalue,
        )
        assert m.p_value == pytest.approx(min(1.0, 2 * one_sided), rel=1e-9)
        ci = binomtest(c, c + b, pi0).proportion_ci(confidence_level=0.9, method="exact")
        assert m.ci_low == pytest.approx(ci.low / ((1 - ci.low) * e), rel=1e-7)
        if b > 0:
            assert m.ci_high == pytest.approx(ci.high / ((1 - ci.high) * e), rel=1e-7)
    assert compare_counts_many([], []) == []
    with pytest.raises(ValueError):
        compare_counts_many([1, 2], [3])
