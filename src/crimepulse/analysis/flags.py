"""Seasonal flags: the area × category series whose latest month is outside its expectation.

Each monthly series is modelled on its previous years (crimepulse.stats.flag_series:
month-of-year effects and a trend, negative binomial when overdispersed); the series whose
month ending the as-of date is a surprise are returned as Facts, most surprising first,
with the false discovery rate controlled over every series tested. One engine query counts
every series.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from crimepulse.analysis import periods, selection
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import GridQuestion
from crimepulse.analysis.selection import Tables
from crimepulse.core.facts import AreaRef, CategoryRef, ComparisonRef, Fact, Finding
from crimepulse.stats import Expectation, flag_series


def expectation_finding(result: Expectation) -> Finding:
    """A month against its seasonal expectation: `previous` is the expected count and the
    interval the prediction band."""
    d = result.as_dict()
    return Finding(
        current=d["observed"],
        previous=d["expected"],
        change=d.get("change"),
        change_pct=d.get("change_pct"),
        test=d.get("test"),
        p_value=d.get("p_value"),
        q_value=d.get("q_value"),
        ci_low=d.get("low"),
        ci_high=d.get("high"),
        verdict=d.get("verdict"),
        stats=d,
    )


def flags(tables: Tables, question: GridQuestion, *, years: int = 5) -> list[Fact]:
    """Series whose latest month is outside its seasonal expectation, most surprising
    first, with the false discovery rate controlled over every series tested (`years`: the
    history each series is modelled on)."""
    target = periods.window("month", question.end_date())
    chosen = selection.select_areas(tables, question, target)
    chosen.coverage.check([target])
    start = date(target.start.year - years, target.start.month, 1)
    span = Window("history", "history", start, target.end)
    f = chosen.rows(tables)
    expr = selection.window_totals(
        f.mutate(month=f.period.truncate("M").cast("date")),
        [span],
        ["area", "area_name", "major", "minor", "crime_type", "month"],
    )
    rows = expr.to_pyarrow().to_pylist()
    # A category the source does not carry in every month modelled is not tested (a run of
    # zeros would look like a fall); the Facts' notes name it.
    modelled = [m for m in chosen.coverage.months if start <= m <= target.start]
    groups, left_out = selection.countable_keys(question.categories, chosen.coverage, modelled)
    by_series: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, str] = {}
    for row in rows:
        names[str(row["area"])] = str(row["area_name"] or row["area"])
        for key in groups(row):
            by_series[(str(row["area"]), key)][row["month"]] += int(row["n"])
    published = sorted(m for m in chosen.coverage.months if start <= m <= target.start)
    inputs = []
    for (a, c), months in by_series.items():
        history = [(m.year, m.month, months.get(m, 0)) for m in published if m < target.start]
        inputs.append(((a, c), history, months.get(target.start, 0)))
    report = flag_series(inputs, target.start.year, target.start.month, alpha=question.alpha)
    cannot = f"not tested (the source cannot count them in every month): {', '.join(left_out)}"
    untested = [cannot] if left_out else []
    facts = []
    for item in report.flags:
        a, c = item.key
        finding = expectation_finding(item.expectation)
        facts.append(
            Fact.from_finding(
                finding,
                measure="count",
                value=float(item.expectation.observed or 0),
                unit="crimes",
                area=AreaRef(
                    question.level,
                    names.get(a, a),
                    selection.area_code(question.level, a),
                    question.force,
                ),
                category=CategoryRef(c),
                window=target.ref(),
                source=chosen.source.key,
                comparison=ComparisonRef(
                    "seasonal expectation",
                    model=item.expectation.model,
                    history_months=len(published) - 1,
                ),
                sources=chosen.coverage.vintages,
                query={
                    "call": "flags",
                    "as_of": str(question.as_of),
                    "areas": question.areas,
                    "categories": question.categories,
                    "source": question.source,
                    "force": question.force,
                    "series": [a, c],
                },
                notes=[f"{report.n_tested} series tested; {report.fdr}", *untested],
            )
        )
    return facts
