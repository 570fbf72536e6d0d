"""The one renderer of pages: the Jinja environment (templates, navigation, the house
number style, the URL builder) and `page()`, used by every page, the reviewer's pages and
the HTML problem page alike."""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from crimepulse.analysis.question import source_label
from crimepulse.core.reference import london
from crimepulse.core.reference.forces import force
from crimepulse.present import numbers, words
from crimepulse.web.deps import reviewer_name, synthetic
from crimepulse.web.urls import urls

NAV = [
    ("/", "Home"),
    ("/grid", "Grid"),
    ("/map", "Map"),
    ("/operations", "Police action"),
    ("/snapshots", "Snapshots"),
    ("/data", "Data and methods"),
]


def boroughs() -> list[tuple[str, str]]:
    """(code, name) of the 32 boroughs the Met polices (the City is its own force)."""
    return sorted(
        ((c, n) for c, n in london.BOROUGHS.items() if c != london.CITY_OF_LONDON),
        key=lambda item: item[1],
    )


def force_name(slug: str | None) -> str:
    """A series' force as a reader knows it; a table that is no force's data says so (the
    population is the boroughs', not the police's)."""
    return force(slug).name if slug else "not police data"


@cache
def environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("crimepulse.web", "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(nav=NAV, boroughs=boroughs(), fmt=numbers, label=words.label, urls=urls)
    env.globals.update(source_name=source_label, force_name=force_name)
    return env


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = (
        environment()
        .get_template(template)
        .render(
            path=request.url.path,
            reviewer=reviewer_name(request),
            synthetic=synthetic(request),
            status=status,
            **context,
        )
    )
    return HTMLResponse(html, status_code=status)


def unanswerable(request: Request, title: str, exc: Exception, **context: Any) -> HTMLResponse:
    """A question the data cannot answer, as a 422 page that says why (never a zero)."""
    return page(request, "problem.html.j2", 422, title=title, detail=str(exc), **context)
