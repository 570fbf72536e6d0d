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
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from crimepulse.analysis import measures
from crimepulse.analysis.engine import Analysis
from crimepulse.analysis.question import GridQuestion, Question
from crimepulse.store.coverage import coverage
from crimepulse.store.warehouse import Warehouse
from crimepulse.web.urls import API_PREFIX

router = APIRouter(prefix=API_PREFIX, tags=["public data"])


class Readers:
    """One read-only DuckDB connection per process; a cursor and an Analysis per thread
    (a DuckDB connection is not shared between threads)."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.warehouse = Warehouse(db, read_only=True)
        self.local = threading.local()
        self.cache = ResponseCache()

    def analysis(self) -> Analysis:
        found: Analysis | None = getattr(self.local, "analysis", None)
        if found is None:
            found = self.local.analysis = Analysis.from_duckdb(self.cursor())
        return found

    def cursor(self) -> duckdb.DuckDBPyConnection:
        con: duckdb.DuckDBPyConnection | None = getattr(self.local, "cursor", None)
        if con is None:
            con = self.local.cursor = self.warehouse.con.cursor()
        return con

    def data_version(self) -> str:
        """Changes whenever a file is ingested: the newest batch and the number of batches."""
        row = self.cursor().execute("SELECT max(batch_id), count(*) FROM batches").fetchall()[0]
        return f"{row[0]}-{row[1]}"

    def close(self) -> None:
        self.warehouse.close()


def readers(request: Request) -> Readers:
    found: Readers = request.app.state.readers
    return found


Dep = Annotated[Readers, Depends(readers)]
AsOf = Annotated[str, Query(description="Windows end on this date (YYYY-MM-DD or YYYY-MM).")]
SourceKey = Literal["mps", "police.uk", "feed"]
Fmt = Annotated[str | None, Query(alias="format", description="json (default) or csv")]


class ResponseCache:
    """Rendered responses by (data version, request): answers are pure functions of the data,
    so a repeated question costs a dictionary lookup until the next ingest. Bounded (LRU).

    Single flight: when many clients ask the same new question at once, one thread computes
    it and the others wait for that answer instead of all computing it (a cache stampede).
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()
        self.flights: dict[str, threading.Lock] = {}
        self.hits = self.misses = 0

    def get_or_compute(
        self, key: str, compute: Callable[[], tuple[bytes, str]]
    ) -> tuple[bytes, str]:
        found = self.get(key)
        if found is not None:
            return found
        with self.lock:
            flight = self.flights.setdefault(key, threading.Lock())
        with flight:
            found = self.get(key)  # computed by the thread we waited for
            if found is None:
                found = compute()
                self.put(key, found)
        with self.lock:
            self.flights.pop(key, None)
        return found

    def get(self, key: str) -> tuple[bytes, str] | None:
        with self.lock:
            found = self.items.get(key)
            if found is None:
                self.misses += 1
                return None
            self.items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: str, value: tuple[bytes, str]) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _respond(
    request: Request,
    r: Readers,
    payload: Callable[[], Any],
    table: Callable[[Any], pa.Table],
    fmt: str | None,
) -> Response:
    """JSON or CSV, with an ETag from the data version and the request, and 304 on a match."""
    wants_csv = fmt == "csv" or "text/csv" in request.headers.get("accept", "")
    key = f"{r.data_version()}|{request.url.path}|{sorted(request.query_params.multi_items())}"
    key = f"{key}|{wants_csv}"
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60", "Vary": "Accept"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)

    def render() -> tuple[bytes, str]:
        result = payload()
        if wants_csv:
            out = io.BytesIO()
            pacsv.write_csv(table(result), out)
            return out.getvalue(), "text/csv; charset=utf-8"
        data = result.as_dict() if hasattr(result, "as_dict") else result
        return json.dumps(data, default=str).encode(), "application/json"

    body, media_type = r.cache.get_or_compute(key, render)
    return Response(body, media_type=media_type, headers=headers)


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
def compare(
    request: Request,
    r: Dep,
    as_of: AsOf,
    area: str = "all",
    category: str = "all",
    window: str = "ytd",
    vs: str = "last-year",
    measure: str = "count",
    source: str | None = None,
    force: str = "metropolitan",
    fmt: Fmt = None,
) -> Response:
    def payload() -> Any:
        question = Question(
            area=area,
            category=category,
            window=window,
            as_of=as_of,
            vs=vs,
            measure=measure,
            source=source,
            force=force,
        )
        return r.analysis().compare(question)

    return _respond(request, r, payload, lambda f: _rows([f.as_dict()]), fmt)


@router.get("/grid", summary="The CompStat grid, FDR-controlled, one fact per cell (paged)")
def grid(
    request: Request,
    r: Dep,
    as_of: AsOf,
    areas: str = "boroughs",
    categories: str = "major",
    windows: str = "28d,ytd,fy",
    vs: str = "last-year",
    source: str | None = None,
    force: str = "metropolitan",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=5000)] = 100,
    fmt: Fmt = None,
) -> Response:
    def payload() -> dict[str, Any]:
        question = GridQuestion(
            areas=areas,
            categories=categories,
            windows=windows,
            as_of=as_of,
            vs=vs,
            source=source,
            force=force,
        )
        g = r.analysis().grid(question)
        cells = g.to_arrow().to_pylist()
        start = (page - 1) * per_page
        return {
            "meta": g.meta,
            "page": page,
            "per_page": per_page,
            "total": len(cells),
            "cells": cells[start : start + per_page],
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
    force: str = "metropolitan",
    fmt: Fmt = None,
) -> Response:
    def payload() -> Any:
        question = Question(area=area, category=category, source=source, force=force)
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
    force: str = "metropolitan",
    fmt: Fmt = None,
) -> Response:
    def payload() -> list[dict[str, Any]]:
        question = GridQuestion(
            areas=areas, categories=categories, as_of=as_of, source=source, force=force
        )
        return [f.as_dict() for f in r.analysis().flags(question)]

    return _respond(request, r, payload, _rows, fmt)


@router.get("/map", summary="Per-borough values of one category and window, for a map")
def map_values(
    request: Request,
    r: Dep,
    as_of: AsOf,
    category: str = "all",
    window: str = "ytd",
    vs: str = "last-year",
    measure: str = "count",
    source: str | None = None,
    force: str = "metropolitan",
    fmt: Fmt = None,
) -> Response:
    def payload() -> list[dict[str, Any]]:
        a = r.analysis()
        g = a.grid(
            GridQuestion(
                areas="boroughs",
                categories=category,
                windows=window,
                as_of=as_of,
                vs=vs,
                source=source,
                force=force,
            )
        )
        rates = Question(
            category=category, window=window, as_of=as_of, vs=vs, source=source, force=force
        )
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
                rate = a.compare(rates.replace(area=f.area.name, measure="rate"))
                row["rate_per_1000"] = rate.value
            out.append(row)
        return out

    return _respond(request, r, payload, _rows, fmt)


@router.get("/stop-search", summary="Searches, arrest rate and find rate in a window")
def stop_search(
    request: Request,
    r: Dep,
    as_of: AsOf,
    window: str = "month",
    force: str = "metropolitan",
    fmt: Fmt = None,
) -> Response:
    def payload() -> list[dict[str, Any]]:
        return [f.as_dict() for f in measures.stop_search(r.analysis(), window, as_of, force=force)]

    return _respond(request, r, payload, _rows, fmt)
