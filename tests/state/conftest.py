"""The outcomes-log fixtures (every test on SQLite and on PostgreSQL), shared from tests/oplog."""

from tests.oplog.conftest import admin, log, oplog_url

__all__ = ["admin", "log", "oplog_url"]
