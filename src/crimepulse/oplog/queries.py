"""The selects that turn append-only rows into current values.

An event's current value is its newest version; what the public sees is its newest
*approved* version. Both are "no newer row exists" anti-joins, which use the unique
(event_id, version) indexes on both engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa

from crimepulse.errors import FieldError, ValidationFailed
from crimepulse.oplog.models import Event
from crimepulse.state.tables import approvals, event_versions, events, users


def week_bounds(week: str) -> tuple[date, date]:
    """The Monday and Sunday of an ISO week written YYYY-Www (e.g. 2025-W07)."""
    try:
        year, number = week.upper().split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:  # the user's text is not YYYY-Www, or no such week that year
        reason = f"{week!r} is not an ISO week like 2025-W07"
        raise ValidationFailed([FieldError("week", reason)]) from None
    return monday, monday + timedelta(days=6)


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


@dataclass(frozen=True)
class Filters:
    """Filters for listing events; all optional, combined with AND."""

    week: str | None = None
    since: date | None = None
    until: date | None = None
    event_type: str | None = None
    theme: str | None = None
    unit: str | None = None
    borough: str | None = None
    status: str = "all"  # all | pending | approved
    limit: int = 1000
    offset: int = 0

    def __post_init__(self) -> None:
        """Refuse a NUL byte in a text filter, naming the field: PostgreSQL cannot hold one
        in a query parameter and failed the whole request (a 500); SQLite matched nothing."""
        named = ("week", "event_type", "theme", "unit", "borough", "status")
        bad = [n for n in named if "\x00" in (getattr(self, n) or "")]
        if bad:
            raise ValidationFailed([FieldError(n, "contains a NUL byte") for n in bad])


def _newest(table: sa.Table, alias: Any) -> sa.ColumnElement[bool]:
    newer = table.alias()
    return ~sa.exists().where(
        newer.c.event_id == alias.c.event_id, newer.c.version > alias.c.version
    )


@cache
def event_select(current_only: bool = True) -> tuple[sa.Select[Any], Any]:
    """Versions joined with who recorded the event and who wrote the version.

    Built once: aliasing and joining cost more than the query itself (selects are
    immutable, so sharing them is safe)."""
    v = event_versions.alias("v")
    recorder, author = users.alias("recorder"), users.alias("author")
    approved = (
        sa.select(sa.func.max(approvals.c.version))
        .where(approvals.c.event_id == v.c.event_id)
        .scalar_subquery()
    )
    query = (
        sa.select(
            v,
            events.c.created_at.label("recorded_at"),
            recorder.c.name.label("recorded_by"),
            author.c.name.label("author"),
            approved.label("approved_version"),
        )
        .join(events, events.c.id == v.c.event_id)
        .join(recorder, recorder.c.id == events.c.created_by)
        .join(author, author.c.id == v.c.author_id)
    )
    if current_only:
        query = query.where(_newest(event_versions, v))
    return query, v


def filtered(filters: Filters) -> sa.Select[Any]:
    query, v = event_select()
    since, until = filters.since, filters.until
    if filters.week:
        monday, sunday = week_bounds(filters.week)
        since, until = max(since or monday, monday), min(until or sunday, sunday)
    if since:
        query = query.where(v.c.occurred_on >= since)
    if until:
        query = query.where(v.c.occurred_on <= until)
    for name in ("event_type", "theme", "unit", "borough"):
        value = getattr(filters, name)
        if value:
            query = query.where(sa.func.lower(v.c[name]) == value.strip().lower())
    approved = sa.exists().where(
        approvals.c.event_id == v.c.event_id, approvals.c.version == v.c.version
    )
    if filters.status == "approved":
        query = query.where(approved)
    elif filters.status == "pending":
        query = query.where(~approved)
    elif filters.status != "all":
        reason = f"{filters.status!r}: use all, pending or approved"
        raise ValidationFailed([FieldError("status", reason)])
    return query.order_by(v.c.occurred_on, v.c.event_id).limit(filters.limit).offset(filters.offset)


def to_event(row: Any, replayed: bool = False) -> Event:
    m = row._mapping
    return Event(
        id=m["event_id"],
        version=m["version"],
        event_type=m["event_type"],
        occurred_on=m["occurred_on"],
        count=m["count"],
        unit=m["unit"],
        theme=m["theme"],
        borough=m["borough"],
        crimes_solved=m["crimes_solved"],
        related_crime_ids=list(m["related_crime_ids"] or []),
        summary=m["summary"],
        note=m["note"],
        void=bool(m["void"]),
        reason=m["reason"],
        recorded_by=m["recorded_by"],
        recorded_at=m["recorded_at"],
        author=m["author"],
        created_at=m["created_at"],
        client=m["client"],
        approved_version=m["approved_version"],
        replayed=replayed,
    )


def published_versions(since: date, until: date, approved_only: bool) -> sa.Select[Any]:
    """Non-void versions that count in aggregates: newest approved (public) or newest."""
    v = event_versions.alias("v")
    query = sa.select(v).where(
        v.c.occurred_on >= since, v.c.occurred_on <= until, v.c.void == sa.false()
    )
    if approved_only:
        a = approvals.alias("a")
        query = query.join(a, sa.and_(a.c.event_id == v.c.event_id, a.c.version == v.c.version))
        query = query.where(_newest(approvals, a))
    else:
        query = query.where(_newest(event_versions, v))
    return query


def chunks(items: Sequence[Any], size: int = 500) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]
