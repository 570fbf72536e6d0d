"""Bring a log database to the current schema, from crimepulse itself (no alembic.ini).

Every `OutcomesLog.open` calls `upgrade`. It is cheap when nothing is to do (one query
of `alembic_version`) and safe when several processes start at once: the upgrade runs in
one write transaction holding a lock (an advisory lock on PostgreSQL, BEGIN IMMEDIATE on
SQLite), and Alembic re-reads the version inside it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from crimepulse.state import db as _engine

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_LOCK = 0x0C0FFEE  # advisory lock id: one migrator at a time per database


def config() -> Config:
    """An Alembic Config pointing at the migrations shipped inside the package."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@cache
def head() -> str:
    """The newest revision shipped with this version of crimepulse."""
    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at (None when it has no log tables yet)."""
    with _engine.read(engine) as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to `revision` (default: the newest) in one transaction."""
    if revision == "head" and current(engine) == head():
        return
    cfg = config()
    with _engine.write(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade to `revision` ("base" removes every log table); for tests and rollbacks."""
    cfg = config()
    with _engine.write(engine) as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
