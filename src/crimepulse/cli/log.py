"""`crimepulse log ...` and `crimepulse users ...`: the operational outcomes log."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from crimepulse.cli.errors import reports_errors
from crimepulse.cli.options import (
    Command,
    DbOption,
    ListFormat,
    OplogUrlOption,
    OutputFormat,
    ServerOption,
    TokenOption,
    WeekOption,
    console,
    errors,
    injects,
    settings,
)

# The log itself (SQLAlchemy, the statistics of its counts) is opened by `_oplog` when a
# command runs, never to build `crimepulse --help`.
if TYPE_CHECKING:
    from crimepulse.oplog.backends import Backend

log_app = typer.Typer(
    help="The operational outcomes log: record, amend, approve, import and count events.",
    no_args_is_help=True,
)
log_types_app = typer.Typer(help="Event types (data an admin extends).", no_args_is_help=True)
log_units_app = typer.Typer(help="Units (data an admin extends).", no_args_is_help=True)
users_app = typer.Typer(help="Users of the outcomes log and their tokens.", no_args_is_help=True)


@contextmanager
def _oplog(
    db: Path | None, oplog_url: str | None, server: str | None, token: str | None
) -> Iterator[Backend]:
    """The log, directly or through `server`'s HTTP API; closed when the command is done."""
    from crimepulse.oplog import OutcomesLog, backends
    from crimepulse.web.urls import OPLOG_PATH

    chosen = settings(db, oplog_url, server, token)
    backend: Backend = (
        backends.Remote(chosen.server.rstrip("/") + OPLOG_PATH, chosen.token)
        if chosen.server
        else backends.Local(OutcomesLog.open(settings=chosen))
    )
    try:
        yield backend
    finally:
        backend.close()


# The options every log command takes, declared once: the log itself (--db, --oplog-url)
# or a server's HTTP API (--server, --token); the command gets the open `backend`.
LOG_OPTIONS: dict[str, tuple[Any, Any]] = {
    "db": (DbOption, None),
    "oplog_url": (OplogUrlOption, None),
    "server": (ServerOption, None),
    "token": (TokenOption, None),
}


def uses_log(command: Command) -> Command:
    """Give a log command the log options and call it with `backend=` the open log."""
    return injects("backend", LOG_OPTIONS, lambda words: _oplog(**words), first=False)(command)


def _event_fields(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


@log_app.command("add")
@reports_errors
@uses_log
def log_add_command(
    event_type: Annotated[str, typer.Option("--type", help="e.g. firearm_recovered.")],
    count: Annotated[int, typer.Option(help="How many (arrests, firearms, lines...).")],
    on: Annotated[str, typer.Option(help="Date it happened, YYYY-MM-DD.")],
    unit: Annotated[str, typer.Option(help="Registered unit, e.g. Flying Squad.")],
    theme: Annotated[str, typer.Option(help="e.g. firearms, county lines, robbery.")],
    summary: Annotated[str, typer.Option(help="Short public summary.")],
    borough: Annotated[str | None, typer.Option()] = None,
    solved: Annotated[int | None, typer.Option(help="Crimes solved.")] = None,
    crime_id: Annotated[list[str] | None, typer.Option(help="Related crime id (repeat).")] = None,
    note: Annotated[str | None, typer.Option(help="Internal note (never published).")] = None,
    key: Annotated[str | None, typer.Option(help="Idempotency key: retries add once.")] = None,
    *,
    backend: Backend,
) -> None:
    """Record an event; prints it as JSON (with its id)."""
    raw = _event_fields(
        event_type=event_type, count=count, occurred_on=on, unit=unit, theme=theme,
        summary=summary, borough=borough, crimes_solved=solved,
        related_crime_ids=crime_id or None, note=note,
    )  # fmt: skip
    print(json.dumps(backend.add(raw, key), indent=2))


@log_app.command("amend")
@reports_errors
@uses_log
def log_amend_command(
    event_id: Annotated[int, typer.Argument(help="The event's id.")],
    reason: Annotated[str, typer.Option(help="Why it is corrected (kept in the history).")],
    event_type: Annotated[str | None, typer.Option("--type")] = None,
    count: Annotated[int | None, typer.Option()] = None,
    on: Annotated[str | None, typer.Option()] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    theme: Annotated[str | None, typer.Option()] = None,
    summary: Annotated[str | None, typer.Option()] = None,
    borough: Annotated[str | None, typer.Option()] = None,
    solved: Annotated[int | None, typer.Option()] = None,
    note: Annotated[str | None, typer.Option()] = None,
    void: Annotated[bool, typer.Option(help="Withdraw the event (counted as nothing).")] = False,
    key: Annotated[str | None, typer.Option(help="Idempotency key.")] = None,
    *,
    backend: Backend,
) -> None:
    """Append a corrected version of an event; fields not given carry over."""
    raw = _event_fields(
        event_type=event_type, count=count, occurred_on=on, unit=unit, theme=theme,
        summary=summary, borough=borough, crimes_solved=solved, note=note, reason=reason,
    )  # fmt: skip
    if void:
        raw["void"] = True
    print(json.dumps(backend.amend(event_id, raw, key), indent=2))


LIST_COLUMNS = ["id", "version", "occurred_on", "event_type", "count", "unit", "theme",
                "borough", "crimes_solved", "status", "summary"]  # fmt: skip


@log_app.command("list")
@reports_errors
@uses_log
def log_list_command(
    week: WeekOption = None,
    since: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    until: Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    event_type: Annotated[str | None, typer.Option("--type")] = None,
    theme: Annotated[str | None, typer.Option()] = None,
    unit: Annotated[str | None, typer.Option()] = None,
    borough: Annotated[str | None, typer.Option()] = None,
    status: Annotated[str, typer.Option(help="all, pending or approved.")] = "all",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 1000,
    format: Annotated[ListFormat, typer.Option("--format", "-f")] = ListFormat.table,
    *,
    backend: Backend,
) -> None:
    """Events as they stand now (latest amendment), by date."""
    import csv

    from crimepulse.oplog import Filters

    start, end = (d.date() if d else None for d in (since, until))
    filters = Filters(
        week=week, since=start, until=end, event_type=event_type, theme=theme,
        unit=unit, borough=borough, status=status, limit=limit,
    )  # fmt: skip
    items = backend.events(filters)
    if format is ListFormat.json:
        print(json.dumps(items, indent=2))
    elif format is ListFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(items[0]) if items else LIST_COLUMNS)
        writer.writeheader()
        writer.writerows(
            {k: ";".join(v) if isinstance(v, list) else v for k, v in item.items()}
            for item in items
        )
    else:
        table = Table(title=f"Outcome events{f' {week}' if week else ''} ({len(items)})")
        for column in LIST_COLUMNS:
            table.add_column(column.replace("_", " "), overflow="fold")
        for item in items:
            table.add_row(*("" if item[c] is None else str(item[c]) for c in LIST_COLUMNS))
        console.print(table)


@log_app.command("import")
@reports_errors
@uses_log
def log_import_command(
    file: Annotated[Path, typer.Argument(help="CSV: occurred_on,event_type,count,unit,...")],
    strict: Annotated[bool, typer.Option(help="Exit 1 when any row was rejected.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Progress lines.")] = False,
    *,
    backend: Backend,
) -> None:
    """Import events from CSV in one transaction; rejects are listed (line, field, reason).

    Re-importing a file adds nothing. Exit status: 0 imported (rejected rows are counted),
    1 with --strict when a row was rejected, 2 when the file was refused whole.
    """

    def progress(done: int, total: int) -> None:
        if verbose:
            errors.print(f"stored {done}/{total} rows (not yet committed)", highlight=False)
            sys.stderr.flush()

    report = backend.import_csv(file, progress)
    if report["file_error"]:
        errors.print(f"[red]refused[/] {file}: {report['file_error']}", soft_wrap=True)
        raise typer.Exit(2)
    for err in report["errors"][:50]:
        errors.print(
            f"  {file}:{err['line']} {err['field']}: {err['reason']}", markup=False, soft_wrap=True
        )
    if len(report["errors"]) > 50:
        errors.print(f"  ... and {len(report['errors']) - 50} more")
    blank = report.get("blank_lines", 0)  # a server from before it was counted says nothing
    console.print(
        f"{report['file']}: {report['rows']:,} rows; {report['added']:,} added, "
        f"{report['already_present']:,} already present, {report['rejected_rows']:,} rejected"
        + (f", {blank:,} blank lines skipped; " if blank else "; ")
        + f"{report['seconds']:.1f} s",
        soft_wrap=True,
    )
    raise typer.Exit(1 if strict and report["errors"] else 0)


@log_app.command("approve")
@reports_errors
@uses_log
def log_approve_command(
    event_ids: Annotated[list[int] | None, typer.Argument(help="Event ids.")] = None,
    week: WeekOption = None,
    all_pending: Annotated[bool, typer.Option(help="Every pending event.")] = False,
    *,
    backend: Backend,
) -> None:
    """Approve events as they stand for publication (reviewer or admin)."""
    done = backend.approve(event_ids or [], week, all_pending)
    console.print(
        f"approved {len(done['approved']):,} event(s); {done['already_approved']:,} were "
        "approved already"
    )


@log_app.command("weekly")
@reports_errors
@uses_log
def log_weekly_command(
    week: WeekOption = None,
    by: Annotated[list[str] | None, typer.Option(help="event_type, theme, unit, borough.")] = None,
    all_events: Annotated[
        bool, typer.Option("--all", help="Include pending events (reviewer).")
    ] = False,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    *,
    backend: Backend,
) -> None:
    """A week's figures with 4-week, 13-week and same-week-last-year comparisons."""
    report = backend.weekly(week, by or ["event_type"], all_events)
    if format is OutputFormat.json:
        print(json.dumps(report, indent=2))
        return
    scope = "all events" if all_events else "approved events"
    table = Table(title=f"{report['week']} ({report['start']}..{report['end']}, {scope})")
    for column in [*report["by"], "count", "solved", "vs 4 wk", "vs 13 wk", "vs last year"]:
        table.add_column(column, overflow="fold")
    for row in report["rows"]:
        cells = [str(row["group"][d] or "-") for d in report["by"]]
        cells += [str(row["count"]), str(row["crimes_solved"])]
        for name in ("previous_4_weeks", "previous_13_weeks", "same_week_last_year"):
            c = row["comparisons"][name]
            if c is None:
                cells.append("[dim]no baseline[/]")
                continue
            cells.append(_weekly_cell(c))
        table.add_row(*cells)
    console.print(table)
    console.print(f"[dim]{WEEKLY_LEGEND}[/]", soft_wrap=True)


WEEKLY_LEGEND = (
    "up/down: bigger than the usual variation of the weeks compared with; ≈: no meaningful "
    "change; ○ too little history: too few earlier years of the same week to judge (the "
    "exact Poisson test's p is given as a second opinion)."
)


def _weekly_cell(c: dict[str, Any]) -> str:
    """One comparison of `log weekly`: "up vs 12.3/wk, p = 0.01", "≈ vs 12.3/wk, p = 0.4",
    or, with no verdict, "○ too little history vs 12.3/wk (exact Poisson p = 0.02)"."""
    from crimepulse.present import numbers, words

    small = " [dim](small)[/]" if c["small_counts"] else ""
    mean = numbers.mean(c["baseline_mean"])
    if not words.judged(c["direction"]):
        poisson = c.get("poisson_p_value")
        second = f" (exact Poisson {numbers.p_value(poisson)})" if poisson is not None else ""
        return (
            f"{words.NO_HISTORY_MARK} {words.TOO_LITTLE_HISTORY_SHORT} vs {mean}/wk{second}{small}"
        )
    word = words.verdict_words(c["direction"]) if words.meaningful(c["direction"]) else "≈"
    return f"{word} vs {mean}/wk, {numbers.p_value(c['p_value'])}{small}"


@log_types_app.command("add")
@reports_errors
@uses_log
def log_types_add_command(
    name: str,
    description: Annotated[str, typer.Option()] = "",
    *,
    backend: Backend,
) -> None:
    """Register an event type (admin)."""
    console.print(f"event type {backend.add_event_type(name, description)} added")


@log_units_app.command("add")
@reports_errors
@uses_log
def log_units_add_command(
    name: str,
    *,
    backend: Backend,
) -> None:
    """Register a unit (admin)."""
    console.print(f"unit {backend.add_unit(name)} added")


DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str | None) -> timedelta | None:
    """`30d`, `12h`, `2w` or `90m` as a length of time; None for no expiry."""
    if text is None:
        return None
    clean = text.strip().lower()
    number, unit = clean[:-1], clean[-1:]
    if unit not in DURATION_UNITS or not number.isascii() or not number.isdigit():
        raise typer.BadParameter(f"{text!r}: a whole number and m, h, d or w, e.g. 30d")
    seconds = int(number) * DURATION_UNITS[unit]
    if not 0 < seconds <= 3650 * 86400:
        raise typer.BadParameter(f"{text!r}: from 1 minute to 10 years")
    return timedelta(seconds=seconds)


def _checked_duration(text: str | None) -> str | None:
    parse_duration(text)  # refused here, the error names the option
    return text


ExpiresOption = Annotated[
    str | None,
    typer.Option(
        "--expires-in",
        help="The token stops working after this long: 30d, 12h, 2w, 90m.",
        callback=_checked_duration,
    ),
]


def _until(expires_at: datetime | None) -> str:
    return "no expiry" if expires_at is None else f"expires {expires_at:%Y-%m-%d %H:%M} UTC"


@users_app.command("add")
@reports_errors
def users_add_command(
    name: str,
    role: Annotated[str, typer.Option(help="recorder, reviewer or admin.")],
    expires_in: ExpiresOption = None,
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
) -> None:
    """Create a user and print their API token (shown this once; only its hash is kept)."""
    from crimepulse.oplog import OutcomesLog

    lifetime = parse_duration(expires_in)
    with OutcomesLog.open(oplog_url, db) as log:
        user, secret = log.add_user(log.local_actor(), name, role, lifetime)
    until = _until(user.token_expires_at)
    errors.print(
        f"user {escape(user.name)} ({user.role}) created ({until}); its token, shown once:"
    )
    print(secret)


@users_app.command("revoke")
@reports_errors
def users_revoke_command(name: str, db: DbOption = None, oplog_url: OplogUrlOption = None) -> None:
    """End a user's token and review sessions at once: every request with them is refused."""
    from crimepulse.oplog import OutcomesLog

    with OutcomesLog.open(oplog_url, db) as log:
        log.revoke_token(log.local_actor(), name)
    errors.print(
        f"the token and sessions of {escape(name)} are ended (`users rotate` gives a new token)"
    )


@users_app.command("rotate")
@reports_errors
def users_rotate_command(
    name: str,
    expires_in: ExpiresOption = None,
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
) -> None:
    """Give a user a new token and end the old one and their sessions at once (the new
    token is shown once)."""
    from crimepulse.oplog import OutcomesLog

    lifetime = parse_duration(expires_in)
    with OutcomesLog.open(oplog_url, db) as log:
        secret = log.rotate_token(log.local_actor(), name, lifetime)
        found = {u.name: u for u in log.users(log.local_actor())}.get(name)
    until = _until(found.token_expires_at if found else None)
    errors.print(
        f"a new token for {escape(name)} ({until}); the old one and its sessions no longer "
        "work. Shown once:"
    )
    print(secret)


@users_app.command("list")
@reports_errors
def users_list_command(db: DbOption = None, oplog_url: OplogUrlOption = None) -> None:
    """Users, their roles and when their tokens expire (never the tokens)."""
    from crimepulse.oplog import OutcomesLog

    with OutcomesLog.open(oplog_url, db) as log:
        for user in log.users(log.local_actor()):
            print(
                f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d}\t{_until(user.token_expires_at)}"
            )


log_app.add_typer(log_types_app, name="types")
log_app.add_typer(log_units_app, name="units")
