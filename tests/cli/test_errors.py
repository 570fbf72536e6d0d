"""The CLI's one error decorator: our errors are a one-line message on stderr and the exit
status of their class; anything else (a bug) is not dressed up as "cannot answer"."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crimepulse import stats
from crimepulse.cli import app
from crimepulse.stats import seasonal
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
