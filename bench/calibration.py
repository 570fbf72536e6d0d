"""Calibration benchmark: how often does a verdict test call an ordinary change "meaningful"?

    .venv/bin/python bench/calibration.py [--series 2000] [--seed 20261201] [--data ../shared/data]

On simulated yearly counts with the real structure (crimepulse.stats.simulate: seasonal
months, year-level shocks, autocorrelated months, Poisson counts), for levels of 5, 50,
500, 5,000 and 30,000 crimes a year and 3, 5 and 8 years of history (the same window in
the years before the current one, the comparison year among them), it measures at a
nominal 5%:

- the false-positive rate (no change simulated) of today's exact conditional Poisson test
  (crimepulse.stats.compare_counts_many, the baseline measured in the same run) and of the
  new test (crimepulse.stats.dispersion.compare_with_history's arithmetic, vectorised), each
  with its Monte-Carlo standard error;
- the new test's power for sustained steps of +20%, +50% and x2 in the current year.

Goals, each reported as met or missed: the new test's false-positive rate <= 5% (within 2
Monte-Carlo SE) in every case; a x2 step in a series of >= 50 a year is found (power >= 0.8)
with every history length.

Real data: on the MPS borough table (2011-2019 calendar years), the share of borough x
major-category year-on-year cells 2012-2019 that each test calls meaningful (skipped with a
message when the parquet file is absent).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np

from crimepulse.stats import compare_counts_many
from crimepulse.stats.dispersion import MIN_HISTORY, dispersed_p_values
from crimepulse.stats.simulate import monthly_counts, yearly_counts

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
BOROUGH_TABLE = "mps-datastore-parquet/recorded-crime-borough-historical.parquet"
LEVELS = (5, 50, 500, 5_000, 30_000)
HISTORIES = (3, 5, 8)
STEPS = {"+20%": 1.2, "+50%": 1.5, "x2": 2.0}
ALPHA = 0.05
POWER_GOAL = 0.8
POWER_FROM_LEVEL = 50
REAL_YEARS = range(2012, 2020)
NOT_BOROUGHS = ("Unknown", "London Heathrow and London City Airports")


def rate_and_se(hits: np.ndarray) -> tuple[float, float]:
    """A proportion and its Monte-Carlo standard error."""
    rate = float(np.mean(hits))
    return rate, math.sqrt(max(rate * (1.0 - rate), 1e-12) / hits.size)


def new_test_p(years: np.ndarray) -> np.ndarray:
    """The new test's p-values: last year vs the one before, history = all but the last."""
    p, _, _, _ = dispersed_p_values(years[:, -1], years[:, -2], years[:, :-1])
    return p


def exact_test_p(years: np.ndarray) -> np.ndarray:
    """Today's exact Poisson test, through the library's own function."""
    results = compare_counts_many(
        [int(v) for v in years[:, -1]], [int(v) for v in years[:, -2]], alpha=ALPHA
    )
    return np.array([r.p_value for r in results])


def simulated(series: int, seed: int) -> tuple[list[str], list[str], list[str]]:
    """The table's lines, and the cases that miss the false-positive and the power goal."""
    rng = np.random.default_rng(seed)
    lines = []
    fpr_missed: list[str] = []
    power_missed: list[str] = []
    header = (
        f"{'level/yr':>8} {'history':>7} | {'exact FPR':>15} | {'new FPR':>15} | "
        f"{'ratio':>5} | power new: {'  '.join(f'{k:>5}' for k in STEPS)}"
    )
    lines += [header, "-" * len(header)]
    for level in LEVELS:
        for k in HISTORIES:
            null = yearly_counts(rng, series=series, years=k + 1, level=level)
            exact, exact_se = rate_and_se(exact_test_p(null) < ALPHA)
            new, new_se = rate_and_se(new_test_p(null) < ALPHA)
            powers = {}
            for name, step in STEPS.items():
                alt = yearly_counts(rng, series=series, years=k + 1, level=level, step=step)
                powers[name], _ = rate_and_se(new_test_p(alt) < ALPHA)
            case = f"{level:,}/yr with {k} y"
            if new > ALPHA + 2 * new_se:
                fpr_missed.append(f"{case} ({new:.3f})")
            if level >= POWER_FROM_LEVEL and powers["x2"] < POWER_GOAL:
                power_missed.append(f"{case} ({powers['x2']:.2f})")
            ratio = new / exact if exact > 0 else float("nan")
            lines.append(
                f"{level:>8,} {k:>5} y | {exact:.3f} ± {exact_se:.3f}   | "
                f"{new:.3f} ± {new_se:.3f}   | {ratio:5.2f} | "
                f"           {'  '.join(f'{powers[n]:5.2f}' for n in STEPS)}"
            )
    return lines, fpr_missed, power_missed


def real_data(data: Path) -> list[str]:
    path = data / BOROUGH_TABLE
    if not path.exists():
        return [f"real data: skipped ({path} is absent)"]
    import duckdb

    con = duckdb.connect()
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()]
    first, last = min(REAL_YEARS) - 1, max(REAL_YEARS)
    years = list(range(first, last + 1))
    sums = ", ".join(
        "(" + " + ".join(f'coalesce(sum("{y}{m:02d}"), 0)' for m in range(1, 13)) + f') AS "y{y}"'
        for y in years
        if all(f"{y}{m:02d}" in columns for m in range(1, 13))
    )
    excluded = ", ".join(f"'{b}'" for b in NOT_BOROUGHS)
    rows = con.execute(
        f"SELECT boroughname, majortext, {sums} FROM '{path}' "
        f"WHERE boroughname NOT IN ({excluded}) GROUP BY boroughname, majortext"
    ).fetchall()
    table = np.array([r[2:] for r in rows], dtype=float).astype(np.int64)
    exact_hits = new_hits = short = cells = 0
    same_exact = same_new = same_cells = 0
    for j, year in enumerate(years):
        if year not in REAL_YEARS:
            continue
        current, previous = table[:, j], table[:, j - 1]
        keep = (current + previous) > 0
        p_exact = exact_test_p(table[keep][:, [j - 1, j]])
        exact_meaningful = p_exact < ALPHA
        cells += int(keep.sum())
        exact_hits += int(exact_meaningful.sum())
        if j < MIN_HISTORY:  # history = the years before `year`
            short += int(keep.sum())
            continue
        p_new = new_test_p(table[keep][:, : j + 1])
        new_hits += int((p_new < ALPHA).sum())
        same_cells += int(keep.sum())
        same_exact += int(exact_meaningful.sum())
        same_new += int((p_new < ALPHA).sum())
    first_tested = min(REAL_YEARS) + MIN_HISTORY - 1
    return [
        f"real data, MPS borough x major category, year-on-year {min(REAL_YEARS)}-{last} "
        f"({cells:,} cells with any crime):",
        f"  exact Poisson test: {exact_hits / cells:.1%} called meaningful",
        f"  new test: {new_hits / cells:.1%} called meaningful, "
        f"{short / cells:.1%} 'not enough history' (years before {first_tested}, "
        f"the table starts in {first})",
        f"  same cells {first_tested}-{last} ({same_cells:,}): "
        f"exact {same_exact / same_cells:.1%}, new {same_new / same_cells:.1%}",
    ]


def flags_section(series: int, seed: int) -> tuple[list[str], list[str]]:
    """The seasonal flags (crimepulse.stats.seasonal.flag_arrays, before the FDR step) on
    simulated monthly series: false alarms on null series at 50, 500, 5,000 and 30,000 a
    year, per series-month and per series over 12 as-of months (each rule and combined),
    against today's rule (the one-month band alone, measured in the same run); power for a
    +20% and +50% step that began 3 and 6 months before the as-of month (the months from
    January of the last year are stepped and the as-of month is March or June), and for a
    one-off x2 month. Every as-of month is judged on the 60 months before it, as the flags
    are. Returns the printed lines and the goals missed."""
    from crimepulse.stats.seasonal import flag_arrays, spike_arrays

    levels = (50, 500, 5_000, 30_000)
    history, years = 60, 6
    rel = np.arange(-history, 0)
    rng = np.random.default_rng(seed + 7)

    def judge(counts: np.ndarray, j: int, observed: np.ndarray | None = None) -> tuple:
        y = counts[:, j - history : j].astype(float)
        obs = counts[:, j] if observed is None else observed
        target_month = j % 12 + 1
        today = spike_arrays(y, rel, target_month, obs, calibrated=False).p_value < ALPHA
        fa = flag_arrays(y, rel, target_month, obs)
        spike = 2 * fa.spike_p < ALPHA
        shift = np.nan_to_num(2 * fa.shift_p, nan=1.0) < ALPHA
        return today, spike, shift, fa.p_value < ALPHA

    def mean_se(per_series: np.ndarray) -> str:
        m = per_series.mean()
        se = per_series.std(ddof=1) / math.sqrt(per_series.size) if per_series.size > 1 else 0
        return f"{m:.3f} ± {se:.3f}"

    lines = [
        f"seasonal flags, {series:,} simulated series per level, each rule before the FDR "
        f"step (nominal {ALPHA:.0%} per series-month; spike and shift {ALPHA / 2:.1%} each, "
        "Bonferroni)",
        f"{'level/yr':>8} | false alarms per series-month: {'today':>13} {'spike':>13} "
        f"{'shift':>13} {'combined':>13} | any in 12 months: {'today':>13} {'combined':>13}",
    ]
    missed: list[str] = []
    power_lines = [
        f"{'level/yr':>8} | power, today -> new: "
        + "  ".join(
            f"{n:>13}" for n in ("+20% 3 mo", "+20% 6 mo", "+50% 3 mo", "+50% 6 mo", "x2 once")
        )
    ]
    for level in levels:
        null = monthly_counts(rng, series=series, years=years, level=level).reshape(series, -1)
        hits = [judge(null, j) for j in range(history, years * 12)]
        today, spike, shift, combined = (np.array([h[i] for h in hits]) for i in range(4))
        per_month = [r.mean(axis=0) for r in (today, spike, shift, combined)]
        any12 = [r.any(axis=0).astype(float) for r in (today, combined)]
        lines.append(
            f"{level:>8,} | {' ' * 31}{' '.join(f'{mean_se(r):>13}' for r in per_month)} | "
            f"{' ' * 18}{' '.join(f'{mean_se(r):>13}' for r in any12)}"
        )
        m = per_month[3]
        se = m.std(ddof=1) / math.sqrt(m.size)
        if m.mean() > ALPHA + 2 * se:
            missed.append(f"combined false alarms {m.mean():.3f} at {level:,}/yr")
        for name, r in (("spike", per_month[1]), ("shift", per_month[2])):
            if r.mean() > ALPHA / 2 + 2 * r.std(ddof=1) / math.sqrt(r.size):
                missed.append(
                    f"{name} false alarms {r.mean():.3f} > {ALPHA / 2:.3f} at {level:,}/yr"
                )
        cells = []
        for step, months in ((1.2, 3), (1.2, 6), (1.5, 3), (1.5, 6)):
            alt = monthly_counts(rng, series=series, years=years, level=level, step=step)
            t, _, _, c = judge(alt.reshape(series, -1), history + months - 1)
            cells.append((t.mean(), c.mean()))
        once = monthly_counts(rng, series=series, years=years, level=level).reshape(series, -1)
        t, _, _, c = judge(once, years * 12 - 1, 2 * once[:, -1])
        cells.append((t.mean(), c.mean()))
        power_lines.append(
            f"{level:>8,} | {' ' * 20}"
            + "  ".join(f"{a:.2f} -> {b:.2f}".rjust(13) for a, b in cells)
        )
        if level >= 500 and cells[4][1] < POWER_GOAL:
            missed.append(f"x2 one-off month power {cells[4][1]:.2f} at {level:,}/yr")
        if level >= 500 and cells[3][1] < POWER_GOAL:
            missed.append(f"+50% for 6 months power {cells[3][1]:.2f} at {level:,}/yr")
    return lines + power_lines, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=2000, help="Simulated series per case.")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    started = time.perf_counter()
    lines, fpr_missed, power_missed = simulated(args.series, args.seed)
    print(
        f"false-positive rate (no change) at nominal {ALPHA:.0%} and power, "
        f"{args.series:,} simulated series per case (± one Monte-Carlo SE); "
        "ratio = new FPR / exact FPR, same run"
    )
    print("\n".join(lines))
    for line in real_data(args.data):
        print(line)
    flag_lines, flags_missed = flags_section(args.series, args.seed)
    print("\n".join(flag_lines))
    print(
        f"goal: flags' false alarms per series-month <= {ALPHA:.0%} combined and "
        f"<= {ALPHA / 2:.1%} per rule (within 2 MC SE) at every level; a x2 one-off month "
        f"and a +50% step for 6 months found (power >= {POWER_GOAL}) from 500 a year: "
        f"{'missed: ' + '; '.join(flags_missed) if flags_missed else 'met'}"
    )
    print(f"({time.perf_counter() - started:.1f} s)")
    print(
        f"goal: false-positive rate <= {ALPHA:.0%} (within 2 MC SE) for the new test in every "
        f"case: {'missed in ' + ', '.join(fpr_missed) if fpr_missed else 'met'}"
    )
    print(
        f"goal: a x2 step in a series of >= {POWER_FROM_LEVEL} a year is found "
        f"(power >= {POWER_GOAL}): "
        f"{'missed in ' + ', '.join(power_missed) if power_missed else 'met'}"
    )


if __name__ == "__main__":
    main()
