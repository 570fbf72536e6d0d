"""Token expiry and server-side sessions for the review pages.

`users.token_expires_at` (NULL: the token never expires) lets an admin give a token a
lifetime. `sessions` holds the review pages' signed-in sessions: the cookie carries a
random session id, and only its sha256 is stored here, so signing out (deleting the row)
ends the session on the server, and revoking or rotating a user's token ends all of theirs.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crimepulse.state.tables import Id, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("token_expires_at", UTCDateTime))
    op.create_table(
        "sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("client", sa.String(200), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
    op.drop_column("users", "token_expires_at")
