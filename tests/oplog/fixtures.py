"""Real databases for the log's tests: a SQLite file, and a fresh schema on the real
PostgreSQL server (127.0.0.1:5432, database `test`), dropped afterwards. Each test gets
its own, so parallel workers (pytest -n 2) never share state. Nothing is mocked.

PostgreSQL unreachable: its tests skip, or fail when CRIMEPULSE_REQUIRE_SHARED=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

PG_URL = os.environ.get(
    "CRIMEPULSE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ["sqlite", "postgresql"]


@cache
def _pg_problem() -> str | None:
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means "unreachable"
        return f"PostgreSQL at {PG_URL} unreachable: {type(exc).__name__}: {exc}"
    return None


def require_pg() -> None:
    problem = _pg_problem()
    if problem:
        if os.environ.get("CRIMEPULSE_REQUIRE_SHARED") == "1":
            pytest.fail(problem + " (CRIMEPULSE_REQUIRE_SHARED=1 requires it)")
        pytest.skip(problem)


def fresh_url(engine: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty log database of the given engine; clean up after."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.oplog.sqlite'}"
        return
    require_pg()
    schema = f"oplog_test_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(url: str) -> Iterator[str]:
    """Run the web app exactly as `crimepulse serve` does (uvicorn, the `app_from_env`
    factory) over an empty warehouse and the log at `url`, in a subprocess on a free port;
    yield its base URL."""
    import crimepulse
    from crimepulse.config import Settings
    from crimepulse.web.urls import OPLOG_PATH

    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="crimepulse-serve-"))
    crimepulse.open(folder / "empty.duckdb").close()
    env = {**os.environ, **Settings(db=folder / "empty.duckdb", oplog_url=url).environ()}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "crimepulse.web.app:app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}{OPLOG_PATH}/units", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def event(**overrides: object) -> dict[str, object]:
    """A valid event; override any field."""
    base: dict[str, object] = {
        "event_type": "firearm_recovered",
        "occurred_on": "2025-03-20",
        "count": 2,
        "unit": "Flying Squad",
        "theme": "firearms",
        "borough": "Lambeth",
        "crimes_solved": 1,
        "summary": "2 firearms recovered after a robbery in Lambeth",
    }
    base.update(overrides)
    return base
