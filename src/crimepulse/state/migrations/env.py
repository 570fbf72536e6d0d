"""Alembic environment for the outcomes log, run programmatically by crimepulse.

No alembic.ini: `crimepulse.state.migrate.upgrade` builds the Config in code and hands
over an open connection (already inside a write transaction) in
`config.attributes["connection"]`, so the whole upgrade commits or rolls back as one.
"""

from __future__ import annotations

from alembic import context

from crimepulse.state.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
