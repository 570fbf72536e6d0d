"""Simulated crime series with the structure of the real ones, to calibrate verdict tests.

Why this exists: a test's false-positive rate and power can only be measured on data
whose truth is known, and the data must vary the way crime counts do or the measurement
flatters the test (plain Poisson data makes the exact Poisson test look perfect). The
generator reproduces what was measured on the MPS borough tables: seasonal monthly counts;
a random shock per year (log-scale SD drawn per series between 0.05 and 0.15, the spread
between ordinary years); month-to-month noise that persists (AR(1) on the log scale,
autocorrelation drawn between 0.4 and 0.8, SD 0.08, continuous across year ends), then
Poisson counts; levels from a handful to tens of thousands of crimes a year. With these
settings the median monthly dispersion (variance/mean) is about 1.6 at 500 crimes a year,
8 at 5,000 and 40 at 30,000: the borough median of 2.25 and London's 13–54, as measured.
An alternative adds a step: every month of the last year multiplied by `step` (a
sustained change that began with the current year).
Pure NumPy, seeded through the caller's Generator; no files, no printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MONTHS = 12
#: Relative seasonal profile (mean 1): a summer peak of about ±10%, as in violence.
SEASON = 1.0 + 0.1 * np.cos(2.0 * np.pi * (np.arange(MONTHS) - 6) / MONTHS)


@dataclass(frozen=True)
class SeriesShape:
    """The generator's settings: ranges the per-series parameters are drawn from."""

    year_shock_sd: tuple[float, float] = (0.05, 0.15)
    month_autocorrelation: tuple[float, float] = (0.4, 0.8)
    month_noise_sd: float = 0.08


def monthly_counts(
    rng: np.random.Generator,
    *,
    series: int,
    years: int,
    level: float,
    step: float = 1.0,
    shape: SeriesShape | None = None,
    stepped: Sequence[int] | None = None,
) -> np.ndarray:
    """Monthly counts, series × years × 12, with `level` crimes a year on average.

    The means of the months `stepped` (indexes into the years × 12 months, in time
    order; by default the last year's twelve) are multiplied by `step` (1.0: the null).
    """
    if series < 1 or years < 2 or level <= 0 or step <= 0:
        raise ValueError("need series >= 1, years >= 2, level > 0 and step > 0")
    shape = shape or SeriesShape()
    months = years * MONTHS
    year_sd = rng.uniform(*shape.year_shock_sd, size=(series, 1))
    rho = rng.uniform(*shape.month_autocorrelation, size=series)
    year_shock = rng.normal(0.0, 1.0, size=(series, years)) * year_sd
    innovations = rng.normal(0.0, 1.0, size=(series, months)) * shape.month_noise_sd
    ar = np.empty((series, months))
    ar[:, 0] = innovations[:, 0]  # stationary start: innovations scaled to the marginal SD
    scale = np.sqrt(1.0 - rho**2)
    for m in range(1, months):
        ar[:, m] = rho * ar[:, m - 1] + scale * innovations[:, m]
    log_mean = (
        np.repeat(year_shock, MONTHS, axis=1)
        + ar
        - 0.5 * (year_sd**2 + shape.month_noise_sd**2)  # so the mean stays at `level`
    )
    mean = (level / MONTHS) * np.tile(SEASON, years)[None, :] * np.exp(log_mean)
    months_stepped = list(range(months - MONTHS, months)) if stepped is None else list(stepped)
    mean[:, months_stepped] *= step
    counts: np.ndarray = rng.poisson(mean.reshape(series, years, MONTHS))
    return counts


def yearly_counts(
    rng: np.random.Generator,
    *,
    series: int,
    years: int,
    level: float,
    step: float = 1.0,
    shape: SeriesShape | None = None,
) -> np.ndarray:
    """Yearly totals (series × years) of `monthly_counts`: the year-on-year case."""
    monthly = monthly_counts(rng, series=series, years=years, level=level, step=step, shape=shape)
    totals: np.ndarray = monthly.sum(axis=2)
    return totals


__all__ = ["MONTHS", "SEASON", "SeriesShape", "monthly_counts", "yearly_counts"]
