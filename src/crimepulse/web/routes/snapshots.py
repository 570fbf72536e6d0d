"""HTTP routes for snapshots: the public archive and the review workflow (FastAPI).

`router` serves under /snapshots; `mount(app, cp, log)` adds it, with the warehouse and
the outcomes log it needs, to the one web app at `API_PREFIX`/snapshots. Reading
published snapshots needs no token; drafting needs any signed-in user, approving and
publishing a `reviewer` (or admin) token: 401 without a token, 403 for the wrong role,
409 for a step out of order. Errors are problem details, as for the outcomes log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI
from fastapi.responses import Response

from crimepulse.errors import NotFound
from crimepulse.snapshot import FORMATS
from crimepulse.snapshot import archive as st
from crimepulse.state import auth
from crimepulse.web.deps import Archive, Facade, RowId
from crimepulse.web.routes.oplog import User
from crimepulse.web.urls import API_PREFIX

router = APIRouter(prefix="/snapshots", tags=["snapshots"])
MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "post": "text/plain; charset=utf-8",
    "social": "text/plain; charset=utf-8",
}


@router.get("")
def archive(store: Archive, period: str | None = None, theme: str | None = None) -> dict[str, Any]:
    """Published snapshots, series by series in date order (public)."""
    return {"items": store.archive(period, theme)}


@router.get("/versions")
def versions(store: Archive, who: User, status: str | None = None) -> dict[str, Any]:
    """Every stored version, drafts included (any signed-in role)."""
    auth.require(who.actor(store.log), auth.READ, "reading drafts")
    return {"items": [r.as_dict() for r in store.list(status=status)]}


@router.get("/{snapshot_id}")
def record(snapshot_id: RowId, store: Archive, who: User) -> dict[str, Any]:
    """A version's workflow record (drafts need a token)."""
    found = store.get(snapshot_id)
    if found.status != "published":
        auth.require(who.actor(store.log), auth.READ, "reading drafts")
    return found.as_dict()


@router.get("/{snapshot_id}/{fmt}")
def output(snapshot_id: RowId, fmt: str, store: Archive, who: User) -> Response:
    """A version's stored output (md, html, pdf, json, post, social), exactly as approved."""
    if fmt not in FORMATS:
        raise NotFound(f"no format {fmt!r}; use {', '.join(FORMATS)}")
    found = store.get(snapshot_id)
    if found.status != "published":
        auth.require(who.actor(store.log), auth.READ, "reading drafts")
    body = store.output(snapshot_id, fmt)
    return Response(body, media_type=MEDIA[fmt])


@router.post("", status_code=201)
def create(
    store: Archive,
    cp: Facade,
    who: User,
    period: Annotated[str, Body()],
    as_of: Annotated[str, Body()],
    theme: Annotated[str, Body()],
    area: Annotated[str, Body()] = "all",
) -> dict[str, Any]:
    """Build a snapshot from the current data and store it as a draft."""
    actor = who.actor(store.log)
    auth.require(actor, auth.READ, "drafting snapshots")
    return st.draft(cp, store, actor, period, as_of, theme, area, force=cp.settings.force).as_dict()


@router.post("/{snapshot_id}/approve")
def approve(snapshot_id: RowId, store: Archive, who: User) -> dict[str, Any]:
    """draft -> approved (reviewer or admin)."""
    return store.approve(who.actor(store.log), snapshot_id).as_dict()


@router.post("/{snapshot_id}/publish")
def publish(snapshot_id: RowId, store: Archive, who: User) -> dict[str, Any]:
    """approved -> published (reviewer or admin)."""
    return store.publish(who.actor(store.log), snapshot_id).as_dict()


@router.post("/{snapshot_id}/correct", status_code=201)
def correct(
    snapshot_id: RowId,
    store: Archive,
    cp: Facade,
    who: User,
    note: Annotated[str, Body(embed=True)],
) -> dict[str, Any]:
    """A new draft version of a published snapshot with a visible correction note."""
    actor = who.actor(store.log)
    auth.require(actor, auth.READ, "correcting snapshots")
    return st.correct(cp, store, actor, snapshot_id, note).as_dict()


def mount(app: FastAPI, prefix: str = API_PREFIX) -> None:
    """Serve the snapshot routes from `app` at `prefix`/snapshots (the warehouse and the
    archive: web.deps)."""
    app.include_router(router, prefix=prefix)
