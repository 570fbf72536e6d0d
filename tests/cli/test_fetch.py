"""`crimepulse fetch` against the fake data.police.uk API: a first run, a re-run that asks
for nothing, and an API that keeps failing (exit 2, a clear message, earlier months kept)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crimepulse
from crimepulse.cli import app
from tests.sources.fake_policeuk import FORCE, FakePoliceUk, serve

runner = CliRunner()


@pytest.fixture
def fake() -> FakePoliceUk:
    return FakePoliceUk(cap=20)  # no clock: the fake does not rate-limit the real one


@pytest.fixture
def url(fake: FakePoliceUk) -> Iterator[str]:
    with serve(fake) as base:
        yield base


def _run(url: str, db: Path, *extra: str) -> tuple[int, str]:
    args = ["fetch", "--force", FORCE, "--from", "2024-01", "--to", "2024-06"]
    result = runner.invoke(app, [*args, "--api-url", url, "--db", str(db), *extra])
    return result.exit_code, result.output


def test_fetch_then_fetch_again(tmp_path: Path, fake: FakePoliceUk, url: str) -> None:
    db = tmp_path / "w.duckdb"
    code, out = _run(url, db)
    assert code == 0, out
    assert "6 months fetched, 0 held already" in out
    assert "fetched 2024-01: 40 rows" in out
    with crimepulse.open(db, read_only=True) as cp:
        assert cp.sql("SELECT count(DISTINCT crime_id) AS n FROM crimes").to_pylist() == [
            {"n": 240}
        ]
    fake.log.clear()
    code, out = _run(url, db)
    assert code == 0, out
    assert "0 months fetched, 6 held already" in out
    assert [path for _, path, _ in fake.log] == ["/crime-last-updated", "/crimes-street-dates"]


def test_an_api_that_keeps_failing_is_exit_2_and_keeps_what_was_stored(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    fake.fail_month = {"2024-02": 400}  # not retried (a 5xx is: tests/sources cover that)
    db = tmp_path / "w.duckdb"
    code, out = _run(url, db)
    assert code == 2
    assert "error:" in out and "HTTP 400" in out
    with crimepulse.open(db, read_only=True) as cp:
        months = cp.sql("SELECT DISTINCT strftime(month, '%Y-%m') AS m FROM crimes").to_pylist()
    assert months == [{"m": "2024-01"}]


def test_an_unknown_category_is_refused(tmp_path: Path, url: str) -> None:
    code, out = _run(url, tmp_path / "w.duckdb", "--category", "jaywalking")
    assert code == 2 and "unknown data.police.uk category 'jaywalking'" in out


def test_a_fetch_killed_mid_month_resumes_without_asking_again(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    """A real `kill -9` of the command while it waits for the API's answer about its third
    month (the fake holds that answer and says when it is waiting: no clock involved)."""
    fake.stall_month = "2024-03"
    db = tmp_path / "w.duckdb"
    src = Path(__file__).resolve().parents[2] / "src"
    args = ["--force", FORCE, "--from", "2024-01", "--to", "2024-06", "--api-url", url]
    process = subprocess.Popen(
        [sys.executable, "-m", "crimepulse.cli", "fetch", *args, "--db", str(db)],
        env={**os.environ, "PYTHONPATH": str(src)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert fake.stalled.wait(timeout=120), "the fetch never reached its third month"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL

    fake.stall_month, fake.log[:] = None, []
    code, out = _run(url, db)
    assert code == 0, out
    assert "4 months fetched, 2 held already" in out
    asked = {p["date"] for _, path, p in fake.log if path.startswith("/crimes-") and "date" in p}
    assert asked == {"2024-03", "2024-04", "2024-05", "2024-06"}
    with crimepulse.open(db, read_only=True) as cp:
        rows = cp.sql("SELECT count(*) AS n, count(DISTINCT crime_id) AS d FROM crimes")
    assert rows.to_pylist() == [{"n": 240, "d": 240}]
