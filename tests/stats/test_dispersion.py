"""The history-based verdict test against hand-computed values, and a small calibration.

Student's t with 2 degrees of freedom has a closed form, two-sided p = 1 − t/√(2 + t²),
so the 3-period cases below are checked without scipy, which the code under test uses.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import special, stats

from crimepulse.stats import (
    NO_CHANGE,
    NOT_ENOUGH_HISTORY,
    HistoryComparison,
    compare_counts,
    compare_counts_many,
    compare_with_history,
)
from crimepulse.stats.dispersion import (
    DISPERSED_TEST,
    NO_TEST,
    POISSON_LIKE_TEST,
    POISSON_OPINION,
    dispersed_p_values,
    history_dispersion,
)
from crimepulse.stats.simulate import yearly_counts
from tests.stats.hand import t2_two_sided


def test_equal_counts_are_no_change_with_p_one() -> None:
    # history 100, 90, 110: mean 100, X² = (0 + 100 + 100) / 100 = 2, φ = 2 / 2 = 1.
    r = compare_with_history(100, 100, [100, 90, 110])
    assert r.dispersion == pytest.approx(1.0)
    assert r.df == 2
    assert r.p_value == 1.0
    assert r.verdict == NO_CHANGE
    assert r.change == 0 and r.change_pct == 0.0 and r.rate_ratio == 1.0


def test_overdispersed_history_widens_the_p_value() -> None:
    # history 80, 100, 120: mean 100, X² = (400 + 0 + 400) / 100 = 8, φ = 4, df = 2.
    # 130 vs 100: n = 230, π0 = ½, t = (130 − 115) / √(4 · 230 · ¼) = 15 / √230.
    r = compare_with_history(130, 100, [80, 100, 120])
    assert r.dispersion == pytest.approx(4.0)
    assert r.df == 2
    assert r.test == DISPERSED_TEST
    assert r.p_value == pytest.approx(t2_two_sided(15 / math.sqrt(230)), rel=1e-9)
    assert r.p_value == pytest.approx(0.42688, abs=1e-5)
    assert r.verdict == NO_CHANGE
    # The exact test, kept as the labelled second opinion, is the plain Poisson one.
    assert r.poisson_p_value == compare_counts(130, 100).p_value
    assert r.poisson_test == POISSON_OPINION
    assert r.ci_low is not None and r.ci_high is not None and r.ci_low < 1.0 < r.ci_high


def test_tiny_overdispersed_counts_are_not_called_up() -> None:
    # history 0, 5, 0: mean 5/3, X² = (25/9 + 100/9 + 25/9) / (5/3) = 10, φ = 5.
    # 6 vs 0: exact p = 2 · (½)⁶ = 0.03125 ("up" for Poisson); t = 3 / √(5 · 6 · ¼).
    r = compare_with_history(6, 0, [0, 5, 0])
    assert r.dispersion == pytest.approx(5.0)
    assert r.poisson_p_value == pytest.approx(0.03125)
    assert r.poisson_verdict == "up"
    assert r.p_value == pytest.approx(t2_two_sided(3 / math.sqrt(7.5)), rel=1e-9)
    assert r.verdict == NO_CHANGE
    assert r.small_counts


def test_tiny_poisson_like_counts_are_never_less_cautious_than_the_exact_test() -> None:
    # history 0, 1, 0: mean 1/3, X² = (1/9 + 4/9 + 1/9) · 3 = 2, φ = 1 (df 2).
    # 3 vs 0: t = 1.5 / √(3/4) = √3; with 2 df the two-sided p is 1 − t/√(t² + 2)
    # = 1 − √(3/5) = 0.2254; the exact test's 2 · (½)³ = 0.25 is larger, so p = 0.25.
    r = compare_with_history(3, 0, [0, 1, 0])
    assert r.dispersion == pytest.approx(1.0)  # 1 up to rounding: still Poisson-like
    assert r.test == POISSON_LIKE_TEST
    assert 1 - math.sqrt(3 / 5) == pytest.approx(0.2254, abs=1e-4)
    assert r.p_value == pytest.approx(0.25)
    assert r.rate_ratio is None and r.ci_high == math.inf


@pytest.mark.parametrize(
    ("current", "previous", "history", "exposure"),
    [
        (130, 100, [100, 100, 100], 1.0),
        (40, 10, [10, 11, 9, 10], 1.0),
        (250, 100, [100, 95, 105], 2.0),
    ],
)
def test_a_poisson_like_history_is_not_taken_at_its_word(
    current: int, previous: int, history: list[int], exposure: float
) -> None:
    """φ̂ ≤ 1 from a few periods is often chance: φ is floored at 1 and the t reference
    kept, so the p-value is the larger of t's (φ = 1) and the exact test's."""
    r = compare_with_history(current, previous, history, exposure_ratio=exposure)
    exact = compare_counts(current, previous, exposure_ratio=exposure)
    assert r.dispersion is not None and r.dispersion <= 1.0
    assert r.test == POISSON_LIKE_TEST
    n, pi0 = current + previous, exposure / (1 + exposure)
    t = (current - n * pi0) / math.sqrt(n * pi0 * (1 - pi0))
    p_t = 2 * stats.t.sf(abs(t), len(history) - 1)
    assert r.p_value == pytest.approx(max(p_t, exact.p_value), rel=1e-9)
    assert r.p_value >= exact.p_value
    assert r.ci_low is not None and r.ci_high is not None
    assert r.ci_low <= exact.ci_low and r.ci_high >= exact.ci_high


@pytest.mark.parametrize("history", [[], [12], [10, 12]])
def test_short_history_says_so_and_keeps_the_poisson_opinion(history: list[int]) -> None:
    r = compare_with_history(200, 100, history)
    assert r.verdict == NOT_ENOUGH_HISTORY
    assert r.test == NO_TEST
    assert r.p_value is None and r.dispersion is None and r.df is None
    assert r.ci_low is None and r.ci_high is None
    # Poisson says "up" (p ≈ 1e-10); it is reported, but not as the verdict.
    assert r.poisson_verdict == "up"
    assert r.poisson_p_value == compare_counts(200, 100).p_value
    assert json.loads(json.dumps(r.as_dict()))["verdict"] == "not enough history"


def test_a_steady_trend_is_not_mistaken_for_noise() -> None:
    # Doubling every period: around the mean the spread is huge; around the fitted
    # log-linear trend (5 periods, df = 3) there is none, so the exact test applies.
    history = [100, 200, 400, 800, 1600]
    r = compare_with_history(3200, 1600, history)
    assert r.trend_removed and r.df == 3
    assert r.dispersion == pytest.approx(0.0, abs=1e-6)
    assert r.test == POISSON_LIKE_TEST
    mean = sum(history) / 5
    around_mean = sum((h - mean) ** 2 for h in history) / mean / 4
    phi, df, removed = history_dispersion(np.array([history[:4]], dtype=float))
    assert not removed and df[0] == 3 and around_mean > 100 and phi[0] > 100


def test_a_big_change_against_a_noisy_history_is_down() -> None:
    # history 1000, 1100, 900: φ = (0 + 10⁴ + 10⁴) / 1000 / 2 = 10. 300 vs 1000:
    # t = (300 − 650) / √(10 · 1300 · ¼) = −350 / √3250, p ≈ 0.0255. (500 vs 1000, a
    # halving, gives p ≈ 0.055 here: with 3 periods of history the bar is high.)
    r = compare_with_history(300, 1000, [1000, 1100, 900])
    assert r.dispersion == pytest.approx(10.0)
    assert r.p_value == pytest.approx(t2_two_sided(-350 / math.sqrt(3250)), rel=1e-9)
    assert r.p_value == pytest.approx(0.0255, abs=5e-4)
    assert r.verdict == "down"


def test_exposure_ratio_is_the_null() -> None:
    # Twice the exposure and twice the count: no change whatever the dispersion.
    r = compare_with_history(200, 100, [80, 100, 120], exposure_ratio=2.0)
    assert r.p_value == 1.0 and r.rate_ratio == 1.0 and r.verdict == NO_CHANGE


def test_the_vectorised_form_matches_one_at_a_time() -> None:
    cases = [(130, 100, [80, 100, 120]), (6, 0, [0, 5, 0]), (3, 0, [0, 1, 0])]
    p, phi, df, p_exact = dispersed_p_values(
        np.array([c for c, _, _ in cases]),
        np.array([b for _, b, _ in cases]),
        np.array([h for _, _, h in cases], dtype=float),
    )
    for i, (c, b, h) in enumerate(cases):
        one = compare_with_history(c, b, h)
        assert (one.p_value, one.dispersion, one.df) == pytest.approx((p[i], phi[i], df[i]))
        assert one.poisson_p_value == pytest.approx(p_exact[i])


def test_invalid_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        compare_with_history(-1, 10, [1, 2, 3])
    with pytest.raises(TypeError):
        compare_with_history(1, 10, [1, True, 3])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        compare_with_history(1, 10, [1, 2, 3], alpha=1.5)


def test_result_is_frozen_and_json_ready() -> None:
    r = compare_with_history(130, 100, [80, 100, 120])
    assert isinstance(r, HistoryComparison)
    with pytest.raises(AttributeError):
        r.verdict = "up"  # type: ignore[misc]
    data = json.loads(json.dumps(r.as_dict()))
    assert data["history"] == [80, 100, 120] and data["df"] == 2


@pytest.mark.parametrize("level", [500, 5_000])
def test_calibration_on_realistic_null_series(level: int) -> None:
    # 400 seeded null series, 3 years of history: the new test keeps its 5% (allowing
    # 3 Monte-Carlo SE); the exact Poisson test, on the same data, does not.
    rng = np.random.default_rng(level)
    years = yearly_counts(rng, series=400, years=4, level=level)
    p, _, _, _ = dispersed_p_values(years[:, -1], years[:, -2], years[:, :-1])
    exact = compare_counts_many([int(v) for v in years[:, -1]], [int(v) for v in years[:, -2]])
    bound = 0.05 + 3 * math.sqrt(0.05 * 0.95 / 400)
    assert float(np.mean(p < 0.05)) <= bound
    assert float(np.mean([r.p_value < 0.05 for r in exact])) > bound


def test_many_cells_at_once_match_one_call_per_cell() -> None:
    """The grid's vectorised path gives each cell exactly what compare_with_history does."""
    from crimepulse.stats.dispersion import compare_with_history_many

    cells = [
        (120, 100, [90, 130, 100], 1.0),
        (5, 0, [1, 2, 0, 3, 1], 1.0),
        (0, 0, [0, 0, 0], 1.0),
        (3000, 2500, [2400, 2600, 2550, 2700, 2500], 28 / 31),
        (10, 4, [], 1.0),
        (40, 41, [40, 40], 1.0),
    ]
    many = compare_with_history_many(
        [c for c, *_ in cells],
        [b for _, b, *_ in cells],
        [h for *_, h, _ in cells],
        [e for *_, e in cells],
    )
    one = [compare_with_history(c, b, h, exposure_ratio=e) for c, b, h, e in cells]
    assert many == one
    assert [r.verdict for r in many][-2:] == ["not enough history", "not enough history"]


def test_trigamma_inverse_inverts_trigamma() -> None:
    from scipy import special

    from crimepulse.stats.dispersion import _trigamma_inverse

    for x in (0.3, 1.0, 2.5, 10.0, 80.0):
        assert _trigamma_inverse(float(special.polygamma(1, x))) == pytest.approx(x, rel=1e-6)


def test_moderation_needs_peers_and_shrinks_towards_them() -> None:
    from crimepulse.stats.dispersion import MAX_PRIOR_DF, moderated_dispersion

    # two series: too few peers to say anything, so nothing is pooled
    phi, df, d0 = moderated_dispersion(np.array([2.0, 9.0]), np.array([3.0, 3.0]), np.ones(2))
    assert d0 == 0 and list(phi) == [2.0, 9.0] and list(df) == [3.0, 3.0]
    # twelve series at one level whose φ̂ agree exactly: their spread is less than φ̂'s
    # own sampling noise, so the prior is as sure as it may be (d0 = MAX_PRIOR_DF) and
    # each φ̃ is the common value (the prior's mean corrects E[log φ̂] for its bias)
    same = np.full(12, 4.0)
    phi, df, d0 = moderated_dispersion(same, np.full(12, 6.0), np.full(12, 500.0))
    assert d0 == MAX_PRIOR_DF and np.allclose(df, 6.0 + MAX_PRIOR_DF)
    bias = np.exp(-(special.digamma(3.0) - np.log(3.0)) + special.digamma(100) - np.log(100))
    assert phi == pytest.approx(np.full(12, (6 * 4.0 + d0 * 4.0 * bias) / (6 + d0)))
    # series that differ far more than their noise keep mostly their own φ̂ (small d0)
    spread = np.array([1.0, 50.0, 2.0, 80.0, 1.5, 30.0, 3.0, 120.0])
    phi, _, d0 = moderated_dispersion(spread, np.full(8, 6.0), np.full(8, 500.0))
    assert d0 < 3 and np.corrcoef(phi, spread)[0, 1] > 0.95


def test_a_grid_pools_its_areas_and_says_so() -> None:
    from crimepulse.stats.dispersion import POOLED_TEST, compare_with_history_many

    rng = np.random.default_rng(1)
    history = rng.poisson(1000, size=(10, 6))
    cells = compare_with_history_many(
        [1500] + [1000] * 9, [1000] * 10, history.tolist(), pool=["robbery"] * 10
    )
    alone = compare_with_history_many([1500], [1000], history[:1].tolist())[0]
    # Poisson-like history keeps its floored test name; the pooling shows as prior_df
    assert cells[0].prior_df is not None and cells[0].prior_df > 0 and alone.prior_df is None
    assert cells[0].df == alone.df + cells[0].prior_df
    assert cells[0].df is not None and alone.df is not None and cells[0].df > alone.df
    assert cells[0].p_value is not None and alone.p_value is not None
    assert cells[0].p_value < alone.p_value  # more degrees of freedom: thinner tails
    # over-dispersed peers (φ ≈ 25): the pooled test says so by name
    wide = rng.negative_binomial(40, 40 / 1040, size=(10, 6))
    spread = compare_with_history_many(
        [1500] + [1000] * 9, [1000] * 10, wide.tolist(), pool=["robbery"] * 10
    )
    assert spread[0].test == POOLED_TEST and spread[0].prior_df


def test_the_usual_range_is_one_sd_of_an_ordinary_change_and_absent_for_tiny_counts() -> None:
    from crimepulse.stats.dispersion import usual_change

    # mean 100, φ = 2: sd of log(c/b) ≈ √(2·2/100) = 0.2, so ±(e^0.2 − 1) = ±22.1%
    assert usual_change([90, 100, 110], 2.0) == pytest.approx(100 * math.expm1(0.2))
    assert usual_change([90, 100, 110], 0.3) == pytest.approx(100 * math.expm1(math.sqrt(0.02)))
    assert usual_change([0, 1, 0, 2], 1.0) is None  # a range of ±600% would tell nobody anything
    assert usual_change([], 1.0) is None
