"""Glue shared by the Python API, the CLI and the HTTP routes: open the outcomes log
beside a warehouse, pick the acting user, build with the log's operational results.

It takes any `WarehouseFactSource` (the facade, `crimepulse.Crimepulse`, is one), so the
snapshot floor never imports the facade that sits above it."""

from __future__ import annotations

from crimepulse.core.reference.forces import DEFAULT_FORCE
from crimepulse.oplog import Actor, OutcomesLog
from crimepulse.snapshot.builder import build
from crimepulse.snapshot.model import Snapshot
from crimepulse.snapshot.source import WarehouseFactSource


def build_with_log(
    cp: WarehouseFactSource,
    period: str,
    as_of: str,
    theme: str,
    area: str = "all",
    oplog: bool = True,
    oplog_url: str | None = None,
    charts: bool = True,
    *,
    force: str = DEFAULT_FORCE,
) -> Snapshot:
    """Build with the outcomes log beside the warehouse (or at `oplog_url`), if wanted."""
    if not oplog:
        return build(cp, period, as_of, theme, area, force=force, charts=charts)
    with OutcomesLog.open(oplog_url, cp.db) as log:
        return build(cp, period, as_of, theme, area, log=log, force=force, charts=charts)


def actor(log: OutcomesLog, token: str | None) -> Actor:
    """The user holding `token`, else the local CLI user (an admin)."""
    return log.authenticate(token, client="cli") if token else log.local_actor()
