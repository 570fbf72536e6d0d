"""`crimepulse snapshot`: thin over the API; clear errors; the workflow by token."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crimepulse.cli import app
from crimepulse.oplog import OutcomesLog, Role


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
