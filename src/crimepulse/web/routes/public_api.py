"""The public read API, /api/v1: facts, grid, series, flags, map values and sources.

Stateless and cacheable: every response carries an ETag derived from the warehouse's
data version and the request, so clients and proxies revalidate cheaply, and several
processes can serve one warehouse file (read-only). Tables come as JSON, or as CSV with
`?format=csv` or `Accept: text/csv`. Errors are RFC 9457 problem details (web.errors): a
question the data cannot answer is a 422 that says why, a bug a 500.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from crimepulse.analysis import measures, selection
from crimepulse.analysis.question import WARD, GridQuestion, Question
from crimepulse.store.coverage import coverage
from crimepulse.web.deps import Dep, Readers
from crimepulse.web.urls import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["public data"])


AsOf = Annotated[str, Query(description="Windows end on this date (YYYY-MM-DD or YYYY-MM).")]
SourceKey = Literal["mps", "police.uk", "feed"]
FORCE_HELP = "The force's id, as data.police.uk spells it (default: the deployment's force)."
ForceQuery = Annotated[str | None, Query(description=FORCE_HELP)]
Fmt = Annotated[str | None, Query(alias="format", description="json (default) or csv")]


def asked_about(
    r: Dep,
    as_of: AsOf,
    category: str = "all",
    window: str = "ytd",
    vs: str = "last-year",
    source: str | None = None,
    force: ForceQuery = None,
) -> Question:
    """The question's words shared by every route that asks about one window (parsed once:
    a word that cannot be asked is a 422 that says why)."""
    return Question(
        category=category,
        window=window,
        as_of=as_of,
        vs=vs,
        source=source,
        force=force or r.force,
    )


AskedAbout = Annotated[Question, Depends(asked_about)]


def asked(q: AskedAbout, area: str = "all", measure: str = "count") -> Question:
    """A whole comparison question: the shared words, an area and a measure."""
    return q.replace(area=area, measure=measure)


def asked_grid(
    r: Dep,
    as_of: AsOf,
    areas: str = "boroughs",
    categories: str = "major",
    windows: str = "28d,ytd,fy",
    vs: str = "last-year",
    source: str | None = None,
    force: ForceQuery = None,
) -> GridQuestion:
    """A grid question: areas × categories × windows."""
    return GridQuestion(
        areas=areas,
        categories=categories,
        windows=windows,
        as_of=as_of,
        vs=vs,
        source=source,
        force=force or r.force,
    )


Asked = Annotated[Question, Depends(asked)]
AskedGrid = Annotated[GridQuestion, Depends(asked_grid)]


CSV_BATCH_ROWS = 2_000  # rows written per chunk of a streamed CSV


def _wants_csv(request: Request, fmt: str | None) -> bool:
    """CSV when `format=csv` is asked for or the client accepts text/csv."""
    return fmt == "csv" or "text/csv" in request.headers.get("accept", "")


def _respond(
    request: Request,
    r: Readers,
    payload: Callable[[], Any],
    table: Callable[[Any], pa.Table],
    fmt: str | None,
) -> Response:
    """JSON or CSV, with an ETag from the data version and the request, and 304 on a match.
    A CSV is the whole table, streamed in chunks of `CSV_BATCH_ROWS` rows (the table, not
    its text, is what the cache keeps), so a large download neither waits for nor holds
    its whole body."""
    wants_csv = _wants_csv(request, fmt)
    key = f"{r.data_version()}|{request.url.path}|{sorted(request.query_params.multi_items())}"
    key = f"{key}|{wants_csv}"
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Accept"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if wants_csv:
        found = r.cache.get_or_compute(key, lambda: table(payload()))
        return StreamingResponse(
            csv_chunks(found), media_type="text/csv; charset=utf-8", headers=headers
        )

    def render() -> bytes:
        result = payload()
        data = result.as_dict() if hasattr(result, "as_dict") else result
        return json.dumps(data, default=str).encode()

    body = r.cache.get_or_compute(key, render)
    return Response(body, media_type="application/json", headers=headers)


def csv_chunks(found: pa.Table, rows: int = CSV_BATCH_ROWS) -> Iterator[bytes]:
    """The table as CSV: the header and the first rows, then `rows` rows a chunk."""
    if found.num_rows == 0:
        out = io.BytesIO()
        pacsv.write_csv(found, out)
        yield out.getvalue()
        return
    for i, batch in enumerate(found.to_batches(max_chunksize=rows)):
        out = io.BytesIO()
        pacsv.write_csv(batch, out, write_options=pacsv.WriteOptions(include_header=i == 0))
        yield out.getvalue()


def _rows(items: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist([{k: _flat(v) for k, v in item.items()} for item in items])


def _flat(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return value


@router.get("/sources", summary="Coverage of every series: months, rows, gaps, suspect months")
def sources(request: Request, r: Dep, fmt: Fmt = None) -> Response:
    def payload() -> list[dict[str, Any]]:
        return [s.as_dict() for s in coverage(r.cursor())]

    return _respond(request, r, payload, _rows, fmt)


@router.get("/compare", summary="One count, rate or harm total against a comparison: a Fact")
def compare(request: Request, r: Dep, question: Asked, fmt: Fmt = None) -> Response:
    def payload() -> Any:
        return r.analysis().compare(question)

    return _respond(request, r, payload, lambda f: _rows([f.as_dict()]), fmt)


@router.get("/grid", summary="The CompStat grid, FDR-controlled, one fact per cell (paged)")
def grid(
    request: Request,
    r: Dep,
    question: AskedGrid,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[
        int | None,
        Query(ge=1, le=5000, description="Cells a page (JSON: 100; CSV: every cell)."),
    ] = None,
    fmt: Fmt = None,
) -> Response:
    """JSON comes a page at a time with the total; CSV is every cell unless a page is asked
    for, so a download is never cut at a page size. A ward shared by name between two
    boroughs is named as it can be asked for, "Abbey (Merton)", never bare "Abbey"."""
    wants_csv = _wants_csv(request, fmt)
    size = per_page or (None if wants_csv else 100)

    def payload() -> dict[str, Any]:
        a = r.analysis()
        g = a.grid(question)
        cells = g.to_arrow().to_pylist()
        if question.level == WARD:
            specs = selection.ward_specs(a.tables, question.force)
            for cell in cells:
                cell["area"] = specs.get(cell["area_code"] or "", cell["area"])
        start = (page - 1) * (size or 0)
        return {
            "meta": g.meta,
            "page": page,
            "per_page": size or len(cells),
            "total": len(cells),
            "cells": cells[start : start + size] if size else cells,
        }

    return _respond(request, r, payload, lambda p: _rows(p["cells"]), fmt)


@router.get("/series", summary="One area × category over time, with expected bands and breaks")
def series_(
    request: Request,
    r: Dep,
    area: str = "all",
    category: str = "all",
    start: str | None = None,
    end: str | None = None,
    source: SourceKey | None = None,
    force: ForceQuery = None,
    fmt: Fmt = None,
) -> Response:
    def payload() -> Any:
        question = Question(area=area, category=category, source=source, force=force or r.force)
        return r.analysis().series(question, start=start, end=end)

    return _respond(request, r, payload, lambda s: _rows(s.points), fmt)


@router.get("/flags", summary="Series outside their seasonal expectation (FDR-controlled)")
def flags(
    request: Request,
    r: Dep,
    as_of: AsOf,
    areas: Literal["boroughs", "force", "wards"] = "boroughs",
    categories: str = "major",
    source: SourceKey = "mps",
    force: ForceQuery = None,
    fmt: Fmt = None,
) -> Response:
    def payload() -> list[dict[str, Any]]:
        question = GridQuestion(
            areas=areas, categories=categories, as_of=as_of, source=source, force=force or r.force
        )
        return [f.as_dict() for f in r.analysis().flags(question)]

    return _respond(request, r, payload, _rows, fmt)


@router.get("/map", summary="Per-borough values of one category and window, for a map")
def map_values(
    request: Request, r: Dep, question: AskedAbout, measure: str = "count", fmt: Fmt = None
) -> Response:
    def payload() -> list[dict[str, Any]]:
        a = r.analysis()
        g = a.grid(question.across("boroughs"))
        rates = measures.rates_per_1000(a, g.facts) if measure == "rate" else {}
        out = []
        for f in g.facts:
            if not f.area.code:
                continue  # "Unknown" and the airports have no place on a map
            row = {
                "borough": f.area.name,
                "code": f.area.code,
                "count": f.current,
                "previous": f.previous,
                "change_pct": f.change_pct,
                "verdict": f.verdict,
                "q_value": f.q_value,
                "fact_id": f.id,
            }
            if measure == "rate":
                row["rate_per_1000"] = rates[f.area.code]
            out.append(row)
        return out

    return _respond(request, r, payload, _rows, fmt)


@router.get("/stop-search", summary="Searches, arrest rate and find rate in a window")
def stop_search(
    request: Request,
    r: Dep,
    as_of: AsOf,
    window: str = "month",
    force: ForceQuery = None,
    fmt: Fmt = None,
) -> Response:
    def payload() -> list[dict[str, Any]]:
        return [
            f.as_dict()
            for f in measures.stop_search(r.analysis(), window, as_of, force=force or r.force)
        ]

    return _respond(request, r, payload, _rows, fmt)
