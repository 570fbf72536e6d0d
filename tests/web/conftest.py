"""A small warehouse, outcomes log and published snapshot shared by the page and browser tests.

The snapshot tests' warehouse (three boroughs, 2015–2023, robbery in Hackney doubling in
2023, approved arrests in the log), plus one published weekly snapshot and a reviewer,
so every page has something true to show and the tests know what it must say.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.snapshot import archive
from crimepulse.web.app import create_app
from tests.snapshot.conftest import build_warehouse

AS_OF = "2023-12-31"


@dataclass(frozen=True)
class Site:
    db: Path
    reviewer_token: str
    recorder_token: str
    snapshot_id: int


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    db = build_warehouse(tmp_path_factory.mktemp("web"))
    with crimepulse.open(db, read_only=True) as cp, OutcomesLog.open(db=db) as log:
        me = log.local_actor()
        _, reviewer = log.add_user(me, "duty-inspector", Role.reviewer)
        _, recorder = log.add_user(me, "flying-squad", Role.recorder)
        store = archive.SnapshotStore(log)
        record = archive.draft(cp, store, me, "week", "2024-01-07", "violence", pdf=False)
        store.approve(me, record.id)
        store.publish(me, record.id)
    return Site(db, reviewer, recorder, record.id)


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=site.db))) as c:
        yield c
