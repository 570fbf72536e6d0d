"""The web app's one error handler: problem details (RFC 9457) for the API and for clients
that ask for JSON, the HTML problem page for people; status, title and headers come from
the error's class, whichever router raised it; a bug stays a 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from crimepulse import stats
from crimepulse.config import Settings
from crimepulse.web.app import create_app
from tests.faults import break_function
from tests.web.conftest import Site

PROBLEM = "application/problem+json"


def test_an_unknown_window_is_a_question_problem_not_a_snapshot_one(client: TestClient) -> None:
    r = client.get("/api/v1/compare", params={"as_of": "2024-01", "window": "bogus"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["title"] == "Cannot answer"  # it was "Cannot build snapshot"
    assert body["status"] == 422 and "'bogus'" in body["detail"]


def test_a_bad_query_value_on_a_read_does_not_talk_about_storing(client: TestClient) -> None:
    r = client.get("/api/v1/grid", params={"as_of": "2024-01", "page": "0"})
    assert r.status_code == 422
    body = r.json()
    assert body["title"] == "Invalid input" and [e["field"] for e in body["errors"]] == ["page"]
    assert body["detail"] == "check page"  # it was "nothing was stored; check page"


def test_a_bad_write_still_says_nothing_was_stored(client: TestClient) -> None:
    r = client.post("/api/v1/snapshots", json={"period": "year"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("nothing was stored; check ")


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_unknown_api_route_is_a_problem_and_unknown_page_a_page(client: TestClient) -> None:
    api = client.get("/api/v1/nowhere", headers=BROWSER)
    assert api.status_code == 404 and api.headers["content-type"].startswith(PROBLEM)
    assert api.json()["title"] == "Not found"
    page = client.get("/nowhere", headers=BROWSER)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and "cannot be answered" not in page.text
    assert "This page does not exist" in page.text
    assert 'href="/"' in page.text.split("<main", 1)[1]  # home and the data page, in the
    assert 'href="/data"' in page.text.split("<main", 1)[1]  # page itself, not only the menu


@pytest.mark.parametrize("accept", ["*/*", None, "application/json", "text/csv"])
def test_an_unknown_url_for_a_client_that_reads_no_html_is_a_problem(
    client: TestClient, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        client.headers.pop("accept", None)  # no Accept at all
    try:
        r = client.get("/nowhere/at/all", headers=headers)
    finally:
        client.headers["accept"] = "*/*"
    assert r.status_code == 404 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json() == {
        "type": "urn:crimepulse:problem:not-found",
        "title": "Not found",
        "status": 404,
        "detail": "nothing is served at /nowhere/at/all",
    }


@pytest.mark.parametrize("path", ["/area/Atlantis", "/static/nowhere.css", "/docs/assets/x.js"])
def test_a_page_that_does_not_exist_never_says_the_question_cannot_be_answered(
    client: TestClient, path: str
) -> None:
    r = client.get(path, headers=BROWSER)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "cannot be answered" not in r.text and "This page does not exist" in r.text


def test_a_question_the_data_cannot_answer_still_says_so(client: TestClient) -> None:
    r = client.get("/grid", params={"as_of": "2030-06-30"}, headers=BROWSER)
    assert r.status_code == 422 and "this question cannot be answered" in r.text
    assert "This page does not exist" not in r.text


def test_a_page_error_is_a_page_unless_json_is_asked_for(client: TestClient) -> None:
    foreign = {"Origin": "http://evil.example"}
    page = client.post("/review/sign-out", headers=foreign)
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
    assert "another site" in page.text and "<h1>Forbidden</h1>" in page.text
    asked = client.post("/review/sign-out", headers={**foreign, "Accept": "application/json"})
    assert asked.status_code == 403 and asked.headers["content-type"].startswith(PROBLEM)
    assert asked.json()["title"] == "Forbidden"


def test_a_bad_week_on_a_page_is_the_problem_page_naming_the_field(client: TestClient) -> None:
    r = client.get("/operations.csv", params={"week": "2024-W99"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "check week" in r.text and "nothing was stored" not in r.text


def test_unauthorized_carries_its_challenge_on_the_full_app(client: TestClient) -> None:
    r = client.post("/api/v1/oplog/events", json={})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json()["title"] == "Unauthorized"


def test_a_snapshot_that_cannot_be_built_keeps_its_title(client: TestClient, site: Site) -> None:
    r = client.post(
        "/api/v1/snapshots",
        json={"period": "fortnight", "as_of": "2023-12", "theme": "violence"},
        headers={"Authorization": f"Bearer {site.recorder_token}"},
    )
    assert r.status_code == 422 and r.json()["title"] == "Cannot build snapshot"
    assert "unknown period 'fortnight'" in r.json()["detail"]


def test_a_value_error_inside_the_statistics_is_a_500(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_function(monkeypatch, stats.compare_with_history)
    with TestClient(create_app(Settings(db=site.db)), raise_server_exceptions=False) as client:
        r = client.get(
            "/api/v1/compare",
            params={"as_of": "2023-12", "category": "robbery", "window": "year"},
        )
    assert r.status_code == 500


def test_many_distinct_422s_leave_the_single_flight_table_empty(client: TestClient) -> None:
    cache = client.app.state.crimepulse.readers.cache  # type: ignore[attr-defined]
    for day in range(1, 29):  # months not published yet: refused while computing the answer
        r = client.get("/api/v1/compare", params={"as_of": f"2030-02-{day:02d}"})
        assert r.status_code == 422 and r.json()["title"] == "Cannot answer"
    assert cache.flights == {}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/oplog/events", "GET, POST"),  # it said only POST
        ("DELETE", "/api/v1/snapshots", "GET, POST"),  # it said only GET
        ("PATCH", "/api/v1/compare", "GET"),
    ],
)
def test_a_405_is_a_problem_naming_every_method_served_there(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["title"] == "Method not allowed" and allow in r.json()["detail"]


def test_a_405_on_a_page_is_the_problem_page(client: TestClient) -> None:
    r = client.request("DELETE", "/grid")
    assert r.status_code == 405 and r.headers["allow"] == "GET"
    assert r.headers["content-type"].startswith("text/html")
