"""Weekly aggregates on both engines: ISO weeks, the three comparisons, approval and
coverage rules. Expected figures are computed here from the events the test writes."""

from __future__ import annotations

from datetime import date, timedelta
from math import comb

import pytest

from crimepulse.oplog import Actor, OutcomesLog, ValidationFailed, week_of
from tests.oplog.fixtures import event


def direct_p(x: int, n: int, p: float) -> float:
    """Two-sided exact p-value by definition: twice the smaller binomial tail, capped at 1."""
    probs = [comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return min(1.0, 2 * min(sum(probs[: x + 1]), sum(probs[x:])))


SUNDAY = date(2025, 6, 15)  # end of 2025-W24, the last complete week before TODAY


def weekly_counts() -> dict[date, int]:
    """A year and a week of Sundays, 2024-W24 .. 2025-W24, with varying counts."""
    return {SUNDAY - timedelta(weeks=k): 1 + (k * 7) % 5 for k in range(53)}


@pytest.fixture
def year(log: OutcomesLog, recorder: Actor, reviewer: Actor) -> dict[date, int]:
    counts = weekly_counts()
    for day, n in counts.items():
        log.add(recorder, event(occurred_on=str(day), count=n))
    log.add(recorder, event(occurred_on=str(SUNDAY + timedelta(days=1)), count=50))  # W25
    log.approve(reviewer, all_pending=True)
    return counts


def test_default_week_and_comparisons(log: OutcomesLog, year: dict[date, int]) -> None:
    report = log.weekly()
    assert (report.week, report.start, report.end) == ("2025-W24", date(2025, 6, 9), SUNDAY)
    assert report.complete and report.first_week == "2024-W24"
    [row] = report.rows
    assert row.group == {"event_type": "firearm_recovered"} and row.events == 1
    this = year[SUNDAY]
    assert row.count == this and row.crimes_solved == 1
    baselines = {
        "previous_4_weeks": [year[SUNDAY - timedelta(weeks=k)] for k in range(1, 5)],
        "previous_13_weeks": [year[SUNDAY - timedelta(weeks=k)] for k in range(1, 14)],
        "same_week_last_year": [year[SUNDAY - timedelta(weeks=52)]],
    }
    for name, counts in baselines.items():
        comparison = row.comparisons[name]
        assert comparison is not None
        weeks, total = len(counts), sum(counts)
        assert (comparison.weeks, comparison.baseline_count) == (weeks, total)
        assert comparison.baseline_mean == pytest.approx(total / weeks, abs=1e-3)
        p = direct_p(this, this + total, 1 / (1 + weeks))
        assert comparison.poisson_p_value == pytest.approx(p, rel=1e-6)  # the second opinion
        mean = total / weeks
        assert comparison.small_counts == (max(this, total / weeks) < 5)
        if name == "same_week_last_year":  # the log holds one earlier year: no history
            assert comparison.direction == "not enough history" and comparison.p_value is None
            continue
        # judged by the spread of the baseline weeks themselves: never bolder than Poisson
        assert comparison.p_value is not None and comparison.p_value >= p - 1e-12
        assert comparison.dispersion is not None
        up_or_down = "up" if this > mean else "down"
        expected = "no meaningful change" if comparison.p_value >= 0.05 else up_or_down
        assert comparison.direction == expected


def test_a_big_week_is_up(log: OutcomesLog, year: dict[date, int], recorder: Actor) -> None:
    log.add(recorder, event(occurred_on="2025-06-10", count=40))
    report = log.weekly("2025-W24", approved_only=False)
    [row] = report.rows
    assert row.count == year[SUNDAY] + 40 and row.events == 2
    weeks = [row.comparisons["previous_4_weeks"], row.comparisons["previous_13_weeks"]]
    assert all(c is not None and c.direction == "up" and (c.p_value or 1) < 0.05 for c in weeks)
    last_year = row.comparisons["same_week_last_year"]  # one earlier year: no verdict
    assert last_year is not None and last_year.direction == "not enough history"
    assert last_year.poisson_direction == "up"
    assert log.weekly("2025-W24").rows[0].count == year[SUNDAY]  # public: approved only


def test_public_figures_use_the_approved_version(
    log: OutcomesLog, recorder: Actor, reviewer: Actor
) -> None:
    kept = log.add(recorder, event(occurred_on="2025-06-10", count=3))
    voided = log.add(recorder, event(occurred_on="2025-06-11", count=4))
    log.approve(reviewer, [kept.id, voided.id])
    log.amend(recorder, kept.id, {"count": 30, "reason": "typo"})
    log.amend(recorder, voided.id, {"void": True, "reason": "recorded twice"})
    assert log.weekly("2025-W24").rows[0].count == 7  # approved versions still stand
    assert log.weekly("2025-W24", approved_only=False).rows[0].count == 30
    log.approve(reviewer, week="2025-W24")
    assert log.weekly("2025-W24").rows[0].count == 30


def test_entries_are_the_versions_the_figures_count_largest_first(
    log: OutcomesLog, recorder: Actor, reviewer: Actor
) -> None:
    small = log.add(recorder, event(occurred_on="2025-06-10", count=3, summary="three found"))
    large = log.add(recorder, event(occurred_on="2025-06-12", count=5, summary="five found"))
    gone = log.add(recorder, event(occurred_on="2025-06-11", count=9, summary="recorded twice"))
    log.add(recorder, event(occurred_on="2025-06-17", count=7))  # the week after
    log.approve(reviewer, [small.id, large.id, gone.id])
    log.amend(recorder, small.id, {"count": 30, "summary": "thirty found", "reason": "typo"})
    log.amend(recorder, gone.id, {"void": True, "reason": "recorded twice"})
    log.approve(reviewer, [gone.id])  # the void is public; the amended count is not yet
    monday, sunday = date(2025, 6, 9), date(2025, 6, 15)
    public = log.entries(monday, sunday)
    assert [(e.event_id, e.version, e.count, e.summary) for e in public] == [
        (large.id, 1, 5, "five found"),
        (small.id, 1, 3, "three found"),
    ]
    assert sum(e.count for e in public) == log.weekly("2025-W24").rows[0].count
    assert public[0].crimes_solved == 1 and public[0].theme == "firearms"
    drafts = log.entries(monday, sunday, approved_only=False)
    assert [(e.event_id, e.count) for e in drafts] == [(small.id, 30), (large.id, 5)]


def test_baselines_before_the_log_began_are_unavailable(log: OutcomesLog, recorder: Actor) -> None:
    for k in range(6):
        log.add(recorder, event(occurred_on=str(SUNDAY - timedelta(weeks=k)), count=2))
    [row] = log.weekly("2025-W24", approved_only=False).rows
    assert row.comparisons["previous_4_weeks"] is not None
    assert row.comparisons["previous_13_weeks"] is None
    assert row.comparisons["same_week_last_year"] is None


def test_grouping_and_iso_year_boundaries(log: OutcomesLog, recorder: Actor) -> None:
    log.add(recorder, event(occurred_on="2021-01-03", borough="Brent"))  # Sunday of 2020-W53
    log.add(recorder, event(occurred_on="2020-12-28", borough=None))  # Monday of 2020-W53
    log.add(recorder, event(occurred_on="2021-01-04", event_type="arrest"))  # 2021-W01
    assert week_of(date(2021, 1, 3)) == "2020-W53"
    report = log.weekly("2020-W53", by=["event_type", "borough"], approved_only=False)
    assert [(r.group["borough"], r.count) for r in report.rows] == [(None, 2), ("Brent", 2)]
    assert report.rows[0].comparisons["same_week_last_year"] is None  # 2019 had no W53
    with pytest.raises(ValidationFailed):
        log.weekly("2021-W53")
    with pytest.raises(ValidationFailed):
        log.weekly("2021-W01", by=["colour"])


def test_series_is_zero_filled_from_the_first_week(log: OutcomesLog, recorder: Actor) -> None:
    log.add(recorder, event(occurred_on="2025-05-13", count=3))
    log.add(recorder, event(occurred_on="2025-05-29", count=4))
    rows = log.series("2025-W10", "2025-W23", approved_only=False)
    assert [(r["week"], r["count"]) for r in rows] == [
        ("2025-W20", 3),
        ("2025-W21", 0),
        ("2025-W22", 4),
        ("2025-W23", 0),
    ]
    assert log.series("2025-W10", "2025-W23") == []  # nothing approved yet
