"""The honest position against reference periods: "robbery is 48% above its 2021 low and
back at its 2017–19 level", as two Facts whose verdicts decide those words.

A force asks two questions of its latest year (or 12 months) once a shock has passed:
(a) how far is it above the lowest year of a named period (the covid years 2020–21), and
(b) is it back at a pre-shock baseline (the 2017–19 mean)? Both are judged against the
series' own usual variation, never against Poisson noise alone: (a) by the quasi-Poisson
test of two counts (stats.dispersion), the dispersion estimated from the same window in
the years before (the history every compare uses), so a low that was itself a shock is
not mistaken for ordinary; (b) by the baseline prediction test (stats.baseline), the
baseline years' own spread with a t reference. The reference years are the same window
shifted by whole years (12 months to February 2023 → the 12 months to February 2021), so
the periods compared are always alike. A reference year the source does not cover is a
MissingDataError that says which, never a zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from crimepulse.analysis.compare import change_basis, history_finding
from crimepulse.analysis.periods import COVID_YEARS, PRE_COVID, Window
from crimepulse.analysis.question import Question
from crimepulse.core.facts import ComparisonRef, Fact, WindowRef
from crimepulse.errors import MissingDataError, WindowError
from crimepulse.stats import compare_with_history

LOW = "lowest year"  # the comparison kind of the Fact against the low


@dataclass(frozen=True)
class Position:
    """The latest window against the lowest year of `low_years` and against `baseline`."""

    low: Fact  # comparison kind LOW: `previous` is the low year's count
    baseline: Fact  # comparison kind "baseline": `previous` is the baseline mean
    low_years: tuple[int, int]
    baseline_years: tuple[int, int]

    @property
    def facts(self) -> list[Fact]:
        return [self.low, self.baseline]

    def as_dict(self) -> dict[str, Any]:
        return {
            "low": self.low.as_dict(),
            "baseline": self.baseline.as_dict(),
            "low_years": list(self.low_years),
            "baseline_years": list(self.baseline_years),
        }


def _ref(raw: dict[str, Any]) -> WindowRef:
    """A history window as a Fact's stats publish it (`WindowRef.as_dict()`)."""
    return WindowRef(
        str(raw["name"]),
        str(raw["label"]),
        date.fromisoformat(str(raw["start"])),
        date.fromisoformat(str(raw["end"])),
    )


def _window(ref: WindowRef, name: str) -> Window:
    return Window(name, ref.label, ref.start, ref.end)


def position(
    compare: Callable[[Question], Fact],
    *,
    category: str,
    as_of: str | date,
    force: str,
    area: str = "all",
    window: str = "12m",
    low_years: tuple[int, int] = COVID_YEARS,
    baseline_years: tuple[int, int] = PRE_COVID,
    source: str | None = None,
    alpha: float = 0.05,
) -> Position:
    """`category` in the `window` (12m or year) ending `as_of`, against the lowest of the
    same window in `low_years` and against its mean in `baseline_years`. `compare`
    answers the engine's own questions (so these Facts count what every compare counts)."""
    if window not in ("12m", "year"):
        raise WindowError(
            f"a position against reference years needs a 12m or year window, not {window!r}"
        )
    first, last = low_years
    if last < first:
        raise WindowError(f"reference period {first}-{last} ends before it starts")
    asked = {
        "area": area,
        "category": category,
        "window": window,
        "as_of": str(as_of),
        "source": source,
        "force": force,
        "alpha": alpha,
    }

    def ask(vs: str) -> Fact:
        return compare(
            Question(
                area=area,
                category=category,
                window=window,
                as_of=as_of,
                vs=vs,
                source=source,
                force=force,
                alpha=alpha,
            )
        )

    latest = ask("last-year")
    history = [int(n) for n in latest.stats.get("history") or []]
    windows = [_ref(w) for w in latest.stats.get("history_windows") or []]
    if len(windows) != len(history):
        raise MissingDataError("the latest window's history has no windows to name its years")
    # the same window in each earlier year, by the year it ends in (the year before too)
    years = {w.end.year: (w, n) for w, n in zip(windows, history, strict=True)}
    wanted = list(range(first, last + 1))
    missing = [y for y in wanted if y not in years]
    if missing:
        held = f"{min(years)} to {max(years)}" if years else "no earlier year"
        raise MissingDataError(
            f"{latest.category.label} is not counted for {', '.join(map(str, missing))} "
            f"in the same window (the source holds {held}): no low of {first}–{last}"
        )
    low_year = min(wanted, key=lambda y: (years[y][1], y))
    low_ref, low_n = years[low_year]
    current = _window(latest.window, "current")
    basis, exposure = change_basis(current, _window(low_ref, "low"))
    tested = compare_with_history(
        int(latest.current or 0), low_n, history, exposure_ratio=exposure, alpha=alpha
    )
    finding = history_finding(tested, basis)
    finding.stats["history_windows"] = latest.stats.get("history_windows")
    finding.stats["low_year"] = low_year
    finding.stats["reference_counts"] = {str(y): years[y][1] for y in wanted}
    low_fact = Fact.from_finding(
        finding,
        measure=latest.measure,
        value=latest.value,
        unit=latest.unit,
        area=latest.area,
        category=latest.category,
        window=latest.window,
        source=latest.source,
        comparison=ComparisonRef(LOW, window=replace(low_ref, name=str(low_year))),
        sources=latest.sources,
        query={"call": "position", "part": "low", "low_years": f"{first}-{last}", **asked},
        notes=[
            *latest.notes,
            f"against the lowest of {first}–{last} in the same window ({low_year}); judged "
            "against the variation of that window over the years before",
        ],
    )
    b_first, b_last = baseline_years
    baseline = ask(f"baseline:{b_first}-{b_last}")
    return Position(low_fact, baseline, (first, last), (b_first, b_last))
