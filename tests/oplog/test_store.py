"""The store on both engines: append-only amendments, roles, tokens, idempotency, audit."""

from __future__ import annotations

import hashlib
import itertools
import threading

import pytest
import sqlalchemy as sa

from crimepulse.oplog import (
    Actor,
    Conflict,
    Forbidden,
    NotFound,
    OutcomesLog,
    Role,
    Unauthorized,
    ValidationFailed,
)
from tests.oplog.conftest import make_user
from tests.oplog.fixtures import event


def test_add_normalises_and_records_who_and_when(log: OutcomesLog, recorder: Actor) -> None:
    added = log.add(recorder, event(event_type="Firearm Recovered", unit="flying squad"))
    assert (added.event_type, added.unit, added.version) == ("firearm_recovered", "Flying Squad", 1)
    assert added.recorded_by == added.author == "rita"
    assert added.status == "pending" and added.client == "test"
    assert log.get(added.id) == added


def test_amendments_append_and_the_latest_is_current(log: OutcomesLog, recorder: Actor) -> None:
    added = log.add(recorder, event(count=2))
    log.amend(recorder, added.id, {"count": 3, "reason": "a third gun found"})
    log.amend(recorder, added.id, {"borough": None, "reason": "borough unknown"})
    history = log.history(added.id)
    assert [(v.version, v.count, v.borough) for v in history] == [
        (1, 2, "Lambeth"),
        (2, 3, "Lambeth"),
        (3, 3, None),
    ]
    assert [v.reason for v in history] == [None, "a third gun found", "borough unknown"]
    assert log.get(added.id) == history[-1]
    assert log.count_events() == 1


def test_amendment_is_validated_like_an_event(log: OutcomesLog, recorder: Actor) -> None:
    added = log.add(recorder, event())
    with pytest.raises(ValidationFailed) as caught:
        log.amend(recorder, added.id, {"count": 0, "reason": "x"})
    assert [e.field for e in caught.value.errors] == ["count"]
    with pytest.raises(ValidationFailed):
        log.amend(recorder, added.id, {"count": 3})  # no reason
    with pytest.raises(ValidationFailed):
        log.amend(recorder, added.id, {"reason": "nothing changes"})
    with pytest.raises(NotFound):
        log.amend(recorder, 999, {"count": 3, "reason": "x"})
    assert len(log.history(added.id)) == 1


@pytest.mark.parametrize("table", ["events", "event_versions", "approvals", "audit"])
def test_append_only_tables_refuse_update_and_delete(
    log: OutcomesLog, recorder: Actor, reviewer: Actor, table: str
) -> None:
    added = log.add(recorder, event())
    log.approve(reviewer, [added.id])
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), log.writing() as conn:
            conn.execute(sa.text(statement))
    assert log.get(added.id).status == "approved"


def test_roles(log: OutcomesLog, admin: Actor, recorder: Actor, reviewer: Actor) -> None:
    added = log.add(recorder, event())
    with pytest.raises(Forbidden):
        log.approve(recorder, [added.id])
    with pytest.raises(Forbidden):
        log.add(reviewer, event())
    with pytest.raises(Forbidden):
        log.amend(reviewer, added.id, {"count": 5, "reason": "x"})
    with pytest.raises(Forbidden):
        log.audit(recorder)
    with pytest.raises(Forbidden):
        log.add_user(reviewer, "eve", Role.admin)
    with pytest.raises(Forbidden):
        log.add_event_type(recorder, "knife_surrendered")
    assert log.approve(reviewer, [added.id]).approved == [(added.id, 1)]
    assert log.count_events() == 1


def test_tokens_are_stored_hashed(log: OutcomesLog, admin: Actor) -> None:
    _, token = log.add_user(admin, "tess", Role.recorder)
    with log.writing() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM users WHERE name = 'tess'")).scalar()
    assert stored == hashlib.sha256(token.encode()).hexdigest() != token
    assert log.authenticate(token).name == "tess"
    for wrong in (None, "", token + "x", stored):
        with pytest.raises(Unauthorized):
            log.authenticate(wrong)
    with pytest.raises(Conflict):
        log.add_user(admin, "tess", Role.reviewer)
    with pytest.raises(ValidationFailed):
        log.add_user(admin, "local:tess", Role.reviewer)
    with pytest.raises(ValidationFailed):
        log.add_user(admin, "bob", "superuser")


def test_a_revoked_or_rotated_token_stops_working_at_once(
    log: OutcomesLog, admin: Actor, recorder: Actor
) -> None:
    _, token = log.add_user(admin, "rowan", Role.recorder)
    assert log.authenticate(token).name == "rowan"  # signed in (a cache would keep it)
    fresh = log.rotate_token(admin, "rowan")
    with pytest.raises(Unauthorized):
        log.authenticate(token)  # the old token ends with the rotation, not 10 s later
    assert log.authenticate(fresh).name == "rowan"
    log.revoke_token(admin, "rowan")
    with pytest.raises(Unauthorized):
        log.authenticate(fresh)
    with pytest.raises(Forbidden):
        log.revoke_token(recorder, "rowan")  # admins only
    with pytest.raises(NotFound):
        log.rotate_token(admin, "nobody")
    actions = [e.action for e in log.audit(admin)]
    assert "user.rotate" in actions and "user.revoke" in actions


def test_event_types_and_units_are_data(log: OutcomesLog, admin: Actor, recorder: Actor) -> None:
    raw = event(event_type="knife_surrendered", unit="Camden knife crime team")
    with pytest.raises(ValidationFailed) as caught:
        log.add(recorder, raw)
    assert {e.field for e in caught.value.errors} == {"event_type", "unit"}
    assert log.add_event_type(admin, "Knife Surrendered", "A knife handed in.") == (
        "knife_surrendered"
    )
    log.add_unit(admin, "Camden knife crime team")
    assert log.add(recorder, raw).event_type == "knife_surrendered"
    assert "knife_surrendered" in log.event_types()
    with pytest.raises(Conflict):
        log.add_unit(admin, "camden KNIFE crime team")


def test_idempotency_key_replays(log: OutcomesLog, recorder: Actor, admin: Actor) -> None:
    first = log.add(recorder, event(), idempotency_key="abc")
    again = log.add(recorder, event(), idempotency_key="abc")
    assert again.id == first.id and again.replayed and not first.replayed
    assert again.as_dict() == first.as_dict()
    with pytest.raises(Conflict) as caught:
        log.add(recorder, event(count=9), idempotency_key="abc")
    assert caught.value.status == 422
    other, _ = make_user(log, admin, "otto", Role.recorder)
    assert log.add(other, event(), idempotency_key="abc").id != first.id  # keys are per user
    assert log.count_events() == 2


def test_concurrent_retries_with_one_key_record_once(log: OutcomesLog, recorder: Actor) -> None:
    barrier = threading.Barrier(12)
    ids: list[int] = []

    def retry() -> None:
        barrier.wait()
        ids.append(log.add(recorder, event(), idempotency_key="same").id)

    threads = [threading.Thread(target=retry) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 12 and len(set(ids)) == 1
    assert log.count_events() == 1


def test_concurrent_amendments_get_distinct_versions(log: OutcomesLog, recorder: Actor) -> None:
    added = log.add(recorder, event(count=1))
    barrier = threading.Barrier(6)

    def amend(n: int) -> None:
        barrier.wait()
        log.amend(recorder, added.id, {"count": 10 + n, "reason": f"r{n}"})

    threads = [threading.Thread(target=amend, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [v.version for v in log.history(added.id)] == list(range(1, 8))


def test_audit_trail_says_who_what_when_and_from_where(
    log: OutcomesLog, recorder: Actor, reviewer: Actor
) -> None:
    added = log.add(recorder, event())
    log.amend(recorder, added.id, {"count": 4, "reason": "recount"})
    log.approve(reviewer.with_client("10.0.0.9 browser"), [added.id])
    trail = [e for e in log.audit(reviewer) if e.action.startswith("event.")]
    assert [(e.action, e.user, e.role) for e in trail] == [
        ("event.add", "rita", "recorder"),
        ("event.amend", "rita", "recorder"),
        ("event.approve", "ravi", "reviewer"),
    ]
    assert trail[0].detail["count"] == 2 and trail[1].detail["reason"] == "recount"
    assert trail[2].client == "10.0.0.9 browser"
    assert all(e.at <= f.at for e, f in itertools.pairwise(trail))


def test_approval_publishes_a_version(log: OutcomesLog, recorder: Actor, reviewer: Actor) -> None:
    added = log.add(recorder, event(count=2))
    log.approve(reviewer, [added.id])
    log.amend(recorder, added.id, {"count": 5, "reason": "late report"})
    current = log.get(added.id)
    assert (current.status, current.approved_version) == ("pending", 1)
    done = log.approve(reviewer, [added.id])
    assert done.approved == [(added.id, 2)] and done.already == 0
    assert log.approve(reviewer, [added.id]).already == 1
    with pytest.raises(NotFound):
        log.approve(reviewer, [added.id, 12345])


def test_sql_looking_text_is_stored_as_text(log: OutcomesLog, recorder: Actor) -> None:
    nasty = "x'); DROP TABLE events; -- \" OR 1=1; SELECT * FROM users"
    added = log.add(recorder, event(summary=nasty, theme="robbery' OR '1'='1", note=nasty))
    assert log.get(added.id).summary == nasty
    assert log.get(added.id).theme == "robbery' or '1'='1"
    assert log.count_events() == 1


def test_local_actor_is_one_admin(log: OutcomesLog) -> None:
    first, second = log.local_actor(), log.local_actor()
    assert first == second and first.role is Role.admin and first.name.startswith("local:")
