"""`crimepulse snapshot ...`: build and render a snapshot, and run its workflow.

    crimepulse snapshot --period week --as-of 2026-10-25 --theme violence --format html
    crimepulse snapshot --period year --as-of 2022 --theme violence --draft
    crimepulse snapshot list | approve ID | publish ID | correct ID --note "..." | show ID
    crimepulse snapshot edit ID        # the draft's words in $EDITOR; numbers stay Facts

A thin layer over `Crimepulse.snapshot`, `crimepulse.snapshot.render` and
`crimepulse.snapshot.archive`; errors become a message and the exit status of their class
(cli.errors): 2 for a snapshot or a question that cannot be answered, 1 for a refused step.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crimepulse.cli.errors import reports_errors
from crimepulse.cli.options import DbOption, OplogUrlOption, TokenOption, _open_existing, settings
from crimepulse.oplog import Actor, OutcomesLog
from crimepulse.snapshot.service import actor

app = typer.Typer(
    help="Public snapshots built only from Facts: render one, or draft, approve, publish "
    "and correct them.",
    invoke_without_command=True,
    no_args_is_help=False,
)
console = Console()
errors = Console(stderr=True)

Db = DbOption
OplogUrl = OplogUrlOption
Token = TokenOption


def _write(output: str | bytes, out: Path | None) -> None:
    if out is None:
        if isinstance(output, bytes):
            sys.stdout.buffer.write(output)
        else:
            sys.stdout.write(output)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(output, bytes):
        out.write_bytes(output)
    else:
        out.write_text(output, encoding="utf-8")
    errors.print(f"wrote {out}", highlight=False)


def _actor(log: OutcomesLog, token: str | None) -> Actor:
    """The user holding --token (or $CRIMEPULSE_TOKEN), else the local admin."""
    return actor(log, settings(token=token).token)


@contextmanager
def _open(db: Path | None, oplog_url: str | None, read_only: bool = True) -> Iterator[Any]:
    from crimepulse.snapshot.archive import SnapshotStore

    with OutcomesLog.open(oplog_url, db) as log:
        yield SnapshotStore(log)


@app.callback()
@reports_errors
def snapshot_command(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(help="week, month, year or financial-year.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="End date: YYYY-MM-DD, YYYY-MM, YYYY (year), YYYY-YY (fy)."),
    ] = None,
    theme: Annotated[
        str, typer.Option(help="violence, robbery, weapons, county-lines, burglary.")
    ] = "violence",
    area: Annotated[str, typer.Option(help="all (the force) or a borough.")] = "all",
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="md, html, pdf, json, post (the article) or social (≤ 280 characters).",
        ),
    ] = "md",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    link: Annotated[
        str | None,
        typer.Option(help="Where the full snapshot is published (the post and social cite it)."),
    ] = None,
    draft: Annotated[bool, typer.Option(help="Also store it as a draft in the archive.")] = False,
    oplog: Annotated[
        bool, typer.Option("--oplog/--no-oplog", help="Include operational results.")
    ] = True,
    db: Db = None,
    oplog_url: OplogUrl = None,
    token: Token = None,
) -> None:
    """Render a snapshot (or, with a sub-command, run the workflow)."""
    if ctx.invoked_subcommand is not None:
        return
    if not period or not as_of:
        errors.print("[red]error:[/] give --period and --as-of (or a sub-command; see --help)")
        raise typer.Exit(2)
    from crimepulse import snapshot
    from crimepulse.snapshot import archive as st

    if format not in snapshot.FORMATS:
        errors.print(f"[red]error:[/] unknown format {format!r}: use {', '.join(snapshot.FORMATS)}")
        raise typer.Exit(2)
    with _open_existing(db) as cp:
        if draft:
            with _open(db, oplog_url) as archive:
                record = st.draft(
                    cp,
                    archive,
                    _actor(archive.log, token),
                    period,
                    as_of,
                    theme,
                    area,
                    force=cp.settings.force,  # as `cp.snapshot` builds it: the deployment's
                )
                output = archive.output(record.id, format)
                errors.print(
                    f"stored draft {record.id} (version {record.version}) of {record.series}"
                )
        else:
            snap = cp.snapshot(period, as_of, theme, area, oplog=oplog, oplog_url=oplog_url)
            output = snapshot.render(snap, format, link)
    _write(output, out)


@app.command("list")
@reports_errors
def list_command(
    archive_only: Annotated[
        bool, typer.Option("--archive", help="Published only, numbered.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    db: Db = None,
    oplog_url: OplogUrl = None,
) -> None:
    """Every stored snapshot version (or the published archive, in series order)."""
    with _open(db, oplog_url) as store:
        rows = store.archive() if archive_only else [r.as_dict() for r in store.list()]
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title=f"Snapshots ({len(rows)})")
    for column in ("id", "series", "as_of", "version", "status", "title", "note"):
        table.add_column(column)
    for r in rows:
        note = r.get("position") if archive_only else (r["correction_note"] or "")
        table.add_row(
            str(r["id"]), r["series"], r["as_of"], str(r["version"]), r["status"], r["title"],
            note or "",
        )  # fmt: skip
    console.print(table)


def _step(name: str, snapshot_id: int, db: Path | None, url: str | None, token: str | None) -> None:
    with _open(db, url) as store:
        record = getattr(store, name)(_actor(store.log, token), snapshot_id)
    console.print(f"snapshot {record.id} ({record.series}, {record.as_of}) is {record.status}")


@app.command("approve")
@reports_errors
def approve_command(
    snapshot_id: int, db: Db = None, oplog_url: OplogUrl = None, token: Token = None
) -> None:
    """draft -> approved (a reviewer's or admin's token)."""
    _step("approve", snapshot_id, db, oplog_url, token)


@app.command("publish")
@reports_errors
def publish_command(
    snapshot_id: int, db: Db = None, oplog_url: OplogUrl = None, token: Token = None
) -> None:
    """approved -> published (a reviewer's or admin's token); immutable from then on."""
    _step("publish", snapshot_id, db, oplog_url, token)


@app.command("correct")
@reports_errors
def correct_command(
    snapshot_id: int,
    note: Annotated[str, typer.Option(help="What was wrong and what changed (shown to readers).")],
    db: Db = None,
    oplog_url: OplogUrl = None,
    token: Token = None,
) -> None:
    """A new draft version of a published snapshot, rebuilt from the current data, with a
    visible correction note. Approve and publish it like any draft."""
    from crimepulse.snapshot import archive as st

    with _open_existing(db) as cp, _open(db, oplog_url) as store:
        record = st.correct(cp, store, _actor(store.log, token), snapshot_id, note)
    console.print(f"stored draft {record.id}: version {record.version}, correcting {snapshot_id}")


@app.command("edit")
@reports_errors
def edit_command(
    snapshot_id: int,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="Render the edited version's PDF too.")
    ] = True,
    db: Db = None,
    oplog_url: OplogUrl = None,
    token: Token = None,
) -> None:
    """Edit a draft's words in $EDITOR: its template (numbers as Fact placeholders) is
    checked on save and stored as a new version, or refused line by line (the old
    version is kept, and so is your edit, in a file named in the message)."""
    from crimepulse.errors import ValidationFailed

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        errors.print("[red]error:[/] set $EDITOR (or $VISUAL) to the editor to use")
        raise typer.Exit(2)
    with _open(db, oplog_url) as store:
        who = _actor(store.log, token)
        before = store.template(snapshot_id)
        with tempfile.NamedTemporaryFile(
            "w", suffix=f"-snapshot-{snapshot_id}.txt", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(before)
        path = Path(handle.name)
        ran = subprocess.run([*shlex.split(editor), str(path)], check=False)
        if ran.returncode != 0:
            errors.print(f"[red]error:[/] the editor exited with {ran.returncode}; nothing stored")
            raise typer.Exit(1)
        after = path.read_text(encoding="utf-8")
        if after == before:
            path.unlink()
            console.print(f"no change to snapshot {snapshot_id}; nothing stored")
            return
        try:
            record = store.edit(who, snapshot_id, after, pdf=pdf)
        except ValidationFailed:
            errors.print(f"your edit is kept in {path}", highlight=False)
            raise
    path.unlink()
    console.print(
        f"stored draft {record.id}: version {record.version}, edited from {snapshot_id} "
        f"by {record.created_by}"
    )


@app.command("show")
@reports_errors
def show_command(
    snapshot_id: int,
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="md, html, pdf, json, post (the article) or social (≤ 280 characters).",
        ),
    ] = "md",
    out: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    db: Db = None,
    oplog_url: OplogUrl = None,
) -> None:
    """A stored version exactly as it was rendered (the published bytes)."""
    with _open(db, oplog_url) as store:
        output = store.output(snapshot_id, format)
    _write(output, out)
