"""Where things live in the web app: one URL builder for the routes, the pages and the CLI.

The routers mount under `API_PREFIX`, the CLI's remote client (`crimepulse log --server
URL`) builds its URLs from the same constants, and pages and templates link through
`urls` (Datasette's `Urls` pattern), so a link and the route it points at cannot disagree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

API_PREFIX = "/api/v1"
OPLOG_PATH = f"{API_PREFIX}/oplog"
SNAPSHOTS_PATH = f"{API_PREFIX}/snapshots"


def _kept(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v not in (None, "")}


def _query(params: dict[str, Any]) -> str:
    return urlencode(_kept(params))


class Urls:
    """Every link the app writes."""

    def api(self, path: str, **params: Any) -> str:
        """A JSON API route (`grid`, `series`, ...) with its query."""
        query = _query(params)
        return f"{API_PREFIX}/{path}" + (f"?{query}" if query else "")

    def csv(self, path: str, **params: Any) -> str:
        """The JSON API's CSV of the same question (every table can be downloaded whole)."""
        return f"{API_PREFIX}/{path}?" + urlencode({**_kept(params), "format": "csv"})

    def snapshot(self, snapshot_id: int, fmt: str = "html") -> str:
        """One archived snapshot in one of its formats (html, pdf, json, md, post)."""
        return f"{SNAPSHOTS_PATH}/{snapshot_id}/{fmt}"

    def series(self, **params: Any) -> str:
        """The series page of one area × category."""
        return "/series?" + _query(params)

    def area(self, code: str) -> str:
        """One borough's page."""
        return f"/area/{quote(code)}"

    def page(self, path: str, **params: Any) -> str:
        """Any page, with its query."""
        query = _query(params)
        return path + (f"?{query}" if query else "")


urls = Urls()
