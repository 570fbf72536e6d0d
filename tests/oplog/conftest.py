"""Fixtures for the outcomes log: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from crimepulse.oplog import Actor, OutcomesLog, Role
from tests.oplog.fixtures import ENGINES, fresh_url

TODAY = date(2025, 6, 18)  # a Wednesday; tests pin "today" so future-date rules are stable


@pytest.fixture(params=ENGINES)
def oplog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from fresh_url(request.param, tmp_path)


@pytest.fixture
def log(oplog_url: str) -> Iterator[OutcomesLog]:
    with OutcomesLog.open(oplog_url, today=lambda: TODAY) as opened:
        yield opened


@pytest.fixture
def admin(log: OutcomesLog) -> Actor:
    return log.local_actor()


def make_user(log: OutcomesLog, admin: Actor, name: str, role: Role) -> tuple[Actor, str]:
    _, token = log.add_user(admin, name, role)
    return log.authenticate(token, client="test"), token


@pytest.fixture
def recorder(log: OutcomesLog, admin: Actor) -> Actor:
    return make_user(log, admin, "rita", Role.recorder)[0]


@pytest.fixture
def reviewer(log: OutcomesLog, admin: Actor) -> Actor:
    return make_user(log, admin, "ravi", Role.reviewer)[0]
