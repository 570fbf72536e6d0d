"""The outcomes log: users, event types, units, events and their versions, approvals,
idempotency keys and the audit trail; append-only enforced by triggers.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crimepulse.state.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("events", "event_versions", "approvals", "audit")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(80)),
        sa.CheckConstraint("role IN ('recorder', 'reviewer', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "event_types",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("description", sa.String(500), nullable=False, server_default=""),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
    )
    op.create_table(
        "units",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("import_key", sa.String(255), unique=True),
        sa.Column("source", sa.String(255)),
        sa.Column("source_line", sa.Integer),
    )
    op.create_table(
        "event_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("event_type", sa.String(40), sa.ForeignKey("event_types.name"), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(120), sa.ForeignKey("units.name"), nullable=False),
        sa.Column("theme", sa.String(80), nullable=False),
        sa.Column("borough", sa.String(80)),
        sa.Column("crimes_solved", sa.Integer),
        sa.Column("related_crime_ids", sa.JSON, nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("note", sa.String(2000)),
        sa.Column("void", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(500)),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.UniqueConstraint("event_id", "version", name="uq_event_versions_event_version"),
        sa.CheckConstraint("count >= 1", name="ck_event_versions_count"),
        sa.CheckConstraint("crimes_solved >= 0", name="ck_event_versions_solved"),
        sa.CheckConstraint("version >= 1", name="ck_event_versions_version"),
    )
    op.create_index("ix_event_versions_occurred_on", "event_versions", ["occurred_on"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("event_id", sa.Integer, sa.ForeignKey("events.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
        sa.UniqueConstraint("event_id", "version", name="uq_approvals_event_version"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(255)),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the append-only tables."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION oplog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION oplog_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION oplog_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade() -> None:
    for table in ("audit", "idempotency_keys", "approvals", "event_versions", "events"):
        op.drop_table(table)
    for table in ("units", "event_types", "users"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION oplog_append_only()")
