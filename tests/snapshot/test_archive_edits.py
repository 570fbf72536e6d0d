"""Edits as versions: who edited and when, the old words kept, refusals storing nothing,
and the published text exactly the approved version's; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.errors import Conflict, ValidationFailed
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.snapshot import archive as st
from crimepulse.snapshot import editing
from crimepulse.snapshot.model import Snapshot
from crimepulse.state.snapshot_tables import snapshots
from tests.oplog.conftest import log, oplog_url

__all__ = ["log", "oplog_url"]  # the outcomes-log fixtures: every test on both engines


@pytest.fixture(scope="module")
def annual(cp: Crimepulse) -> Snapshot:
    return snapshot.build(cp, "year", "2023", "violence", charts=False)


def _rows(log: OutcomesLog) -> list[tuple[object, ...]]:
    with log.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(snapshots).order_by(snapshots.c.id))]


def test_an_edit_is_a_new_version_and_publishes_as_approved(
    log: OutcomesLog, annual: Snapshot
) -> None:
    admin = log.local_actor()
    ella = log.authenticate(log.add_user(admin, "ella", Role.recorder)[1])
    ravi = log.authenticate(log.add_user(admin, "ravi", Role.reviewer)[1])
    store = st.SnapshotStore(log)
    first = store.add(admin, annual, st.outputs(annual, pdf=False))
    template = store.template(first.id)
    line = next(t for t in template.splitlines() if t.startswith("- Robbery went up"))
    words = line.replace("Robbery went up, by more than", "Robbery rose, by more than", 1)
    edited = store.edit(ella, first.id, template.replace(line, words, 1), pdf=False)

    assert (edited.version, edited.status, edited.edited_from) == (2, "draft", first.id)
    assert edited.created_by == "ella" and edited.created_at >= first.created_at
    assert edited.fingerprint == first.fingerprint  # the same Facts
    assert "Robbery rose, by more than" in str(store.output(edited.id, "md"))
    assert "Robbery went up, by more than" in str(store.output(first.id, "md"))  # kept
    assert store.template(edited.id) == template.replace(line, words, 1)
    assert store.document(edited.id).meta["edited"]["by"] == "ella"

    store.publish(ravi, store.approve(ravi, edited.id).id)
    approved_md = store.output(edited.id, "md")
    assert approved_md == snapshot.render(store.document(edited.id), "md")
    assert store.archive()[0]["id"] == edited.id
    with pytest.raises(Conflict):  # a published version is corrected, never edited
        store.edit(ella, edited.id, store.template(edited.id), pdf=False)


def test_a_refused_edit_stores_nothing(log: OutcomesLog, annual: Snapshot) -> None:
    admin = log.local_actor()
    store = st.SnapshotStore(log)
    first = store.add(admin, annual, st.outputs(annual, pdf=False))
    before = _rows(log)
    template = store.template(first.id)
    line = next(t for t in template.splitlines() if t.startswith("- Robbery went up"))
    typed = line.replace("{robbery_2023.current}", "720", 1)
    with pytest.raises(ValidationFailed) as refused:
        store.edit(admin, first.id, template.replace(line, typed, 1), pdf=False)
    n = template.splitlines().index(line) + 1
    assert refused.value.errors[0].field == f"line {n}"
    assert "'720' is not bound to a Fact" in refused.value.errors[0].reason
    assert _rows(log) == before
    with pytest.raises(Conflict, match="changes no word"):  # comments alone are no edit
        store.edit(admin, first.id, "# a note to myself\n" + template, pdf=False)
    assert _rows(log) == before
    assert editing.to_template(store.document(first.id)) == template
