"""A small warehouse and outcomes log the snapshot tests write themselves.

MPS borough counts for three boroughs, 2015–2023, with known shapes: robbery in Hackney
doubles in 2023 (a meaningful rise), homicide is a handful a year (small counts, no
meaningful change), violence with injury repeats the same seasonal shape every year (no
change). The log holds approved arrests and firearms for the weeks before 2024-01-07;
`post_week_log` is the demo's log around the week of the Commissioner's post (2023-W07).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

import crimepulse
from crimepulse.api import Crimepulse
from crimepulse.demo.calibration import month_number
from crimepulse.demo.records import operational_events
from crimepulse.demo.writers import write_oplog
from crimepulse.oplog import OutcomesLog
from tests.factories import write

# eight years before 2023, so 2023's verdicts have the history of a real series
MONTHS = [f"{y}{m:02d}" for y in range(2015, 2024) for m in range(1, 13)]
BOROUGHS = ["Camden", "Hackney", "Westminster"]
MINORS = [
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
    ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ("POSSESSION OF WEAPONS", "POSSESSION OF WEAPONS"),
]
WEEK_END = date(2024, 1, 7)  # a Sunday: week 2024-W01


def count(borough: str, minor: str, month: str, bump: int = 0) -> int:
    year, m = int(month[:4]), int(month[4:])
    if minor == "ROBBERY OF PERSONAL PROPERTY":
        base = 10 + 5 * BOROUGHS.index(borough)
        return base * 2 if (borough == "Hackney" and year == 2023) else base
    if minor == "HOMICIDE":
        return 1 if m % 4 == 0 else 0
    if minor == "POSSESSION OF WEAPONS":
        return 20
    return 100 + m + bump


def write_mps(path: Path, bump: int = 0) -> Path:
    rows = [
        ",".join([major, minor, b, *(str(count(b, minor, m, bump)) for m in MONTHS)])
        for b in BOROUGHS
        for major, minor in MINORS
    ]
    header = ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS])
    return write(path, header, rows)


def build_warehouse(root: Path) -> Path:
    write_mps(root / "data" / "mps.csv")
    db = root / "w.duckdb"
    with crimepulse.open(db) as cp:
        report = cp.ingest(root / "data")
        assert report.exit_code(strict=True) == 0
    with OutcomesLog.open(db=db, today=lambda: date(2024, 1, 20)) as log:
        me = log.local_actor()
        ids = []
        for week in range(14):
            day = WEEK_END - timedelta(days=2 + 7 * week)
            arrests = 30 if week == 0 else 10  # this week: a meaningful rise
            for event_type, n, theme in (
                ("arrest", arrests, "gangs"),
                ("firearm_recovered", 2, "firearms"),
                ("arrest", 50, "burglary"),  # another theme: not in the violence snapshot
            ):
                event = log.add(
                    me,
                    {
                        "event_type": event_type,
                        "count": n,
                        "occurred_on": day.isoformat(),
                        "unit": "Specialist Crime Command",
                        "theme": theme,
                        "borough": "Hackney",
                        "summary": f"{n} {event_type}",
                    },
                )
                ids.append(event.id)
        log.approve(me, ids)
    return db


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("snapshot"))


@pytest.fixture(scope="session")
def cp(warehouse: Path) -> Iterator[Crimepulse]:
    with crimepulse.open(warehouse, read_only=True) as handle:
        yield handle


@pytest.fixture(scope="session")
def post_week_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OutcomesLog]:
    """The demo's outcomes log for November 2022 to February 2023 (holding the week of the
    Commissioner's post, 2023-W07, and the 13 weeks before it), imported and approved."""
    root = tmp_path_factory.mktemp("post-week")
    months = np.arange(month_number("2022-11"), month_number("2023-02") + 1)
    path = root / "ops.csv"
    write_oplog(path, operational_events(np.random.default_rng(5), months))
    with OutcomesLog.open(db=root / "w.duckdb", today=lambda: date(2023, 3, 1)) as log:
        me = log.local_actor()
        log.import_csv(me, path)
        log.approve(me, None, None, True)
        yield log
