"""The operational outcomes log: what the force did, recorded once, audited, counted.

from crimepulse.oplog import OutcomesLog, Filters
log = OutcomesLog.open(db="london.duckdb")   # or url="postgresql+psycopg://..."
me = log.local_actor()                       # or log.authenticate(token)
event = log.add(me, {"event_type": "firearm_recovered", "count": 2, ...})
log.amend(me, event.id, {"count": 3, "reason": "one more found"})
log.approve(reviewer, [event.id])
log.weekly("2025-W07", by=["event_type"])    # approved figures with comparisons
"""

from crimepulse.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from crimepulse.oplog.log import OutcomesLog
from crimepulse.oplog.models import Approval, AuditEntry, Event, ImportReport, User
from crimepulse.oplog.queries import Filters, week_bounds, week_of
from crimepulse.state.auth import Actor, Role

__all__ = [
    "Actor",
    "Approval",
    "AuditEntry",
    "Conflict",
    "Event",
    "FieldError",
    "Filters",
    "Forbidden",
    "ImportReport",
    "NotFound",
    "OutcomesLog",
    "Role",
    "Unauthorized",
    "User",
    "ValidationFailed",
    "week_bounds",
    "week_of",
]
