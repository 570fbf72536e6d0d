"""The CLI's one error decorator: our errors are a one-line message on stderr and the exit
status of their class; anything else (a bug) is not dressed up as "cannot answer"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimepulse import stats
from crimepulse.cli import app
from crimepulse.stats import seasonal
from crimepulse.store.warehouse import Warehouse
from tests.factories import STREET_HEADER, street_row, write
from tests.faults import BUG, break_function

runner = CliRunner()
QUESTION = ["--area", "Hackney", "--category", "robbery", "--window", "year", "--as-of", "2023-12"]


def test_a_question_error_is_one_line_and_exit_2(warehouse: Path) -> None:
    result = runner.invoke(app, ["compare", "--db", str(warehouse), *QUESTION[:-1], "2030-12"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "has not published" in result.stderr
    assert result.stdout == ""


def test_a_value_error_inside_the_statistics_is_not_exit_2(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_function(monkeypatch, stats.compare_with_history)
    result = runner.invoke(app, ["compare", "--db", str(warehouse), *QUESTION])
    assert result.exit_code not in (0, 2)
    assert isinstance(result.exception, ValueError) and str(result.exception) == BUG


def test_a_seasonal_model_bug_is_not_skipped_as_too_little_history(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_function(monkeypatch, seasonal.flag_arrays)  # what flag_series runs per group
    result = runner.invoke(app, ["flags", "--as-of", "2023-12", "--db", str(warehouse)])
    assert isinstance(result.exception, ValueError) and str(result.exception) == BUG


def test_a_workflow_step_out_of_order_is_a_refusal_exit_1(warehouse: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    db.write_bytes(warehouse.read_bytes())
    db.with_suffix(".oplog.sqlite").write_bytes(warehouse.with_suffix(".oplog.sqlite").read_bytes())
    draft = ["snapshot", "--period", "year", "--as-of", "2023", "--theme", "robbery"]
    made = runner.invoke(app, [*draft, "--db", str(db), "--draft", "--format", "post"])
    assert made.exit_code == 0, made.output
    early = runner.invoke(app, ["snapshot", "publish", "1", "--db", str(db)])
    assert early.exit_code == 1  # a Conflict, not a question the data cannot answer (2)
    assert early.stderr.startswith("error: ") and "approved" in early.stderr


HOLD_LOCK = """
import sys
import duckdb
con = duckdb.connect(sys.argv[1])  # the write lock, held until stdin closes
print("ready", flush=True)
sys.stdin.read()
con.close()
"""


def test_a_warehouse_locked_by_another_process_is_one_line_and_exit_3(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    first = write(tmp_path / "a" / "street.csv", STREET_HEADER, [street_row("a1")])
    second = write(tmp_path / "b" / "street.csv", STREET_HEADER, [street_row("b1")])
    assert runner.invoke(app, ["ingest", str(first), "--db", str(db), "-q"]).exit_code == 0
    with Warehouse(db) as warehouse:
        before = warehouse.loaded_files()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ready\n"
        result = runner.invoke(app, ["ingest", str(second), "--db", str(db)])
    finally:
        holder.communicate("", timeout=30)
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr == (
        f"error: the warehouse {db} is in use by another process (PID {holder.pid}); "
        "try again when it finishes\n"
    )
    with Warehouse(db) as warehouse:
        assert warehouse.loaded_files() == before  # the store is unchanged
