"""Migrations: the hand-written revisions match the tables the code uses, upgrades are
safe to race, and the schema can be taken down and rebuilt."""

from __future__ import annotations

import threading

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crimepulse.oplog import OutcomesLog
from crimepulse.state import db as _engine
from crimepulse.state import migrate
from crimepulse.state.tables import metadata


def test_migrations_match_the_schema_module(log: OutcomesLog) -> None:
    def ours(name: str | None, kind: str, parent: object) -> bool:
        # Other issues add their own tables (e.g. snapshots) through this migration chain.
        return kind != "table" or name in metadata.tables

    with log.engine.connect() as conn:
        opts = {"compare_type": False, "include_name": ours}
        diffs = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    assert diffs == []
    assert migrate.current(log.engine) == migrate.head()


def test_concurrent_first_opens_migrate_once(oplog_url: str) -> None:
    errors: list[BaseException] = []

    def open_log() -> None:
        try:
            OutcomesLog.open(oplog_url).close()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_log) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with OutcomesLog.open(oplog_url) as log:
        assert len(log.event_types()) == 11 and "Flying Squad" in log.units()


def test_downgrade_to_base_and_back(log: OutcomesLog) -> None:
    migrate.downgrade(log.engine, "base")
    with _engine.read(log.engine) as conn:
        assert not sa.inspect(conn).has_table("events")
    migrate.upgrade(log.engine)
    assert migrate.current(log.engine) == migrate.head()
    assert log.count_events() == 0
