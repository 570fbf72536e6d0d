"""The baseline test against hand-computed values, and a small calibration.

Student's t with 2 degrees of freedom has a closed form, two-sided p = 1 − |t|/√(2 + t²),
and the negative binomial tails are summed term by term here, so the 3-year cases are
checked without scipy, which the code under test uses.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from crimepulse.stats import NO_CHANGE, NOT_ENOUGH_HISTORY, BaselineComparison, compare_to_baseline
from crimepulse.stats.baseline import (
    BASELINE_TEST,
    NO_BASELINE_TEST,
    POISSON_BASELINE_OPINION,
    baseline_p_values,
)
from crimepulse.stats.simulate import yearly_counts
from tests.stats.hand import t2_two_sided


def nb_pmf(j: int, size: float, prob: float) -> float:
    """Γ(j + size) / (j! Γ(size)) · prob^size · (1 − prob)^j."""
    return math.exp(
        math.lgamma(j + size)
        - math.lgamma(j + 1)
        - math.lgamma(size)
        + size * math.log(prob)
        + j * math.log(1 - prob)
    )


def poisson_predictive_p(current: int, baseline: list[int]) -> float:
    """Twice the smaller tail of NB(Σbaseline + ½, k/(k+1)) at `current`, capped at 1."""
    size, prob = sum(baseline) + 0.5, len(baseline) / (len(baseline) + 1)
    below = sum(nb_pmf(j, size, prob) for j in range(current + 1))
    above = 1.0 - below + nb_pmf(current, size, prob)
    return min(1.0, 2.0 * min(below, above))


def test_overdispersed_baseline_is_within_normal_variation() -> None:
    base = [100, 130, 85]
    # mean 105; s² = (25 + 625 + 400)/2 = 525; φ = 525/105 = 5. Predictive variance
    # 5·105·(1 + 1/3) = 700, t = 25/√700 = 0.945, p = 1 − t/√(2 + t²) = 0.444.
    r = compare_to_baseline(130, base)
    assert isinstance(r, BaselineComparison)
    assert (r.mean, r.min, r.max, r.df) == (105.0, 85, 130, 2)
    assert r.dispersion == pytest.approx(5.0)
    assert r.p_value == pytest.approx(t2_two_sided(25 / math.sqrt(700)), rel=1e-9)
    assert r.p_value == pytest.approx(0.4444, abs=1e-4)
    assert r.test == BASELINE_TEST and r.verdict == NO_CHANGE
    # The Poisson predictive second opinion (NB(315.5, 3/4)) calls it "up".
    assert r.poisson_p_value == pytest.approx(poisson_predictive_p(130, base), rel=1e-6)
    assert r.poisson_verdict == "up" and r.poisson_test == POISSON_BASELINE_OPINION
    # t(0.975; 2) = √(2·0.95²/(1 − 0.95²)) = 4.3027; 105 ± 4.3027·√700 = −8.8 .. 218.8.
    assert (r.expected_low, r.expected_high) == (0, 218)
    assert r.within_range and r.within_expected
    assert r.change == pytest.approx(25.0) and r.change_pct == pytest.approx(100 * 25 / 105)


def test_far_outside_the_spread_is_up() -> None:
    # t = 295/√700 = 11.150, p = 1 − 11.150/√126.32 = 0.00789 (the Poisson p is far smaller).
    r = compare_to_baseline(400, [100, 130, 85])
    assert r.p_value == pytest.approx(t2_two_sided(295 / math.sqrt(700)), rel=1e-9)
    assert r.verdict == "up" and not r.within_range and not r.within_expected


def test_london_homicide_2022_against_2017_to_2019() -> None:
    # MPS borough table: 112 homicides in 2022; 146, 140, 153 in 2017–2019. mean 146.33,
    # s² = 42.33 < mean, so φ = 1; t = −34.33/√(146.33·4/3) = −2.458, p = 0.1332. Poisson
    # alone (the old verdict) says "down", p = 0.011.
    base = [146, 140, 153]
    r = compare_to_baseline(112, base)
    mean = sum(base) / 3
    assert r.dispersion == 1.0
    assert r.p_value == pytest.approx(t2_two_sided((112 - mean) / math.sqrt(mean * 4 / 3)))
    assert r.p_value == pytest.approx(0.1332, abs=1e-4)
    assert r.verdict == NO_CHANGE
    assert r.poisson_p_value == pytest.approx(poisson_predictive_p(112, base), rel=1e-6)
    assert r.poisson_p_value == pytest.approx(0.0110, abs=1e-4)
    assert r.poisson_verdict == "down"


def test_equal_counts_have_p_one() -> None:
    r = compare_to_baseline(100, [100, 90, 110])
    assert r.p_value == 1.0 and r.verdict == NO_CHANGE and r.change == 0.0


def test_tiny_counts() -> None:
    # baseline 1, 0, 2: mean 1, s² = 1, φ = 1; 5 against it: t = 4/√(4/3) = 3.464,
    # p_t = 1 − 3.464/√14 = 0.0742, above the Poisson predictive p (NB(3.5, 3/4)).
    r = compare_to_baseline(5, [1, 0, 2])
    p_t = t2_two_sided(4 / math.sqrt(4 / 3))
    assert poisson_predictive_p(5, [1, 0, 2]) < p_t
    assert r.p_value == pytest.approx(p_t, rel=1e-9)
    assert r.verdict == NO_CHANGE and r.small_counts


@pytest.mark.parametrize("baseline", [[], [12], [100, 110]])
def test_short_baseline_is_not_enough_history(baseline: list[int]) -> None:
    if not baseline:
        with pytest.raises(ValueError):
            compare_to_baseline(130, baseline)
        return
    r = compare_to_baseline(130, baseline)
    assert r.verdict == NOT_ENOUGH_HISTORY and r.test == NO_BASELINE_TEST
    assert r.p_value is None and r.dispersion is None and r.df is None
    assert r.expected_low is None and r.expected_high is None and r.within_expected is None
    assert r.poisson_p_value == pytest.approx(poisson_predictive_p(130, baseline), rel=1e-6)
    data = json.loads(json.dumps(r.as_dict(), allow_nan=False))
    assert data["verdict"] == "not enough history" and data["p_value"] is None


def test_a_baseline_of_zeros_uses_the_poisson_predictive_and_says_so() -> None:
    # NB(0.5, 3/4): pmf 0..2 = .75^.5 · (1, .5·.25, .375·.0625) = .86603, .10825, .02030;
    # P(X >= 3) = .00542, doubled .01085. There is no spread to scale.
    three = compare_to_baseline(3, [0, 0, 0])
    assert three.p_value == pytest.approx(0.01085, abs=2e-5)
    assert three.p_value == three.poisson_p_value
    assert "Poisson predictive" in three.method
    assert three.verdict == "up" and three.small_counts
    zero = compare_to_baseline(0, [0, 0, 0])
    assert zero.p_value == 1.0 and zero.change_pct is None and zero.within_range


def test_the_expected_range_agrees_with_the_verdict() -> None:
    for base in ([100, 130, 85], [146, 140, 153], [10, 12, 9, 11, 14], [1, 0, 2]):
        for current in range(0, 3 * max(base) + 5):
            r = compare_to_baseline(current, base)
            assert r.p_value is not None
            if r.within_expected:
                assert r.p_value >= 0.05, (base, current)
            else:
                assert r.verdict != NO_CHANGE, (base, current)


def test_the_vectorised_form_matches_one_at_a_time() -> None:
    cases = [(130, [100, 130, 85]), (112, [146, 140, 153]), (3, [0, 0, 0]), (5, [1, 0, 2])]
    p, phi, p_poisson = baseline_p_values(
        np.array([c for c, _ in cases]), np.array([b for _, b in cases], dtype=float)
    )
    for i, (c, b) in enumerate(cases):
        one = compare_to_baseline(c, b)
        assert (one.p_value, one.dispersion, one.poisson_p_value) == pytest.approx(
            (p[i], phi[i], p_poisson[i])
        )


@pytest.mark.parametrize(("years", "level"), [(3, 5_000), (5, 500)])
def test_calibration_on_realistic_null_series(years: int, level: int) -> None:
    # 2,000 seeded null series: the test keeps its 5% (allowing 3 Monte-Carlo SE); the
    # Poisson predictive test alone, on the same data, does not.
    rng = np.random.default_rng(years * level)
    counts = yearly_counts(rng, series=2000, years=years + 1, level=level)
    p, _, p_poisson = baseline_p_values(counts[:, -1], counts[:, :-1])
    bound = 0.05 + 3 * math.sqrt(0.05 * 0.95 / 2000)
    assert float(np.mean(p < 0.05)) <= bound
    assert float(np.mean(p_poisson < 0.05)) > bound
