"""Request bodies are limited and writes authenticated before the body is read
(web.limits): driven at the ASGI level with a body that counts the bytes the app asked
for, so "unread" is measured, not assumed; and once through a real server."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI

import crimepulse
from crimepulse.config import Settings
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.web.app import create_app
from crimepulse.web.limits import BodyKind, body_kind
from crimepulse.web.urls import OPLOG_PATH
from tests.oplog.fixtures import ENGINES, event, fresh_url
from tests.web import browser as b

CHUNK = 64 * 1024
LIMITS = {"max_json_bytes": 4 * CHUNK, "max_form_bytes": 2 * CHUNK, "max_upload_bytes": 16 * CHUNK}


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    read: int  # body bytes the app asked for

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"].startswith("application/problem+json")
        found: dict[str, Any] = json.loads(self.body)
        assert found["status"] == self.status
        return found


@dataclass
class Body:
    """A request body handed to the app one chunk at a time, counting what it took."""

    chunks: Iterator[bytes]
    read: int = 0
    done: bool = False
    sent: list[dict[str, Any]] = field(default_factory=list)

    async def receive(self) -> dict[str, Any]:
        if self.done:
            return {"type": "http.disconnect"}
        chunk = next(self.chunks, None)
        if chunk is None:
            self.done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        self.read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


def repeated(total: int, unit: bytes = b"x") -> Iterator[bytes]:
    """`total` bytes in CHUNK-sized pieces, made only as they are asked for."""
    piece = (unit * (CHUNK // len(unit) + 1))[:CHUNK]
    whole, rest = divmod(total, CHUNK)
    for _ in range(whole):
        yield piece
    if rest:
        yield piece[:rest]


def call(
    app: FastAPI,
    method: str,
    path: str,
    chunks: Iterator[bytes],
    headers: Mapping[str, str] | None = None,
) -> Answer:
    """One request through the whole app (middleware included), as a server would make it."""
    parsed = urlparse(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": parsed.path,
        "raw_path": parsed.path.encode(),
        "query_string": parsed.query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        + [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    body = Body(chunks)
    asyncio.run(app(scope, body.receive, body.send))  # type: ignore[arg-type]
    start = next(m for m in body.sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in body.sent if m["type"] == "http.response.body")
    found = {k.decode(): v.decode() for k, v in start["headers"]}
    return Answer(start["status"], found, content, body.read)


@dataclass
class Site:
    app: FastAPI
    log: OutcomesLog
    admin: str


@pytest.fixture(params=ENGINES)
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    crimepulse.open(tmp_path / "empty.duckdb").close()
    for url in fresh_url(request.param, tmp_path):
        settings = Settings(db=tmp_path / "empty.duckdb", oplog_url=url, **LIMITS)  # type: ignore[arg-type]
        app = create_app(settings)
        log: OutcomesLog = app.state.crimepulse.log
        _, token = log.add_user(log.local_actor(), "chief", Role.admin)
        try:
            yield Site(app, log, token)
        finally:
            app.state.crimepulse.close()


def bearer(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **more}


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer cpk_nobody"}, {"Authorization": "Basic eDp5"}]
)
def test_a_write_without_a_valid_token_is_401_with_its_body_unread(
    site: Site, headers: dict[str, str]
) -> None:
    # 64 MB of JSON, sent without a length (chunked): nothing of it may be read
    out = call(site.app, "POST", f"{OPLOG_PATH}/events", repeated(64 * 2**20, b"[1,"), headers)
    assert out.status == 401 and out.headers["www-authenticate"] == "Bearer"
    assert out.problem()["title"] == "Unauthorized"
    assert out.read == 0
    assert site.log.count_events() == 0


def test_a_declared_length_over_the_limit_is_413_unread(site: Site) -> None:
    size = LIMITS["max_json_bytes"] + 1
    headers = bearer(site.admin, **{"Content-Length": str(size)})
    out = call(site.app, "POST", f"{OPLOG_PATH}/events", repeated(size), headers)
    assert out.status == 413 and out.read == 0
    assert f"{LIMITS['max_json_bytes']:,} bytes" in out.problem()["detail"]


def test_a_chunked_body_is_stopped_at_the_first_chunk_past_the_limit(site: Site) -> None:
    limit = LIMITS["max_json_bytes"]
    payload = json.dumps(event(summary="s" * (limit * 4))).encode()
    pieces = iter([payload[i : i + CHUNK] for i in range(0, len(payload), CHUNK)])
    out = call(site.app, "POST", f"{OPLOG_PATH}/events", pieces, bearer(site.admin))
    assert out.status == 413
    assert limit < out.read <= limit + CHUNK < len(payload)
    assert site.log.count_events() == 0  # nothing was stored


def test_a_body_within_the_limit_is_served(site: Site) -> None:
    payload = json.dumps(event()).encode()
    headers = bearer(site.admin, **{"Content-Type": "application/json"})
    out = call(site.app, "POST", f"{OPLOG_PATH}/events", iter([payload]), headers)
    assert out.status == 201, out.body
    assert out.read == len(payload) and site.log.count_events() == 1


def test_the_import_may_be_larger_than_a_json_write(site: Site) -> None:
    size = LIMITS["max_json_bytes"] * 2  # over the JSON limit, within the upload limit
    csv = b"event_type,occurred_on,count,unit,theme,summary\n" + b"x" * size
    headers = bearer(site.admin, **{"Content-Type": "text/csv"})
    out = call(site.app, "POST", f"{OPLOG_PATH}/imports", iter([csv]), headers)
    assert out.status == 200 and out.read == len(csv), out.body[:300]
    report = json.loads(out.body)  # read whole and judged: its one row refused, by line
    assert (report["rows"], report["added"], report["rejected_rows"]) == (1, 0, 1)
    assert report["errors"][0]["line"] == 2
    over = repeated(LIMITS["max_upload_bytes"] + CHUNK)
    out = call(site.app, "POST", f"{OPLOG_PATH}/imports", over, headers)
    assert out.status == 413 and out.read <= LIMITS["max_upload_bytes"] + CHUNK


def test_an_anonymous_sign_in_form_is_held_to_the_form_limit(site: Site) -> None:
    origin = {"Origin": "http://testserver", "Content-Type": "application/x-www-form-urlencoded"}
    huge = repeated(256 * 2**20, b"token=")
    out = call(site.app, "POST", "/review/sign-in", huge, origin)
    assert out.status == 413 and out.read <= LIMITS["max_form_bytes"] + CHUNK
    declared = {**origin, "Content-Length": str(256 * 2**20), "Accept": "application/json"}
    out = call(site.app, "POST", "/review/sign-in", repeated(256 * 2**20), declared)
    assert out.status == 413 and out.read == 0 and out.problem()["title"] == "Content too large"


def test_a_review_step_without_a_session_leaves_its_form_unread(site: Site) -> None:
    origin = {"Origin": "http://testserver", "Content-Type": "application/x-www-form-urlencoded"}
    out = call(site.app, "POST", "/review/events", repeated(LIMITS["max_form_bytes"]), origin)
    assert out.status == 401 and out.read == 0


def test_reads_and_unknown_routes_are_not_asked_for_a_token(site: Site) -> None:
    assert call(site.app, "GET", f"{OPLOG_PATH}/units", iter([])).status == 200
    # a method not served stays a 405 (it is no write of ours), a path not served a 404
    assert call(site.app, "PUT", f"{OPLOG_PATH}/events", iter([b"{}"])).status == 405
    assert call(site.app, "POST", f"{OPLOG_PATH}/nothing", iter([b"{}"])).status == 404


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        (f"{OPLOG_PATH}/imports", BodyKind.upload),
        ("/review/sign-in", BodyKind.form),
        (f"{OPLOG_PATH}/events", BodyKind.json),
        ("/api/v1/snapshots", BodyKind.json),
    ],
)
def test_each_route_has_its_kind_of_body(path: str, kind: BodyKind) -> None:
    assert body_kind(path) is kind


def test_a_real_server_answers_413_without_waiting_for_the_body(site: Site) -> None:
    """Over a socket: the request declares 1 GB and sends none of it; the answer comes."""
    with b.serve(site.app) as base:
        host, port = urlparse(base).hostname, urlparse(base).port
        assert host is not None and port is not None
        with socket.create_connection((host, port), timeout=30) as s:
            head = (
                f"POST {OPLOG_PATH}/events HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {site.admin}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {2**30}\r\n\r\n"
            )
            s.sendall(head.encode())
            answer = s.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "application/problem+json" in answer
