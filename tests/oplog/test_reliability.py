"""Reliability on both engines: a killed import leaves the whole file or none of it, and
retried POSTs with one Idempotency-Key (even racing each other) record one event."""

from __future__ import annotations

import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx

from crimepulse.oplog import OutcomesLog, Role
from crimepulse.web.urls import OPLOG_PATH
from tests.oplog.fixtures import event, serve

ROWS = 12_000


def big_csv(path: Path) -> Path:
    start = date(2024, 1, 1)
    lines = ["occurred_on,event_type,count,unit,theme,borough,crimes_solved,summary"]
    lines += [
        f"{start + timedelta(days=i % 500)},arrest,{1 + i % 4},Flying Squad,robbery,Brent,0,row {i}"
        for i in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_killed_import_stores_the_whole_file_or_none(oplog_url: str, tmp_path: Path) -> None:
    path = big_csv(tmp_path / "big.csv")
    command = [sys.executable, "-m", "crimepulse.cli", "log", "import", str(path)]
    command += ["--oplog-url", oplog_url, "--verbose"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("stored "):  # rows written inside the open transaction
            proc.send_signal(signal.SIGKILL)
            break
    assert proc.wait(30) == -signal.SIGKILL
    with OutcomesLog.open(oplog_url) as log:
        # Killed after its first chunk of 12: the commit at the end never happened.
        assert log.count_events() == 0
        report = log.import_csv(log.local_actor(), path)
        assert (report.added, log.count_events()) == (ROWS, ROWS)


def test_retried_posts_with_one_key_record_one_event(oplog_url: str) -> None:
    with OutcomesLog.open(oplog_url) as log:
        token = log.add_user(log.local_actor(), "rita", Role.recorder)[1]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-1"}
    with serve(oplog_url) as base, httpx.Client(base_url=f"{base}{OPLOG_PATH}") as http:

        def post(_: int) -> httpx.Response:
            return http.post("/events", json=event(), headers=headers)

        with ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(post, range(10)))
        assert [a.status_code for a in answers] == [201] * 10
        assert len({a.json()["id"] for a in answers}) == 1
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 9
        later = post(0)
        assert later.status_code == 201 and later.json() == answers[0].json()
        changed = http.post("/events", json=event(count=7), headers=headers)
        assert changed.status_code == 422
        assert changed.headers["content-type"].startswith("application/problem+json")
    with OutcomesLog.open(oplog_url) as log:
        assert log.count_events() == 1
