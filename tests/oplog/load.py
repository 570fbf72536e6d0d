"""20 concurrent writers × 500 events through the real HTTP API (shared by the engine
files, which run on separate xdist workers)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx

from crimepulse.oplog import Filters, OutcomesLog, Role
from crimepulse.web.urls import OPLOG_PATH

WRITERS, PER_WRITER = 20, 500


def writer(base: str, token: str, number: int) -> list[int]:
    """One client posting its events one by one; returns the status codes."""
    statuses = []
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{base}{OPLOG_PATH}", headers=headers, timeout=60) as http:
        for i in range(PER_WRITER):
            body = {
                "event_type": "arrest",
                "occurred_on": str(date(2025, 1, 1) + timedelta(days=i % 150)),
                "count": 1 + i % 3,
                "unit": "Flying Squad",
                "theme": "robbery",
                "summary": f"writer {number} event {i}",
            }
            key = {"Idempotency-Key": f"w{number}-{i}"}
            statuses.append(http.post("/events", json=body, headers=key).status_code)
    return statuses


def token_for(url: str) -> str:
    with OutcomesLog.open(url) as log:
        return log.add_user(log.local_actor(), "loader", Role.recorder)[1]


def run(base: str, token: str) -> tuple[list[int], float]:
    """All writers at once; (every status code, seconds)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(lambda n: writer(base, token, n), range(WRITERS)))
    return [s for r in results for s in r], time.perf_counter() - started


def stored(url: str) -> tuple[int, int]:
    """(events, distinct summaries) in the log."""
    with OutcomesLog.open(url) as log:
        items = log.list(log.local_actor(), Filters(limit=10**6))
        return log.count_events(), len({e.summary for e in items})
