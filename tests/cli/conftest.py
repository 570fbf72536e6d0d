"""Fixtures the CLI tests share with the packages they drive: the outcomes log on SQLite and
PostgreSQL (tests/oplog) and the snapshot tests' small warehouse (tests/snapshot)."""

from tests.oplog.conftest import admin, log, oplog_url
from tests.snapshot.conftest import warehouse

__all__ = ["admin", "log", "oplog_url", "warehouse"]
