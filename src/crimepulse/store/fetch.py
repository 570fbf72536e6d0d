"""Fetch: the months data.police.uk's API has that the warehouse does not, ingested as files.

A month is fetched when the API publishes it and the warehouse holds no edition of it at
the API's current publication date (`crime-last-updated`): new months, and months held
from an older edition (a new edition may revise them). Each month is written as a
data.police.uk street CSV beside the warehouse (`<db stem>.fetch/`) and loaded by the
normal ingest, with the publication date as its vintage, so it is validated, quarantined
and revisioned like a downloaded file. A month is stored whole, one at a time, so an
interrupted fetch loses at most the month it was on, and running it again asks only for
the months not yet stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from crimepulse.errors import QuestionError
from crimepulse.sources.policeuk_api import (
    ALL_CRIME,
    CATEGORY_NAMES,
    PoliceUkApi,
    RequestStats,
    force_name_of,
    street_csv,
)
from crimepulse.store.ingest import LOADED, UNCHANGED, IngestReport, ingest
from crimepulse.store.warehouse import Warehouse

FETCHED, HELD, UNPUBLISHED = "fetched", "held", "unpublished"

# progress(month, months_done, months_to_fetch): called as each month is stored.
FetchProgress = Callable[[str, int, int], None]


@dataclass
class MonthResult:
    month: str
    status: str  # fetched, held (an edition at this publication date is stored), unpublished
    rows: int = 0
    quarantined: int = 0
    path: str | None = None


@dataclass
class FetchReport:
    force: str
    vintage: datetime | None
    months: list[MonthResult] = field(default_factory=list)
    ingest: IngestReport = field(default_factory=IngestReport)
    requests: RequestStats = field(default_factory=RequestStats)

    def count(self, status: str) -> int:
        return sum(1 for m in self.months if m.status == status)

    def exit_code(self) -> int:
        return self.ingest.exit_code()


def months_between(start: str, end: str) -> list[str]:
    """YYYY-MM months from `start` to `end`, both included."""
    try:
        y, m = (int(v) for v in start.split("-"))
        y1, m1 = (int(v) for v in end.split("-"))
    except ValueError:
        raise QuestionError(f"months are YYYY-MM: got {start!r} and {end!r}") from None
    if not (1 <= m <= 12 and 1 <= m1 <= 12) or (y, m) > (y1, m1):
        raise QuestionError(f"no months from {start} to {end}")
    out = []
    while (y, m) <= (y1, m1):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def file_name(month: str, force: str, category: str = ALL_CRIME) -> str:
    """The archive's name for a month's street file; a one-category fetch says which."""
    base = f"{month}-{force}-street"
    return f"{base}.csv" if category == ALL_CRIME else f"{base}.{category}.csv"


def held_months(
    warehouse: Warehouse, force: str, vintage: datetime, category: str = ALL_CRIME
) -> set[str]:
    """Months with a street edition of `force` stored at `vintage` or later, from a file
    holding every category (or the one asked for): those need not be fetched again."""
    rows = warehouse.con.execute(
        "SELECT DISTINCT strftime(s.month, '%Y-%m'), b.path FROM batch_slices s "
        "JOIN batches b USING (batch_id) WHERE b.format = 'police.uk street' "
        "AND b.force = ? AND b.vintage >= ? AND s.month IS NOT NULL",
        [force, vintage],
    ).fetchall()
    out = set()
    for month, path in rows:
        name = PurePosixPath(str(path).replace("!", "/")).name
        if name in (file_name(month, force), file_name(month, force, category)):
            out.add(str(month))
    return out


def _refuse_narrowing(warehouse: Warehouse, force: str, months: list[str], kind: str) -> None:
    """A one-category month would be the month's newest edition and hide the other crime
    types of the edition it replaces: refuse, before anything is fetched, when the months'
    current editions hold other types."""
    rows = warehouse.con.execute(
        "SELECT DISTINCT strftime(month, '%Y-%m') FROM crimes WHERE format = 'police.uk street' "
        "AND force = ? AND category <> ? AND list_contains(?, strftime(month, '%Y-%m')) "
        "ORDER BY 1",
        [force, kind, months],
    ).fetchall()
    if rows:
        held = ", ".join(str(r[0]) for r in rows)
        raise QuestionError(
            f"{held} held with other crime types than {kind}: a {kind}-only edition would "
            "replace them and hide the rest; fetch all-crime instead (nothing was changed)"
        )


def fetch(
    warehouse: Warehouse,
    api: PoliceUkApi,
    *,
    force: str,
    start: str,
    end: str,
    folder: Path,
    category: str = ALL_CRIME,
    progress: FetchProgress | None = None,
) -> FetchReport:
    """Fetch and ingest the months from `start` to `end` not yet held at the API's
    current publication date (see the module docstring)."""
    if category != ALL_CRIME and category not in CATEGORY_NAMES:
        known = ", ".join([ALL_CRIME, *CATEGORY_NAMES])
        raise QuestionError(f"unknown data.police.uk category {category!r}; known: {known}")
    wanted = months_between(start, end)
    vintage = api.last_updated()
    report = FetchReport(force, vintage, requests=api.stats)
    published = set(api.months())
    held = held_months(warehouse, force, vintage, category)
    todo = [m for m in wanted if m in published and m not in held]
    if category != ALL_CRIME:
        _refuse_narrowing(warehouse, force, todo, CATEGORY_NAMES[category])
    for month in wanted:
        if month not in todo:
            report.months.append(MonthResult(month, HELD if month in held else UNPUBLISHED))
    if todo:
        name = force_name_of(api, force)
        area = api.force_boundary(force)
        folder.mkdir(parents=True, exist_ok=True)
    for done, month in enumerate(todo, 1):
        crimes = api.month_of_crimes(force, month, area, category)
        path = folder / file_name(month, force, category)
        partial = path.with_name(path.name + ".part")
        partial.write_text(street_csv(crimes, name), encoding="utf-8")
        os.replace(partial, path)  # a month's file is there whole, or not at all
        loaded = ingest(warehouse, [path], vintage=vintage, force=force)
        report.ingest.files.extend(loaded.files)
        report.ingest.seconds += loaded.seconds
        result = MonthResult(month, FETCHED, path=str(path))
        for file in loaded.files:
            if file.status in (LOADED, UNCHANGED):
                result.rows += file.rows_loaded
                result.quarantined += file.rows_quarantined
        report.months.append(result)
        if progress:
            progress(month, done, len(todo))
    report.months.sort(key=lambda m: m.month)
    return report
