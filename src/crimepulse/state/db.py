"""Where the log lives and how to talk to it safely from many threads and processes.

SQLite (the default, a file beside the warehouse) allows one writer at a time. Its
documented limits are handled here rather than hoped away:

- WAL journal, so readers never block the writer and the writer never blocks readers;
- write transactions start with BEGIN IMMEDIATE, so two writers never both read under a
  shared lock and then deadlock on the upgrade (that fails at once, busy timeout or not);
- a busy timeout (30 s) for writers in *other* processes (a CLI import while the server
  runs), and an in-process lock so threads of one server queue for the write lock
  instead of polling SQLite's busy handler.

PostgreSQL needs none of this: its write transactions run concurrently and unique
constraints settle races.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_S = 30.0
_WRITE = "crimepulse_write"


def create(url: str) -> Engine:
    """An engine for `url`, configured for concurrent writers (see the module docstring)."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_size=10, max_overflow=30, pool_recycle=1800)
    if parsed.database in (None, "", ":memory:"):
        raise ValueError("the outcomes log needs a SQLite file, not an in-memory database")
    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        url,
        connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=10,
        max_overflow=30,
    )

    @sa_event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
        cursor.close()

    @sa_event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock | None:
    if engine.dialect.name != "sqlite":
        return None
    key = str(Path(str(engine.url.database)).resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction: committed on success, rolled back on any exception."""
    lock = _writer_lock(engine)
    with lock or nullcontext(), engine.connect() as conn:
        conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read transaction (a consistent snapshot on both engines)."""
    with engine.connect() as conn, conn.begin():
        yield conn
