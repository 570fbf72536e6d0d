"""Request bodies are limited, and writes authenticated, before a byte of the body is read.

FastAPI reads and parses a route's whole body before any dependency runs, so a token
checked in the route came too late: an anonymous 256 MB sign-in form grew the server by
575 MB, and a 64 MB JSON body was parsed before its 401. `BodyLimits` is a pure ASGI
middleware (it sees the request before Starlette builds one, and the body only as the app
asks for it):

- a write to the JSON API (any method but GET, HEAD and OPTIONS on a route under
  `API_PREFIX`) without a valid bearer token is a 401 problem, the body unread;
- a `Content-Length` over the route's limit is a 413 problem, the body unread;
- a body sent without a length (chunked) is counted as the app reads it, and the read
  stops with a 413 at the first chunk past the limit.

The limit depends on what the route reads (`BodyKind`): a JSON write, a page's form, or a
CSV upload to the log's import; `Settings` holds the three (`max_json_bytes`,
`max_form_bytes`, `max_upload_bytes`).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crimepulse.config import Settings
from crimepulse.errors import Unauthorized
from crimepulse.state.auth import Actor
from crimepulse.web.errors import READS, answer, served
from crimepulse.web.urls import API_PREFIX, OPLOG_PATH

Authenticate = Callable[[str | None, str], Actor]  # OutcomesLog.authenticate
TITLE = "Content too large"
ACTOR = "crimepulse.actor"  # where the checked actor waits in the request's state


class BodyKind(StrEnum):
    """What a route reads from its body, which sets how large the body may be."""

    json = "JSON body"
    form = "form"
    upload = "upload"


UPLOADS = frozenset({f"{OPLOG_PATH}/imports"})  # the log's CSV import
FORMS = "/review/"  # the reviewer's pages post urlencoded forms


def body_kind(path: str) -> BodyKind:
    if path in UPLOADS:
        return BodyKind.upload
    if path.startswith(FORMS):
        return BodyKind.form
    return BodyKind.json


def limits(settings: Settings) -> dict[BodyKind, int]:
    return {
        BodyKind.json: settings.max_json_bytes,
        BodyKind.form: settings.max_form_bytes,
        BodyKind.upload: settings.max_upload_bytes,
    }


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (None without the header);
    any other scheme, or an empty token, is refused."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use Authorization: Bearer <token>")
    return token.strip()


def client_of(scope: Scope, user_agent: str) -> str:
    """Who sent a request, as the audit trail records it: address and user agent."""
    found = scope.get("client")
    host = found[0] if found else "unknown"
    return f"{host} {user_agent}".strip()[:200]


def signed_in_actor(scope: Scope) -> Actor | None:
    """The actor whose token `BodyLimits` checked for this request (None for a read)."""
    found = scope.get("state", {}).get(ACTOR)
    return found if isinstance(found, Actor) else None


class TooLarge(Exception):
    """The body went past its limit while the app read it."""


class BodyLimits:
    """The ASGI middleware (see the module docstring); `authenticate` checks a token
    against the log (it may query the database, so it runs in a worker thread)."""

    def __init__(self, app: ASGIApp, *, settings: Settings, authenticate: Authenticate) -> None:
        self.app = app
        self.limits = limits(settings)
        self.authenticate = authenticate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        kind = body_kind(request.url.path)
        limit = self.limits[kind]
        if self.guarded(scope) and not await self.signed_in(request, send):
            return
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await self.too_large(request, send, kind, limit)
            return
        await self.counted(request, receive, send, kind, limit)

    def guarded(self, scope: Scope) -> bool:
        """A write served by a route of the JSON API: every one needs a token."""
        if scope["method"] in READS or not scope["path"].startswith(f"{API_PREFIX}/"):
            return False
        return "app" in scope and served(scope["app"], scope)

    async def signed_in(self, request: Request, send: Send) -> bool:
        """Check the bearer token; answer 401 (the body unread) when it is not valid."""
        headers = request.headers
        try:
            token = bearer_token(headers.get("authorization"))
            client = client_of(request.scope, headers.get("user-agent", ""))
            actor = await to_thread.run_sync(self.authenticate, token, client)
        except Unauthorized as exc:
            out = answer(request, exc.status, exc.title, str(exc), headers=exc.headers)
            await out(request.scope, _nothing, send)
            return False
        request.scope.setdefault("state", {})[ACTOR] = actor  # the route need not ask again
        return True

    async def too_large(self, request: Request, send: Send, kind: BodyKind, limit: int) -> None:
        detail = f"a {kind} here may be at most {limit:,} bytes; nothing was read or stored"
        out = answer(request, 413, TITLE, detail)
        await out(request.scope, _nothing, send)

    async def counted(
        self, request: Request, receive: Receive, send: Send, kind: BodyKind, limit: int
    ) -> None:
        """Pass the request on, counting its body as the app reads it; past the limit, the
        read fails and whatever the app makes of that is replaced by a 413."""
        state: dict[str, Any] = {"read": 0, "over": False, "started": False}

        async def limited() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["read"] += len(message.get("body", b""))
                if state["read"] > limit:
                    state["over"] = True
                    raise TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state["over"]:
                return  # the app's answer to a read that failed: the 413 replaces it
            state["started"] = True
            await send(message)

        try:
            await self.app(request.scope, limited, guarded_send)
        except Exception:
            if not state["over"]:
                raise
        if state["over"] and not state["started"]:
            await self.too_large(request, send, kind, limit)


async def _nothing() -> Message:
    """A receive for our own answers, which read no body."""
    return {"type": "http.disconnect"}
