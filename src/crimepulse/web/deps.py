"""The process's state and the dependencies routes ask for: the warehouse readers, the
outcomes log, the snapshot archive, the settings.

`create_app` opens each of them once per process and keeps them on `app.state`; a route
names what it needs (`r: Dep`, `log: Log`, `archive: Archive`) and FastAPI hands it over.
The warehouse is one read-only handle per process (the facade's), with a cursor and an
Analysis per thread, because a DuckDB connection is not shared between threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
from fastapi import Depends, Query, Request
from fastapi import Path as InPath

from crimepulse.analysis.engine import Analysis
from crimepulse.api import Crimepulse
from crimepulse.config import Settings
from crimepulse.core.reference.forces import DEFAULT_FORCE
from crimepulse.errors import Unauthorized
from crimepulse.oplog import Actor, OutcomesLog
from crimepulse.snapshot.archive import SnapshotStore
from crimepulse.state import auth
from crimepulse.state.tables import MAX_ID
from crimepulse.store import coverage
from crimepulse.store.warehouse import Warehouse
from crimepulse.web.cache import Cache

T = TypeVar("T")


class Readers:
    """The read side of one warehouse: per-thread cursors and Analysis, the data version,
    and the process's one cache of answers."""

    def __init__(
        self, warehouse: Warehouse, force: str = DEFAULT_FORCE, cache: Cache | None = None
    ) -> None:
        self.warehouse = warehouse
        self.force = force  # the deployment's force: what a question means by "all"
        self.db: Path = warehouse.path
        self.local = threading.local()
        self.cache = cache or Cache()

    def analysis(self) -> Analysis:
        found: Analysis | None = getattr(self.local, "analysis", None)
        if found is None:
            found = self.local.analysis = Analysis.from_duckdb(self.cursor())
        return found

    def cursor(self) -> duckdb.DuckDBPyConnection:
        con: duckdb.DuckDBPyConnection | None = getattr(self.local, "cursor", None)
        if con is None:
            con = self.local.cursor = self.warehouse.con.cursor()
        return con

    def data_version(self) -> str:
        """Changes whenever a file is ingested: the newest batch and the number of batches."""
        row = self.cursor().execute("SELECT max(batch_id), count(*) FROM batches").fetchall()[0]
        return f"{row[0]}-{row[1]}"

    def synthetic(self) -> str | None:
        """ "all", "some" or None: how much of the warehouse is the demo's synthetic data
        (every page says so, not only /data)."""
        return self.memo("synthetic", lambda: coverage.synthetic(self.cursor()))

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A view computed once per data version (the pages' grids, maps and flags)."""
        return self.cache.get_or_compute(f"view|{self.data_version()}|{key}", compute)


class State:
    """What one process of the app holds open, built once by `create_app`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.warehouse = Crimepulse(read_only=True, settings=settings)  # drafts read it too
        self.readers = Readers(self.warehouse.warehouse, settings.force)
        self.log = self.warehouse.log  # one log per process: the facade's
        self.archive = SnapshotStore(self.log)

    def close(self) -> None:
        self.warehouse.close()  # closes its log too


def state(request: Request) -> State:
    """The process state `create_app` keeps on the app."""
    found: State = request.app.state.crimepulse
    return found


async def readers(request: Request) -> Readers:
    return state(request).readers


async def log(request: Request) -> OutcomesLog:
    return state(request).log


async def archive(request: Request) -> SnapshotStore:
    return state(request).archive


async def warehouse(request: Request) -> Crimepulse:
    return state(request).warehouse


Dep = Annotated[Readers, Depends(readers)]
# An id or an offset in a request: at most what a 64-bit id column holds, so a larger one
# is refused as bad input naming its field (it was a database error, a 500).
RowId = Annotated[int, InPath(ge=1, le=MAX_ID, description="An id (1 to 2**63 - 1).")]
AfterId = Annotated[int, Query(ge=0, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Log = Annotated[OutcomesLog, Depends(log)]
Archive = Annotated[SnapshotStore, Depends(archive)]
Facade = Annotated[Crimepulse, Depends(warehouse)]


# -- the reviewer's session: a server-side session whose id is kept in a cookie ------------

REVIEWER_COOKIE = "crimepulse_session"


def reviewer(request: Request) -> Actor | None:
    """The signed-in reviewer (or admin), from the session cookie; None for the public and
    for a session that has ended (signed out, expired, or the token revoked or rotated)."""
    if hasattr(request.state, "reviewer"):  # asked once per request (route and header)
        cached: Actor | None = request.state.reviewer
        return cached
    session_id = request.cookies.get(REVIEWER_COOKIE)
    actor: Actor | None = None
    if session_id:
        try:
            found = state(request).log.session_actor(session_id, client="web")
        except Unauthorized:
            found = None
        actor = found if found is not None and found.role in auth.REVIEW else None
    request.state.reviewer = actor
    return actor


def synthetic(request: Request) -> str | None:
    """How much of the served warehouse is synthetic demo data ("all", "some" or None)."""
    return state(request).readers.synthetic()


def reviewer_name(request: Request) -> str | None:
    """The signed-in reviewer's name, for the page header."""
    if REVIEWER_COOKIE not in request.cookies:
        return None
    actor = reviewer(request)
    return actor.name if actor else None
