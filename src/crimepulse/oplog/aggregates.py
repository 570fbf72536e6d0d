"""Weekly figures (ISO weeks, Monday to Sunday) and how they compare.

For one week and any grouping by event type / theme / unit / borough: the number of
entries, the summed `count` (e.g. firearms recovered) and crimes solved, compared with
the mean of the previous 4 and 13 weeks and with the same ISO week last year. A change
is called "up" or "down" only when it is bigger than the log's own usual variation
(crimepulse.stats.dispersion, the analysis engine's verdict test): against the previous
4 or 13 weeks, the spread of those weeks; against the same week last year, the spread of
that week over the earlier years the log holds (with fewer than three such years the
verdict is "not enough history"). The exact Poisson test's answer is kept beside it as a
labelled second opinion. Counts too small to say much are flagged. A baseline reaching
back before the log's first entry is reported as unavailable rather than counted as
zeros: no record is not a zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from crimepulse.errors import FieldError, ValidationFailed
from crimepulse.oplog import queries
from crimepulse.oplog.log import OutcomesLog
from crimepulse.state import db as _engine
from crimepulse.stats import compare_with_history

DIMENSIONS = ("event_type", "theme", "unit", "borough")
YEARS_BACK = 5  # how many earlier years of the same week the last-year verdict may use
ALPHA = 0.05
SMALL = 5  # below this many a week (observed and expected), say the counts are small
WEEK = timedelta(weeks=1)
Group = tuple[str | None, ...]


@dataclass(frozen=True)
class WeeklyComparison:
    """This week's count against a baseline of `weeks` weeks."""

    baseline: str
    weeks: int
    baseline_count: int
    baseline_mean: float
    change_pct: float | None
    rate_ratio: float | None
    p_value: float | None  # None: too little history to judge ("not enough history")
    direction: str  # up | down | no meaningful change | not enough history (the engine's)
    small_counts: bool
    test: str = ""
    dispersion: float | None = None
    poisson_p_value: float | None = None  # the exact Poisson test: a labelled second opinion
    poisson_direction: str | None = None


@dataclass(frozen=True)
class PublicEntry:
    """One entry as the aggregates count it (the version the public sees), with its
    public summary: what a snapshot quotes beside the week's totals."""

    event_id: int
    version: int
    occurred_on: date
    event_type: str
    theme: str
    unit: str
    borough: str | None
    count: int
    crimes_solved: int
    summary: str


@dataclass(frozen=True)
class WeeklyRow:
    group: dict[str, str | None]
    week: str
    events: int
    count: int
    crimes_solved: int
    comparisons: dict[str, WeeklyComparison | None]  # None: the log does not reach back so far


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    start: date
    end: date
    complete: bool  # False for the week still under way
    approved_only: bool
    by: tuple[str, ...]
    first_week: str | None  # the log's first week with an entry
    rows: list[WeeklyRow]

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["end"] = self.start.isoformat(), self.end.isoformat()
        return out


def default_week(today: date, last_entry: date | None) -> str:
    """The last complete ISO week that the log covers: ends before today and on or
    before the last recorded day (so a log fed monthly isn't read as a week of zeros)."""
    end = today - timedelta(days=today.isoweekday())
    if last_entry is not None:
        end = min(end, last_entry - timedelta(days=last_entry.isoweekday() % 7))
    return queries.week_of(end)


def entry_span(log: OutcomesLog, approved_only: bool) -> tuple[date | None, date | None]:
    """The first and last day the log's (approved) entries record."""
    everything = queries.published_versions(date.min, date.max, approved_only).subquery()
    query = sa.select(sa.func.min(everything.c.occurred_on), sa.func.max(everything.c.occurred_on))
    with _engine.read(log.engine) as conn:
        first, last = conn.execute(query).one()
    return first, last


def compare(
    this: int, baseline_counts: list[int], label: str, history: list[int] | None = None
) -> WeeklyComparison:
    """Compare a week's count with the weekly mean of a baseline, judged against the usual
    variation (stats.compare_with_history) of `history` — comparable weeks, oldest first;
    by default the baseline's own weeks — with one week against `weeks` of exposure."""
    weeks, total = len(baseline_counts), sum(baseline_counts)
    judged_by = baseline_counts if history is None else history
    test = compare_with_history(this, total, judged_by, exposure_ratio=1 / weeks, alpha=ALPHA)
    mean = total / weeks
    return WeeklyComparison(
        baseline=label,
        weeks=weeks,
        baseline_count=total,
        baseline_mean=round(mean, 3),
        change_pct=round(100 * (this - mean) / mean, 1) if mean else None,
        rate_ratio=None if test.rate_ratio is None else round(test.rate_ratio, 3),
        p_value=test.p_value,
        direction=test.verdict,
        small_counts=max(this, mean) < SMALL,
        test=test.test,
        dispersion=test.dispersion,
        poisson_p_value=test.poisson_p_value,
        poisson_direction=test.poisson_verdict,
    )


def _check_by(by: tuple[str, ...]) -> None:
    bad = [d for d in by if d not in DIMENSIONS]
    if bad:
        reason = f"unknown dimension {', '.join(bad)}; use {', '.join(DIMENSIONS)}"
        raise ValidationFailed([FieldError("by", reason)])


def _weekly_counts(
    log: OutcomesLog, since: date, until: date, by: tuple[str, ...], approved_only: bool
) -> dict[Group, dict[date, tuple[int, int, int]]]:
    """{group: {week's Monday: (entries, count, crimes solved)}}."""
    versions = queries.published_versions(since, until, approved_only).subquery()
    cols = [versions.c[d] for d in by]
    query = sa.select(
        versions.c.occurred_on,
        *cols,
        sa.func.count(),
        sa.func.sum(versions.c["count"]),
        sa.func.sum(sa.func.coalesce(versions.c.crimes_solved, 0)),
    ).group_by(versions.c.occurred_on, *cols)
    out: dict[Group, dict[date, tuple[int, int, int]]] = defaultdict(dict)
    with _engine.read(log.engine) as conn:
        for row in conn.execute(query):
            day, *group, entries, count, solved = row
            monday = day - timedelta(days=day.weekday())
            old = out[tuple(group)].get(monday, (0, 0, 0))
            out[tuple(group)][monday] = (old[0] + entries, old[1] + count, old[2] + solved)
    return out


def _same_week_earlier(iso_year: int, iso_week: int) -> list[date]:
    """The Monday of the same ISO week in each of up to YEARS_BACK earlier years (newest
    first; a year without that week, e.g. a week 53, is skipped)."""
    out = []
    for back in range(1, YEARS_BACK + 1):
        try:
            out.append(date.fromisocalendar(iso_year - back, iso_week, 1))
        except ValueError:
            continue
    return out


def weekly(
    log: OutcomesLog,
    week: str | None = None,
    by: tuple[str, ...] = ("event_type",),
    approved_only: bool = True,
) -> WeeklyReport:
    """One ISO week (default: `default_week`) with its three comparisons."""
    _check_by(by)
    today = log.today()
    first, last = entry_span(log, approved_only)
    week = week or default_week(today, last)
    monday, sunday = queries.week_bounds(week)
    iso_year, iso_week, _ = monday.isocalendar()
    try:
        last_year: date | None = date.fromisocalendar(iso_year - 1, iso_week, 1)
    except ValueError:  # week 53 with no week 53 a year before
        last_year = None
    earlier_years = _same_week_earlier(iso_year, iso_week)
    since = min([monday - 13 * WEEK, *earlier_years])
    counts = _weekly_counts(log, since, sunday, by, approved_only)
    first_monday = first - timedelta(days=first.weekday()) if first else None

    def baseline(weeks: int) -> list[date] | None:
        start = monday - weeks * WEEK
        if first_monday is None or start < first_monday:
            return None
        return [start + i * WEEK for i in range(weeks)]

    windows = {
        "previous_4_weeks": baseline(4),
        "previous_13_weeks": baseline(13),
        "same_week_last_year": [last_year]
        if last_year and first_monday and last_year >= first_monday
        else None,
    }
    # the same week in the earlier years the log covers, oldest first (last year's among them)
    covered_years = [d for d in earlier_years if first_monday and d >= first_monday][::-1]
    rows = []
    for group in sorted(counts, key=lambda g: tuple(x or "" for x in g)):
        series = counts[group]
        entries, count, solved = series.get(monday, (0, 0, 0))
        comparisons = {
            name: None
            if days is None
            else compare(
                count,
                [series.get(d, (0, 0, 0))[1] for d in days],
                name,
                [series.get(d, (0, 0, 0))[1] for d in covered_years]
                if name == "same_week_last_year"
                else None,
            )
            for name, days in windows.items()
        }
        rows.append(
            WeeklyRow(dict(zip(by, group, strict=True)), week, entries, count, solved, comparisons)
        )
    return WeeklyReport(
        week=week,
        start=monday,
        end=sunday,
        complete=sunday < today,
        approved_only=approved_only,
        by=by,
        first_week=queries.week_of(first) if first else None,
        rows=rows,
    )


def entries(
    log: OutcomesLog, since: date, until: date, approved_only: bool = True
) -> list[PublicEntry]:
    """The entries counted in the figures of [since, until] (void ones left out), largest
    count first, then oldest: the same versions `weekly` and `series` add up."""
    versions = queries.published_versions(since, until, approved_only).subquery()
    query = sa.select(versions).order_by(
        versions.c["count"].desc(), versions.c.occurred_on, versions.c.event_id
    )
    with _engine.read(log.engine) as conn:
        rows = conn.execute(query).all()
    return [
        PublicEntry(
            event_id=int(r.event_id),
            version=int(r.version),
            occurred_on=r.occurred_on,
            event_type=r.event_type,
            theme=r.theme,
            unit=r.unit,
            borough=r.borough,
            count=int(r._mapping["count"]),
            crimes_solved=int(r.crimes_solved or 0),
            summary=r.summary,
        )
        for r in rows
    ]


def series(
    log: OutcomesLog,
    since_week: str,
    until_week: str,
    by: tuple[str, ...] = ("event_type",),
    approved_only: bool = True,
) -> list[dict[str, Any]]:
    """Weekly totals per group from `since_week` to `until_week`, zero-filled from the
    log's first week on (weeks before it are left out: not recorded is not zero)."""
    _check_by(by)
    start, _ = queries.week_bounds(since_week)
    _, end = queries.week_bounds(until_week)
    if end < start:
        raise ValidationFailed([FieldError("until_week", "before since_week")])
    if (end - start).days > 7 * 520:
        raise ValidationFailed([FieldError("since_week", "at most 520 weeks at a time")])
    first, _ = entry_span(log, approved_only)
    counts = _weekly_counts(log, start, end, by, approved_only)
    if first is None:
        return []
    monday = max(start, first - timedelta(days=first.weekday()))
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += WEEK
    out = []
    for group in sorted(counts, key=lambda g: tuple(x or "" for x in g)):
        for day in weeks:
            entries, count, solved = counts[group].get(day, (0, 0, 0))
            out.append(
                {**dict(zip(by, group, strict=True)), "week": queries.week_of(day),
                 "events": entries, "count": count, "crimes_solved": solved}
            )  # fmt: skip
    return out
