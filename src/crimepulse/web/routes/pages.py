"""The public dashboard: server-rendered pages over the same Facts as the JSON API.

Each page answers one question (README, "Dashboard") and works without JavaScript: forms
are GET forms, sorting is a link, every table links to the API's CSV of the same question,
and every asset comes from this app (/static). A question the data cannot answer (a
window finer than the data, a month not yet published) is a 422 page that says why,
never a zero. `mount(app)` adds the pages, the static files and the reviewer's pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from crimepulse.core.reference import london
from crimepulse.errors import AreaError, QuestionError
from crimepulse.web import catalog, charts
from crimepulse.web import viewmodels as views
from crimepulse.web.deps import Archive, Dep, Log
from crimepulse.web.render import page, unanswerable
from crimepulse.web.routes import review
from crimepulse.web.urls import urls

router = APIRouter(include_in_schema=False)


def pick_as_of(r: Dep, as_of: str | None) -> str:
    return as_of or views.default_as_of(r)


# -- pages --------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, r: Dep, log: Log, store: Archive, as_of: str | None = None
) -> HTMLResponse:
    """The latest published snapshot and the force-wide headline grid."""
    as_of = pick_as_of(r, as_of)
    latest = catalog.archive(log)[:1]
    headline = None
    if latest:
        document = store.document(latest[0]["id"])
        section = document.sections[0] if document.sections else None
        paragraphs = [document.text(b.spans) for b in section.blocks] if section else []
        headline = {
            **latest[0],
            "paragraphs": paragraphs[:3],
            "clock": views.snapshot_clock(document.meta, as_of),
        }
    try:
        grid = views.grid(r, as_of, "force", "groups", "month,ytd,fy")
    except QuestionError as exc:
        return unanswerable(request, "Headline figures", exc, as_of=as_of)
    csv = urls.csv("grid", as_of=as_of, areas="force", categories="groups")
    csv += "&windows=month%2Cytd%2Cfy"
    return page(
        request,
        "home.html.j2",
        snapshot=headline,
        grid=grid,
        rows=grid.rows,
        as_of=as_of,
        months=views.months_published(r),
        csv=csv,
    )


@router.get("/grid", response_class=HTMLResponse)
def grid_page(
    request: Request,
    r: Dep,
    as_of: str | None = None,
    areas: str = "boroughs",
    categories: str = "groups",
    windows: str = "month,ytd,fy",
    vs: str = "last-year",
    source: str = "",
    area: str = "",
    sort: str = "area",
    dir: str = "asc",
    page_no: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> HTMLResponse:
    """Areas × categories × windows: counts, change, % change and significance, a page of
    `views.PAGE_ROWS` rows at a time (the ward grid is 8,827 rows); the CSV is every row."""
    as_of = pick_as_of(r, as_of)
    form = {
        "as_of": as_of,
        "areas": areas,
        "categories": categories,
        "windows": windows,
        "vs": vs,
        "source": source,
        "area": area,
    }
    context: dict[str, Any] = {"form": form, "options": _options(r), "sort": sort, "dir": dir}
    try:
        view = views.grid(r, as_of, areas, categories, windows, vs, source or None)
    except QuestionError as exc:
        return unanswerable(request, "The grid", exc, **context)
    rows = views.sort_rows(view, sort, dir == "desc")
    if area:
        rows = [row for row in rows if row.area == area]
    shown, pager = views.paginate(
        rows, page_no, lambda n: urls.page("/grid", **form, sort=sort, dir=dir, page=n)
    )
    csv = urls.csv(
        "grid",
        as_of=as_of,
        areas=areas,
        categories=categories,
        windows=windows,
        vs=vs,
        source=source,
    )
    return page(request, "grid.html.j2", view=view, rows=shown, pager=pager, csv=csv, **context)


@router.get("/series", response_class=HTMLResponse)
def series_page(
    request: Request, r: Dep, area: str = "all", category: str = "robbery", source: str = ""
) -> HTMLResponse:
    """One area × category over time, with its expected band, flags and breaks."""
    form = {"area": area, "category": category, "source": source}
    try:
        s = views.series(r, area, category, source or None)
    except QuestionError as exc:
        return unanswerable(request, "The series", exc, form=form)
    csv = urls.csv("series", area=area, category=category, source=source)
    return page(request, "series.html.j2", s=s, form=form, csv=csv)


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    r: Dep,
    as_of: str | None = None,
    category: str = "robbery",
    window: str = "ytd",
    measure: str = "change",
) -> HTMLResponse:
    """Boroughs coloured by count, rate per 1,000 or change; each a link with its figures."""
    as_of = pick_as_of(r, as_of)
    measure = measure if measure in charts.MEASURES else "change"
    form = {"as_of": as_of, "category": category, "window": window, "measure": measure}
    context: dict[str, Any] = {"form": form, "options": _options(r)}
    try:
        m = views.map_view(r, as_of, category, window, measure)
    except QuestionError as exc:
        return unanswerable(request, "The map", exc, **context)
    csv = urls.csv(
        "map", as_of=as_of, category=category, window=window, measure=measure, vs="last-year"
    )
    return page(request, "map.html.j2", m=m, csv=csv, measures=charts.MEASURES, **context)


@router.get("/area", response_class=HTMLResponse, response_model=None)
def area_pick(name: str = "") -> Response:
    """The borough picker's target: on to that borough's page."""
    code = london.borough_code(name) if name else None
    return RedirectResponse(f"/area/{code}" if code else "/", status_code=303)


@router.get("/area/{name}", response_class=HTMLResponse)
def area_page(
    request: Request, name: str, r: Dep, log: Log, as_of: str | None = None
) -> HTMLResponse:
    """Everything about one borough: its grid, flags, place on the map and snapshots."""
    code = london.borough_code(name)
    if code is None or code == london.CITY_OF_LONDON:
        exc = AreaError(f"{name!r} is not a London borough policed by the Met")
        return page(request, "problem.html.j2", 404, title="No such borough", detail=str(exc))
    borough = london.BOROUGHS[code]
    as_of = pick_as_of(r, as_of)
    context: dict[str, Any] = {"borough": borough, "code": code, "as_of": as_of}
    context["months"] = views.months_published(r)
    try:
        view = views.grid(r, as_of, "boroughs", "groups", "month,ytd,fy")
        m = views.map_view(r, as_of, "all", "ytd", "change", here=code)
        flags = views.flags(r, as_of, borough)
    except QuestionError as exc:
        return unanswerable(request, borough, exc, **context)
    ranked = sorted(m["rows"], key=lambda row: -(row["current"] or 0))
    position = next((i + 1 for i, row in enumerate(ranked) if row["code"] == code), None)
    ops = catalog.operations(log, views.the_clock(r, log).week, "borough")  # the one clock
    ops_rows = [row for row in ops["rows"] if row["group"]["borough"] == borough]
    csv = urls.csv("grid", as_of=as_of, areas="boroughs", categories="groups")
    return page(
        request,
        "area.html.j2",
        view=view,
        rows=[row for row in view.rows if row.area_code == code],
        m=m,
        position=position,
        of=len(ranked),
        flags=flags,
        ops=ops,
        ops_rows=ops_rows,
        snapshots=catalog.archive(log, borough),
        csv=csv + "&windows=month%2Cytd%2Cfy",
        flags_csv=urls.csv("flags", as_of=as_of),
        **context,
    )


@router.get("/operations", response_class=HTMLResponse)
def operations_page(
    request: Request, r: Dep, log: Log, week: str = "", by: str = "event_type"
) -> HTMLResponse:
    """What the police did: a week's approved outcomes, each compared three ways."""
    by = by if by in catalog.BY else "event_type"
    week = week or views.the_clock(r, log).week  # the week every page calls the latest
    try:
        report = catalog.operations(log, week, by)
    except QuestionError as exc:
        return unanswerable(request, "Police action", exc, form={"week": week, "by": by})
    csv = urls.page("/operations.csv", week=report["week"], by=by)
    return page(
        request,
        "operations.html.j2",
        report=report,
        by=by,
        dims=catalog.BY,
        baselines=catalog.BASELINES,
        csv=csv,
    )


@router.get("/operations.csv")
def operations_csv(r: Dep, log: Log, week: str = "", by: str = "event_type") -> Response:
    by = by if by in catalog.BY else "event_type"
    report = log.weekly(week or views.the_clock(r, log).week, [by]).as_dict()
    body = catalog.operations_csv(report, by)
    name = f"police-action-{report['week']}-by-{by}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/snapshots", response_class=HTMLResponse)
def snapshots_page(request: Request, log: Log) -> HTMLResponse:
    """The archive: every published snapshot, its versions and corrections."""
    return page(request, "snapshots.html.j2", items=catalog.archive(log))


@router.get("/snapshots.csv")
def snapshots_csv(log: Log) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="snapshots.csv"'}
    body = catalog.archive_csv(catalog.archive(log))
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/data", response_class=HTMLResponse)
def data_page(request: Request, r: Dep) -> HTMLResponse:
    """Sources, coverage, editions, gaps and caveats; how the tests work."""
    return page(request, "data.html.j2", d=catalog.data(r), csv=urls.csv("sources"))


def _options(r: Dep) -> dict[str, Any]:
    return {
        "months": views.months_published(r),
        "windows": views.WINDOWS,
        "levels": views.LEVELS,
        "categories": views.CATEGORY_LEVELS,
        "comparisons": views.COMPARISONS,
        "sources": views.SOURCES,
    }


def mount(app: FastAPI) -> None:
    """Serve the pages, the reviewer's pages and /static from `app` (an error a page does
    not answer itself is the problem page of web.errors)."""
    app.include_router(router)
    app.include_router(review.router)
    app.mount("/static", StaticFiles(packages=[("crimepulse.web", "static")]), name="static")
