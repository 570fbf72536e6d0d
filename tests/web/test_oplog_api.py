"""The log's HTTP API as the one web app serves it (in-process ASGI client, over an empty
warehouse), on SQLite and PostgreSQL: auth (401/403), problem details for bad input (422,
nothing stored), the write/read endpoints, and the rule that the public sees only approved
aggregates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.web.app import create_app
from crimepulse.web.urls import OPLOG_PATH
from tests.oplog.fixtures import ENGINES, event, fresh_url

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Api:
    def __init__(self, client: TestClient, log: OutcomesLog) -> None:
        self.client, self.log = client, log
        admin = log.local_actor()
        self.tokens = {role: log.add_user(admin, role, role)[1] for role in Role}

    def call(self, method: str, path: str, role: Role | None = None, **kwargs: Any) -> Any:
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.tokens[role]}"
        return self.client.request(method, f"{OPLOG_PATH}{path}", headers=headers, **kwargs)


@pytest.fixture(params=ENGINES)
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    crimepulse.open(tmp_path / "empty.duckdb").close()  # the app serves a warehouse too
    for url in fresh_url(request.param, tmp_path):
        settings = Settings(db=tmp_path / "empty.duckdb", oplog_url=url)
        with TestClient(create_app(settings)) as client:
            yield Api(client, client.app.state.crimepulse.log)  # type: ignore[attr-defined]


def problem_fields(response: Any) -> set[str]:
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == response.status_code
    return {e["field"] for e in body.get("errors", [])}


def test_no_token_is_401_and_wrong_role_is_403(api: Api) -> None:
    missing = api.call("POST", "/events", json=event())
    assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
    problem_fields(missing)
    bad = api.call("POST", "/events", json=event(), headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    assert api.call("POST", "/events", Role.reviewer, json=event()).status_code == 403
    assert api.call("GET", "/audit", Role.recorder).status_code == 403
    assert api.call("GET", "/events").status_code == 401  # listing is not public
    assert api.call("POST", "/units", Role.recorder, json={"name": "X team"}).status_code == 403
    assert api.log.count_events() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (event(event_type="unknown_thing"), {"event_type"}),
        (event(count=-2), {"count"}),
        (event(occurred_on="2999-01-01"), {"occurred_on"}),
        ({"count": 1}, {"event_type", "occurred_on", "unit", "theme", "summary"}),
        (event(summary="s" * 10_000), {"summary"}),
        (event(note="\x00"), {"note"}),
        ([event()], {"(body)"}),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field(api: Api, body: Any, fields: set[str]) -> None:
    answer = api.call("POST", "/events", Role.recorder, json=body)
    assert answer.status_code == 422 and problem_fields(answer) == fields
    assert all(e["reason"] for e in answer.json()["errors"])
    assert api.log.count_events() == 0


def test_malformed_json_is_a_422_problem(api: Api) -> None:
    headers = {"Content-Type": "application/json"}
    answer = api.call("POST", "/events", Role.recorder, content=b'{"count": ', headers=headers)
    assert answer.status_code == 422 and problem_fields(answer) == {"(body)"}


def test_sql_looking_strings_are_stored_as_text(api: Api) -> None:
    nasty = "Robert'); DROP TABLE event_versions;--"
    created = api.call("POST", "/events", Role.recorder, json=event(summary=nasty))
    fetched = api.call("GET", f"/events/{created.json()['id']}", Role.reviewer)
    assert fetched.json()["current"]["summary"] == nasty
    assert api.log.count_events() == 1


def test_record_amend_approve_and_read(api: Api) -> None:
    created = api.call("POST", "/events", Role.recorder, json=event(count=2))
    assert created.status_code == 201
    event_id = created.json()["id"]
    amend = {"count": 3, "reason": "one more"}
    amended = api.call("POST", f"/events/{event_id}/amendments", Role.recorder, json=amend)
    assert amended.status_code == 201 and amended.json()["version"] == 2
    bad = api.call("POST", f"/events/{event_id}/amendments", Role.recorder, json={"count": 3})
    assert bad.status_code == 422 and problem_fields(bad) == {"reason"}
    assert api.call("POST", "/events/999/amendments", Role.recorder, json=amend).status_code == 404
    approved = api.call("POST", f"/events/{event_id}/approval", Role.reviewer)
    assert approved.json()["approved"] == [{"id": event_id, "version": 2}]
    history = api.call("GET", f"/events/{event_id}", Role.recorder).json()
    assert [v["count"] for v in history["versions"]] == [2, 3]
    assert history["current"]["status"] == "approved"
    listed = api.call("GET", "/events", Role.recorder, params={"week": "2025-W12"}).json()
    assert [e["id"] for e in listed["items"]] == [event_id]
    bad_week = api.call("GET", "/events", Role.recorder, params={"week": "2025-12"})
    assert bad_week.status_code == 422 and problem_fields(bad_week) == {"week"}
    trail = api.call("GET", "/audit", Role.reviewer).json()
    assert [e["action"] for e in trail][-3:] == ["event.add", "event.amend", "event.approve"]
    assert "testclient" in trail[-1]["client"]


def test_public_reads_only_approved_aggregates(api: Api) -> None:
    first = api.call("POST", "/events", Role.recorder, json=event(count=2)).json()
    api.call("POST", "/events", Role.recorder, json=event(count=5))
    api.call("POST", "/approvals", Role.reviewer, json={"event_ids": [first["id"]]})
    params = {"week": "2025-W12", "by": ["event_type", "theme"]}
    public = api.call("GET", "/aggregates/weekly", params=params)
    assert public.status_code == 200
    rows = public.json()["rows"]
    assert [(r["group"], r["count"]) for r in rows] == [
        ({"event_type": "firearm_recovered", "theme": "firearms"}, 2)
    ]
    everything = {**params, "status": "all"}
    assert api.call("GET", "/aggregates/weekly", params=everything).status_code == 401
    assert (
        api.call("GET", "/aggregates/weekly", Role.recorder, params=everything).status_code == 403
    )
    internal = api.call("GET", "/aggregates/weekly", Role.reviewer, params=everything)
    assert internal.json()["rows"][0]["count"] == 7
    series = api.call(
        "GET", "/aggregates/series", params={"since_week": "2025-W11", "until_week": "2025-W13"}
    ).json()
    assert [(r["week"], r["count"]) for r in series] == [("2025-W12", 2), ("2025-W13", 0)]


def test_admin_extends_types_and_units_and_users(api: Api) -> None:
    added = api.call("POST", "/event-types", Role.admin, json={"name": "knife surrendered"})
    assert added.json() == {"name": "knife_surrendered"}
    assert "knife_surrendered" in api.call("GET", "/event-types").json()
    assert api.call("POST", "/units", Role.admin, json={"name": "Camden team"}).status_code == 201
    assert api.call("POST", "/units", Role.admin, json={"name": "Camden team"}).status_code == 409
    body = event(event_type="knife_surrendered", unit="Camden team")
    assert api.call("POST", "/events", Role.recorder, json=body).status_code == 201
    made = api.call("POST", "/users", Role.admin, json={"name": "nia", "role": "reviewer"})
    token = made.json()["token"]
    audit = api.call("GET", "/audit", headers={"Authorization": f"Bearer {token}"})
    assert audit.status_code == 200


def test_import_endpoint_reports_rows(api: Api) -> None:
    csv = (
        "occurred_on,event_type,count,unit,theme,borough,crimes_solved,summary\n"
        "2025-03-18,arrest,2,Flying Squad,robbery,Brent,0,2 arrests\n"
        "2025-03-19,arrest,x,Flying Squad,robbery,Brent,0,bad count\n"
    )
    headers = {"Content-Type": "text/csv"}
    report = api.call("POST", "/imports", Role.recorder, content=csv, headers=headers).json()
    assert (report["added"], report["errors"][0]["line"], report["errors"][0]["field"]) == (
        1,
        3,
        "count",
    )
    refused = api.call("POST", "/imports", Role.recorder, content="a,b\n1,2\n", headers=headers)
    assert refused.status_code == 422 and "missing columns" in refused.json()["file_error"]
    problem_fields(refused)  # a problem like the app's other 422s (it was plain JSON)
    assert refused.json()["title"] == "Unreadable file"
    assert "missing columns" in refused.json()["detail"]
    assert api.call("POST", "/imports", Role.reviewer, content=csv).status_code == 403
    assert api.log.count_events() == 1
