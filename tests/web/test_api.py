"""The public read API over a small warehouse the tests write."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.web.app import create_app
from tests.factories import write

MONTHS = [f"{y}{m:02d}" for y in (2021, 2022, 2023) for m in range(1, 13)]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("api")
    rows = [
        ",".join(
            [
                "ROBBERY",
                "ROBBERY OF PERSONAL PROPERTY",
                b,
                *(str(n * (2 if m.startswith("2023") else 1)) for m in MONTHS),
            ]
        )
        for b, n in (("Camden", 20), ("Hackney", 5), ("Westminster", 40))
    ]
    write(
        root / "data" / "mps.csv",
        ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]),
        rows,
    )
    db = root / "w.duckdb"
    with crimepulse.open(db) as cp:
        cp.ingest(root / "data")
    with TestClient(create_app(Settings(db=db, oplog_url=f"sqlite:///{root / 'log.sqlite'}"))) as c:
        yield c


def test_compare_is_a_fact(client: TestClient) -> None:
    r = client.get(
        "/api/v1/compare",
        params={"as_of": "2023-12", "area": "camden", "category": "robbery", "window": "year"},
    )
    assert r.status_code == 200
    fact = r.json()
    # two years of data: no history to judge by, so no verdict; the exact test's is kept
    assert (fact["current"], fact["previous"]) == (480, 240)
    assert fact["verdict"] == "not enough history" and fact["p_value"] is None
    assert fact["stats"]["poisson_verdict"] == "up"
    assert r.headers["etag"] and "max-age" in r.headers["cache-control"]


def test_etag_revalidation_gives_304(client: TestClient) -> None:
    url = "/api/v1/compare?as_of=2023-12&category=robbery&window=ytd"
    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = client.get(
        url.replace("ytd", "quarter"), headers={"If-None-Match": first.headers["etag"]}
    )
    assert other.status_code == 200


def test_unanswerable_question_is_a_problem_detail(client: TestClient) -> None:
    r = client.get("/api/v1/compare", params={"as_of": "2023-12-31", "window": "7d"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 422 and "day-level data" in body["detail"]


def test_grid_pages_and_csv(client: TestClient) -> None:
    r = client.get(
        "/api/v1/grid",
        params={"as_of": "2023-12", "windows": "year,quarter", "per_page": 4, "page": 2},
    )
    body = r.json()
    assert body["total"] == 3 * 2 and len(body["cells"]) == 2 and body["page"] == 2
    as_csv = client.get(
        "/api/v1/grid",
        params={"as_of": "2023-12", "windows": "year"},
        headers={"Accept": "text/csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {r["area"] for r in rows} == {"Camden", "Hackney", "Westminster"}


def test_series_map_sources_and_openapi(client: TestClient) -> None:
    series = client.get("/api/v1/series", params={"area": "Hackney", "category": "robbery"})
    points = series.json()["points"]
    assert len(points) == 36 and points[-1]["count"] == 10 and "expected" in points[-1]
    values = client.get(
        "/api/v1/map", params={"as_of": "2023-12", "category": "robbery", "window": "year"}
    ).json()
    assert {v["code"] for v in values} == {"E09000007", "E09000012", "E09000033"}
    sources = client.get("/api/v1/sources?format=csv")
    assert sources.status_code == 200 and "counts" in sources.text
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/compare", "/api/v1/grid", "/api/v1/series"} <= set(spec["paths"])
    # the outcomes log's bearer token is declared: required to write, optional to read
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An outcomes-log token (`crimepulse users add NAME --role ...`)",
    }
    events = spec["paths"]["/api/v1/oplog/events"]
    assert events["post"]["security"] == [{"bearerAuth": []}]
    assert events["get"]["security"] == [{"bearerAuth": []}, {}]
    assert "security" not in spec["paths"]["/api/v1/compare"]["get"]  # public questions
    # a write may be refused as too large before it is read (web.limits); a read never is
    assert "413" in events["post"]["responses"] and "413" not in events["get"]["responses"]
