"""Ingest end to end: idempotency, vintages, quarantine, rejection and exit codes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import crimepulse
from crimepulse.cli import app
from tests.factories import FEED_HEADER, STREET_HEADER, street_month, street_row, write


@pytest.fixture
def cp(tmp_path: Path):  # type: ignore[no-untyped-def]
    with crimepulse.open(tmp_path / "w.duckdb") as handle:
        yield handle


def test_reingesting_the_same_file_is_a_reported_no_op(cp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = street_month(tmp_path / "data", "2024-01", 50)
    first = cp.ingest(path)
    assert [r.status for r in first.files] == ["loaded"]
    before = cp.sql("SELECT count(*) AS n FROM crime_rows").column("n")[0].as_py()
    again = cp.ingest(tmp_path / "data")
    assert [r.status for r in again.files] == ["unchanged"]
    assert "identical to batch" in again.files[0].message
    assert cp.sql("SELECT count(*) AS n FROM crime_rows").column("n")[0].as_py() == before == 50
    assert cp.sql("SELECT count(*) AS n FROM batches").column("n")[0].as_py() == 1


def test_a_new_edition_keeps_both_vintages(cp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    old = street_month(tmp_path / "v1", "2024-01", 20, outcome="Under investigation")
    new = street_month(tmp_path / "v2", "2024-01", 20, outcome="Suspect charged")
    cp.ingest(old, vintage=datetime(2024, 2, 28))
    cp.ingest(new, vintage=datetime(2024, 5, 31))

    def outcomes(table) -> set[str]:  # type: ignore[no-untyped-def]
        return set(table.column("last_outcome").to_pylist())

    assert cp.table("crimes").num_rows == 20
    assert outcomes(cp.table("crimes")) == {"Suspect charged"}
    assert outcomes(cp.table("crimes", as_of="2024-03-15")) == {"Under investigation"}
    assert cp.table("crimes", as_of="2024-01-01").num_rows == 0  # nothing published yet
    history = cp.sql(
        "SELECT outcome, vintage FROM outcome_history WHERE crime_id = '2024-01-000003' "
        "ORDER BY vintage"
    ).to_pylist()
    assert [h["outcome"] for h in history] == ["Under investigation", "Suspect charged"]
    assert cp.sources()[0].editions == 2


def test_good_rows_load_and_bad_rows_are_quarantined_with_location(cp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path / "s.csv",
        STREET_HEADER,
        [street_row("g1"), street_row("g2", month="24-01"), street_row("g3")],
    )
    report = cp.ingest(path)
    assert report.rows_loaded == 2 and report.rows_quarantined == 1
    assert report.exit_code(strict=False) == 0 and report.exit_code(strict=True) == 1
    (row,) = cp.quarantine()
    assert row["path"] == str(path) and row["line"] == 3 and row["field"] == "month"
    assert row["raw"] == street_row("g2", month="24-01")


def test_a_file_in_no_known_format_is_rejected_whole(cp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = street_month(tmp_path / "d", "2024-02", 5)
    write(tmp_path / "d" / "zz-mystery.csv", "colour,shape", ["red,square"])
    report = cp.ingest(tmp_path / "d")
    statuses = {Path(r.name).name: r.status for r in report.files}
    assert statuses == {good.name: "loaded", "zz-mystery.csv": "rejected"}
    message = next(r.message for r in report.files if r.status == "rejected")
    assert "zz-mystery.csv" in message and "Known formats" in message
    assert "police.uk street" in message
    assert report.exit_code() == 2
    assert cp.table("crimes").num_rows == 5


def test_daily_feed_needs_a_force_and_keeps_days(cp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        "f1,2024-03-05T21:14:00,Robbery,Robbery of personal property,Camden,E01000001,51.5,-0.14,",
        "f2,2024-03-06,Burglary,Burglary - residential,Camden,E01000001,,,Suspect charged",
        "f3,2024-02-30,Burglary,,Camden,,,,",
    ]
    path = write(tmp_path / "feed.csv", FEED_HEADER, rows)
    rejected = cp.ingest(path)
    assert rejected.files[0].status == "rejected" and "--force" in rejected.files[0].message
    loaded = cp.ingest(path, force="metropolitan")
    assert loaded.rows_loaded == 2 and loaded.rows_quarantined == 1
    crimes = cp.sql("SELECT occurred_on, no_location, force FROM crimes ORDER BY 1").to_pylist()
    assert [str(c["occurred_on"]) for c in crimes] == ["2024-03-05", "2024-03-06"]
    assert [c["no_location"] for c in crimes] == [False, True]
    assert {c["force"] for c in crimes} == {"metropolitan"}


def test_zip_archive_with_month_folders(cp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for month, n in (("2024-01", 3), ("2024-02", 4)):
            src = street_month(tmp_path / "src", month, n)
            z.write(src, f"{month}/{src.name}")
    report = cp.ingest(archive)
    assert [r.status for r in report.files] == ["loaded", "loaded"]
    assert report.files[0].name.endswith("download.zip!2024-01/2024-01-metropolitan-street.csv")
    assert cp.table("crimes").num_rows == 7


def test_cli_exit_codes_and_summary(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.duckdb")
    bad = write(tmp_path / "q" / "s.csv", STREET_HEADER, [street_row("x", lat="91")])
    result = runner.invoke(app, ["ingest", str(bad), "--db", db])
    assert result.exit_code == 0, result.output
    assert "1 quarantined" in result.output and "rows/s" in result.output
    again = runner.invoke(app, ["ingest", str(bad), "--db", db, "--strict"])
    assert again.exit_code == 0  # unchanged file: nothing new was quarantined
    strict_bad = write(tmp_path / "q2" / "s.csv", STREET_HEADER, [street_row("y", lat="91")])
    assert runner.invoke(app, ["ingest", str(strict_bad), "--db", db, "--strict"]).exit_code == 1
    junk = write(tmp_path / "junk.csv", "a,b", ["1,2"])
    assert runner.invoke(app, ["ingest", str(junk), "--db", db]).exit_code == 2
    sources = runner.invoke(app, ["sources", "--db", db, "--format", "json"])
    assert sources.exit_code == 0 and '"quarantined": 2' in sources.output


def test_the_warehouse_inside_an_ingested_folder_is_not_read_as_data(tmp_path: Path) -> None:
    street_month(tmp_path, "2024-01", 3)
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(tmp_path)
        report = cp.ingest(tmp_path)
        assert [r.status for r in report.files] == ["unchanged"]


def test_the_summary_accounts_for_every_line_of_a_malformed_file(tmp_path: Path) -> None:
    rows = [
        street_row("a1"),
        street_row("a2", location='On or near 5" Street'),  # a stray quote: text
        "",
        street_row("a3", location='"never closed'),
        street_row("a4") + ",extra",
        "",
        street_row("a5"),
    ]
    path = write(tmp_path / "in" / "street.csv", STREET_HEADER, rows)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", str(path), "--db", str(db), "-q"])
    assert result.exit_code == 0, result.output
    assert "rows: 3 loaded, 2 quarantined, 2 blank lines skipped;" in result.stdout
    assert len(path.read_bytes().splitlines()) == 3 + 2 + 2 + 1


# Count-bearing tables with a count of 2e19 (past a BIGINT) and ten of 9e17 in one month
# (each fits, their sum would wrap): header, a row template with {n}, the count's field.
OVERFLOW_TABLES = {
    "mps-borough": (
        "MajorText,MinorText,BoroughName,202401,202402",
        "THEFT,MINOR {i},Camden,3,{n}",
        "202402",
    ),
    "mps-homicide-victims": (
        "Count of Victims,Age Group,Sex,Method of Killing,Domestic Abuse,Recorded Date,"
        "Homicide Offence Type,Solved Status,Borough,Officer Observed Ethnicity",
        "{n},18 to 24,Male,Knife,No,Feb 2024,Murder,Solved,Camden,White",
        "countofvictims",
    ),
    "population-long": ("Code,Name,Year,Population", "E0900000{i},Area {i},2021,{n}", "population"),
    "population-wide": ("Code,Name,2020,2021", "E0900000{i},Area {i},5,{n}", "2021"),
    "harm-weights": ("index,category,weight", "X,Type {i},{n}", "weight"),
    "ew-offence-groups": (
        "financial_year,offence_key,offence_label,offences",
        "20{i:02d}/{j:02d},robbery,Robbery,{n}",
        "offences",
    ),
    "pfa-offence-groups": (
        "period_label,period_months,area_code,area_name,offence_group,offences",
        "year,2018-04..2019-03,E2300000{i},Force {i},Robbery,{n}",
        "offences",
    ),
}


@pytest.mark.parametrize("fmt", sorted(OVERFLOW_TABLES))
def test_a_count_past_any_total_is_quarantined_never_wrapped(cp, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    header, row, field = OVERFLOW_TABLES[fmt]
    counts = ["20000000000000000000", *["900000000000000000"] * 10, "7"]
    rows = [row.format(i=i, j=i + 1, n=n) for i, n in enumerate(counts)]
    result = cp.ingest(write(tmp_path / f"{fmt}.csv", header, rows)).files[0]
    assert (result.status, result.format) == ("loaded", fmt), result.message
    assert result.rows_quarantined == 11
    quarantined = cp.sql("SELECT line, field, reason FROM quarantine ORDER BY line").to_pylist()
    assert [q["line"] for q in quarantined] == list(range(2, 13))
    assert {q["field"] for q in quarantined} == {field}
    assert all("too large" in q["reason"] for q in quarantined)
    assert quarantined[0]["reason"].endswith(": 20000000000000000000")
    totals = cp.sql("SELECT total FROM batch_slices WHERE month IS NOT NULL").column("total")
    assert all(0 <= t <= 36 for t in totals.to_pylist())  # 7 or 12 x 3, never wrapped


def test_verbose_ingest_shows_a_loaded_file_s_notes(tmp_path: Path) -> None:
    from tests import corpus

    path = tmp_path / "areas.geojson"
    path.write_bytes(corpus.geojson_bow_tie_repaired().data)
    result = CliRunner().invoke(
        app, ["ingest", str(path), "--db", str(tmp_path / "w.duckdb"), "-v"]
    )
    assert result.exit_code == 0, result.output
    assert "feature 1 (Camden): invalid geometry (Self-intersection[" in result.output
    assert "repaired with make_valid" in result.output
