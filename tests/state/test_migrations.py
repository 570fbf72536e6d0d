"""Migrations: the hand-written revisions match the tables the code uses, upgrades are
safe to race, and the schema can be taken down and rebuilt."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crimepulse.oplog import OutcomesLog
from crimepulse.state import db as _engine
from crimepulse.state import migrate, snapshot_tables, tables
from crimepulse.state.tables import metadata, utcnow
from tests.oplog.fixtures import event


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


def test_ids_are_64_bit_on_both_engines(log: OutcomesLog) -> None:
    """An id past 2**31 is stored and read back (PostgreSQL's INTEGER stopped there)."""
    admin = log.local_actor()
    big = 2**40
    with _engine.write(log.engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('events', 'id'), {big})"))
        else:  # a rowid: the next one follows the largest
            row = {"id": big, "created_at": utcnow(), "created_by": admin.id, "client": "test"}
            conn.execute(sa.insert(tables.events).values(row))
    added = log.add(admin, event())
    assert added.id == big + 1
    assert log.history(added.id)[0].id == big + 1
    assert log.approve(admin, [added.id]).approved[0][0] == big + 1


def test_no_id_column_is_32_bit(log: OutcomesLog) -> None:
    with _engine.read(log.engine) as conn:
        if conn.dialect.name == "sqlite":
            # every table's id is its INTEGER PRIMARY KEY: SQLite's rowid, 64-bit
            names = [r[0] for r in conn.execute(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name <> 'alembic_version'"
            ))]  # fmt: skip
            keyed = {}
            for name in names:
                info = conn.execute(sa.text(f'PRAGMA table_info("{name}")')).all()
                keyed[name] = [(col[1], col[2].upper()) for col in info if col[5] == 1]
            with_id = {n: k for n, k in keyed.items() if any(c == "id" for c, _ in k)}
            assert with_id and all(k == [("id", "INTEGER")] for k in with_id.values()), keyed
            return
        narrow = conn.execute(
            sa.text(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND data_type = 'integer'"
                " AND (column_name = 'id' OR column_name LIKE '%\\_id'"
                " OR column_name IN ('created_by', 'supersedes'))"
            )
        ).all()
        sequences = conn.execute(
            sa.text(
                "SELECT sequencename, data_type FROM pg_sequences"
                " WHERE schemaname = current_schema()"
            )
        ).all()
    assert narrow == []
    assert sequences and {kind for _, kind in sequences} == {"bigint"}


def test_snapshot_edits_columns_come_and_go_and_keep_published_rows_immutable(
    log: OutcomesLog,
) -> None:
    """r0400 adds the edit columns in place (no table rebuild), so SQLite's triggers on
    published rows survive it; it can be taken down to 0004 and up again."""

    def columns() -> set[str]:
        with _engine.read(log.engine) as conn:
            return {c["name"] for c in sa.inspect(conn).get_columns("snapshots")}

    assert {"template", "edited_from"} <= columns()
    migrate.downgrade(log.engine, "0004")
    assert not {"template", "edited_from"} & columns()
    migrate.upgrade(log.engine)
    assert {"template", "edited_from"} <= columns()
    row = {
        "series": "s", "period": "year", "theme": "t", "area": "all", "as_of": date(2023, 1, 1),
        "version": 1, "status": "published", "title": "t", "document": "{}",
        "fingerprint": "f", "md": "", "html": "", "json": "", "post": "",
        "created_at": utcnow(), "created_by": "test",
    }  # fmt: skip
    with _engine.write(log.engine) as conn:
        conn.execute(sa.insert(snapshot_tables.snapshots).values(row))
    with pytest.raises(sa.exc.DBAPIError), log.engine.begin() as conn:
        conn.execute(sa.text("UPDATE snapshots SET template = 'x'"))
