"""The OpenAPI spec says what the API really answers: problem details (RFC 9457) for the
errors each operation can give, and a bad query value is a 422 that says why.

FastAPI documents only 200 and its own 422 shape; the routes answer 401/403 without a
token or with the wrong role, 404 for an unknown id, 409 for a workflow step out of
order, and 422 problem details for a question the data cannot answer. Clients (and
schemathesis) read the spec, so it lists them.

The spec is browsable at /docs (Swagger UI) and /redoc (ReDoc), both served from this app:
FastAPI's own pages load their scripts, a favicon and (ReDoc) Google fonts from CDNs, so
offline they were blank and online they broke the rule that nothing is loaded from outside
the app. The assets come from the pinned `fastapi-offline` package (its static folder,
MIT; Swagger UI is Apache-2.0, ReDoc MIT), not from a copy kept in this repository.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from crimepulse.web.errors import PROBLEM
from crimepulse.web.urls import OPLOG_PATH, SNAPSHOTS_PATH

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["type", "title", "status"],
}
WORDS = {
    "400": "A body that is not what the operation reads",
    "401": "No token, or an unknown one",
    "403": "The token's role may not do this",
    "404": "No such item",
    "409": "A step out of order",
    "422": "Invalid input, or a question the data cannot answer",
}
GUARDED = (OPLOG_PATH, SNAPSHOTS_PATH)
BEARER = "bearerAuth"  # the security scheme's name in components.securitySchemes
DOCS_ASSETS = "/docs/assets"  # Swagger UI's and ReDoc's scripts, served by this app
ASSETS_PACKAGE = ("fastapi_offline", "static")  # swagger-ui-bundle.js, redoc.standalone.js, ...
# The browser may fetch nothing but this app (ReDoc's sidebar shows a logo from its vendor's
# CDN, unconditionally: refused here, so it is never requested). Swagger UI starts from an
# inline script, and both style themselves inline.
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
    ]
)


def _problems(path: str) -> dict[str, Any]:
    codes = list(WORDS) if path.startswith(GUARDED) else ["400", "422"]
    content = {PROBLEM: {"schema": PROBLEM_SCHEMA}, "application/json": {"schema": PROBLEM_SCHEMA}}
    out = {c: {"description": WORDS[c], "content": content} for c in codes}
    # A body FastAPI cannot parse is its own 400 ({"detail": ...}), before any route runs.
    out["400"]["content"] = {"application/json": {"schema": {"type": "object"}}}
    return out


def install(app: FastAPI) -> None:
    """Document the problem responses, and answer a malformed value with a 422."""

    def spec() -> dict[str, Any]:
        if app.openapi_schema is None:
            found = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for path, operations in found.get("paths", {}).items():
                for method, operation in operations.items():
                    operation.setdefault("responses", {}).update(_problems(path))
                    if path.startswith(GUARDED):
                        # writes need the token; reads take it when given (a reviewer
                        # sees more), so for them it is optional ({} = no credentials)
                        bearer: list[dict[str, list[str]]] = [{BEARER: []}]
                        operation["security"] = bearer if method != "get" else [*bearer, {}]
            found.setdefault("components", {}).setdefault("securitySchemes", {})[BEARER] = {
                "type": "http",
                "scheme": "bearer",
                "description": "An outcomes-log token (`crimepulse users add NAME --role ...`)",
            }
            app.openapi_schema = found
        return app.openapi_schema

    app.openapi = spec  # type: ignore[method-assign]
    serve_docs(app)


def serve_docs(app: FastAPI) -> None:
    """/docs and /redoc over `app.openapi_url`, every asset from `DOCS_ASSETS` (the app was
    built with FastAPI's own docs pages turned off)."""
    spec_url = app.openapi_url or "/openapi.json"
    app.mount(DOCS_ASSETS, StaticFiles(packages=[ASSETS_PACKAGE]), name="docs-assets")

    def local_only(page: HTMLResponse) -> HTMLResponse:
        page.headers["Content-Security-Policy"] = DOCS_POLICY
        return page

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return local_only(
            get_swagger_ui_html(
                openapi_url=spec_url,
                title=f"{app.title}: the JSON API",
                swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                # no badge from the public validator service: nothing leaves the app
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return local_only(
            get_redoc_html(
                openapi_url=spec_url,
                title=f"{app.title}: the JSON API",
                redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )
