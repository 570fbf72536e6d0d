"""The snapshot archive (issue 5): one row per snapshot version, with its Facts, its
rendered outputs and its workflow; a published row is immutable (triggers).

Revision ID: snap0001
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crimepulse.state.tables import UTCDateTime

revision = "snap0001"
down_revision = "0002"
branch_labels = None
depends_on = None

MESSAGE = "a published snapshot is immutable: publish a correction instead"


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("series", sa.String(200), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.Column("area", sa.String(80), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("md", sa.Text, nullable=False),
        sa.Column("html", sa.Text, nullable=False),
        sa.Column("json", sa.Text, nullable=False),
        sa.Column("post", sa.Text, nullable=False),
        sa.Column("pdf", sa.LargeBinary, nullable=True),
        sa.Column("correction_note", sa.Text),
        sa.Column("supersedes", sa.Integer, sa.ForeignKey("snapshots.id")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("approved_at", UTCDateTime),
        sa.Column("approved_by", sa.String(80)),
        sa.Column("published_at", UTCDateTime),
        sa.Column("published_by", sa.String(80)),
        sa.UniqueConstraint("series", "as_of", "version", name="uq_snapshots_version"),
        sa.CheckConstraint(
            "status IN ('draft', 'approved', 'published')", name="ck_snapshots_status"
        ),
    )
    op.create_index("ix_snapshots_series", "snapshots", ["series", "as_of"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION snapshots_published_immutable() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            f"IF OLD.status = 'published' THEN RAISE EXCEPTION '{MESSAGE}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER snapshots_immutable BEFORE UPDATE OR DELETE ON snapshots "
            "FOR EACH ROW EXECUTE FUNCTION snapshots_published_immutable()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER snapshots_no_{verb.lower()} BEFORE {verb} ON snapshots "
            f"WHEN OLD.status = 'published' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    op.drop_table("snapshots")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION snapshots_published_immutable()")
