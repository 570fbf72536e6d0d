"""The simulator makes series with the structure it promises: level, step, extra variation."""

from __future__ import annotations

import numpy as np
import pytest

from crimepulse.stats.simulate import MONTHS, SEASON, SeriesShape, monthly_counts, yearly_counts


def test_shape_level_and_season() -> None:
    rng = np.random.default_rng(1)
    m = monthly_counts(rng, series=300, years=3, level=12_000)
    assert m.shape == (300, 3, MONTHS)
    assert m.sum(axis=2).mean() == pytest.approx(12_000, rel=0.02)
    by_month = m.mean(axis=(0, 1)) / m.mean()
    assert by_month == pytest.approx(SEASON / SEASON.mean(), abs=0.02)


def test_step_multiplies_the_last_year_only() -> None:
    null = yearly_counts(np.random.default_rng(2), series=2000, years=3, level=5_000)
    alt = yearly_counts(np.random.default_rng(2), series=2000, years=3, level=5_000, step=2.0)
    assert alt[:, -1].mean() / null[:, -1].mean() == pytest.approx(2.0, rel=0.01)
    assert alt[:, 0].mean() / null[:, 0].mean() == pytest.approx(1.0, rel=0.01)


def test_extra_poisson_variation_grows_with_level() -> None:
    # Year-on-year variance / mean is near 1 for small series, far above at London level.
    rng = np.random.default_rng(3)
    small = yearly_counts(rng, series=2000, years=2, level=5)
    large = yearly_counts(rng, series=2000, years=2, level=30_000)
    assert small[:, 1].var() / small[:, 1].mean() < 1.5
    assert large[:, 1].var() / large[:, 1].mean() > 50


def test_months_are_autocorrelated() -> None:
    rng = np.random.default_rng(4)
    m = monthly_counts(rng, series=500, years=2, level=100_000).reshape(500, -1).astype(float)
    resid = np.log(m / SEASON[np.arange(m.shape[1]) % MONTHS])
    resid -= resid.mean(axis=1, keepdims=True)
    lag1 = (resid[:, 1:] * resid[:, :-1]).sum() / (resid**2).sum()
    assert 0.3 < lag1 < 0.9


def test_seeded_and_validated() -> None:
    a = yearly_counts(np.random.default_rng(5), series=3, years=4, level=50)
    b = yearly_counts(np.random.default_rng(5), series=3, years=4, level=50)
    assert (a == b).all()
    quiet = SeriesShape(year_shock_sd=(0.0, 0.0), month_noise_sd=0.0)
    assert (
        monthly_counts(np.random.default_rng(6), series=1, years=2, level=1, shape=quiet).min() >= 0
    )
    with pytest.raises(ValueError):
        monthly_counts(np.random.default_rng(7), series=1, years=1, level=10)
