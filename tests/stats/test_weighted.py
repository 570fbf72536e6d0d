"""The harm-weighted test against hand-enumerated null distributions and the exact count test.

Binomial tails are summed exactly with math.comb here, so the checks do not lean on scipy.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from crimepulse.stats import NO_CHANGE, WeightedComparison, compare_counts, weighted_comparison
from crimepulse.stats import weighted as weighted_module
from crimepulse.stats.weighted import DRAWS, EXACT_METHOD


def binom_ge(k: int, n: int, p: Fraction = Fraction(1, 2)) -> Fraction:
    return sum((math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1)), Fraction(0))


@pytest.mark.parametrize("exposure", [1.0, 28 / 31, 2.5])
@pytest.mark.parametrize(
    ("current", "previous"),
    [(5, 0), (10, 5), (0, 7), (112, 135), (300, 250), (27663, 22803), (0, 0), (50, 50)],
)
def test_one_category_is_exactly_the_count_test(
    current: int, previous: int, exposure: float
) -> None:
    r = weighted_comparison([(365.0, current, previous)], exposure_ratio=exposure)
    exact = compare_counts(current, previous, exposure_ratio=exposure)
    assert r.p_value == pytest.approx(exact.p_value, rel=1e-12, abs=1e-300)
    assert r.verdict == exact.verdict and r.method == EXACT_METHOD and r.draws is None


def test_sutton_homicide_2023_is_not_called_up() -> None:
    # Five homicides (5,475 days each) against none: 2·(½)⁵ = 0.0625, as the count test.
    # The old normal approximation said p = 0.025, "up".
    r = weighted_comparison([(5475.0, 5, 0)])
    assert r.p_value == pytest.approx(0.0625)
    assert r.verdict == NO_CHANGE
    assert r.effective_events == pytest.approx(5.0) and r.small_counts
    assert r.ratio is None and r.change_pct is None


def test_two_categories_hand_enumerated() -> None:
    # T = X1 + 10·X2, X1 ~ Bin(3, ½), X2 ~ Bin(1, ½): values 0..3 and 10..13, each block
    # with probabilities (1, 3, 3, 1)/16. Observed T = 2 + 10 = 12: P(T >= 12) = 4/16,
    # P(T <= 12) = 15/16, p = 2·4/16 = 0.5.
    r = weighted_comparison([(1.0, 2, 1), (10.0, 1, 0)])
    assert r.p_value == pytest.approx(0.5)
    assert (r.current, r.previous, r.change) == (12.0, 1.0, 11.0)
    # All the weight in the current period: T = 13, P(T >= 13) = 1/16, p = 0.125.
    assert weighted_comparison([(1.0, 3, 0), (10.0, 1, 0)]).p_value == pytest.approx(0.125)


def test_tied_values_are_merged() -> None:
    # T = X1 + 2·X2, X1 ~ Bin(2, ½), X2 ~ Bin(1, ½): P(T = 0..4) = 1, 2, 2, 2, 1 (/8)
    # (T = 2 from X1 = 2 or X2 = 1). Observed T = 2: both tails 5/8, p = 1.
    assert weighted_comparison([(1.0, 2, 0), (2.0, 0, 1)]).p_value == 1.0


def test_a_rare_heavy_crime_says_little() -> None:
    # 100 vs 80 thefts (weight 1), 2 vs 1 homicides (weight 5000): T = X1 + 5000·X2,
    # X1 ~ Bin(180, ½) < 5000, X2 ~ Bin(3, ½). Observed T = 10,100:
    # P(T >= 10100) = P(X2 = 3) + P(X2 = 2)·P(X1 >= 100); the lower tail is larger.
    r = weighted_comparison([(1.0, 100, 80), (5000.0, 2, 1)])
    upper = Fraction(1, 8) + Fraction(3, 8) * binom_ge(100, 180)
    assert r.p_value == pytest.approx(float(2 * upper), rel=1e-9)
    assert r.verdict == NO_CHANGE
    # Kish effective events: (15180)² / (100 + 80 + 3·25e6) = 3.07.
    assert r.effective_events == pytest.approx(15180**2 / 75_000_180)
    assert r.small_counts and r.categories == 2
    assert r.change_pct == pytest.approx(100 * 5020 / 5080)


def test_equal_counts_and_no_counts() -> None:
    # T = 10·50 + 7 = 507 is the null mean 10·100/2 + 14/2: both tails exceed ½.
    assert weighted_comparison([(10.0, 50, 50), (1.0, 7, 7)]).p_value == 1.0
    for cats in ([], [(5.0, 0, 0)], [(0.0, 4, 0)]):
        r = weighted_comparison(cats)
        assert r.p_value == 1.0 and r.verdict == NO_CHANGE and r.categories == 0


def test_dispersion_shrinks_the_deviation() -> None:
    # One category, 30 vs 10 (n = 40, mean 20) with φ = 4: the deviation 10 is halved, so
    # the p-value is the count test's for 25 vs 15: 2·P(X >= 25 | Bin(40, ½)).
    r = weighted_comparison([(1.0, 30, 10)], dispersion=4.0)
    assert r.p_value == pytest.approx(float(2 * binom_ge(25, 40)), rel=1e-12)
    assert r.p_value == pytest.approx(compare_counts(25, 15).p_value, rel=1e-12)
    assert r.dispersion == 4.0 and "dispersion 4.00" in r.method
    assert compare_counts(30, 10).p_value < 0.05 <= r.p_value
    # φ <= 1 is Poisson.
    below_one = weighted_comparison([(1.0, 30, 10)], dispersion=0.8)
    assert below_one.p_value == compare_counts(30, 10).p_value and below_one.dispersion == 1.0


def test_an_estimated_dispersion_carries_its_uncertainty() -> None:
    # φ = 4 from 3 periods (df = 2): t = (30 − 20)/√(4·40·¼) = 1.581, and Student's t with
    # 2 df gives p = 1 − t/√(2 + t²) = 0.2546, above the scaled exact p (0.154).
    r = weighted_comparison([(1.0, 30, 10)], dispersion=4.0, dispersion_df=2)
    t = 10 / math.sqrt(40)
    assert r.p_value == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9)
    assert r.p_value > weighted_comparison([(1.0, 30, 10)], dispersion=4.0).p_value
    assert r.dispersion_df == 2 and "Student's t with 2 df" in r.method
    with pytest.raises(ValueError):
        weighted_comparison([(1.0, 30, 10)], dispersion_df=2)


def test_monte_carlo_agrees_with_the_enumeration(monkeypatch: pytest.MonkeyPatch) -> None:
    exact = weighted_comparison([(1.0, 2, 1), (10.0, 1, 0), (3.0, 4, 6)])
    monkeypatch.setattr(weighted_module, "EXACT_SUPPORT", 1)
    drawn = weighted_comparison([(1.0, 2, 1), (10.0, 1, 0), (3.0, 4, 6)])
    assert exact.method == EXACT_METHOD and drawn.draws == DRAWS
    # p = 2·tail: its Monte-Carlo SE is 2·√(tail·(1 − tail)/draws).
    tail = exact.p_value / 2
    assert drawn.p_value == pytest.approx(exact.p_value, abs=8 * math.sqrt(tail / DRAWS))
    assert weighted_comparison([(1.0, 2, 1), (10.0, 1, 0), (3.0, 4, 6)]) == drawn  # seeded


def test_large_counts_match_the_normal_limit() -> None:
    # Support 3001·2961·781 is far past enumeration: Monte Carlo. With thousands of events
    # the null T is close to normal, variance Σ w²·n·¼.
    cats = [(1.0, 1540, 1460), (2.0, 1500, 1460), (5.0, 400, 380)]
    r = weighted_comparison(cats)
    assert r.draws == DRAWS and "Monte Carlo" in r.method
    t = sum(w * c for w, c, _ in cats)
    mean = sum(w * (c + b) / 2 for w, c, b in cats)
    sd = math.sqrt(sum(w * w * (c + b) / 4 for w, c, b in cats))
    normal = 2 * stats.norm.sf((t - mean) / sd)
    assert r.p_value == pytest.approx(normal, abs=0.02)
    # An obvious rise reads as the Monte-Carlo floor, never 0.
    big = weighted_comparison([(1.0, 1000, 800), (2.0, 500, 450)])
    assert big.verdict == "up" and 0 < big.p_value <= 2 * 3 / (DRAWS + 1)


def test_ratio_interval_hand_computed() -> None:
    r = weighted_comparison([(1.0, 1000, 800), (2.0, 500, 450)])
    # H1 = 2000, H0 = 1700; log-ratio se = √(3000/2000² + 2600/1700²).
    se = math.sqrt(3000 / 2000**2 + 2600 / 1700**2)
    assert r.ci_low == pytest.approx(2000 / 1700 * math.exp(-1.959964 * se), rel=1e-6)
    assert r.ci_high == pytest.approx(2000 / 1700 * math.exp(1.959964 * se), rel=1e-6)
    wide = weighted_comparison([(1.0, 1000, 800), (2.0, 500, 450)], dispersion=4.0)
    assert wide.ci_low == pytest.approx(2000 / 1700 * math.exp(-1.959964 * 2 * se), rel=1e-6)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        weighted_comparison([(-1.0, 3, 0)])
    with pytest.raises(ValueError):
        weighted_comparison([(1.0, 3)])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        weighted_comparison([(1.0, -3, 0)])
    with pytest.raises(ValueError):
        weighted_comparison([(1.0, 3, 0)], dispersion=0.0)
    with pytest.raises(TypeError):
        weighted_comparison([(1.0, 3)], [(1.0, 2)])  # type: ignore[misc]


def test_result_is_frozen_and_json_ready() -> None:
    r = weighted_comparison([(np.float64(2.0), np.int64(3), 0)])  # type: ignore[list-item]
    assert isinstance(r, WeightedComparison)
    with pytest.raises(AttributeError):
        r.verdict = "up"  # type: ignore[misc]
    data = json.loads(json.dumps(r.as_dict(), allow_nan=False))
    assert data["ci_high"] is None and data["draws"] is None


def test_calibration_on_small_poisson_counts() -> None:
    # 400 seeded null pairs of a borough's violence harm (homicide 5,475 days, violence
    # with injury 365, without 10; a few, tens and hundreds a year): the exact test keeps
    # its 5% (3 Monte-Carlo SE allowed).
    rng = np.random.default_rng(7)
    weights, means = (5475.0, 365.0, 10.0), (1.0, 20.0, 200.0)
    draws = rng.poisson(means, size=(400, 2, 3))
    p = [
        weighted_comparison(list(zip(weights, cur, prev, strict=True))).p_value
        for cur, prev in draws.tolist()
    ]
    assert float(np.mean(np.array(p) < 0.05)) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 400)
