"""`python -m crimepulse.demo.publish DB AS_OF`: publish the demo's weekly snapshot, so the
dashboard's home page has one (`make run` does this).

Drafts, approves and publishes as the local admin, exactly as a reviewer would through
the workflow; does nothing when that week's snapshot is already published, so `make run`
can be repeated.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta

import crimepulse
from crimepulse.oplog import OutcomesLog
from crimepulse.snapshot import archive


def publish_week(db: str, as_of: str, theme: str = "violence") -> str:
    with crimepulse.open(db, read_only=True) as cp, OutcomesLog.open(None, db) as log:
        store = archive.SnapshotStore(log)
        me = log.local_actor()
        series = archive.series_key("week", theme, "all")
        day = date.fromisoformat(as_of)
        for r in store.list(series=series, status="published"):
            if timedelta(0) <= day - r.as_of < timedelta(days=7):  # that week is out
                return f"snapshot {r.id} ({series}, {r.as_of}) already published"
        record = archive.draft(cp, store, me, "week", as_of, theme)
        store.approve(me, record.id)
        store.publish(me, record.id)
        return f"published snapshot {record.id} ({record.series}, {record.as_of})"


if __name__ == "__main__":
    print(publish_week(sys.argv[1], sys.argv[2]))
