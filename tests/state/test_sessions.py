"""Token expiry and the review pages' server-side sessions, on SQLite and PostgreSQL: an
expired token is refused saying when it expired; a session is stored hashed, ends at
sign-out, with its token's expiry, and when the token is revoked or rotated; all audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crimepulse.errors import Unauthorized, ValidationFailed
from crimepulse.oplog import Actor, OutcomesLog, Role
from crimepulse.state import auth
from crimepulse.state import db as _engine
from crimepulse.state.tables import sessions, users, utcnow

PAST = datetime(2020, 5, 4, 3, 2, tzinfo=UTC)


def _expire_token(log: OutcomesLog, name: str, at: datetime = PAST) -> None:
    with _engine.write(log.engine) as conn:
        conn.execute(users.update().where(users.c.name == name).values(token_expires_at=at))


def _actions(log: OutcomesLog, admin: Actor) -> list[tuple[str, str | None, dict[str, object]]]:
    return [(e.action, e.target, e.detail) for e in log.audit(admin)]


def test_a_token_may_expire_and_then_says_when(log: OutcomesLog, admin: Actor) -> None:
    user, token = log.add_user(admin, "ravi", Role.reviewer, timedelta(days=30))
    assert user.token_expires_at is not None
    assert timedelta(days=29) < user.token_expires_at - utcnow() <= timedelta(days=30)
    assert log.authenticate(token).name == "ravi"
    _expire_token(log, "ravi")
    with pytest.raises(auth.TokenExpired, match="token expired on 2020-05-04 03:02 UTC"):
        log.authenticate(token)
    never = log.add_user(admin, "rita", Role.recorder)[0]
    assert never.token_expires_at is None
    with pytest.raises(ValidationFailed):
        log.add_user(admin, "bad", Role.recorder, timedelta(seconds=-1))


def test_rotate_sets_or_clears_the_expiry(log: OutcomesLog, admin: Actor) -> None:
    log.add_user(admin, "ravi", Role.reviewer)
    fresh = log.rotate_token(admin, "ravi", timedelta(hours=2))
    until = {u.name: u.token_expires_at for u in log.users(admin)}["ravi"]
    assert until is not None and until - utcnow() <= timedelta(hours=2)
    assert log.authenticate(fresh).name == "ravi"
    log.rotate_token(admin, "ravi")
    assert {u.name: u.token_expires_at for u in log.users(admin)}["ravi"] is None


def test_a_session_is_stored_hashed_and_ends_at_sign_out(log: OutcomesLog, admin: Actor) -> None:
    _, token = log.add_user(admin, "ravi", Role.reviewer)
    actor = log.authenticate(token, client="web 1.2.3.4")
    session = log.open_session(actor)
    assert session.startswith(auth.SESSION_PREFIX) and session != token
    with _engine.read(log.engine) as conn:
        stored = conn.execute(sa.select(sessions.c.id_hash)).scalars().all()
    assert stored == [auth.hash_token(session)]  # the id itself is nowhere in the database
    assert log.session_actor(session).name == "ravi"
    assert log.end_session(session) is True
    with pytest.raises(Unauthorized, match="ended"):
        log.session_actor(session)
    assert log.end_session(session) is False  # nothing left to end
    assert log.authenticate(token).name == "ravi"  # signing out leaves the token alone
    actions = [a for a, _, _ in _actions(log, admin)]
    assert actions[-2:] == ["session.start", "session.end"]


@pytest.mark.parametrize("change", ["revoke", "rotate"])
def test_revoking_or_rotating_a_token_ends_its_sessions(
    log: OutcomesLog, admin: Actor, change: str
) -> None:
    _, token = log.add_user(admin, "ravi", Role.reviewer)
    _, other = log.add_user(admin, "rosa", Role.reviewer)
    actor = log.authenticate(token)
    first, second = log.open_session(actor), log.open_session(actor)
    kept = log.open_session(log.authenticate(other))
    if change == "revoke":
        log.revoke_token(admin, "ravi")
    else:
        log.rotate_token(admin, "ravi")
    for session in (first, second):
        with pytest.raises(Unauthorized):
            log.session_actor(session)
    assert log.session_actor(kept).name == "rosa"  # another user's session is untouched
    action, target, detail = _actions(log, admin)[-1]
    assert (action, target, detail["sessions_ended"]) == (f"user.{change}", "ravi", 2)


def test_a_session_never_outlives_its_token(log: OutcomesLog, admin: Actor) -> None:
    user, token = log.add_user(admin, "ravi", Role.reviewer, timedelta(hours=1))
    session = log.open_session(log.authenticate(token))
    with _engine.read(log.engine) as conn:
        until = conn.execute(sa.select(sessions.c.expires_at)).scalar_one()
    assert until == user.token_expires_at  # sooner than the 12-hour session lifetime
    with _engine.write(log.engine) as conn:
        conn.execute(sessions.update().values(expires_at=PAST))
    with pytest.raises(Unauthorized, match="expired on 2020-05-04"):
        log.session_actor(session)
    log.open_session(log.authenticate(token))  # a new sign-in tidies expired sessions away
    with _engine.read(log.engine) as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(sessions)).scalar() == 1
