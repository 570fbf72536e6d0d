"""Seed data: the event types the issue names and the Metropolitan Police units the demo
uses. Both are data; an admin adds more with `crimepulse log types add` / `units add`.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

EVENT_TYPES = {
    "arrest": "A person arrested.",
    "charge": "A person charged with an offence.",
    "conviction": "A defendant convicted (brought to justice).",
    "sentence": "A convicted defendant sentenced.",
    "firearm_recovered": "A firearm taken off the street.",
    "weapon_recovered": "A knife or other weapon recovered.",
    "drugs_seized": "A seizure of controlled drugs.",
    "county_line_closed": "A county-lines drug phone line shut down.",
    "hostage_recovered": "A hostage or kidnap victim recovered.",
    "warrant_executed": "A search or arrest warrant executed.",
    "cash_seized": "A seizure of criminal cash.",
}
# The 32 London boroughs policed by the Met (the City of London has its own force).
MET_BOROUGHS = (
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden", "Croydon",
    "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey",
    "Harrow", "Havering", "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea",
    "Kingston upon Thames", "Lambeth", "Lewisham", "Merton", "Newham", "Redbridge",
    "Richmond upon Thames", "Southwark", "Sutton", "Tower Hamlets", "Waltham Forest",
    "Wandsworth", "Westminster",
)  # fmt: skip
UNITS = (
    "Specialist Crime Command",
    "Violent Crime Taskforce",
    "Flying Squad",
    *(f"{borough} robbery team" for borough in MET_BOROUGHS),
)


def upgrade() -> None:
    now = datetime.now(UTC)
    types = sa.table(
        "event_types",
        sa.column("name", sa.String),
        sa.column("description", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String),
    )
    units = sa.table(
        "units",
        sa.column("name", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("created_by", sa.String),
    )
    op.bulk_insert(
        types,
        [
            {"name": n, "description": d, "created_at": now, "created_by": "migration"}
            for n, d in EVENT_TYPES.items()
        ],
    )
    op.bulk_insert(
        units, [{"name": n, "created_at": now, "created_by": "migration"} for n in UNITS]
    )


def downgrade() -> None:
    op.execute("DELETE FROM units WHERE created_by = 'migration'")
    op.execute("DELETE FROM event_types WHERE created_by = 'migration'")
