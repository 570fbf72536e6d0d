"""No request value can crash the server: ids beyond what a 64-bit id column holds, an
as-of date at the end of the calendar, a form id that is not a number, a NUL byte in a
filter. Each is a 4xx problem naming the field, on SQLite and on PostgreSQL (it was a
500 from the database or from Python's date arithmetic)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from crimepulse.oplog import Role
from crimepulse.web.routes.review import COOKIE
from tests.web.test_oplog_api import Api, api, problem_fields

__all__ = ["api"]  # the fixture, on both engines

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAST_32_BIT, PAST_64_BIT, HUGE = 2**31, 2**63, 10**30
SAME = {"Origin": "http://testserver"}  # a form from the app's own pages


def id_requests(n: int) -> list[tuple[str, str, Role | None, dict[str, Any]]]:
    """Every route that takes an id or an offset, asked with `n`."""
    note = {"json": {"note": "typo"}}
    return [
        ("GET", f"/api/v1/snapshots/{n}", None, {}),
        ("GET", f"/api/v1/snapshots/{n}/md", None, {}),
        ("POST", f"/api/v1/snapshots/{n}/approve", Role.reviewer, {}),
        ("POST", f"/api/v1/snapshots/{n}/publish", Role.reviewer, {}),
        ("POST", f"/api/v1/snapshots/{n}/correct", Role.reviewer, note),
        ("GET", f"/api/v1/oplog/events/{n}", Role.reviewer, {}),
        ("POST", f"/api/v1/oplog/events/{n}/amendments", Role.recorder, {"json": {"count": 3}}),
        ("POST", f"/api/v1/oplog/events/{n}/approval", Role.reviewer, {}),
        ("POST", "/api/v1/oplog/approvals", Role.reviewer, {"json": {"event_ids": [n]}}),
        ("GET", "/api/v1/oplog/audit", Role.reviewer, {"params": {"after_id": n}}),
        ("GET", "/api/v1/oplog/events", Role.reviewer, {"params": {"offset": n}}),
    ]


def ask(api: Api, method: str, path: str, role: Role | None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {api.tokens[role]}"} if role else {}
    return api.client.request(method, path, headers=headers, **kwargs)


@pytest.mark.parametrize("n", [PAST_32_BIT, PAST_64_BIT, HUGE])
def test_an_id_past_the_columns_is_never_a_5xx(api: Api, n: int) -> None:
    for method, path, role, kwargs in id_requests(n):
        r = ask(api, method, path, role, **kwargs)
        assert r.status_code < 500, (method, path, r.status_code)
        if r.status_code >= 400:  # a list past the end is just empty (200)
            problem_fields(r)
        if n >= PAST_64_BIT:  # more than any id can be: refused naming the field
            assert r.status_code == 422, (method, path)
    assert api.log.count_events() == 0


def test_an_id_past_32_bits_is_simply_not_found(api: Api) -> None:
    r = ask(api, "GET", f"/api/v1/oplog/events/{PAST_32_BIT}", Role.reviewer)
    assert r.status_code == 404 and f"no event {PAST_32_BIT}" in r.json()["detail"]
    r = ask(api, "GET", "/api/v1/oplog/audit", Role.reviewer, params={"after_id": 2**62})
    assert r.status_code == 200 and r.json() == []


def test_the_refusal_names_the_field_and_the_limit(api: Api) -> None:
    r = ask(api, "GET", f"/api/v1/snapshots/{PAST_64_BIT}", None)
    assert problem_fields(r) == {"snapshot_id"}
    r = ask(api, "POST", "/api/v1/oplog/approvals", Role.reviewer, json={"event_ids": [HUGE]})
    assert problem_fields(r) == {"event_ids"}
    assert str(2**63 - 1) in r.json()["errors"][0]["reason"]


@pytest.mark.parametrize("value", ["²", "9" * 5000, str(PAST_64_BIT), "0", "-3", "4x"])
def test_a_review_form_id_that_is_no_id_is_a_422(api: Api, value: str) -> None:
    session = api.log.open_session(api.log.authenticate(api.tokens[Role.reviewer]))
    api.client.cookies.set(COOKIE, session)  # a signed-in reviewer's session, not the token
    try:
        page = api.client.post("/review/events", content=f"id={value}", headers=SAME)
        asked = api.client.post(
            "/review/events", content=f"id={value}", headers={**SAME, "Accept": "application/json"}
        )
    finally:
        api.client.cookies.clear()
    assert page.status_code == 422 and "check id" in page.text
    assert asked.status_code == 422 and problem_fields(asked) == {"id"}
    assert len(asked.json()["errors"][0]["reason"]) < 120  # 5,000 digits are not echoed


def test_a_review_step_on_an_id_past_64_bits_is_a_422_page(api: Api) -> None:
    session = api.log.open_session(api.log.authenticate(api.tokens[Role.reviewer]))
    api.client.cookies.set(COOKIE, session)  # a signed-in reviewer's session, not the token
    try:
        r = api.client.post(f"/review/snapshots/{PAST_64_BIT}/approve", headers=SAME)
    finally:
        api.client.cookies.clear()
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/api/v1/compare", "/api/v1/grid", "/api/v1/map", "/api/v1/flags"]
)
@pytest.mark.parametrize("as_of", ["9999-12-31", "9999-12", "0001-01-01"])
def test_an_as_of_at_the_end_of_the_calendar_is_a_422(
    client: TestClient, path: str, as_of: str
) -> None:
    r = client.get(path, params={"as_of": as_of})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem")
    assert "out of range" in r.json()["detail"] and "2999-12-31" in r.json()["detail"]


@pytest.mark.parametrize("path", ["/grid", "/map", "/"])
def test_a_page_as_of_at_the_end_of_the_calendar_is_a_422_page(
    client: TestClient, path: str
) -> None:
    r = client.get(path, params={"as_of": "9999-12-31"})
    assert r.status_code == 422 and "out of range" in r.text


@pytest.mark.parametrize("field", ["event_type", "theme", "unit", "borough", "week"])
def test_a_nul_byte_in_a_list_filter_is_a_422(api: Api, field: str) -> None:
    r = ask(api, "GET", "/api/v1/oplog/events", Role.reviewer, params={field: "Flying\x00Squad"})
    assert r.status_code == 422 and problem_fields(r) == {field}


def test_a_snapshot_status_that_is_none_is_a_422(api: Api) -> None:
    for status in ("draft\x00", "bogus"):
        params = {"status": status}
        r = ask(api, "GET", "/api/v1/snapshots/versions", Role.reviewer, params=params)
        assert r.status_code == 422 and problem_fields(r) == {"status"}
    ok = ask(api, "GET", "/api/v1/snapshots/versions", Role.reviewer, params={"status": "draft"})
    assert ok.status_code == 200 and ok.json() == {"items": []}
