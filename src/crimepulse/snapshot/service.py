"""Glue shared by the CLI and the HTTP routes: who is acting on the snapshot workflow.

(The facade builds snapshots with its own outcomes log: `crimepulse.Crimepulse.snapshot`.)"""

from __future__ import annotations

from crimepulse.oplog import Actor, OutcomesLog


def actor(log: OutcomesLog, token: str | None) -> Actor:
    """The user holding `token`, else the local CLI user (an admin)."""
    return log.authenticate(token, client="cli") if token else log.local_actor()
