"""Seasonal expectation and flags on synthetic series with a known seasonal pattern."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest

from crimepulse.errors import HistoryError
from crimepulse.stats import Expectation, flag_series, seasonal_expectation
from tests.stats.test_stats import json_ready, nb_tail_ge

# Known pattern: ±30% sine over the year, peak in April.
SEASON = 1 + 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)


def true_mean(base: float, year: int, month: int, trend: float, ref_year: int) -> float:
    t = (year - ref_year) + (month - 1) / 12
    return float(base * SEASON[month - 1] * math.exp(trend * t))


def synth(
    rng: np.random.Generator,
    n_months: int,
    base: float,
    *,
    start: tuple[int, int] = (2019, 1),
    trend: float = 0.05,
    size: float | None = None,
) -> tuple[list[tuple[int, int, int]], tuple[int, int, int]]:
    """n_months of history then one held-out month: Poisson, or NB(size) when given."""
    out = []
    y, m = start
    for _ in range(n_months + 1):
        mu = true_mean(base, y, m, trend, start[0])
        count = rng.poisson(mu) if size is None else rng.negative_binomial(size, size / (size + mu))
        out.append((y, m, int(count)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[:-1], out[-1]


def test_recovers_a_known_seasonal_pattern_and_trend() -> None:
    rng = np.random.default_rng(7)
    history, (ty, tm, _) = synth(rng, 48, 5000.0, start=(2019, 1))
    e = seasonal_expectation(history, ty, tm)  # January 2023
    truth = true_mean(5000.0, ty, tm, 0.05, 2019)  # 5000 · 1.0 · e^(0.05·4) = 6107
    assert (ty, tm) == (2023, 1)
    assert e.expected == pytest.approx(truth, rel=0.02)
    assert e.trend_pct_per_year == pytest.approx(100 * (math.exp(0.05) - 1), abs=1.0)
    assert e.model.startswith("Poisson GLM (month-of-year effects")
    assert e.low < truth < e.high
    assert e.n_months == 48 and e.observed is None and e.p_value is None
    assert e.verdict == "no meaningful change"


def test_identical_years_give_the_repeated_value() -> None:
    # Every year the same twelve counts: the MLE has no trend and each month's level is
    # its count, so the expectation for next March is exactly March's count (120), and
    # Pearson χ² = 0: no overdispersion.
    counts = [100, 110, 120, 90, 80, 70, 60, 75, 85, 95, 105, 115]
    history = [(y, m, counts[m - 1]) for y in (2020, 2021, 2022) for m in range(1, 13)]
    e = seasonal_expectation(history, 2023, 3, observed=120)
    assert e.expected == pytest.approx(120.0, rel=1e-6)
    assert e.trend_pct_per_year == pytest.approx(0.0, abs=1e-6)
    assert e.dispersion == 1.0 and e.overdispersion_p_value == pytest.approx(1.0)
    # Predictive variance > the Poisson 120 (the fitted level is uncertain too), and the
    # p-value is the NB tail with that mean and variance: 120 is the mode, so p ≈ 1.
    assert e.variance > 120
    assert e.p_value is not None and e.p_value > 0.9
    assert e.position == "within"


def test_p_value_and_band_are_the_stated_negative_binomial() -> None:
    rng = np.random.default_rng(11)
    history, (ty, tm, _) = synth(rng, 36, 80.0)
    e = seasonal_expectation(history, ty, tm, observed=140)
    mu, var = e.expected, e.variance
    size, prob = mu * mu / (var - mu), mu / var
    # p = 2·P(X >= 140) under NB(size, prob), computed here by summing the pmf.
    assert e.p_value is not None
    assert e.p_value == pytest.approx(2 * nb_tail_ge(140, size, prob), rel=1e-6)
    assert e.surprise == pytest.approx(-math.log10(e.p_value), rel=1e-9)
    # Band: the 2.5% and 97.5% quantiles: P(X < low) <= .025 < P(X <= low).
    assert 1 - nb_tail_ge(e.low, size, prob) <= 0.025 < 1 - nb_tail_ge(e.low + 1, size, prob)
    assert nb_tail_ge(e.high + 1, size, prob) <= 0.025 < nb_tail_ge(e.high, size, prob)
    assert e.position == "above" and e.verdict == "up"
    assert e.change == pytest.approx(140 - mu)


@pytest.mark.parametrize(
    ("n_months", "size", "lowest"),
    [(24, None, 0.93), (36, None, 0.93), (24, 30.0, 0.91), (36, 30.0, 0.91)],
)
def test_band_covers_about_95_percent_of_held_out_months(
    n_months: int, size: float | None, lowest: float
) -> None:
    # Many series (random level 10–300, random starting month, Poisson or NB noise),
    # each judged on its next, held-out month. Over seeds coverage is 94–97% (Poisson)
    # and 92–97% (NB with size 30, var = μ + μ²/30: the quasi-Poisson variance φμ
    # fits it only approximately). Leaving out the parameter uncertainty gives 87–92%,
    # ignoring overdispersion 56% on the NB series; a far too wide band fails the top.
    rng = np.random.default_rng(20240 + n_months)
    draws, covered = 400, 0
    for _ in range(draws):
        base = float(rng.uniform(10, 300))
        start = (2018, int(rng.integers(1, 13)))
        history, (ty, tm, held_out) = synth(rng, n_months, base, start=start, size=size)
        e = seasonal_expectation(history, ty, tm)
        covered += e.low <= held_out <= e.high
    coverage = covered / draws
    assert lowest <= coverage <= 0.985, coverage


def test_overdispersion_switches_to_quasi_poisson() -> None:
    rng = np.random.default_rng(3)
    history, (ty, tm, _) = synth(rng, 36, 200.0, size=10.0)  # var ≈ μ + μ²/10: φ ≈ 20
    e = seasonal_expectation(history, ty, tm)
    assert e.model.startswith("quasi-Poisson")
    assert e.dispersion > 5 and e.overdispersion_p_value < 0.2
    poisson_like, _ = synth(np.random.default_rng(3), 36, 200.0)
    p = seasonal_expectation(poisson_like, ty, tm)
    assert e.high - e.low > 2 * (p.high - p.low)


def test_planted_spike_is_flagged_first_with_fdr() -> None:
    rng = np.random.default_rng(42)
    series = []
    for i in range(80):
        history, (ty, tm, observed) = synth(rng, 36, float(rng.uniform(20, 400)))
        series.append((("borough", f"cat{i:02d}"), history, observed))
    spike_hist, (ty, tm, normal) = synth(rng, 36, 150.0)
    series.append((("borough", "spike"), spike_hist, 2 * normal))  # doubled this month
    dip_hist, (ty, tm, normal) = synth(rng, 36, 150.0)
    series.append((("borough", "dip"), dip_hist, normal // 3))
    series.append((("borough", "short"), spike_hist[:20], 5))
    series.append((("borough", "empty"), [(y, m, 0) for y, m, _ in spike_hist], 0))
    report = flag_series(series, ty, tm)

    keys = [f.key for f in report]
    assert set(keys[:2]) == {("borough", "spike"), ("borough", "dip")}
    assert len(report) <= 4  # at most two false alarms among 80 ordinary series
    spike = next(f for f in report if f.key == ("borough", "spike")).expectation
    assert spike.position == "above" and spike.verdict == "up"
    dip = next(f for f in report if f.key == ("borough", "dip")).expectation
    assert dip.position == "below" and dip.verdict == "down"
    surprises = [f.expectation.surprise or 0.0 for f in report]
    assert surprises == sorted(surprises, reverse=True)
    for f in report:
        assert f.expectation.fdr_controlled and f.expectation.fdr_family_size == 82
        assert f.expectation.q_value is not None and f.expectation.q_value < 0.05
    assert (report.n_series, report.n_tested) == (84, 82)
    assert report.n_outside_band >= len(report)
    assert "Benjamini–Hochberg" in report.fdr and "82" in report.fdr
    skipped = dict(report.skipped)
    assert "24 months" in skipped[("borough", "short")]
    assert "no events" in skipped[("borough", "empty")]
    # JSON: the report nests flags; a flag is flat (key + expectation fields).
    flat = report.flags[0].as_dict()
    assert flat["key"] == ["borough", keys[0][1]] and "q_value" in flat and "low" in flat
    for d in (flat, report.as_dict()):
        assert json_ready(d)
        json.dumps(d, allow_nan=False)


def test_fdr_removes_chance_excursions() -> None:
    # 200 ordinary series: ~5% fall outside a 95% band by chance, none survive FDR.
    rng = np.random.default_rng(5)
    series = []
    for i in range(200):
        history, (ty, tm, observed) = synth(rng, 24, float(rng.uniform(20, 400)))
        series.append((f"s{i}", history, observed))
    report = flag_series(series, ty, tm)
    assert report.n_outside_band >= 3
    assert len(report) <= 1


def test_sparse_series_drop_seasonality() -> None:
    rng = np.random.default_rng(9)
    history = [(y, m, int(rng.poisson(0.3))) for y in (2021, 2022) for m in range(1, 13)]
    history = [(y, m, c if m != 6 else 0) for y, m, c in history]  # June: never any
    e = seasonal_expectation(history, 2023, 1, observed=0)
    assert "trend only" in e.model
    assert e.low == 0 and e.p_value == 1.0


def test_input_errors_are_clear() -> None:
    rng = np.random.default_rng(1)
    history, (ty, tm, _) = synth(rng, 30, 50.0)
    with pytest.raises(ValueError, match="at least 24 months"):
        seasonal_expectation(history[-23:], ty, tm)
    seasonal_expectation(history[-24:], ty, tm)  # exactly 24 is enough
    with pytest.raises(ValueError, match="not before the target"):
        seasonal_expectation([*history, (ty, tm, 5)], ty, tm)
    with pytest.raises(ValueError, match="appears twice"):
        seasonal_expectation([*history, history[0]], ty, tm)
    with pytest.raises(ValueError, match=r"month must be 1\.\.12"):
        seasonal_expectation([*history, (2000, 13, 5)], ty, tm)
    with pytest.raises(ValueError, match="no events"):
        seasonal_expectation([(y, m, 0) for y, m, _ in history], ty, tm)
    with pytest.raises(ValueError, match="no month"):
        no_target_month = [row for row in history if row[1] != tm]
        seasonal_expectation(no_target_month + history[:0], ty, tm)
    with pytest.raises(ValueError):
        seasonal_expectation(history, ty, tm, level=1.0)
    with pytest.raises(ValueError):
        seasonal_expectation(history, ty, tm, observed=-1)


def test_too_little_history_is_skipped_but_a_bad_argument_is_not() -> None:
    rng = np.random.default_rng(3)
    history, (ty, tm, observed) = synth(rng, 30, 50.0)
    short = [("short", history[-12:], observed), ("full", history, observed)]
    report = flag_series(short, ty, tm)
    assert report.n_tested == 1 and report.skipped[0][0] == "short"
    assert "at least 24 months" in report.skipped[0][1]
    with pytest.raises(HistoryError):
        seasonal_expectation(history[-12:], ty, tm)
    twice = [("twice", [*history, history[0]], observed)]  # the caller's bug, not the data's
    with pytest.raises(ValueError, match="appears twice"):
        flag_series(twice, ty, tm)


def test_expectation_as_dict_is_json_ready() -> None:
    rng = np.random.default_rng(2)
    history, (ty, tm, observed) = synth(rng, 24, 60.0)
    e = seasonal_expectation(history, ty, tm, observed=observed)
    assert isinstance(e, Expectation)
    d = e.as_dict()
    assert json_ready(d)
    json.dumps(d, allow_nan=False)
    assert set(d) >= {"expected", "low", "high", "p_value", "surprise", "model", "verdict"}


# --- the model's arithmetic against statsmodels ------------------------------------------


def test_the_batched_glm_is_statsmodels_glm() -> None:
    # The GLM is fitted by hand-written IRLS for many series at once; statsmodels' GLM on
    # the same design is the reference (fitted mean at the target, Pearson dispersion,
    # the model-based variance of the log-mean).
    import statsmodels.api as sm

    rng = np.random.default_rng(17)
    history, (ty, tm, observed) = synth(rng, 48, 300.0, size=20.0)
    e = seasonal_expectation(history, ty, tm, observed=observed)
    months = np.array([m for _, m, _ in history])
    t = np.array([(y - ty) + (m - tm) / 12 for y, m, _ in history])
    y = np.array([c for _, _, c in history], dtype=float)
    X = np.column_stack([*[(months == m).astype(float) for m in range(1, 13)], t])
    res = sm.GLM(y, X, family=sm.families.Poisson()).fit()
    x0 = np.array([1.0 if m == tm else 0.0 for m in range(1, 13)] + [0.0])
    assert e.expected == pytest.approx(math.exp(float(x0 @ res.params)), rel=1e-7)
    phi = float(res.pearson_chi2) / float(res.df_resid)
    assert e.dispersion == pytest.approx(phi, rel=1e-6)
    assert e.trend_pct_per_year == pytest.approx(100 * (math.exp(res.params[-1]) - 1), rel=1e-6)
    # The predictive variance is at least the model-based one (the clustered covariance
    # and the calibration can only widen it).
    mu = e.expected
    var_eta = float(x0 @ np.asarray(res.cov_params()) @ x0) * phi
    assert e.variance >= phi * mu + mu * mu * var_eta


# --- the minimum-count rule ------------------------------------------------------------


def flat_history(count: int, months: int = 48, start: tuple[int, int] = (2019, 1)) -> list:
    y, m = start
    out = []
    for _ in range(months):
        out.append((y, m, count))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def binomial_tail_ge(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k, n + 1))


@pytest.mark.parametrize("observed", [6, 9])
def test_small_counts_flag_only_when_an_exact_test_is_very_sure(observed: int) -> None:
    # 1 crime every month for 4 years (expected 1, a Poisson-like history), then `observed`.
    # Expected < 5 and observed < 10: the rule is the exact conditional test of the month
    # against the 48 before (n = observed + 48, π0 = 1/49) at 0.001.
    history = flat_history(1)
    exact = min(1.0, 2 * binomial_tail_ge(observed, observed + 48, 1 / 49))
    report = flag_series([("s", history, observed)], 2023, 1)
    e = seasonal_expectation(history, 2023, 1, observed=observed)
    assert e.small_counts and e.expected == pytest.approx(1.0, rel=1e-6)
    assert e.p_value is not None and e.p_value < 0.025  # the NB tail alone would flag both
    if exact < 0.001:  # 9: p = 5e-6
        assert observed == 9 and len(report) == 1
        flag = report.flags[0]
        # the series' p-value: Bonferroni over the two rules
        assert flag.rule == "spike" and flag.p_value == pytest.approx(2 * exact, rel=1e-9)
        assert flag.months == ("2023-01",) and flag.verdict == "up"
    else:  # 6: p = 0.0013
        assert observed == 6 and len(report) == 0


def test_a_drop_to_zero_in_a_small_series_never_flags() -> None:
    # Expected 4, observed 0: P(0) = e^-4 = 0.018 > 0.001 however the history looks.
    report = flag_series([("s", flat_history(4), 0)], 2023, 1)
    assert len(report) == 0 and report.n_tested == 1


# --- series breaks and retired series ----------------------------------------------------


def test_history_before_a_break_is_not_used() -> None:
    # 10 a month until 2020-12, 100 a month from 2021-01 (a category merged into this
    # one): with the break, the expectation is 100 exactly (identical months); without
    # it the old level drags the fit down.
    history = [(y, m, 10 if y < 2021 else 100) for y in range(2019, 2023) for m in range(1, 13)]
    broken = seasonal_expectation(history, 2023, 1, observed=100, breaks=[date(2021, 1, 1)])
    assert broken.expected == pytest.approx(100.0, rel=1e-6)
    assert broken.n_months == 24 and broken.since == "2021-01"
    plain = seasonal_expectation(history, 2023, 1, observed=100)
    assert plain.n_months == 48 and plain.since is None
    assert abs(plain.expected - 100) > 5
    with pytest.raises(HistoryError, match="since the series break in 2021-06"):
        seasonal_expectation(history, 2023, 1, breaks=[date(2021, 1, 1), date(2021, 6, 1)])
    # A break after the target does not apply; per-key breaks in flag_series.
    later = seasonal_expectation(history, 2023, 1, breaks=[date(2024, 1, 1)])
    assert later.n_months == 48
    report = flag_series(
        [("a", history, 100), ("b", history, 100)], 2023, 1, breaks={"a": [date(2021, 1, 1)]}
    )
    assert report.n_tested == 2 and len(report) == 0


def test_a_retired_series_never_flags() -> None:
    # 80 a month, then nothing for the last 12 months, then 3 (stray records of a
    # category no longer used): retired, skipped with the reason, even though 3 against an
    # expectation near 0 is "impossible" under the model.
    history = flat_history(80, 36) + flat_history(0, 12, start=(2022, 1))
    report = flag_series([("fraud", history, 3), ("live", flat_history(80), 80)], 2023, 1)
    assert len(report) == 0 and report.n_series == 2 and report.n_tested == 1
    assert report.skipped[0][0] == "fraud" and "retired" in report.skipped[0][1]


def test_a_trend_that_only_says_the_series_began_is_not_extrapolated() -> None:
    # Nothing for 44 months, then 5, 20, 40, 80: the fitted trend is far beyond x10 a year.
    history = [*flat_history(0, 44), (2022, 9, 5), (2022, 10, 20), (2022, 11, 40), (2022, 12, 80)]
    with pytest.raises(HistoryError, match="steeper than x10"):
        seasonal_expectation(history, 2023, 1)


# --- the sustained-shift rule ------------------------------------------------------------


def poisson_history(
    rng: np.random.Generator, months: int, base: float, step_from: int, step: float
) -> list[tuple[int, int, int]]:
    """`months` + 1 months from 2019-01 of Poisson counts with the fixed season, the last
    `months + 1 - step_from` multiplied by `step`."""
    out = []
    for i in range(months + 1):
        y, m = 2019 + i // 12, i % 12 + 1
        mu = base * SEASON[m - 1] * (step if i >= step_from else 1.0)
        out.append((y, m, int(rng.poisson(mu))))
    return out


def test_a_step_is_found_by_the_shift_rule_with_the_months_it_covers() -> None:
    # 200 a month (Poisson) for 56 months, then +40% for the last 4 months (the as-of month
    # included): each month alone is +40% ± 8%, within reach of the spike rule, but the
    # four months together are the stronger evidence and the rule says which months.
    rng = np.random.default_rng(8)
    rows = poisson_history(rng, 59, 200.0, step_from=56, step=1.4)
    history, (ty, tm, observed) = rows[:-1], rows[-1]
    report = flag_series([("step", history, observed)], ty, tm)
    assert len(report) == 1
    flag = report.flags[0]
    assert flag.rule == "sustained shift" and flag.verdict == "up"
    assert flag.shift is not None
    months = {f"{y}-{m:02d}": c for y, m, c in rows}
    assert flag.months == tuple(sorted(flag.months)) and flag.months[-1] == f"{ty}-{tm:02d}"
    assert 3 <= len(flag.months) <= 5  # the step began 4 months ago
    assert flag.shift.observed == sum(months[k] for k in flag.months)
    assert flag.shift.change_pct == pytest.approx(40, abs=15)
    assert flag.p_value == pytest.approx(min(1.0, 2 * flag.shift.p_value))
    d = flag.as_dict()
    assert d["rule"] == "sustained shift" and d["months"] == list(flag.months)
    assert d["shift"]["months"] == len(flag.months)
    assert json_ready(d)


def test_a_one_off_month_is_a_spike() -> None:
    rng = np.random.default_rng(9)
    rows = poisson_history(rng, 59, 200.0, step_from=60, step=1.0)
    history, (ty, tm, observed) = rows[:-1], rows[-1]
    report = flag_series([("once", history, 2 * observed)], ty, tm)
    assert [f.rule for f in report] == ["spike"]
    assert report.flags[0].months == (f"{ty}-{tm:02d}",)
    assert report.flags[0].expectation.position == "above"


def test_null_series_raise_few_false_alarms() -> None:
    # The benchmark's check in small (bench/calibration.py flags_section, 1,000 series per
    # level): simulated null series at 5,000 a year, one as-of month, both rules.
    from crimepulse.stats.seasonal import flag_arrays
    from crimepulse.stats.simulate import monthly_counts

    rng = np.random.default_rng(20)
    counts = monthly_counts(rng, series=400, years=6, level=5_000).reshape(400, -1)
    fa = flag_arrays(counts[:, 11:71].astype(float), np.arange(-60, 0), 12, counts[:, 71])
    rate = float(np.mean(fa.p_value < 0.05))
    assert rate <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / 400), rate  # nominal 5%, 2 SE
    assert np.all(fa.shift.available)
