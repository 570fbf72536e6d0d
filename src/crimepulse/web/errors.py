"""The web app's one error handler: every error of ours, whichever router raised it, answered
the same way, as RFC 9457 problem details or as the HTML problem page.

`install(app)` registers it once, for the root of the error tree (`crimepulse.errors`),
for FastAPI's request validation and for an unknown route. Status, title and headers come
from the error's class, so no router keeps its own list of classes (four of them did, each
app-wide, so the snapshot router's titles answered the public API's questions). A client
gets JSON problem details for an /api/ path, or when it asks for JSON; a person gets the
problem page. An unknown URL has no page to speak for it: a browser (which says it reads
HTML) gets the "page not found" page, any other client problem details. Anything else is
a bug, and stays a 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Scope

from crimepulse.errors import CrimepulseError, FieldError, ValidationFailed

PROBLEM = "application/problem+json"
READS = frozenset({"GET", "HEAD", "OPTIONS"})
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


class FieldProblem(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


def problem(
    status: int,
    title: str,
    detail: str,
    errors: Sequence[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A problem detail; `errors` (field, reason) when the request named bad fields, and
    `extra` members a client of that route reads (RFC 9457 extensions)."""
    slug = title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        **(extra or {}),
        "type": f"urn:crimepulse:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [e.as_dict() for e in errors]
    return JSONResponse(
        body, status_code=status, media_type=PROBLEM, headers=dict(headers or {}) or None
    )


def wants_json(request: Request) -> bool:
    """JSON for the API and for clients that ask for it; the HTML page for browsers."""
    accept = request.headers.get("accept", "")
    return request.url.path.startswith("/api/") or "json" in accept


def reads_html(request: Request) -> bool:
    """Whether the client says it reads HTML, as a browser does for every page it opens
    (curl, httpx and scripts send `*/*` or nothing)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def answer(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: Sequence[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
    as_json: bool | None = None,
) -> Response:
    """The problem as JSON problem details or as the problem page, as the request wants
    (or as `as_json` says). The page words it by status: only a 422 is a question the
    data cannot answer; a 404 says the page does not exist."""
    if wants_json(request) if as_json is None else as_json:
        return problem(status, title, detail, errors, headers)
    from crimepulse.web.render import page  # render reaches the log through deps

    out = page(request, "problem.html.j2", status, title=title, detail=detail)
    out.headers.update(headers or {})
    return out


def check_fields(request: Request, errors: Sequence[FieldError]) -> str:
    """What to fix; a write also says that it stored nothing (a read never stores)."""
    fields = ", ".join(dict.fromkeys(e.field for e in errors))
    return f"check {fields}" if request.method in READS else f"nothing was stored; check {fields}"


def request_errors(exc: RequestValidationError) -> list[FieldError]:
    """FastAPI's validation errors as (field, reason), the field without its location."""
    found = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        reason = "required" if err.get("type") == "missing" else str(err.get("msg"))
        if err.get("type") == "json_invalid":
            loc, reason = [], f"invalid JSON: {err.get('ctx', {}).get('error', 'syntax error')}"
        found.append(FieldError(".".join(loc) or "(body)", reason))
    return found


async def crimepulse_error(request: Request, exc: CrimepulseError) -> Response:
    """Any error of the tree: its class says the status, the title and the headers."""
    if isinstance(exc, ValidationFailed):
        detail = check_fields(request, exc.errors)
        return answer(request, exc.status, exc.title, detail, exc.errors, exc.headers)
    return answer(request, exc.status, exc.title, str(exc), headers=exc.headers)


async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """A query, path or body value FastAPI refused before the route ran."""
    errors = request_errors(exc)
    title = ValidationFailed.title
    return answer(request, ValidationFailed.status, title, check_fields(request, errors), errors)


def served(app: Any, scope: Scope) -> bool:
    """Whether some route of `app` serves this scope's method and path in full."""
    return any(route.matches(scope)[0] == Match.FULL for route in app.router.routes)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path, asked of the routes themselves (they
    may be nested in included routers). Starlette's own 405 named only the first route's
    (PUT /oplog/events said `Allow: POST`, though GET is served there too)."""
    return [
        method for method in METHODS if served(request.app, {**request.scope, "method": method})
    ]


async def unknown_route(request: Request, exc: HTTPException) -> Response:
    """No route here: a problem like any other 404; a method not served here a 405 problem
    with every method that is (`Allow`); other HTTP errors as FastAPI answers them."""
    path = request.url.path
    if exc.status_code == 405:
        allow = ", ".join(allowed_methods(request))
        detail = f"{request.method} is not served at {path}; use {allow}"
        return answer(request, 405, "Method not allowed", detail, headers={"Allow": allow})
    if exc.status_code != 404:
        return await http_exception_handler(request, exc)
    # No page here, so the path cannot say who is asking: the page for a browser, problem
    # details for the API and for any client that does not say it reads HTML.
    as_json = wants_json(request) or not reads_html(request)
    return answer(request, 404, "Not found", f"nothing is served at {path}", as_json=as_json)


def install(app: FastAPI) -> None:
    """Answer every error of ours, a refused request value and an unknown route in `app`."""
    app.exception_handler(CrimepulseError)(crimepulse_error)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(HTTPException)(unknown_route)
