"""`crimepulse fetch`: data.police.uk's API as a source, month by month, resumable."""

from __future__ import annotations

from typing import Annotated

import typer

import crimepulse
from crimepulse.cli.errors import reports_errors
from crimepulse.cli.options import DbOption, ForceOption, _progress, console, settings
from crimepulse.config import POLICE_UK_ALL_CRIME as ALL_CRIME
from crimepulse.config import POLICE_UK_API_URL as API_URL


@reports_errors
def fetch_command(
    start: Annotated[str, typer.Option("--from", help="First month (YYYY-MM).")],
    end: Annotated[str, typer.Option("--to", help="Last month (YYYY-MM).")],
    force: ForceOption = None,
    category: Annotated[
        str, typer.Option(help="A data.police.uk category id (burglary, ...), or all-crime.")
    ] = ALL_CRIME,
    api_url: Annotated[str, typer.Option(help="The API's root URL.")] = API_URL,
    db: DbOption = None,
) -> None:
    """Fetch street crime from data.police.uk's API and ingest it, with the API's
    publication date as the vintage: months not yet held (or held from an older edition).
    Interrupted, run it again: what was stored is not asked for again.

    Exit status: 0 fetched (or nothing to fetch), 2 when the API cannot answer as
    documented after the bounded retries (the months stored before it are kept), 3 when
    the warehouse is in use by another process."""
    from crimepulse.store.fetch import FETCHED, HELD, UNPUBLISHED

    with crimepulse.open(settings=settings(db, force=force)) as cp, _progress() as bar:
        task = bar.add_task("fetch", total=None, name="")

        def on_progress(month: str, done: int, total: int) -> None:
            bar.update(task, total=total, completed=done, name=month)

        report = cp.fetch(
            start=start,
            end=end,
            force=force,
            category=category,
            api_url=api_url,
            progress=on_progress,
        )
        bar.stop()
    for month in report.months:
        if month.status == FETCHED:
            quarantined = f", {month.quarantined:,} quarantined" if month.quarantined else ""
            console.print(f"fetched {month.month}: {month.rows:,} rows{quarantined}")
    vintage = report.vintage.isoformat() if report.vintage else "unknown"
    console.print(
        f"{report.force}: {report.count(FETCHED)} months fetched, {report.count(HELD)} held "
        f"already, {report.count(UNPUBLISHED)} not published; edition of {vintage}; "
        f"{report.requests.requests} requests ({report.requests.retries} retried, "
        f"{report.requests.splits} areas split)",
        soft_wrap=True,
    )
    raise typer.Exit(report.exit_code())
