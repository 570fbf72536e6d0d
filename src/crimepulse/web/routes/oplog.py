"""HTTP API of the operational outcomes log (FastAPI).

`router` holds the endpoints under /oplog; `mount(app, log)` adds it, with the open log,
to the one web app (`crimepulse.web.app.create_app`) at `API_PREFIX`/oplog.

Writes need `Authorization: Bearer <token>` (401 without, 403 for the wrong role) and
accept `Idempotency-Key`. Errors are RFC 9457 problem details (application/problem+json,
answered by web.errors) with, for validation, an `errors` list of {field, reason}. The
public (no token) reads only approved, aggregated figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from crimepulse.errors import FieldError, FileRefused, Unauthorized, ValidationFailed
from crimepulse.oplog import Actor, Filters, OutcomesLog
from crimepulse.oplog.validate import AmendmentIn, EventIn
from crimepulse.state import auth
from crimepulse.state.tables import MAX_ID
from crimepulse.web.deps import AfterId, Log, Offset, RowId
from crimepulse.web.errors import problem
from crimepulse.web.limits import bearer_token, client_of, signed_in_actor
from crimepulse.web.urls import API_PREFIX

router = APIRouter(prefix="/oplog", tags=["operational outcomes log"])


# --- plumbing -------------------------------------------------------------------------


def mount(app: FastAPI, prefix: str = API_PREFIX) -> None:
    """Serve the log's endpoints from `app` at `prefix`/oplog (the log: web.deps)."""
    app.include_router(router, prefix=prefix)


@dataclass(frozen=True)
class Credentials:
    """The bearer token (if any) and the client it came from; checked in the endpoint's
    worker thread (async dependencies cost no thread hop; the check may hit the DB). A
    write's token was checked already, before its body was read (`web.limits`): that
    actor is used, not looked up twice."""

    token: str | None
    client: str
    checked: Actor | None = None

    def actor(self, log: OutcomesLog) -> Actor:
        return self.checked or log.authenticate(self.token, self.client)

    def maybe_actor(self, log: OutcomesLog) -> Actor | None:
        return None if self.token is None else self.actor(log)


async def credentials(request: Request) -> Credentials:
    client = client_of(request.scope, request.headers.get("user-agent", ""))
    token = bearer_token(request.headers.get("authorization"))
    return Credentials(token, client, signed_in_actor(request.scope))


User = Annotated[Credentials, Depends(credentials)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
JsonObject = Annotated[dict[str, Any], Body()]


def _schema(model: type[EventIn] | type[AmendmentIn]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _written(payload: dict[str, Any], replayed: bool, status: int = 201) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(payload, status_code=status, headers=headers)


# --- events -----------------------------------------------------------------------------


@router.post("/events", status_code=201, openapi_extra=_schema(EventIn))
def create_event(
    payload: JsonObject, who: User, log: Log, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Record an event (recorder, admin). A retry with the same Idempotency-Key replays."""
    event = log.add(who.actor(log), payload, idempotency_key)
    return _written(event.as_dict(), event.replayed)


@router.get("/events")
def list_events(
    who: User,
    log: Log,
    week: Annotated[str | None, Query(description="ISO week, e.g. 2025-W07")] = None,
    since: date | None = None,
    until: date | None = None,
    event_type: str | None = None,
    theme: str | None = None,
    unit: str | None = None,
    borough: str | None = None,
    status: Annotated[str, Query(pattern="^(all|pending|approved)$")] = "all",
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Current versions of events, by date (any signed-in role)."""
    filters = Filters(week, since, until, event_type, theme, unit, borough, status, limit, offset)
    items = log.list(who.actor(log), filters)
    return {"items": [e.as_dict() for e in items], "limit": limit, "offset": offset}


@router.get("/events/{event_id}")
def get_event(event_id: RowId, who: User, log: Log) -> dict[str, Any]:
    """An event's current value and every version (the original, then amendments)."""
    auth.require(who.actor(log), auth.READ, "reading events")
    versions = log.history(event_id)
    return {"current": versions[-1].as_dict(), "versions": [v.as_dict() for v in versions]}


@router.post("/events/{event_id}/amendments", status_code=201, openapi_extra=_schema(AmendmentIn))
def amend_event(
    event_id: RowId,
    payload: JsonObject,
    who: User,
    log: Log,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Append a corrected version (recorder, admin): the fields given, plus a reason."""
    event = log.amend(who.actor(log), event_id, payload, idempotency_key)
    return _written(event.as_dict(), event.replayed)


@router.post("/events/{event_id}/approval")
def approve_event(
    event_id: RowId, who: User, log: Log, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Approve the event's current version for publication (reviewer, admin)."""
    done = log.approve(who.actor(log), [event_id], idempotency_key=idempotency_key)
    return _written(done.as_dict(), done.replayed, 200)


def _an_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


@router.post("/approvals")
def approve_many(
    payload: JsonObject, who: User, log: Log, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Approve several events: {"event_ids": [...]}, {"week": "2025-W07"} and/or
    {"all_pending": true} (reviewer, admin)."""
    unknown = set(payload) - {"event_ids", "week", "all_pending"}
    ids = payload.get("event_ids")
    errors = [FieldError(k, "unknown field") for k in sorted(unknown)]
    if ids is not None and not (isinstance(ids, list) and all(_an_id(i) for i in ids)):
        errors.append(FieldError("event_ids", f"a list of event ids (integers 1 to {MAX_ID})"))
    if errors:
        raise ValidationFailed(errors)
    week, everything = payload.get("week"), payload.get("all_pending") is True
    done = log.approve(who.actor(log), ids, week, everything, idempotency_key)
    return _written(done.as_dict(), done.replayed, 200)


@router.post("/imports", openapi_extra={"requestBody": {"content": {"text/csv": {}}}})
async def import_events(
    request: Request, who: User, log: Log, name: str = "upload.csv"
) -> JSONResponse:
    """Import a CSV (the body, text/csv) in one transaction; per-row report of rejects.
    Its size is limited (413) and its token checked before it is read (`web.limits`)."""
    data = await request.body()
    actor = await run_in_threadpool(who.actor, log)
    report = await run_in_threadpool(log.import_csv, actor, data, Path(name).name)
    if report.file_error:  # a problem like every other 422, the report's members kept
        title, detail = FileRefused.title, f"nothing was stored: {report.file_error}"
        return problem(FileRefused.status, title, detail, extra=report.as_dict())
    return JSONResponse(report.as_dict())


# --- administration ---------------------------------------------------------------------


@router.get("/audit")
def read_audit(
    who: User,
    log: Log,
    after_id: AfterId = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:
    """The append-only audit trail: who did what, when, from which client (reviewer, admin)."""
    return [entry.as_dict() for entry in log.audit(who.actor(log), after_id, limit)]


@router.get("/event-types")
def list_event_types(log: Log) -> dict[str, str]:
    return log.event_types()


@router.post("/event-types", status_code=201)
def add_event_type(payload: JsonObject, who: User, log: Log) -> dict[str, str]:
    """Register an event type (admin): {"name": ..., "description": ...}."""
    name = log.add_event_type(
        who.actor(log), str(payload.get("name") or ""), str(payload.get("description") or "")
    )
    return {"name": name}


@router.get("/units")
def list_units(log: Log) -> list[str]:
    return log.units()


@router.post("/units", status_code=201)
def add_unit(payload: JsonObject, who: User, log: Log) -> dict[str, str]:
    """Register a unit (admin): {"name": ...}."""
    return {"name": log.add_unit(who.actor(log), str(payload.get("name") or ""))}


@router.post("/users", status_code=201)
def add_user(payload: JsonObject, who: User, log: Log) -> dict[str, Any]:
    """Create a user (admin): {"name", "role"}. The token is in this answer only."""
    created, token = log.add_user(
        who.actor(log), str(payload.get("name") or ""), str(payload.get("role"))
    )
    return {"user": created.as_dict(), "token": token}


# --- public figures ---------------------------------------------------------------------

ByQuery = Annotated[list[str], Query(description="event_type, theme, unit and/or borough")]


def _approved_only(status: str, user: Actor | None) -> bool:
    if status == "approved":
        return True
    if user is None:
        raise Unauthorized("unapproved figures need a reviewer's token")
    auth.require(user, auth.REVIEW, "reading unapproved figures")
    return False


@router.get("/aggregates/weekly")
def weekly(
    log: Log,
    who: User,
    week: str | None = None,
    by: ByQuery = ["event_type"],  # noqa: B006 (FastAPI copies defaults)
    status: Annotated[str, Query(pattern="^(approved|all)$")] = "approved",
) -> dict[str, Any]:
    """One ISO week's figures per group, with 4-week, 13-week and last-year comparisons.

    Public: approved figures only. `status=all` (reviewer, admin) includes pending ones.
    """
    return log.weekly(week, by, _approved_only(status, who.maybe_actor(log))).as_dict()


@router.get("/aggregates/series")
def weekly_series(
    log: Log,
    who: User,
    since_week: str,
    until_week: str,
    by: ByQuery = ["event_type"],  # noqa: B006
    status: Annotated[str, Query(pattern="^(approved|all)$")] = "approved",
) -> list[dict[str, Any]]:
    """Weekly totals per group, zero-filled from the log's first week on."""
    return log.series(since_week, until_week, by, _approved_only(status, who.maybe_actor(log)))
