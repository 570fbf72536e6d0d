"""Adapter: the outcomes log's approved weekly figures as Facts.

The log (crimepulse.oplog) counts and tests per event type, theme, unit or borough; a
snapshot theme spans several of the log's themes (e.g. violence = gangs + organised crime
+ knife crime + ...). The log has no filter for a set of themes, so this adapter reads the
log's zero-filled weekly series by (theme, event type), adds up the theme's part, and
tests the week against the previous 13 weeks with the log's own test
(`oplog.aggregates.compare`). Only approved entries are read: this is what the public sees.

A week is also told by operation (`week_operations`): per log theme (robbery, county
lines, ...) each event type's count, the crimes solved, and the week's largest entries with
their public summaries, each count tested against the same theme's own previous 13 weeks,
so "Robbery: 130 arrests, 13 charged, 28 crimes solved" is three Facts, not a sentence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crimepulse.core.facts import (
    DOWN,
    NO_CHANGE,
    NOT_ENOUGH_HISTORY,
    UP,
    AreaRef,
    CategoryRef,
    ComparisonRef,
    Fact,
    Finding,
    Verdict,
    WindowRef,
)
from crimepulse.oplog import OutcomesLog, week_bounds, week_of
from crimepulse.oplog.aggregates import PublicEntry, WeeklyComparison, compare
from crimepulse.snapshot.themes import Theme

BASELINE_WEEKS = 13
LABELS = {
    "arrest": "arrests",
    "charge": "people charged",
    "conviction": "convictions",
    "sentence": "sentences",
    "firearm_recovered": "firearms recovered",
    "weapon_recovered": "knives and other weapons recovered",
    "drugs_seized": "drug seizures",
    "county_line_closed": "county lines closed",
    "hostage_recovered": "hostages and kidnap victims recovered",
    "warrant_executed": "warrants executed",
    "cash_seized": "seizures of criminal cash",
}
SOLVED = "crimes_solved"  # the category of a crimes-solved Fact (not an event type)
MAX_ENTRIES = 2  # entries quoted per operation, largest first
TEST = "this week against the previous 13 weeks (outcomes log): "


LABELS[SOLVED] = "crimes solved"


def label(event_type: str) -> str:
    return LABELS.get(event_type, event_type.replace("_", " "))


@dataclass(frozen=True)
class Operation:
    """One log theme's week: a Fact per event type (the theme's order), the crimes solved
    (None when none were recorded), and Facts for its largest entries (summary in notes)."""

    theme: str
    counts: list[Fact]
    solved: Fact | None = None
    entries: list[Fact] = field(default_factory=list)


def _fact(
    query: dict[str, Any],
    event_type: str,
    start: date,
    end: date,
    finding: Finding,
    area: str,
    comparison: ComparisonRef | None = None,
    notes: list[str] | None = None,
) -> Fact:
    read_at = datetime.now(UTC).date().isoformat()  # the day the log was read
    return Fact.from_finding(
        finding,
        measure="count",
        value=float(finding.current or 0),
        unit=label(event_type),
        area=AreaRef(
            "force" if area == "all" else "borough",
            "Metropolitan Police" if area == "all" else area,
        ),
        category=CategoryRef(event_type, label(event_type)),
        window=WindowRef("week" if (end - start).days == 6 else "period", "the week", start, end),
        source="oplog",
        comparison=comparison,
        sources=[{"source": "approved entries", "vintage": read_at}],
        query=query,
        notes=notes or [],
    )


def _tested(this: int, c: WeeklyComparison) -> Finding:
    """The week against the mean of the baseline weeks, judged as the log judges it (by the
    usual variation of those weeks, the exact Poisson test beside it as a second opinion)."""
    said: dict[str, Verdict] = {UP: UP, DOWN: DOWN, NOT_ENOUGH_HISTORY: NOT_ENOUGH_HISTORY}
    verdict = said.get(c.direction, NO_CHANGE)
    return Finding(
        current=this,
        previous=c.baseline_mean,
        change=this - c.baseline_mean,
        change_pct=c.change_pct,
        test=TEST + c.test,
        p_value=c.p_value,
        verdict=verdict,
        small_counts=c.small_counts,
        stats={
            "rate_ratio": c.rate_ratio,
            "baseline_count": c.baseline_count,
            "dispersion": c.dispersion,
            "poisson_p_value": c.poisson_p_value,
            "poisson_verdict": c.poisson_direction,
            "change_basis": "per week",
        },
    )


def week_facts(log: OutcomesLog, week: str, theme: Theme, area: str = "all") -> list[Fact]:
    """One Fact per event type of the theme with any activity: the week's count against
    the mean of the previous 13 weeks (untested when the log does not reach back so far)."""
    monday, sunday = week_bounds(week)
    since = week_of(monday - timedelta(weeks=BASELINE_WEEKS))
    weeks = _weekly(log, since, week, theme, area)
    baseline = [week_of(monday - timedelta(weeks=i)) for i in range(BASELINE_WEEKS, 0, -1)]
    out = []
    for event_type in theme.event_types:
        series = weeks.get(event_type, {})
        this = series.get(week, 0)
        query = {
            "call": "oplog.weekly",
            "week": week,
            "themes": list(theme.oplog_themes),
            "event_type": event_type,
            "area": area,
            "approved_only": True,
        }
        fact = _tested_fact(query, event_type, monday, sunday, this, series, baseline, area)
        if fact is not None:
            out.append(fact)
    return out


def period_facts(
    log: OutcomesLog, start: date, end: date, theme: Theme, area: str = "all"
) -> list[Fact]:
    """Totals over the ISO weeks that end inside [start, end] (a month or a year), not
    tested: the log is summed, not compared, over long periods."""
    first_sunday = start + timedelta(days=(6 - start.weekday()) % 7)
    last_sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    if last_sunday < first_sunday:
        return []
    first_week, last_week = week_of(first_sunday), week_of(last_sunday)
    weeks = _weekly(log, first_week, last_week, theme, area)
    out = []
    for event_type in theme.event_types:
        series = weeks.get(event_type, {})
        total = sum(series.values())
        if not total:
            continue
        query = {
            "call": "oplog.series",
            "since_week": first_week,
            "until_week": last_week,
            "themes": list(theme.oplog_themes),
            "event_type": event_type,
            "area": area,
            "approved_only": True,
        }
        monday = first_sunday - timedelta(days=6)
        notes = [f"{len(series)} weeks of the log ({first_week} to {last_week})"]
        found = Finding(current=total)
        out.append(_fact(query, event_type, monday, last_sunday, found, area, notes=notes))
    return out


def _weekly(
    log: OutcomesLog, since: str, until: str, theme: Theme, area: str
) -> dict[str, dict[str, int]]:
    """{event type: {ISO week: count}} summed over the theme's log themes."""
    by = ("theme", "event_type") if area == "all" else ("theme", "event_type", "borough")
    rows = log.series(since, until, by=by)
    themes = {t.lower() for t in theme.oplog_themes}
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if (row.get("theme") or "").lower() not in themes:
            continue
        if area != "all" and (row.get("borough") or "").lower() != area.lower():
            continue
        out[str(row["event_type"])][str(row["week"])] += int(row["count"])
    return out


def _tested_fact(
    query: dict[str, Any],
    event_type: str,
    monday: date,
    sunday: date,
    this: int,
    series: dict[str, int],
    baseline: list[str],
    area: str,
) -> Fact | None:
    """The week's count as a Fact, tested against the baseline weeks when the log covers
    them all; None when there is nothing this week nor in the baseline."""
    if not all(w in series for w in baseline):
        return (
            _fact(query, event_type, monday, sunday, Finding(current=this), area) if this else None
        )
    counts = [series[w] for w in baseline]
    if not this and not any(counts):
        return None
    tested = _tested(this, compare(this, counts, "previous_13_weeks"))
    against = ComparisonRef("previous 13 weeks", weeks=tuple(baseline), counts=tuple(counts))
    return _fact(query, event_type, monday, sunday, tested, area, against)


def week_operations(
    log: OutcomesLog, week: str, theme: Theme, area: str = "all", entries: int = MAX_ENTRIES
) -> list[Operation]:
    """The week by operation: for each of the theme's log themes with activity this week,
    its event types' counts and crimes solved against that log theme's previous 13 weeks,
    and its `entries` largest entries of the week."""
    monday, sunday = week_bounds(week)
    since = week_of(monday - timedelta(weeks=BASELINE_WEEKS))
    baseline = [week_of(monday - timedelta(weeks=i)) for i in range(BASELINE_WEEKS, 0, -1)]
    counts, solved = _weekly_by_theme(log, since, week, area)
    listed = [
        e
        for e in log.entries(monday, sunday)
        if area == "all" or (e.borough or "").lower() == area.lower()
    ]
    out = []
    for op in theme.oplog_themes:
        key = op.lower()
        by_type = counts.get(key, {})
        if not any(series.get(week, 0) for series in by_type.values()):
            continue  # nothing done this week under this operation: not reported
        query = {"call": "oplog.weekly", "week": week, "themes": [op], "area": area,
                 "approved_only": True}  # fmt: skip
        found = []
        for event_type in theme.event_types:
            series = by_type.get(event_type, {})
            this = series.get(week, 0)
            if not this:
                continue  # a quiet event type is not a line of the operation's week
            q = {**query, "event_type": event_type}
            fact = _tested_fact(q, event_type, monday, sunday, this, series, baseline, area)
            if fact is not None:
                found.append(fact)
        if not found:
            continue
        theirs = solved.get(key, {})
        solved_fact = None
        if theirs.get(week, 0):
            q = {**query, "field": SOLVED}
            this = theirs[week]
            solved_fact = _tested_fact(q, SOLVED, monday, sunday, this, theirs, baseline, area)
        quoted = [
            _entry_fact(e, area)
            for e in listed
            if e.theme.lower() == key and e.event_type in theme.event_types
        ][:entries]
        out.append(Operation(op, found, solved_fact, quoted))
    return out


def _entry_fact(entry: PublicEntry, area: str) -> Fact:
    """One approved entry: its count, its public summary (in notes) and the version read."""
    query = {"call": "oplog.entry", "event_id": entry.event_id, "version": entry.version}
    fact = _fact(
        query,
        entry.event_type,
        entry.occurred_on,
        entry.occurred_on,
        Finding(current=entry.count),
        area if area != "all" else (entry.borough or "all"),
        notes=[entry.summary],
    )
    day = WindowRef("day", "the day", entry.occurred_on, entry.occurred_on)
    return replace(fact, window=day)


def _weekly_by_theme(
    log: OutcomesLog, since: str, until: str, area: str
) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, dict[str, int]]]:
    """({log theme: {event type: {ISO week: count}}}, {log theme: {ISO week: solved}})."""
    by = ("theme", "event_type") if area == "all" else ("theme", "event_type", "borough")
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    solved: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in log.series(since, until, by=by):
        if area != "all" and (row.get("borough") or "").lower() != area.lower():
            continue
        key = (row.get("theme") or "").lower()
        week = str(row["week"])
        counts[key][str(row["event_type"])][week] += int(row["count"])
        solved[key][week] += int(row["crimes_solved"])
    return counts, solved
