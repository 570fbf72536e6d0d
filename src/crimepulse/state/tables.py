"""The log's tables (SQLAlchemy Core): what the store reads and writes.

The migrations in `migrations/versions` create these same tables; they are written out
there by hand (frozen), so changing a table here means adding a migration too
(`tests/oplog/test_migrations.py` compares the two).

Events are append-only: `events` holds an event's identity (who recorded it, when, from
which client, and the CSV row it came from), `event_versions` holds every value it has
had (version 1 is the original, later versions are amendments with a reason), and
`approvals` says which version a reviewer approved for publication. Triggers in the
migration refuse UPDATE and DELETE on these tables and on `audit`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

# Text limits: the validation layer enforces them with a clear message; the columns hold
# them so the database agrees.
NAME_LEN, TYPE_LEN, UNIT_LEN, THEME_LEN, BOROUGH_LEN = 80, 40, 120, 80, 80
SUMMARY_LEN, NOTE_LEN, REASON_LEN, CLIENT_LEN, KEY_LEN, CRIME_ID_LEN = (
    500, 2000, 500, 200, 255, 64,
)  # fmt: skip


# Ids are 64-bit on both engines: BIGINT on PostgreSQL (INTEGER was 32-bit there, so an id
# of 2**31 in a request was a database error, a 500), and INTEGER PRIMARY KEY on SQLite,
# which is already a 64-bit rowid (a BIGINT key would not be one). `MAX_ID` is the largest
# id either can hold: the web refuses a larger one as bad input before it reaches SQL.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MAX_ID = 2**63 - 1


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware on every engine.

    SQLite has no timezone type and returns naive values; PostgreSQL returns aware ones.
    One type keeps the two engines answering alike.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the outcomes log")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("name", sa.String(NAME_LEN), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    # sha256 hex of the token; NULL for the local CLI user, who never signs in over HTTP
    sa.Column("token_hash", sa.String(64), unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(NAME_LEN)),
    sa.Column("token_expires_at", UTCDateTime),  # NULL: the token does not expire
    sa.CheckConstraint("role IN ('recorder', 'reviewer', 'admin')", name="ck_users_role"),
)

# The review pages' signed-in sessions: the cookie holds a random id, this table its sha256.
# Deleting a row ends that session on the server (sign-out, revoke, rotate).
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("client", sa.String(CLIENT_LEN), nullable=False),
    sa.Index("ix_sessions_user_id", "user_id"),
)

event_types = sa.Table(
    "event_types",
    metadata,
    sa.Column("name", sa.String(TYPE_LEN), primary_key=True),
    sa.Column("description", sa.String(SUMMARY_LEN), nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(NAME_LEN), nullable=False),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("name", sa.String(UNIT_LEN), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(NAME_LEN), nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("client", sa.String(CLIENT_LEN), nullable=False),
    # CSV imports: content hash + ordinal among identical rows, so a re-import adds nothing
    sa.Column("import_key", sa.String(KEY_LEN), unique=True),
    sa.Column("source", sa.String(KEY_LEN)),
    sa.Column("source_line", sa.Integer),
)

event_versions = sa.Table(
    "event_versions",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("event_id", Id, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("event_type", sa.String(TYPE_LEN), sa.ForeignKey("event_types.name"), nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("unit", sa.String(UNIT_LEN), sa.ForeignKey("units.name"), nullable=False),
    sa.Column("theme", sa.String(THEME_LEN), nullable=False),
    sa.Column("borough", sa.String(BOROUGH_LEN)),
    sa.Column("crimes_solved", sa.Integer),
    sa.Column("related_crime_ids", sa.JSON, nullable=False),
    sa.Column("summary", sa.String(SUMMARY_LEN), nullable=False),
    sa.Column("note", sa.String(NOTE_LEN)),
    sa.Column("void", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(REASON_LEN)),
    sa.Column("author_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("client", sa.String(CLIENT_LEN), nullable=False),
    sa.UniqueConstraint("event_id", "version", name="uq_event_versions_event_version"),
    sa.CheckConstraint("count >= 1", name="ck_event_versions_count"),
    sa.CheckConstraint("crimes_solved >= 0", name="ck_event_versions_solved"),
    sa.CheckConstraint("version >= 1", name="ck_event_versions_version"),
    sa.Index("ix_event_versions_occurred_on", "occurred_on"),
)

approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("event_id", Id, sa.ForeignKey("events.id"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("reviewer_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("client", sa.String(CLIENT_LEN), nullable=False),
    sa.UniqueConstraint("event_id", "version", name="uq_approvals_event_version"),
)

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("key", sa.String(KEY_LEN), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("user_name", sa.String(NAME_LEN), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(KEY_LEN)),
    sa.Column("client", sa.String(CLIENT_LEN), nullable=False),
    sa.Column("detail", sa.JSON, nullable=False),
)

APPEND_ONLY = ("events", "event_versions", "approvals", "audit")


def utcnow() -> datetime:
    return datetime.now(UTC)
