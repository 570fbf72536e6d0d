"""A warehouse locked by another process is a 503 with Retry-After, on the API (problem
details) and on the pages, answered by the app's one error handler. The lock is real:
another process holds the DuckDB file open for writing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from crimepulse.config import Settings
from crimepulse.store.warehouse import Warehouse
from crimepulse.web.app import create_app
from tests.web.conftest import Site

HOLD = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
    "print('ready', flush=True); sys.stdin.read()"
)


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A warehouse file another process holds for writing until the test ends."""
    path = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "ready"  # waits on the holder, not the clock
    try:
        yield path
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)


def test_a_busy_warehouse_is_503_with_retry_after(site: Site, locked: Path) -> None:
    app = create_app(Settings(db=site.db))

    def busy() -> None:
        Warehouse(locked, read_only=True).close()  # another process holds it: WarehouseBusy

    app.get("/api/v1/busy-check")(busy)
    app.get("/busy-check")(busy)
    with TestClient(app) as client:
        api = client.get("/api/v1/busy-check")
        page = client.get("/busy-check")
    assert api.status_code == 503 and api.headers["retry-after"] == "30"
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["title"] == "Warehouse in use" and "in use by" in api.json()["detail"]
    assert page.status_code == 503 and page.headers["retry-after"] == "30"
    assert page.headers["content-type"].startswith("text/html")
