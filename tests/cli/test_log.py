"""`crimepulse log ...` and `crimepulse users ...`: direct (both engines) and via --server."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crimepulse.cli import app
from crimepulse.cli.log import _weekly_cell
from crimepulse.oplog import OutcomesLog
from tests.oplog.fixtures import serve

runner = CliRunner()
ADD = ["log", "add", "--type", "firearm_recovered", "--count", "5", "--on", "2025-03-20",
       "--unit", "Flying Squad", "--theme", "firearms", "--borough", "Lambeth", "--solved", "3",
       "--summary", "5 firearms recovered"]  # fmt: skip
CSV = (
    "occurred_on,event_type,count,unit,theme,borough,crimes_solved,summary\n"
    "2025-03-18,arrest,2,Flying Squad,robbery,Brent,0,2 arrests\n"
    "2025-03-19,arrest,-1,Flying Squad,robbery,Brent,0,bad count\n"
)


def test_log_commands_directly(oplog_url: str, tmp_path: Path) -> None:
    url = ["--oplog-url", oplog_url]
    added = runner.invoke(app, [*ADD, *url])
    assert added.exit_code == 0, added.output
    event_id = json.loads(added.stdout)["id"]
    amended = runner.invoke(
        app, ["log", "amend", str(event_id), "--count", "6", "--reason", "recount", *url]
    )
    assert json.loads(amended.stdout)["version"] == 2
    bad = runner.invoke(app, [*ADD[:5], "0", *ADD[6:], *url])
    assert bad.exit_code == 1 and "count" in bad.stderr
    path = tmp_path / "week.csv"
    path.write_text(CSV)
    imported = runner.invoke(app, ["log", "import", str(path), "--strict", *url])
    assert imported.exit_code == 1 and ":3 count" in imported.stderr
    assert "1 added" in imported.stdout
    again = runner.invoke(app, ["log", "import", str(path), *url])
    assert again.exit_code == 0 and "0 added" in again.stdout
    approved = runner.invoke(app, ["log", "approve", "--week", "2025-W12", *url])
    assert "approved 2 event(s)" in approved.stdout
    listed = runner.invoke(app, ["log", "list", "--week", "2025-W12", "--format", "json", *url])
    rows = json.loads(listed.stdout)
    assert sorted((r["event_type"], r["count"], r["status"]) for r in rows) == [
        ("arrest", 2, "approved"),
        ("firearm_recovered", 6, "approved"),
    ]
    as_csv = runner.invoke(app, ["log", "list", "--format", "csv", *url]).stdout.splitlines()
    assert as_csv[0].startswith("id,version,event_type") and len(as_csv) == 3
    weekly = runner.invoke(app, ["log", "weekly", "--week", "2025-W12", "-f", "json", *url])
    assert {r["group"]["event_type"]: r["count"] for r in json.loads(weekly.stdout)["rows"]} == {
        "arrest": 2,
        "firearm_recovered": 6,
    }


def test_users_add_prints_the_token_once(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "london.duckdb")]
    made = runner.invoke(app, ["users", "add", "rita", "--role", "recorder", *db])
    assert made.exit_code == 0 and "shown once" in made.stderr
    token = made.stdout.strip()
    assert (tmp_path / "london.oplog.sqlite").exists()
    with OutcomesLog.open(db=tmp_path / "london.duckdb") as log:
        assert log.authenticate(token).name == "rita"
    listed = runner.invoke(app, ["users", "list", *db])
    assert "rita\trecorder" in listed.stdout and token not in listed.stdout
    assert runner.invoke(app, ["users", "add", "rita", "--role", "recorder", *db]).exit_code == 1
    assert runner.invoke(app, ["users", "add", "x", "--role", "boss", *db]).exit_code == 1


def test_log_commands_through_the_server(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.oplog.sqlite'}"
    with OutcomesLog.open(url) as log:
        admin = log.local_actor()
        recorder = log.add_user(admin, "rita", "recorder")[1]
        reviewer = log.add_user(admin, "ravi", "reviewer")[1]
    path = tmp_path / "week.csv"
    path.write_text(CSV)
    with serve(url) as base:
        as_rita = ["--server", base, "--token", recorder]
        added = runner.invoke(app, [*ADD, "--key", "k1", *as_rita])
        again = runner.invoke(app, [*ADD, "--key", "k1", *as_rita])
        assert json.loads(added.stdout)["id"] == json.loads(again.stdout)["id"]
        imported = runner.invoke(app, ["log", "import", str(path), *as_rita])
        assert "1 added" in imported.stdout and ":3 count" in imported.stderr
        refused = runner.invoke(app, ["log", "approve", "--all-pending", *as_rita])
        assert refused.exit_code == 1 and "reviewer" in refused.stderr
        approve = ["log", "approve", "--all-pending", "--server", base, "--token", reviewer]
        assert "approved 2" in runner.invoke(app, approve).stdout
        nobody = runner.invoke(app, [*ADD, "--server", base])
        assert nobody.exit_code == 1 and "token" in nobody.stderr
    with OutcomesLog.open(url) as log:
        assert log.count_events() == 2
        clients = {e.client for e in log.audit(log.local_actor())}
        assert any("crimepulse-cli" in c for c in clients)


def _comparison(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "baseline_mean": 12.25,
        "p_value": 0.01,
        "direction": "up",
        "small_counts": False,
        "poisson_p_value": 0.002,
        "poisson_direction": "up",
    }
    return {**base, **fields}


def test_weekly_cells_mark_too_little_history_apart_from_no_change() -> None:
    assert _weekly_cell(_comparison()) == "up vs 12.2/wk, p = 0.01"
    flat = _weekly_cell(_comparison(direction="no meaningful change", p_value=0.4))
    assert flat == "≈ vs 12.2/wk, p = 0.40"
    unjudged = _weekly_cell(_comparison(direction="not enough history", p_value=None))
    # no verdict, so no p of the verdict's test; the exact test's, labelled, instead
    assert unjudged == "○ too little history vs 12.2/wk (exact Poisson p = 0.002)"
    assert "≈" not in unjudged and "up" not in unjudged


def test_users_add_and_rotate_take_an_expiry(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "london.duckdb")]
    made = runner.invoke(
        app, ["users", "add", "ravi", "--role", "reviewer", "--expires-in", "30d", *db]
    )
    assert made.exit_code == 0 and "expires 20" in made.stderr
    listed = runner.invoke(app, ["users", "list", *db])
    assert "ravi\treviewer" in listed.stdout and "\texpires 20" in listed.stdout
    rotated = runner.invoke(app, ["users", "rotate", "ravi", *db])
    assert rotated.exit_code == 0 and "no expiry" in rotated.stderr
    with OutcomesLog.open(db=tmp_path / "london.duckdb") as log:
        assert log.authenticate(rotated.stdout.strip()).name == "ravi"
    for bad in ("30", "30x", "-1d", "0d", "99999w"):
        refused = runner.invoke(app, ["users", "rotate", "ravi", "--expires-in", bad, *db])
        assert refused.exit_code == 2 and "--expires-in" in refused.stderr, (bad, refused.stderr)
