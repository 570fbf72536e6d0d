"""`crimepulse`: a thin command-line face over the Python API (crimepulse.api).

This module builds the one Typer app: ingest, sources and serve live here; the other
commands live beside it by stage (analysis, log, snapshot, demo) and are registered below.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import crimepulse
from crimepulse.cli import analysis, demo, log
from crimepulse.cli.errors import reports_errors
from crimepulse.cli.fetch import fetch_command
from crimepulse.cli.options import (
    DbOption,
    OplogUrlOption,
    OutputFormat,
    _open_existing,
    _progress,
    console,
    errors,
    settings,
)
from crimepulse.cli.snapshot import app as snapshot_app
from crimepulse.config import GROUP_ROWS, parse_size

# Building the app imports no reader, no DuckDB and no analysis: each command imports what
# it runs, so `crimepulse --help` starts in a fraction of a second (tests/cli/test_imports.py).
if TYPE_CHECKING:
    from crimepulse.store.ingest import FileResult, IngestReport

app = typer.Typer(
    help="Track crime in a city and publish an honest public snapshot of it.",
    no_args_is_help=True,
    add_completion=False,
)


def _size(text: str) -> int:
    """A size option: bytes, or with a binary unit (64KiB, 1MiB, 16GiB)."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command("ingest")
@reports_errors
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
    replace: Annotated[
        bool,
        typer.Option(
            help="Reference files (boundaries, population, harm weights) replace their whole "
            "table; without it a file revises the keys it holds and keeps the others."
        ),
    ] = False,
    max_line_bytes: Annotated[
        int | None,
        typer.Option(
            parser=_size,
            metavar="SIZE",
            help="Longest CSV line (e.g. 1MiB, the default; $CRIMEPULSE_MAX_LINE_BYTES): "
            "a longer line is quarantined.",
        ),
    ] = None,
    max_expansion: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="How many times its size a .gz, zip member or zip may expand (default 100; "
            "0: no ratio limit; $CRIMEPULSE_MAX_EXPANSION): past it the file is rejected.",
        ),
    ] = None,
    max_expanded_bytes: Annotated[
        int | None,
        typer.Option(
            parser=_size,
            metavar="SIZE",
            help="How large a compressed file may become (default 16GiB; "
            "$CRIMEPULSE_MAX_EXPANDED_BYTES): past it the file is rejected.",
        ),
    ] = None,
    max_members: Annotated[
        int | None,
        typer.Option(
            min=1, help="Most files one zip may hold (default 50000; $CRIMEPULSE_MAX_MEMBERS)."
        ),
    ] = None,
) -> None:
    """Load crime data into the warehouse; the format is detected from each file's header.

    Exit status: 0 every file loaded (quarantined rows are counted in the summary), 1 with
    --strict when any row was quarantined, 2 when a file was rejected whole, 3 when the
    warehouse is in use by another process (nothing changed; run again when it finishes).
    """
    try:
        limits = settings(db).limits.replace(
            max_line_bytes=max_line_bytes,
            max_expansion=max_expansion,
            max_expanded_bytes=max_expanded_bytes,
            max_members=max_members,
        )
    except ValueError as exc:  # a limit out of range, or a malformed limit in the environment
        raise typer.BadParameter(str(exc)) from None
    from crimepulse.store.ingest import LOADED

    with crimepulse.open(db) as cp, _progress() as bar:
        task = bar.add_task("ingest", total=None, name="")

        def on_progress(event: str, done: int, total: int, name: str) -> None:
            bar.update(task, total=total, completed=done, name=Path(name).name[-48:])

        def on_result(result: FileResult) -> None:
            if verbose:
                rows = f" ({result.rows_loaded:,} rows)" if result.status == LOADED else ""
                notes = f": {result.message}" if result.status == LOADED and result.message else ""
                line = f"{result.status} {result.name}{rows}{notes}"
                bar.console.print(line, soft_wrap=True, markup=False)
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
                replace=replace,
                limits=limits,
            )
        except FileNotFoundError as exc:
            errors.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
        bar.stop()
        _print_report(report, cp.quarantine(limit=10), quiet)
    raise typer.Exit(report.exit_code(strict))


def _print_report(report: IngestReport, sample: list[dict[str, object]], quiet: bool) -> None:
    from crimepulse.sources.registry import KNOWN_FORMATS
    from crimepulse.store.ingest import LOADED, REJECTED, SKIPPED, UNCHANGED

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
        f"{report.rows_quarantined:,} quarantined"
        + (f", {report.blank_lines:,} blank lines skipped; " if report.blank_lines else "; ")
        + f"{report.seconds:.1f} s, {report.rows_per_second:,.0f} rows/s",
        soft_wrap=True,
    )
    for result in report.files:
        if result.status == SKIPPED and not quiet:
            console.print(f"[dim]skipped {result.name}: {result.message}[/]")


@app.command("sources")
@reports_errors
def sources_command(
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
    detail: Annotated[bool, typer.Option(help="Per-month rows in JSON output.")] = False,
) -> None:
    """Coverage per source × dataset × force: months, rows, quarantined, editions, gaps."""
    from rich.table import Table

    from crimepulse.store.coverage import YEARLY

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


def serve_command(
    db: DbOption = None,
    oplog_url: OplogUrlOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the dashboard and the JSON API (OpenAPI at /openapi.json, docs at /docs).

    The warehouse is opened read-only, so N workers can serve one file; stop the server
    before ingesting into it.
    """
    import uvicorn

    chosen = settings(db, oplog_url)
    path = chosen.db.resolve()
    if not path.exists():
        errors.print(
            f"[red]error:[/] {path}: no warehouse here (build one with `crimepulse ingest`)"
        )
        raise typer.Exit(2)
    chosen.replace(db=path).export()  # each worker process builds its app from these
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


app.command("fetch")(fetch_command)
app.command("demo-data")(demo.demo_data_command)
app.add_typer(log.log_app, name="log")
app.add_typer(log.users_app, name="users")
app.command("compare")(analysis.compare_command)
app.command("grid")(analysis.grid_command)
app.command("flags")(analysis.flags_command)
app.command("national")(analysis.national_command)
app.command("serve")(serve_command)
app.add_typer(snapshot_app, name="snapshot")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
