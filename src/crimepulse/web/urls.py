"""Where things live in the web app: the API's prefix, said once.

The routers mount under `API_PREFIX`, and the CLI's remote client (`crimepulse log
--server URL`) builds its URLs from the same constant, so a client and the server it
talks to cannot disagree about a path.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"
OPLOG_PATH = f"{API_PREFIX}/oplog"
SNAPSHOTS_PATH = f"{API_PREFIX}/snapshots"
