"""64-bit ids on PostgreSQL: every id column and every column naming one becomes BIGINT,
and the id sequences with them.

INTEGER is 32-bit on PostgreSQL, so an id of 2**31 in a request failed inside the database
(a 500) and the tables would run out of ids at 2**31. SQLite needs nothing: an INTEGER
PRIMARY KEY is its 64-bit rowid already (and must stay INTEGER to remain one).

Revision ID: 0003
Revises: snap0001
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "snap0001"
branch_labels = None
depends_on = None

# table -> the columns holding an id; "id" first where the table has its own sequence
ID_COLUMNS = {
    "users": ("id",),
    "events": ("id", "created_by"),
    "event_versions": ("id", "event_id", "author_id"),
    "approvals": ("id", "event_id", "reviewer_id"),
    "idempotency_keys": ("user_id",),
    "audit": ("id", "user_id"),
    "snapshots": ("id", "supersedes"),
}


def _retype(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {c} TYPE {kind}" for c in columns)
        op.execute(f"ALTER TABLE {table} {changes}")
        if columns[0] == "id":
            # AS bigint also raises the sequence's maximum from 2**31 - 1 to 2**63 - 1
            op.execute(
                f"DO $$ BEGIN EXECUTE format('ALTER SEQUENCE %s AS {kind}', "
                f"pg_get_serial_sequence('{table}', 'id')); END $$"
            )


def upgrade() -> None:
    _retype("bigint")


def downgrade() -> None:
    _retype("integer")
