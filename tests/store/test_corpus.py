"""Every malformed input of tests/corpus.py: the right outcome, in words, and no exception;
and every line of every file accounted for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crimepulse
from crimepulse.cli import app
from crimepulse.sources import files
from crimepulse.store.ingest import FileResult
from tests import corpus

# Formats whose stored rows and quarantined items are cells of a wide row, not lines.
WIDE = {"mps-borough", "mps-ward", "mps-lsoa", "population-wide"}


def assert_every_line_accounted_for(
    result: FileResult, unit: files.SourceFile, case: corpus.Case, lines: list[int]
) -> None:
    """A CSV's header, rows (each on its first line, plus the lines a quoted line break
    continues) and blank lines add up to its physical lines; a row format's rows are each
    stored or quarantined; quarantined lines are the file's own, each once."""
    said = f"{result.name}: {result}"
    if unit.kind == "csv":
        with unit.open() as fh:
            physical = len(fh.read().splitlines())
        assert 1 + result.rows_read + result.blank_lines + case.spanning == physical, said
        assert all(2 <= line <= physical for line in lines), said
    if result.format not in WIDE:
        assert result.rows_loaded + result.rows_quarantined == result.rows_read, said
        assert len(set(lines)) == len(lines) == result.rows_quarantined, said


@pytest.mark.parametrize("make", corpus.CASES, ids=lambda m: m.__name__)
def test_each_malformed_input_has_its_outcome(
    make: Callable[[], corpus.Case], tmp_path: Path
) -> None:
    case = make()
    path = tmp_path / "data" / case.filename
    path.parent.mkdir()
    path.write_bytes(case.data)
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        report = cp.ingest(path)
        quarantine = cp.sql("SELECT path, line, reason FROM quarantine").to_pylist()
        rows = sum(r.rows_loaded for r in report.files)
    reasons = [q["reason"] for q in quarantine]
    outcomes = tuple(
        corpus.QUARANTINED if r.status == corpus.LOADED and r.rows_quarantined else r.status
        for r in report.files
    )
    said = " | ".join([*(f"{r.name}: {r.message}" for r in report.files), *reasons])
    assert outcomes == case.outcomes, said
    for word in case.words:
        assert word in said
    for result in report.files:
        if result.status == corpus.REJECTED:
            assert case.filename in result.message  # the file is named
    assert rows == case.rows
    units = {unit.name: unit for unit in files.discover([path])}
    for result in report.files:
        if result.status == corpus.LOADED:
            lines = [q["line"] for q in quarantine if q["path"] == result.name]
            assert_every_line_accounted_for(result, units[result.name], case, lines)
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert written <= {f"data/{case.filename}", "w.duckdb", "w.duckdb.wal"}  # nothing extracted


def test_one_bad_file_never_costs_the_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for i, make in enumerate([corpus.truncated_gzip, corpus.corrupt_zip, corpus.clean_street]):
        case = make()
        (folder / f"{i}-{case.filename}").write_bytes(case.data)
    (folder / "3-good.zip").write_bytes(
        corpus.zipped(("b.csv", corpus.street_csv(4, month="2024-02", prefix="z")))
    )
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2, result.output
    assert "0-street.csv.gz" in result.output and "truncated gzip" in result.output
    assert "1-download.zip" in result.output and "corrupt zip member" in result.output
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        assert cp.table("crimes").num_rows == 7
