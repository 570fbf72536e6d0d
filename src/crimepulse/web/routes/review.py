"""The reviewer's pages: sign in with a token, then approve and publish snapshots and
approve recorded events. The public never needs to sign in.

The token a reviewer pastes is the outcomes log's API token (roles as in the log:
`reviewer` or `admin`). Signing in starts a server-side session in the log's database
(any worker can serve it): the HttpOnly, SameSite=Strict cookie holds only the session's
random id, never the token, so no other site can post a form with it, and signing out
deletes the session, so a copied cookie stops working too (as it does when the token is
revoked or rotated, or expires). A POST must also name this very origin, scheme included,
in its Origin header (or, from a browser that sends none, its Referer): one from another
site, from http:// when the app is served over https://, or from nowhere at all is refused.
Every action goes through the same log and snapshot store methods as the JSON API, with
the same checks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from crimepulse.errors import Conflict, FieldError, Forbidden, Unauthorized, ValidationFailed
from crimepulse.oplog import Actor, Filters
from crimepulse.snapshot import editing
from crimepulse.state import auth
from crimepulse.state.tables import MAX_ID
from crimepulse.web.deps import REVIEWER_COOKIE, Archive, Log, RowId, reviewer
from crimepulse.web.render import page

router = APIRouter(prefix="/review", include_in_schema=False)
COOKIE = REVIEWER_COOKIE
PENDING_SHOWN = 200


def _same_origin(request: Request) -> None:
    """Refuse a state-changing POST unless it names our origin, scheme included. The check
    compared only the host, and let a POST with no Origin through."""
    ours = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is None and (referer := request.headers.get("referer")):
        parts = urlparse(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin is None:
        raise Forbidden("a form that does not say which site it came from (no Origin)")
    if origin != ours:
        raise Forbidden(f"a form from another site ({origin[:80]}, not {ours})")


async def _form(request: Request) -> dict[str, list[str]]:
    """The urlencoded form (parsed here: no multipart dependency for three fields); the
    caller has checked it comes from this site's own pages (`_same_origin`)."""
    return parse_qs((await request.body()).decode("utf-8", "replace"))


def _event_id(text: str) -> int:
    """A ticked event's id; anything else is bad input naming the field. (`str.isdigit`
    let through "²", which int() refuses, and 5,000 digits, which int() refuses too.)"""
    if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)):
        value = int(text)
        if 1 <= value <= MAX_ID:
            return value
    shown = text if len(text) <= 24 else text[:24] + "…"
    reason = f"{shown!r} is not an event id (a whole number from 1 to {MAX_ID})"
    raise ValidationFailed([FieldError("id", reason)])


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    return page(request, "review.html.j2", status, **context)


@router.get("", response_class=HTMLResponse)
def review_page(request: Request, log: Log, store: Archive, done: str = "") -> HTMLResponse:
    """The sign-in form, or what is waiting for this reviewer."""
    actor = reviewer(request)
    if actor is None:
        return _page(request, actor=None)
    waiting = [
        {**r.as_dict(), "unverified": editing.unverified(store.document(r.id))}
        for r in store.list()
        if r.status in ("draft", "approved")
    ]
    pending = log.list(actor, Filters(status="pending", limit=PENDING_SHOWN))
    return _page(request, actor=actor, snapshots=waiting, events=pending, done=done)


@router.post("/sign-in", response_class=HTMLResponse, response_model=None)
async def sign_in(request: Request, log: Log) -> Response:
    _same_origin(request)
    form = await _form(request)
    token = (form.get("token") or [""])[0].strip()
    try:
        actor = await run_in_threadpool(log.authenticate, token, "web")
    except auth.TokenExpired as exc:
        return _page(request, 401, actor=None, error=f"That token cannot sign in: {exc}.")
    except Unauthorized:
        return _page(request, 401, actor=None, error="That token is not known.")
    if actor.role not in auth.REVIEW:
        error = f"{actor.name} is a {actor.role}; reviewing needs a reviewer or admin token."
        return _page(request, 403, actor=None, error=error)
    session_id = await run_in_threadpool(log.open_session, actor)
    out = RedirectResponse("/review", status_code=303)
    secure = request.url.scheme == "https"
    lifetime = int(auth.SESSION_LIFETIME.total_seconds())
    out.set_cookie(
        COOKIE,
        session_id,
        max_age=lifetime,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    return out


@router.post("/sign-out", response_model=None)
async def sign_out(request: Request, log: Log) -> Response:
    """End the session on the server (the cookie alone no longer signs anyone in), and
    drop the cookie."""
    _same_origin(request)
    await run_in_threadpool(log.end_session, request.cookies.get(COOKIE))
    out = RedirectResponse("/", status_code=303)
    out.delete_cookie(COOKIE, path="/")
    return out


def _edit_page(
    request: Request, actor: Actor, record: Any, text: str, status: int = 200, **more: Any
) -> HTMLResponse:
    return page(
        request, "review_edit.html.j2", status, actor=actor, snapshot=record, text=text, **more
    )


@router.get("/snapshots/{snapshot_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, snapshot_id: RowId, store: Archive) -> HTMLResponse:
    """A draft's words as a template in a text area (numbers as Fact placeholders)."""
    actor = reviewer(request)
    if actor is None:
        return _page(request, 401, actor=None, error="Sign in as a reviewer first.")
    record = store.get(snapshot_id)
    return _edit_page(request, actor, record, store.template(snapshot_id))


@router.post("/snapshots/{snapshot_id}/edit", response_class=HTMLResponse, response_model=None)
async def edit_snapshot(request: Request, snapshot_id: RowId, store: Archive) -> Response:
    """Store the edited words as a new draft version, with the same checks as
    `crimepulse snapshot edit`; a refused edit comes back with each line's reason and the
    text as typed, and nothing is stored. Who is asking is known before the form is read."""
    _same_origin(request)
    actor = reviewer(request)
    if actor is None:
        return _page(request, 401, actor=None, error="Sign in as a reviewer first.")
    form = await _form(request)
    text = (form.get("template") or [""])[0].replace("\r\n", "\n")
    try:
        record = await run_in_threadpool(store.edit, actor, snapshot_id, text)
    except ValidationFailed as exc:
        old = store.get(snapshot_id)
        return _edit_page(request, actor, old, text, 422, problems=exc.errors)
    except Conflict as exc:
        return _page(request, 409, actor=actor, error=str(exc))
    return RedirectResponse(f"/review?done=snapshot+{record.id}+stored+as+edited", 303)


@router.post("/snapshots/{snapshot_id}/{step}", response_class=HTMLResponse, response_model=None)
async def snapshot_step(
    request: Request, snapshot_id: RowId, step: str, store: Archive
) -> Response:
    """Approve a draft or publish an approved snapshot (the form has no fields: its body
    is never read)."""
    _same_origin(request)
    actor = reviewer(request)
    if actor is None:
        return _page(request, 401, actor=None, error="Sign in as a reviewer first.")
    try:
        if step == "approve":
            record = store.approve(actor, snapshot_id)
        elif step == "publish":
            record = store.publish(actor, snapshot_id)
        else:
            return _page(request, 404, actor=actor, error=f"No step {step!r}.")
    except Conflict as exc:
        return _page(request, 409, actor=actor, error=str(exc))
    return RedirectResponse(f"/review?done=snapshot+{record.id}+{record.status}", 303)


@router.post("/events", response_class=HTMLResponse, response_model=None)
async def approve_events(request: Request, log: Log) -> Response:
    """Approve the ticked events, or every pending one. Who is asking is known before the
    form is read: a stranger's form is refused unread."""
    _same_origin(request)
    actor = reviewer(request)
    if actor is None:
        return _page(request, 401, actor=None, error="Sign in as a reviewer first.")
    form = await _form(request)
    ids = [_event_id(i) for i in form.get("id", [])]
    everything = (form.get("all") or [""])[0] == "1"
    if not ids and not everything:
        return _page(request, 422, actor=actor, error="Tick at least one event.")
    result = log.approve(actor, ids or None, all_pending=everything and not ids)
    n = len(result.approved)
    return RedirectResponse(f"/review?done={n}+events+approved", 303)
