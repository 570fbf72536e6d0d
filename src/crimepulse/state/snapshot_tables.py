"""The snapshot archive's table (SQLAlchemy Core), kept in the outcomes log's database.

One row per version of a snapshot: the exact document (Facts and sections, as JSON), the
outputs rendered from it, and the workflow (draft -> approved -> published, who and
when). A published row is immutable: a trigger refuses UPDATE and DELETE on it (see the
migration `r0100_snapshots`), so later data revisions can never change what was
published. A correction is a new version that names the version it corrects.
"""

from __future__ import annotations

import sqlalchemy as sa

from crimepulse.state.tables import Id, UTCDateTime

metadata = sa.MetaData()
STATUSES = ("draft", "approved", "published")

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("series", sa.String(200), nullable=False),  # period/theme/area
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("theme", sa.String(40), nullable=False),
    sa.Column("area", sa.String(80), nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("document", sa.Text, nullable=False),  # Snapshot.to_dict() as JSON
    sa.Column("fingerprint", sa.String(64), nullable=False),  # sha256 of the Facts
    sa.Column("md", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("json", sa.Text, nullable=False),
    sa.Column("post", sa.Text, nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=True),
    sa.Column("correction_note", sa.Text),
    sa.Column("supersedes", Id, sa.ForeignKey("snapshots.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("approved_at", UTCDateTime),
    sa.Column("approved_by", sa.String(80)),
    sa.Column("published_at", UTCDateTime),
    sa.Column("published_by", sa.String(80)),
    sa.Column("template", sa.Text),  # an edited version's template, as submitted (r0400)
    sa.Column("edited_from", Id),  # the version it edited (no FK: see r0400)
    sa.UniqueConstraint("series", "as_of", "version", name="uq_snapshots_version"),
    sa.CheckConstraint("status IN ('draft', 'approved', 'published')", name="ck_snapshots_status"),
)
sa.Index("ix_snapshots_series", snapshots.c.series, snapshots.c.as_of)
