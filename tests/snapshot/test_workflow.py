"""Draft -> approved (by a reviewer) -> published; published snapshots are immutable and
keep their Facts after the data is revised; a correction is a new, visible version."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.oplog import Forbidden, OutcomesLog, Role
from crimepulse.oplog.models import Conflict
from crimepulse.snapshot import archive as st
from crimepulse.snapshot import render
from crimepulse.web.app import create_app
from crimepulse.web.urls import SNAPSHOTS_PATH
from tests.snapshot.conftest import build_warehouse, write_mps


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path)


def test_draft_approve_publish_revise_correct(db: Path) -> None:
    with OutcomesLog.open(db=db) as log:
        archive = st.SnapshotStore(log)
        admin = log.local_actor()
        rita = log.authenticate(log.add_user(admin, "rita", Role.recorder)[1])
        ravi = log.authenticate(log.add_user(admin, "ravi", Role.reviewer)[1])
        with crimepulse.open(db, read_only=True) as cp:
            draft = st.draft(cp, archive, rita, "year", "2023", "violence", pdf=False)
        assert draft.status == "draft" and draft.version == 1
        with pytest.raises(Conflict):
            archive.publish(ravi, draft.id)  # not approved yet
        with pytest.raises(Forbidden):
            archive.approve(rita, draft.id)  # a recorder may not approve
        approved = archive.approve(ravi, draft.id)
        assert approved.status == "approved" and approved.approved_by == "ravi"
        published = archive.publish(ravi, draft.id)
        assert published.status == "published" and published.published_at is not None
        before_doc = archive.document(draft.id).to_dict()
        before_md = archive.output(draft.id, "md")
        with pytest.raises(sa.exc.DBAPIError), log.engine.begin() as conn:
            conn.execute(sa.text("UPDATE snapshots SET title = 'x' WHERE id = :i"), {"i": draft.id})

        # the data is revised: a new edition of the MPS table with more violence
        write_mps(db.parent / "revised" / "mps.csv", bump=40)
        with crimepulse.open(db) as cp:
            cp.ingest(db.parent / "revised", vintage=datetime(2030, 1, 1))
        assert archive.document(draft.id).to_dict() == before_doc
        assert archive.output(draft.id, "md") == before_md
        # the social post is rendered from the stored document, so it too is as approved
        social = str(archive.output(draft.id, "social"))
        assert social == render(archive.document(draft.id), "social") and len(social) <= 281

        with crimepulse.open(db, read_only=True) as cp:
            with pytest.raises(Conflict):
                st.correct(cp, archive, rita, draft.id, "   ")
            fixed = st.correct(cp, archive, rita, draft.id, "The MPS revised its 2023 figures.")
        assert fixed.version == 2 and fixed.supersedes == draft.id and fixed.status == "draft"
        assert fixed.fingerprint != published.fingerprint
        md = str(archive.output(fixed.id, "md"))
        assert "**Correction.** The MPS revised its 2023 figures." in md
        assert "replaces version 1" in str(archive.output(fixed.id, "html"))
        archive.publish(ravi, archive.approve(ravi, fixed.id).id)
        listed = archive.archive()
        assert len(listed) == 1 and listed[0]["version"] == 2 and listed[0]["versions"] == [1, 2]
        assert listed[0]["position"].startswith("the first of a series of annual")
        assert archive.get(draft.id).status == "published"  # the original stays readable


def test_http_workflow_needs_the_reviewer_role(db: Path) -> None:
    with OutcomesLog.open(db=db) as log:
        admin = log.local_actor()
        _, recorder = log.add_user(admin, "rita", Role.recorder)
        _, reviewer = log.add_user(admin, "ravi", Role.reviewer)
    with TestClient(create_app(Settings(db=db))) as client:
        body = {"period": "year", "as_of": "2023", "theme": "robbery"}
        assert client.post(SNAPSHOTS_PATH, json=body).status_code == 401
        made = client.post(
            SNAPSHOTS_PATH, json=body, headers={"Authorization": f"Bearer {recorder}"}
        )
        assert made.status_code == 201, made.text
        sid = made.json()["id"]
        base = f"{SNAPSHOTS_PATH}/{sid}"
        assert client.get(f"{SNAPSHOTS_PATH}/{sid}/html").status_code == 401  # a draft
        as_recorder = {"Authorization": f"Bearer {recorder}"}
        as_reviewer = {"Authorization": f"Bearer {reviewer}"}
        assert client.post(f"{base}/approve", headers=as_recorder).status_code == 403
        assert client.post(f"{base}/publish", headers=as_reviewer).status_code == 409
        assert client.post(f"{base}/approve", headers=as_reviewer).status_code == 200
        assert client.post(f"{base}/publish", headers=as_reviewer).status_code == 200
        page = client.get(f"{SNAPSHOTS_PATH}/{sid}/html")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        social = client.get(f"{SNAPSHOTS_PATH}/{sid}/social")
        assert social.status_code == 200 and social.headers["content-type"].startswith("text/")
        assert 0 < len(social.text.rstrip("\n")) <= 280 and "f-" not in social.text
        facts = json.loads(client.get(f"{SNAPSHOTS_PATH}/{sid}/json").text)["facts"]
        assert facts and all(f["id"].startswith("f-") for f in facts)
        assert client.get(SNAPSHOTS_PATH).json()["items"][0]["id"] == sid
        bad = client.post(
            SNAPSHOTS_PATH,
            json={"period": "year", "as_of": "2030", "theme": "robbery"},
            headers=as_recorder,
        )
        assert bad.status_code == 422


def test_the_facade_builds_with_the_log_its_settings_name(tmp_path: Path) -> None:
    """A facade opened on Settings(oplog_url=...) reads that log, not the one beside the
    warehouse (the snapshot's operational results come from the deployment's own log)."""
    db = build_warehouse(tmp_path)  # its log, beside it, holds the week's approved events
    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.oplog.sqlite'}"

    def log_facts(settings: Settings) -> int:
        with crimepulse.open(read_only=True, settings=settings) as cp:
            snap = cp.snapshot("week", "2024-01-07", "violence", charts=False)
        return sum(1 for f in snap.facts.values() if f["source"] == "oplog")

    assert log_facts(Settings(db=db)) > 0
    assert log_facts(Settings(db=db, oplog_url=elsewhere)) == 0  # an empty log elsewhere
