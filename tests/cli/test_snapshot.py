"""`crimepulse snapshot`: thin over the API; clear errors; the workflow by token."""

from __future__ import annotations

import json
import re
import shlex
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crimepulse
from crimepulse.cli import app
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.snapshot.archive import SnapshotStore
from tests.factories import two_forces


def test_cli_renders_and_runs_the_workflow(warehouse: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    db.write_bytes(warehouse.read_bytes())
    log_file = warehouse.with_suffix(".oplog.sqlite")
    db.with_suffix(".oplog.sqlite").write_bytes(log_file.read_bytes())
    out = tmp_path / "s.json"
    args = [
        "snapshot",
        "--period",
        "year",
        "--as-of",
        "2023",
        "--theme",
        "robbery",
        "--db",
        str(db),
    ]
    done = runner.invoke(app, [*args, "--format", "json", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["facts"]
    bad = runner.invoke(app, [*args[:-2], "--db", str(db), "--theme", "nope"])
    assert bad.exit_code == 2 and "unknown theme" in bad.output
    drafted = runner.invoke(app, [*args, "--draft", "--format", "post"])
    assert drafted.exit_code == 0, drafted.output
    with OutcomesLog.open(db=db) as log:
        _, recorder = log.add_user(log.local_actor(), "rita", Role.recorder)
    refused = runner.invoke(app, ["snapshot", "approve", "1", "--db", str(db), "--token", recorder])
    assert refused.exit_code == 1 and "reviewer" in refused.output
    for step in ("approve", "publish"):
        assert runner.invoke(app, ["snapshot", step, "1", "--db", str(db)]).exit_code == 0
    listed = runner.invoke(app, ["snapshot", "list", "--archive", "--json", "--db", str(db)])
    assert json.loads(listed.output)[0]["status"] == "published"


def test_a_snapshot_and_its_draft_are_of_the_deployments_force(tmp_path: Path) -> None:
    """CRIMEPULSE_FORCE names the force a snapshot is about, rendered or stored as a draft."""
    runner = CliRunner(env={"CRIMEPULSE_FORCE": "city-of-london"})
    db = str(tmp_path / "w.duckdb")
    ingested = runner.invoke(app, ["ingest", str(two_forces(tmp_path / "data")), "--db", db])
    assert ingested.exit_code == 0, ingested.output
    when = ["--period", "month", "--as-of", "2023-12", "--theme", "burglary"]
    args = ["snapshot", *when, "--db", db]
    rendered = runner.invoke(app, [*args, "--format", "json"])
    assert rendered.exit_code == 0, rendered.output
    assert json.loads(rendered.stdout)["meta"]["force"] == "city-of-london"
    drafted = runner.invoke(app, [*args, "--draft", "--format", "md"])
    assert drafted.exit_code == 0, drafted.output
    assert drafted.stdout.startswith("# Burglary in the City of London: December 2023")
    with OutcomesLog.open(db=Path(db)) as log:
        (record,) = SnapshotStore(log).list()
        assert SnapshotStore(log).document(record.id).meta["force"] == "city-of-london"


def test_a_correction_is_of_the_force_that_was_published(tmp_path: Path) -> None:
    """A correction rebuilds the snapshot as published: for its force, whatever the
    environment of the reviewer correcting it says."""
    city = CliRunner(env={"CRIMEPULSE_FORCE": "city-of-london"})
    db = str(tmp_path / "w.duckdb")
    assert (
        city.invoke(app, ["ingest", str(two_forces(tmp_path / "data")), "--db", db]).exit_code == 0
    )
    when = ["--period", "month", "--as-of", "2023-12", "--theme", "burglary"]
    drafted = city.invoke(app, ["snapshot", *when, "--db", db, "--draft", "--format", "md"])
    assert drafted.exit_code == 0, drafted.output
    for step in ("approve", "publish"):
        assert city.invoke(app, ["snapshot", step, "1", "--db", db]).exit_code == 0
    met = CliRunner(env={"CRIMEPULSE_FORCE": "metropolitan"})
    fixed = met.invoke(app, ["snapshot", "correct", "1", "--note", "revised", "--db", db])
    assert fixed.exit_code == 0, fixed.output
    with OutcomesLog.open(db=Path(db)) as log:
        store = SnapshotStore(log)
        versions = store.list()
        assert len(versions) == 2
        assert {store.document(r.id).meta["force"] for r in versions} == {"city-of-london"}


def _editor(tmp_path: Path, old: str, new: str) -> str:
    """$EDITOR: a small script that replaces `old` with `new` in the file it is given."""
    script = tmp_path / f"editor-{abs(hash((old, new)))}.py"
    script.write_text(
        "import pathlib, sys\n"
        "path = pathlib.Path(sys.argv[-1])\n"
        f"text = path.read_text(encoding='utf-8')\n"
        f"assert {old!r} in text, 'the template lacks the words to edit'\n"
        f"path.write_text(text.replace({old!r}, {new!r}, 1), encoding='utf-8')\n"
    )
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def test_edit_opens_the_editor_and_keeps_numbers_locked(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    db = tmp_path / "w.duckdb"
    db.write_bytes(warehouse.read_bytes())
    db.with_suffix(".oplog.sqlite").write_bytes(warehouse.with_suffix(".oplog.sqlite").read_bytes())
    when = ["--period", "year", "--as-of", "2023", "--theme", "robbery", "--db", str(db)]
    assert runner.invoke(app, ["snapshot", *when, "--draft"]).exit_code == 0
    edit = ["snapshot", "edit", "1", "--no-pdf", "--db", str(db)]

    monkeypatch.setenv("EDITOR", _editor(tmp_path, "Robbery went up,", "Robbery rose,"))
    done = runner.invoke(app, edit)
    assert done.exit_code == 0, done.output
    assert "stored draft 2: version 2, edited from 1" in done.output
    shown = runner.invoke(app, ["snapshot", "show", "2", "--db", str(db)]).output
    assert "Robbery rose, by more than" in shown

    typed = _editor(tmp_path, "variation: {robbery_2023.current}", "variation: 720")
    monkeypatch.setenv("EDITOR", typed)
    refused = runner.invoke(app, ["snapshot", "edit", "2", "--no-pdf", "--db", str(db)])
    assert refused.exit_code == 1
    assert re.search(
        r"line \d+: '720' is not bound to a Fact; use \{robbery_2023\.current\}", refused.output
    ), refused.output
    with OutcomesLog.open(db=db) as log:
        assert [r.version for r in SnapshotStore(log).list()] == [1, 2]  # nothing stored

    with crimepulse.open(db, read_only=True) as cp:  # the Python equivalent
        template = cp.snapshot_template(2)
        record = cp.edit_snapshot(
            2, template.replace("Robbery rose,", "Robbery climbed,"), pdf=False
        )
        assert record.version == 3 and record.edited_from == 2
        assert "Robbery climbed," in str(cp.archive.output(record.id, "md"))
