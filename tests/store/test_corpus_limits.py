"""Every input of tests/corpus_limits.py, under its lowered limits, through the checks of
tests/store/test_corpus.py (outcome, words, rows, nothing extracted), and every physical
line of what loads accounted for: a loaded row, a quarantined row or a blank line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import crimepulse
from crimepulse.cli import app
from tests import corpus, corpus_limits
from tests.store.test_corpus import test_each_malformed_input_has_its_outcome as check_case


@pytest.mark.parametrize("case", corpus_limits.LIMIT_CASES, ids=lambda c: c.name)
def test_each_input_past_a_limit_has_its_outcome(
    case: corpus_limits.LimitCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable, value in case.environ.items():
        monkeypatch.setenv(variable, value)
    check_case(case.make, tmp_path)


@pytest.mark.parametrize("case", corpus_limits.LIMIT_CASES, ids=lambda c: c.name)
def test_every_line_is_loaded_quarantined_or_blank(
    case: corpus_limits.LimitCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable, value in case.environ.items():
        monkeypatch.setenv(variable, value)
    made = case.make()
    path = tmp_path / made.filename
    path.write_bytes(made.data)
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        report = cp.ingest(path)
        stored = cp.sql("SELECT count(*) AS n FROM quarantine").column("n")[0].as_py()
    loaded = [r for r in report.files if r.status == corpus.LOADED]
    for result in loaded:
        assert result.rows_read == result.rows_loaded + result.rows_quarantined, result
    accounted = sum(r.rows_read + r.blank_lines + 1 for r in loaded)  # + 1: the header
    assert accounted == case.lines
    assert stored == sum(r.rows_quarantined for r in loaded)


def test_the_limits_given_as_options_are_the_ones_applied(tmp_path: Path) -> None:
    """The same 40 KB line: quarantined under --max-line-bytes 16KiB, loaded under the
    default 1 MiB; a bomb rejected under --max-expansion 50 (exit 2), the other file kept."""
    (tmp_path / "long.csv").write_bytes(corpus_limits.with_long_line())
    db = str(tmp_path / "w.duckdb")
    lowered = CliRunner().invoke(
        app, ["ingest", str(tmp_path), "--db", db, "--max-line-bytes", "16KiB"]
    )
    assert lowered.exit_code == 0, lowered.output
    assert "over the 16 KiB line limit" in lowered.output
    default = CliRunner().invoke(app, ["ingest", str(tmp_path), "--db", str(tmp_path / "d.duckdb")])
    with crimepulse.open(tmp_path / "d.duckdb") as cp:
        assert cp.table("crimes").num_rows == 6, default.output
    (tmp_path / "bomb.csv.gz").write_bytes(corpus_limits.bomb().data)
    (tmp_path / "long.csv").unlink()
    (tmp_path / "good.csv").write_bytes(corpus.street_csv(2, month="2024-03", prefix="g"))
    bombed = CliRunner().invoke(app, ["ingest", str(tmp_path), "--db", db, "--max-expansion", "50"])
    assert bombed.exit_code == 2, bombed.output
    assert "bomb.csv.gz" in bombed.output and "limit --max-expansion 50" in bombed.output
    with crimepulse.open(db) as cp:
        assert cp.table("crimes").num_rows == 5 + 2


def test_a_malformed_size_option_is_refused_in_words(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["ingest", str(tmp_path), "--db", str(tmp_path / "w.duckdb"), "--max-line-bytes", "lots"],
    )
    assert result.exit_code == 2
    assert "not a size" in result.output
