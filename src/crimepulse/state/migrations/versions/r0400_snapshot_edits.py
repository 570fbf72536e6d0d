"""Edited snapshot versions: the words a communications officer wrote, and the version
they were written over.

An edit of a draft is a new version of the snapshot (the same Facts, new words), stored
like any other with who made it and when (`created_by`, `created_at`); `template` keeps
the edited template exactly as submitted and `edited_from` names the version it edited,
so the history of the wording can be read back and the published text is the approved
version's own.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from crimepulse.state.tables import Id

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


# Plain ADD COLUMN, not a batch "copy and move": rebuilding the table on SQLite would drop
# the triggers that keep published rows immutable. `edited_from` has no foreign key for the
# same reason (SQLite cannot drop a column that holds one); only the store writes it, with
# the id of a row it has just read.


def upgrade() -> None:
    op.add_column("snapshots", sa.Column("template", sa.Text))
    op.add_column("snapshots", sa.Column("edited_from", Id))


def downgrade() -> None:
    op.drop_column("snapshots", "edited_from")
    op.drop_column("snapshots", "template")
