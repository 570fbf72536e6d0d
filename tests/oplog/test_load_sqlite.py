"""20 writers × 500 events through HTTP on SQLite: exactly 10,000 stored, no error.

SQLite's limits are handled, not avoided: WAL, BEGIN IMMEDIATE, a busy timeout, and an
in-process writer lock (crimepulse.state.db)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oplog import load
from tests.oplog.fixtures import fresh_url, serve


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    yield from fresh_url("sqlite", tmp_path)


@pytest.mark.slow
def test_twenty_concurrent_writers_store_exactly_ten_thousand(url: str) -> None:
    token = load.token_for(url)
    with serve(url) as base:
        statuses, seconds = load.run(base, token)
    total = load.WRITERS * load.PER_WRITER
    print(f"\nSQLite: {total} POSTs in {seconds:.1f} s = {total / seconds:.0f} req/s")
    assert statuses == [201] * total
    assert load.stored(url) == (total, total)
