"""RFC 9457 problem details: the one shape every error of the web app takes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


class FieldProblem(Protocol):
    def as_dict(self) -> dict[str, Any]: ...


def problem(
    status: int,
    title: str,
    detail: str,
    errors: Sequence[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem detail; `errors` (field, reason) when the request named bad fields."""
    slug = title.lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"urn:crimepulse:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = [e.as_dict() for e in errors]
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)
