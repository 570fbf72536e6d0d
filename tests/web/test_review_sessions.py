"""The review pages' sign-in is a server-side session, on SQLite and PostgreSQL: the
cookie holds a random session id, never the token; signing out, revoking or rotating the
token ends it on the server, so replaying a copied cookie signs nobody in; an expired
token is refused with the date, on the pages and the API alike."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.state import db as _engine
from crimepulse.state.tables import users
from crimepulse.web.app import create_app
from crimepulse.web.deps import REVIEWER_COOKIE
from crimepulse.web.urls import OPLOG_PATH
from tests.oplog.fixtures import ENGINES, fresh_url

SAME = {"Origin": "http://testserver"}  # what a browser sends from the app's own pages


@dataclass
class Review:
    client: TestClient
    log: OutcomesLog
    token: str

    def sign_in(self, token: str | None = None) -> str:
        """Sign in; return the session cookie the browser was given."""
        form = {"token": token or self.token}
        done = self.client.post("/review/sign-in", headers=SAME, data=form)
        assert done.status_code == 200 and "Signed in as ravi" in done.text
        return self.client.cookies[REVIEWER_COOKIE]

    def replay(self, cookie: str, path: str = "/review/events") -> int:
        """A POST with a copied cookie, from a client that never signed in."""
        fresh = TestClient(self.client.app)
        fresh.cookies.set(REVIEWER_COOKIE, cookie)
        return fresh.post(path, headers=SAME, data={"all": "1"}).status_code


@pytest.fixture(params=ENGINES)
def review(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Review]:
    crimepulse.open(tmp_path / "empty.duckdb").close()
    for url in fresh_url(request.param, tmp_path):
        settings = Settings(db=tmp_path / "empty.duckdb", oplog_url=url)
        with TestClient(create_app(settings)) as client:
            log: OutcomesLog = client.app.state.crimepulse.log  # type: ignore[attr-defined]
            _, token = log.add_user(log.local_actor(), "ravi", Role.reviewer)
            yield Review(client, log, token)


def test_the_cookie_is_a_session_not_the_token(review: Review) -> None:
    cookie = review.sign_in()
    assert cookie.startswith("cps_") and review.token not in cookie
    assert review.replay(cookie) == 200  # the session itself signs in, from any client


def test_a_cookie_replayed_after_sign_out_signs_nobody_in(review: Review) -> None:
    cookie = review.sign_in()
    out = review.client.post("/review/sign-out", headers=SAME, follow_redirects=False)
    assert out.status_code == 303
    assert review.replay(cookie) == 401
    fresh = TestClient(review.client.app)
    fresh.cookies.set(REVIEWER_COOKIE, cookie)
    assert "Reviewer token" in fresh.get("/review").text  # back to the sign-in form
    assert any(e.action == "session.end" for e in review.log.audit(review.log.local_actor()))


@pytest.mark.parametrize("change", ["revoke", "rotate"])
def test_revoking_or_rotating_the_token_ends_the_session(review: Review, change: str) -> None:
    cookie = review.sign_in()
    admin = review.log.local_actor()
    if change == "revoke":
        review.log.revoke_token(admin, "ravi")
    else:
        review.log.rotate_token(admin, "ravi")
    assert review.replay(cookie) == 401


def test_an_expired_token_is_refused_saying_when(review: Review) -> None:
    cookie = review.sign_in()
    at = datetime(2024, 2, 29, 18, 30, tzinfo=UTC)
    with _engine.write(review.log.engine) as conn:
        conn.execute(users.update().where(users.c.name == "ravi").values(token_expires_at=at))
    page = review.client.post("/review/sign-in", headers=SAME, data={"token": review.token})
    assert page.status_code == 401 and "token expired on 2024-02-29 18:30 UTC" in page.text
    api = review.client.get(
        f"{OPLOG_PATH}/events", headers={"Authorization": f"Bearer {review.token}"}
    )
    assert api.status_code == 401
    assert api.json()["detail"].startswith("token expired on 2024-02-29 18:30 UTC")
    assert review.replay(cookie) == 401  # the sessions it started end with it
