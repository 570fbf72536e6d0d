"""What the CLI talks to: the log itself (an admin on the server) or its HTTP API.

Both answer with plain dicts (the JSON the API returns) and raise the same exceptions
(ValidationFailed, NotFound, Unauthorized, Forbidden, Conflict), so every command works
the same way with `--db` / `--oplog-url` or with `--server URL --token T`.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any, NoReturn, Protocol

import httpx

from crimepulse.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from crimepulse.oplog.importer import ImportProgress
from crimepulse.oplog.log import OutcomesLog
from crimepulse.oplog.queries import Filters

USER_AGENT = f"crimepulse-cli/{version('crimepulse')}"


class Backend(Protocol):
    def add(self, raw: dict[str, Any], key: str | None = None) -> dict[str, Any]: ...
    def amend(self, event_id: int, raw: dict[str, Any], key: str | None) -> dict[str, Any]: ...
    def approve(self, ids: list[int], week: str | None, all_pending: bool) -> dict[str, Any]: ...
    def events(self, filters: Filters) -> list[dict[str, Any]]: ...
    def import_csv(self, path: Path, progress: ImportProgress | None) -> dict[str, Any]: ...
    def weekly(self, week: str | None, by: list[str], everything: bool) -> dict[str, Any]: ...
    def add_event_type(self, name: str, description: str) -> str: ...
    def add_unit(self, name: str) -> str: ...
    def close(self) -> None: ...


class Local:
    """Direct access to the log database as the local admin user."""

    def __init__(self, log: OutcomesLog) -> None:
        self.log = log
        self.actor = log.local_actor()

    def add(self, raw: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        return self.log.add(self.actor, raw, key).as_dict()

    def amend(self, event_id: int, raw: dict[str, Any], key: str | None) -> dict[str, Any]:
        return self.log.amend(self.actor, event_id, raw, key).as_dict()

    def approve(self, ids: list[int], week: str | None, all_pending: bool) -> dict[str, Any]:
        return self.log.approve(self.actor, ids or None, week, all_pending).as_dict()

    def events(self, filters: Filters) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.log.list(self.actor, filters)]

    def import_csv(self, path: Path, progress: ImportProgress | None) -> dict[str, Any]:
        return self.log.import_csv(self.actor, path, progress=progress).as_dict()

    def weekly(self, week: str | None, by: list[str], everything: bool) -> dict[str, Any]:
        return self.log.weekly(week, by, approved_only=not everything).as_dict()

    def add_event_type(self, name: str, description: str) -> str:
        return self.log.add_event_type(self.actor, name, description)

    def add_unit(self, name: str) -> str:
        return self.log.add_unit(self.actor, name)

    def close(self) -> None:
        self.log.close()


class Remote:
    """The log's HTTP API at `base_url` (e.g. http://127.0.0.1:8000/api/v1/oplog: the CLI
    builds it from the web app's own prefix), signed in with `token`."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 60.0) -> None:
        headers = {"User-Agent": USER_AGENT}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, **kwargs)
        if response.is_success:
            return response.json()
        raise_problem(response)

    def add(self, raw: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        result: dict[str, Any] = self._call("POST", "/events", json=raw, headers=headers)
        return result

    def amend(self, event_id: int, raw: dict[str, Any], key: str | None) -> dict[str, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        path = f"/events/{event_id}/amendments"
        result: dict[str, Any] = self._call("POST", path, json=raw, headers=headers)
        return result

    def approve(self, ids: list[int], week: str | None, all_pending: bool) -> dict[str, Any]:
        body = {"event_ids": ids or None, "week": week, "all_pending": all_pending}
        result: dict[str, Any] = self._call("POST", "/approvals", json=body)
        return result

    def events(self, filters: Filters) -> list[dict[str, Any]]:
        params = {k: v for k, v in vars(filters).items() if v is not None}
        items: list[dict[str, Any]] = self._call("GET", "/events", params=params)["items"]
        return items

    def import_csv(self, path: Path, progress: ImportProgress | None) -> dict[str, Any]:
        response = self.http.post(
            "/imports",
            content=path.read_bytes(),
            params={"name": path.name},
            headers={"Content-Type": "text/csv"},
            timeout=600,
        )
        if response.status_code in (200, 422) and "rows" in response.json():
            result: dict[str, Any] = response.json()
            return result
        raise_problem(response)

    def weekly(self, week: str | None, by: list[str], everything: bool) -> dict[str, Any]:
        params: dict[str, Any] = {"by": by, "status": "all" if everything else "approved"}
        if week:
            params["week"] = week
        result: dict[str, Any] = self._call("GET", "/aggregates/weekly", params=params)
        return result

    def add_event_type(self, name: str, description: str) -> str:
        body = {"name": name, "description": description}
        return str(self._call("POST", "/event-types", json=body)["name"])

    def add_unit(self, name: str) -> str:
        return str(self._call("POST", "/units", json={"name": name})["name"])

    def close(self) -> None:
        self.http.close()


def raise_problem(response: httpx.Response) -> NoReturn:
    """Turn a problem-details answer back into the exception the local log would raise."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):  # not JSON (a proxy's page): its text
        body = {}
    detail = str(body.get("detail") or response.text[:200] or response.reason_phrase)
    status = response.status_code
    if status == 422 and body.get("errors"):
        raise ValidationFailed([FieldError(e["field"], e["reason"]) for e in body["errors"]])
    if status == 401:
        raise Unauthorized(detail)
    if status == 403:
        raise Forbidden(detail)
    if status == 404:
        raise NotFound(detail)
    if status in (409, 422):
        raise Conflict(detail, status)
    raise RuntimeError(f"server answered {status}: {detail}")
