"""Kill the ingest process mid-run: every file is stored whole or not at all, and a re-run
completes the job."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

import crimepulse
from tests.factories import MET, STREET_HEADER, write

FILES = 24
ROWS = 20_000


def _big_month(folder: Path, month: str) -> None:
    rows = [
        f"{month}-{i:07d},{month},{MET},{MET},{-0.3 + (i % 5000) * 1e-4:.6f},51.5,"
        f"On or near Street {i % 97},E01000001,Camden 001A,Burglary,Under investigation,"
        for i in range(ROWS)
    ]
    write(folder / f"{month}-metropolitan-street.csv", STREET_HEADER, rows)


def _consistent(db: Path) -> tuple[int, int]:
    """Assert no partial file is stored; return (files stored, rows stored)."""
    with crimepulse.open(db) as cp:
        per_batch = cp.sql(
            "SELECT b.batch_id, b.rows_loaded, count(r.batch_id) AS stored "
            "FROM batches b LEFT JOIN crime_rows r USING (batch_id) GROUP BY ALL"
        ).to_pylist()
        orphans = (
            cp.sql(
                "SELECT count(*) AS n FROM crime_rows WHERE batch_id NOT IN "
                "(SELECT batch_id FROM batches)"
            )
            .column("n")[0]
            .as_py()
        )
        slices = cp.sql("SELECT count(*) AS n FROM batch_slices").column("n")[0].as_py()
    assert orphans == 0
    assert all(b["rows_loaded"] == b["stored"] == ROWS for b in per_batch), per_batch
    assert slices == len(per_batch)
    return len(per_batch), sum(b["stored"] for b in per_batch)


def _kill_after_first_commit(command: list[str]) -> None:
    """Start the ingest and SIGKILL it as soon as it reports its first committed file.

    At that moment later files are in flight: being read, or half inserted.
    """
    proc = subprocess.Popen(
        [*command, "--verbose"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("loaded "):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_whole_files_and_rerun_completes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for m in range(FILES):
        _big_month(data, f"{2020 + m // 12}-{m % 12 + 1:02d}")
    db = tmp_path / "kill.duckdb"
    # One commit a file, so that many files are in flight when the first one is stored.
    command = [
        sys.executable,
        "-m",
        "crimepulse.cli",
        "ingest",
        str(data),
        "-q",
        "--db",
        str(db),
        "--commit-rows",
        "1",
    ]
    crimepulse.open(db).close()
    _kill_after_first_commit(command)
    stored, _ = _consistent(db)
    assert 0 < stored < FILES, f"the kill should land part-way through ({stored} files stored)"
    rerun = subprocess.run(command, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{FILES - stored} loaded, {stored} unchanged" in rerun.stdout
    assert _consistent(db) == (FILES, FILES * ROWS)
