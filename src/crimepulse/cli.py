"""`crimepulse`: a thin command-line face over the Python API (crimepulse.api)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

import crimepulse
from crimepulse.snapshot.commands import app as snapshot_app
from crimepulse.sources.registry import KNOWN_FORMATS
from crimepulse.store.coverage import YEARLY
from crimepulse.store.ingest import (
    GROUP_ROWS,
    LOADED,
    REJECTED,
    SKIPPED,
    UNCHANGED,
    FileResult,
    IngestReport,
)

if TYPE_CHECKING:
    from crimepulse.oplog.backends import Backend

app = typer.Typer(
    help="Track crime in a city and publish an honest public snapshot of it.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Warehouse file (default: $CRIMEPULSE_DB or ./crimepulse.duckdb).",
        envvar="CRIMEPULSE_DB",
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def _open_existing(db: Path | None) -> crimepulse.Crimepulse:
    """Open a warehouse for reading; a missing one is a clear error (exit 2)."""
    try:
        return crimepulse.open(db, read_only=True)
    except FileNotFoundError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}", style="dim"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
    )


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files (.csv, .csv.gz, .parquet, .geojson, .zip) or folders."),
    ],
    db: DbOption = None,
    strict: Annotated[bool, typer.Option(help="Exit 1 when any row was quarantined.")] = False,
    vintage: Annotated[
        datetime | None,
        typer.Option(help="When this edition was published (default: now)."),
    ] = None,
    force: Annotated[
        str | None, typer.Option(help="Force id for files that carry none (e.g. metropolitan).")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Override the source name.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Summary line only.")] = False,
    commit_rows: Annotated[
        int,
        typer.Option(
            min=1, help="Rows per commit: whole files share a commit until it holds this many."
        ),
    ] = GROUP_ROWS,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="A line per file as soon as it is stored.")
    ] = False,
) -> None:
    """Load crime data into the warehouse; the format is detected from each file's header.

    Exit status: 0 every file loaded (quarantined rows are counted in the summary), 1 with
    --strict when any row was quarantined, 2 when a file was rejected whole.
    """
    with crimepulse.open(db) as cp, _progress() as bar:
        task = bar.add_task("ingest", total=None, name="")

        def on_progress(event: str, done: int, total: int, name: str) -> None:
            bar.update(task, total=total, completed=done, name=Path(name).name[-48:])

        def on_result(result: FileResult) -> None:
            if verbose:
                rows = f" ({result.rows_loaded:,} rows)" if result.status == LOADED else ""
                bar.console.print(f"{result.status} {result.name}{rows}", soft_wrap=True)
                sys.stderr.flush()

        try:
            report = cp.ingest(
                *paths,
                vintage=vintage,
                force=force,
                source=source,
                progress=on_progress,
                on_result=on_result,
                commit_rows=commit_rows,
            )
        except FileNotFoundError as exc:
            errors.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
        bar.stop()
        _print_report(report, cp.quarantine(limit=10), quiet)
    raise typer.Exit(report.exit_code(strict))


def _print_report(report: IngestReport, sample: list[dict[str, object]], quiet: bool) -> None:
    if not quiet:
        listing = ""
        for result in report.files:
            if result.status == REJECTED:
                message, _, known = result.message.partition("\n" + KNOWN_FORMATS)
                listing = listing or known
                errors.print(f"[red]rejected[/] {message}", soft_wrap=True)
        if listing:  # the same list for every unknown file: say it once
            errors.print(KNOWN_FORMATS + listing, soft_wrap=True)
        if report.rows_quarantined:
            errors.print(f"[yellow]quarantined rows (first {len(sample)}):[/]")
            for row in sample:
                field = f" field {row['field']}" if row["field"] else ""
                errors.print(
                    f"  {row['path']}:{row['line']}{field}: {row['reason']}", soft_wrap=True
                )
    parts = [
        f"{report.count(LOADED)} loaded",
        f"{report.count(UNCHANGED)} unchanged",
        f"{report.count(SKIPPED)} skipped",
        f"{report.count(REJECTED)} rejected",
    ]
    console.print(
        f"files: {', '.join(parts)}; rows: {report.rows_loaded:,} loaded, "
        f"{report.rows_quarantined:,} quarantined; "
        f"{report.seconds:.1f} s, {report.rows_per_second:,.0f} rows/s",
        soft_wrap=True,
    )
    for result in report.files:
        if result.status == SKIPPED and not quiet:
            console.print(f"[dim]skipped {result.name}: {result.message}[/]")


@app.command("sources")
def sources_command(
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    detail: Annotated[bool, typer.Option(help="Per-month rows in JSON output.")] = False,
) -> None:
    """Coverage per source × dataset × force: months, rows, quarantined, editions, gaps."""
    with _open_existing(db) as cp:
        series = cp.sources()
    if format is OutputFormat.json:
        print(json.dumps([s.as_dict(detail) for s in series], indent=2, default=str))
        return
    table = Table(
        title="Sources in the warehouse",
        caption="quar.: quarantined rows; ed.: editions held",
        show_lines=True,
    )
    table.add_column("series", overflow="fold")
    table.add_column("months", no_wrap=True, min_width=16)
    table.add_column("rows", justify="right", no_wrap=True, min_width=9)
    table.add_column("quar.", justify="right", no_wrap=True)
    table.add_column("ed.", justify="right", no_wrap=True)
    for s in series:
        where = "/".join(p for p in (s.dataset, s.force, s.area_type) if p)
        lines = [f"[bold]{where}[/]", f"[dim]{s.format}, {s.source}[/]"]
        if s.gaps:
            lines.append("[red]gaps:[/] " + ", ".join(s.gaps))
        if s.suspect_months:
            lines.append("[yellow]suspect:[/] " + ", ".join(s.suspect_months))
        if s.replaced_suspect_months:
            lines.append(
                "[dim]suspect edition not used: " + ", ".join(s.replaced_suspect_months) + "[/]"
            )
        if s.source == "synthetic":
            lines.append("[magenta]synthetic data[/]")
        if not s.months:
            span = "undated"
        elif s.dataset in YEARLY:
            span = f"{(s.first_month or '')[:4]}..{(s.last_month or '')[:4]}\n{s.months} years"
        else:
            span = f"{s.first_month}..{s.last_month}\n{s.months} months"
        table.add_row("\n".join(lines), span, f"{s.rows:,}", f"{s.quarantined:,}", str(s.editions))
    console.print(table)


@app.command("demo-data")
def demo_data_command(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the synthetic files into.")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    start: Annotated[str, typer.Option(help="First month, YYYY-MM.")] = "2018-01",
    end: Annotated[str | None, typer.Option(help="Last month (default: last full month).")] = None,
    detail_months: Annotated[
        int, typer.Option(help="Final months that get record-level files.")
    ] = 12,
) -> None:
    """Write a synthetic London in the real open formats (every record says `synthetic`)."""
    from crimepulse.sources import synthetic

    with _progress() as bar:
        tasks: dict[str, object] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total, name="")
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        summary = synthetic.generate(
            out_dir,
            seed=seed,
            start=start,
            end=end,
            detail_months=detail_months,
            progress=on_progress,
        )
    kinds = ", ".join(f"{kind} {rows:,}" for kind, rows in summary.rows.items())
    console.print(
        f"synthetic London {summary.start}..{summary.end} written to {out_dir} "
        f"({len(summary.files)} files; rows: {kinds})",
        soft_wrap=True,
    )


# --- operational outcomes log (issue 4): `crimepulse log ...` and `crimepulse users ...` ---

log_app = typer.Typer(
    help="The operational outcomes log: record, amend, approve, import and count events.",
    no_args_is_help=True,
)
log_types_app = typer.Typer(help="Event types (data an admin extends).", no_args_is_help=True)
log_units_app = typer.Typer(help="Units (data an admin extends).", no_args_is_help=True)
users_app = typer.Typer(help="Users of the outcomes log and their tokens.", no_args_is_help=True)

OplogUrlOption = Annotated[
    str | None,
    typer.Option(
        "--oplog-url",
        help="Log database URL (default: $CRIMEPULSE_OPLOG_URL, else <db stem>.oplog.sqlite).",
        envvar="CRIMEPULSE_OPLOG_URL",
    ),
]
ServerOption = Annotated[
    str | None,
    typer.Option(help="Go through this server's HTTP API.", envvar="CRIMEPULSE_SERVER"),
]
TokenOption = Annotated[
    str | None, typer.Option(help="API token for --server.", envvar="CRIMEPULSE_TOKEN")
]
WeekOption = Annotated[str | None, typer.Option(help="ISO week, e.g. 2025-W07.")]


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def _oplog(db: Path | None, url: str | None, server: str | None, token: str | None) -> Backend:
    from crimepulse.oplog import OutcomesLog, backends

    if server:
        return backends.Remote(server, token)
    return backends.Local(OutcomesLog.open(url, db))


def _oplog_call(action: Callable[[], Any]) -> Any:
    """Run `action`, turning the log's errors into a message and exit status 1."""
    from crimepulse import oplog

    try:
        return action()
    except oplog.ValidationFailed as exc:
        errors.print("[red]invalid input, nothing stored:[/]")
        for err in exc.errors:
            errors.print(f"  {err.field}: {err.reason}", soft_wrap=True, markup=False)
    except (oplog.NotFound, oplog.Conflict, oplog.Unauthorized, oplog.Forbidden) as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(1)


def _event_fields(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


@log_app.command("add")
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
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Record an event; prints it as JSON (with its id)."""
    raw = _event_fields(
        event_type=event_type, count=count, occurred_on=on, unit=unit, theme=theme,
        summary=summary, borough=borough, crimes_solved=solved,
        related_crime_ids=crime_id or None, note=note,
    )  # fmt: skip
    backend = _oplog(db, oplog_url, server, token)
    try:
        print(json.dumps(_oplog_call(lambda: backend.add(raw, key)), indent=2))
    finally:
        backend.close()


@log_app.command("amend")
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
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Append a corrected version of an event; fields not given carry over."""
    raw = _event_fields(
        event_type=event_type, count=count, occurred_on=on, unit=unit, theme=theme,
        summary=summary, borough=borough, crimes_solved=solved, note=note, reason=reason,
    )  # fmt: skip
    if void:
        raw["void"] = True
    backend = _oplog(db, oplog_url, server, token)
    try:
        print(json.dumps(_oplog_call(lambda: backend.amend(event_id, raw, key)), indent=2))
    finally:
        backend.close()


LIST_COLUMNS = ["id", "version", "occurred_on", "event_type", "count", "unit", "theme",
                "borough", "crimes_solved", "status", "summary"]  # fmt: skip


@log_app.command("list")
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
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Events as they stand now (latest amendment), by date."""
    import csv

    from crimepulse.oplog import Filters

    def query() -> list[dict[str, Any]]:
        start, end = (d.date() if d else None for d in (since, until))
        filters = Filters(
            week=week, since=start, until=end, event_type=event_type, theme=theme,
            unit=unit, borough=borough, status=status, limit=limit,
        )  # fmt: skip
        items: list[dict[str, Any]] = backend.events(filters)
        return items

    backend = _oplog(db, oplog_url, server, token)
    try:
        items = _oplog_call(query)
    finally:
        backend.close()
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
def log_import_command(
    file: Annotated[Path, typer.Argument(help="CSV: occurred_on,event_type,count,unit,...")],
    strict: Annotated[bool, typer.Option(help="Exit 1 when any row was rejected.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Progress lines.")] = False,
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Import events from CSV in one transaction; rejects are listed (line, field, reason).

    Re-importing a file adds nothing. Exit status: 0 imported (rejected rows are counted),
    1 with --strict when a row was rejected, 2 when the file was refused whole.
    """

    def progress(done: int, total: int) -> None:
        if verbose:
            errors.print(f"stored {done}/{total} rows (not yet committed)", highlight=False)
            sys.stderr.flush()

    backend = _oplog(db, oplog_url, server, token)
    try:
        report = _oplog_call(lambda: backend.import_csv(file, progress))
    finally:
        backend.close()
    if report["file_error"]:
        errors.print(f"[red]refused[/] {file}: {report['file_error']}", soft_wrap=True)
        raise typer.Exit(2)
    for err in report["errors"][:50]:
        errors.print(f"  {file}:{err['line']} {err['field']}: {err['reason']}", markup=False)
    if len(report["errors"]) > 50:
        errors.print(f"  ... and {len(report['errors']) - 50} more")
    console.print(
        f"{report['file']}: {report['rows']:,} rows; {report['added']:,} added, "
        f"{report['already_present']:,} already present, {report['rejected_rows']:,} rejected; "
        f"{report['seconds']:.1f} s",
        soft_wrap=True,
    )
    raise typer.Exit(1 if strict and report["errors"] else 0)


@log_app.command("approve")
def log_approve_command(
    event_ids: Annotated[list[int] | None, typer.Argument(help="Event ids.")] = None,
    week: WeekOption = None,
    all_pending: Annotated[bool, typer.Option(help="Every pending event.")] = False,
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Approve events as they stand for publication (reviewer or admin)."""
    backend = _oplog(db, oplog_url, server, token)
    try:
        done = _oplog_call(lambda: backend.approve(event_ids or [], week, all_pending))
    finally:
        backend.close()
    console.print(
        f"approved {len(done['approved']):,} event(s); {done['already_approved']:,} were "
        "approved already"
    )


@log_app.command("weekly")
def log_weekly_command(
    week: WeekOption = None,
    by: Annotated[list[str] | None, typer.Option(help="event_type, theme, unit, borough.")] = None,
    all_events: Annotated[
        bool, typer.Option("--all", help="Include pending events (reviewer).")
    ] = False,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """A week's figures with 4-week, 13-week and same-week-last-year comparisons."""
    backend = _oplog(db, oplog_url, server, token)
    try:
        report = _oplog_call(lambda: backend.weekly(week, by or ["event_type"], all_events))
    finally:
        backend.close()
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
            word = c["direction"] if c["direction"] in ("up", "down") else "≈"
            small = " [dim](small)[/]" if c["small_counts"] else ""
            cells.append(f"{word} vs {c['baseline_mean']:g}/wk, p={c['p_value']:.2g}{small}")
        table.add_row(*cells)
    console.print(table)


@log_types_app.command("add")
def log_types_add_command(
    name: str,
    description: Annotated[str, typer.Option()] = "",
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Register an event type (admin)."""
    backend = _oplog(db, oplog_url, server, token)
    try:
        console.print(
            f"event type {_oplog_call(lambda: backend.add_event_type(name, description))} added"
        )
    finally:
        backend.close()


@log_units_app.command("add")
def log_units_add_command(
    name: str,
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Register a unit (admin)."""
    backend = _oplog(db, oplog_url, server, token)
    try:
        console.print(f"unit {_oplog_call(lambda: backend.add_unit(name))} added")
    finally:
        backend.close()


@users_app.command("add")
def users_add_command(
    name: str,
    role: Annotated[str, typer.Option(help="recorder, reviewer or admin.")],
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
) -> None:
    """Create a user and print their API token (shown this once; only its hash is kept)."""
    from crimepulse.oplog import OutcomesLog

    with OutcomesLog.open(oplog_url, db) as log:
        user, secret = _oplog_call(lambda: log.add_user(log.local_actor(), name, role))
    errors.print(f"user {escape(user.name)} ({user.role}) created; its token, shown once:")
    print(secret)


@users_app.command("list")
def users_list_command(db: DbOption = None, oplog_url: OplogUrlOption = None) -> None:
    """Users and their roles (never their tokens)."""
    from crimepulse.oplog import OutcomesLog

    with OutcomesLog.open(oplog_url, db) as log:
        for user in log.users(log.local_actor()):
            print(f"{user.name}\t{user.role}\t{user.created_at:%Y-%m-%d}")


log_app.add_typer(log_types_app, name="types")
log_app.add_typer(log_units_app, name="units")
app.add_typer(log_app, name="log")
app.add_typer(users_app, name="users")


# -- analysis -------------------------------------------------------------------------

AsOfOption = Annotated[
    str, typer.Option("--as-of", help="Windows end on this date (YYYY-MM-DD, or YYYY-MM).")
]
VsOption = Annotated[str, typer.Option("--vs", help="previous, last-year, or baseline:YYYY-YYYY.")]
SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="mps, police.uk or feed (default: chosen from the question)."),
]
ForceOption = Annotated[str, typer.Option("--force", help="Force id.")]
AlphaOption = Annotated[float, typer.Option("--alpha", help="Significance level.")]

_MARKS = {"up": "▲", "down": "▼"}


def _analysis_call(action: Callable[[], Any]) -> Any:
    """Run an analysis; a question that cannot be answered is a clear error, exit 2."""
    from crimepulse.analysis.categories import CategoryError
    from crimepulse.analysis.periods import WindowError
    from crimepulse.analysis.series import AreaError

    try:
        return action()
    except (WindowError, CategoryError, AreaError, ValueError) as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1f}%"


def _fact_sentence(f: Any) -> str:
    label = f.category.get("label") or f.category["name"]
    where = f.area["name"]
    win = f"{f.window['start']}..{f.window['end']}"
    comparison = f.comparison or {}
    if comparison.get("kind") == "baseline":
        other = f"the {len(comparison.get('counts', []))}-year baseline average"
    else:
        w = comparison.get("window", {})
        other = f"{w.get('start')}..{w.get('end')}"
    numbers = (
        f"{f.current:,.0f} against {f.previous:,.1f}"
        if isinstance(f.previous, float) and not float(f.previous).is_integer()
        else (f"{f.current:,.0f} against {f.previous:,.0f}")
    )
    if f.verdict in ("up", "down"):
        return (
            f"{label.capitalize()} in {where}, {win}: {f.verdict} "
            f"({numbers} for {other}, {_pct(f.change_pct)}; {f.test}, p = {f.p_value:.2g})."
        )
    return (
        f"{label.capitalize()} in {where}, {win}: {numbers} for {other} "
        f"({_pct(f.change_pct)}), no meaningful change ({f.test}, p = {f.p_value:.2g})."
    )


@app.command("compare")
def compare_command(
    area: Annotated[str, typer.Option(help="all, a borough, ward or LSOA (name or code).")] = "all",
    category: Annotated[
        str, typer.Option(help="A grouping, police.uk type or MPS category.")
    ] = "all",
    window: Annotated[
        str,
        typer.Option(
            help="day, 7d, 28d, month, quarter, ytd, fy, year, 12m or YYYY-MM-DD..YYYY-MM-DD."
        ),
    ] = "ytd",
    as_of: AsOfOption = "",
    vs: VsOption = "last-year",
    measure: Annotated[
        str, typer.Option(help="count, rate (per 1,000 residents) or harm.")
    ] = "count",
    source: SourceOption = None,
    force: ForceOption = "metropolitan",
    alpha: AlphaOption = 0.05,
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Compare one count with the previous period, last year or a multi-year baseline.

    Says "up" or "down" only when the change is statistically meaningful.
    """
    if not as_of:
        errors.print("[red]error:[/] give --as-of (YYYY-MM-DD or YYYY-MM)")
        raise typer.Exit(2)
    with _open_existing(db) as cp:
        fact = _analysis_call(
            lambda: cp.compare(
                area,
                category,
                window,
                as_of,
                vs,
                source=source,
                force=force,
                measure=measure,
                alpha=alpha,
            )
        )
    if format is OutputFormat.json:
        print(fact.to_json())
        return
    console.print(_fact_sentence(fact), soft_wrap=True)
    table = Table(show_header=False, box=None)
    for key in (
        "value",
        "unit",
        "current",
        "previous",
        "change",
        "change_pct",
        "verdict",
        "p_value",
        "ci_low",
        "ci_high",
        "test",
        "source",
    ):
        table.add_row(key, escape(str(getattr(fact, key))))
    table.add_row("fact id", fact.id)
    console.print(table)
    for note in fact.notes:
        console.print(f"[dim]note: {escape(note)}[/]", soft_wrap=True)


class GridFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command("grid")
def grid_command(
    areas: Annotated[str, typer.Option(help="boroughs, wards, lsoas or force.")] = "boroughs",
    categories: Annotated[
        str, typer.Option(help="major, minor, types, groups, or a comma list of categories.")
    ] = "major",
    windows: Annotated[str, typer.Option(help="Comma list of windows.")] = "28d,ytd,fy",
    as_of: AsOfOption = "",
    vs: VsOption = "last-year",
    source: SourceOption = None,
    force: ForceOption = "metropolitan",
    alpha: AlphaOption = 0.05,
    db: DbOption = None,
    format: Annotated[GridFormat, typer.Option("--format", "-f")] = GridFormat.table,
) -> None:
    """The CompStat grid: areas × categories × windows, with significance marks.

    Marks: ▲ up, ▼ down (meaningful after Benjamini–Hochberg control of the false
    discovery rate over the whole grid); no mark: no meaningful change.
    """
    if not as_of:
        errors.print("[red]error:[/] give --as-of (YYYY-MM-DD or YYYY-MM)")
        raise typer.Exit(2)
    with _open_existing(db) as cp:
        grid = _analysis_call(
            lambda: cp.grid(
                areas, categories, windows, as_of, vs, source=source, force=force, alpha=alpha
            )
        )
    if format is GridFormat.json:
        print(
            json.dumps(
                {"meta": grid.meta, "facts": [f.as_dict() for f in grid.facts]},
                default=str,
                indent=2,
            )
        )
        return
    if format is GridFormat.csv:
        import pyarrow.csv as pacsv

        pacsv.write_csv(grid.to_arrow(), sys.stdout.buffer)
        return
    names = [w["name"] for w in grid.meta["windows"]]
    table = Table(title=f"{categories} by {areas}, {vs}", caption=grid.meta["fdr"])
    table.add_column("area")
    table.add_column("category")
    for name in names:
        table.add_column(name, justify="right")
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for f in grid.facts:
        mark = _MARKS.get(f.verdict or "", " ")
        cells.setdefault((f.area["name"], f.category["name"]), {})[f.window["name"]] = (
            f"{f.current:,.0f} {_pct(f.change_pct)} {mark}"
        )
    for (area, cat), by_window in cells.items():
        table.add_row(area, cat, *(by_window.get(n, "") for n in names))
    console.print(table)


@app.command("flags")
def flags_command(
    as_of: AsOfOption = "",
    areas: Annotated[str, typer.Option(help="boroughs, wards or force.")] = "boroughs",
    categories: Annotated[str, typer.Option(help="major, minor, types or groups.")] = "major",
    source: Annotated[str, typer.Option(help="mps, police.uk or feed.")] = "mps",
    force: ForceOption = "metropolitan",
    alpha: AlphaOption = 0.05,
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Series whose month ending --as-of is outside its seasonal expectation.

    Each area × category series is modelled on its previous years (month-of-year effects
    and a trend; negative binomial when the data are overdispersed); the list is ranked
    by surprise, with the false discovery rate controlled over every series tested.
    """
    if not as_of:
        errors.print("[red]error:[/] give --as-of (YYYY-MM-DD or YYYY-MM)")
        raise typer.Exit(2)
    with _open_existing(db) as cp:
        flags = _analysis_call(
            lambda: cp.flags(
                as_of, areas=areas, categories=categories, source=source, force=force, alpha=alpha
            )
        )
    if format is OutputFormat.json:
        print(json.dumps([f.as_dict() for f in flags], default=str, indent=2))
        return
    if not flags:
        console.print(
            "No series is outside its expected band after controlling the false discovery rate."
        )
        return
    table = Table(title=f"Series outside their seasonal expectation, {flags[0].window['start']}")
    for name in ("area", "category", "observed", "expected", "band", "q", "verdict"):
        table.add_column(name, justify="right" if name in ("observed", "expected", "q") else "left")
    for f in flags:
        table.add_row(
            f.area["name"],
            f.category["name"],
            f"{f.current:,.0f}",
            f"{f.previous:,.1f}",
            f"{f.ci_low:,.0f}..{f.ci_high:,.0f}",
            f"{f.q_value:.2g}" if f.q_value is not None else "",
            str(f.verdict),
        )
    console.print(table)
    console.print(f"[dim]{escape(flags[0].notes[0])}[/]" if flags[0].notes else "")


@app.command("serve")
def serve_command(
    db: DbOption = None,
    oplog_url: Annotated[
        str | None,
        typer.Option(
            "--oplog-url",
            envvar="CRIMEPULSE_OPLOG_URL",
            help="The outcomes log database (default: beside the warehouse).",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the dashboard and the JSON API (OpenAPI at /openapi.json, docs at /docs).

    The warehouse is opened read-only, so N workers can serve one file; stop the server
    before ingesting into it.
    """
    import os

    import uvicorn

    from crimepulse.api import default_db

    path = (db or default_db()).resolve()
    if not path.exists():
        errors.print(
            f"[red]error:[/] {path}: no warehouse here (build one with `crimepulse ingest`)"
        )
        raise typer.Exit(2)
    os.environ["CRIMEPULSE_DB"] = str(path)
    if oplog_url:
        os.environ["CRIMEPULSE_OPLOG_URL"] = oplog_url
    console.print(
        f"crimepulse is serving {path.name} at http://{host}:{port}/ "
        f"({workers} worker{'s' if workers > 1 else ''}; Ctrl-C stops it)",
        soft_wrap=True,
    )
    uvicorn.run(
        "crimepulse.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


# -- snapshot (issue 5): `crimepulse snapshot ...` (commands in crimepulse.snapshot.commands) --

app.add_typer(snapshot_app, name="snapshot")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
