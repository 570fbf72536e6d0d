"""CSV import on both engines: the demo file loads whole, re-imports add nothing, bad rows
are reported by line/field/reason while good rows are kept, bad files store nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crimepulse.demo import london as synthetic
from crimepulse.oplog import Actor, Filters, OutcomesLog, importer

HEADER = "occurred_on,event_type,count,unit,theme,borough,crimes_solved,summary"


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operational outcomes file of the synthetic London (two months of it)."""
    out = tmp_path_factory.mktemp("demo")
    synthetic.generate(out, start="2025-03", end="2025-04", detail_months=2)
    return out / "oplog" / "operational-outcomes.csv"


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_demo_file_imports_whole_and_only_once(
    log: OutcomesLog, admin: Actor, demo_csv: Path
) -> None:
    with demo_csv.open() as fh:
        rows = list(csv.DictReader(fh))
    first = log.import_csv(admin, demo_csv)
    assert first.rejected == [] and first.file_error is None
    assert first.rows == first.added == len(rows) == log.count_events() > 1000
    again = log.import_csv(admin, demo_csv)
    assert (again.added, again.already_present) == (0, len(rows))
    assert log.count_events() == len(rows)
    total = sum(int(r["count"]) for r in rows if r["event_type"] == "firearm_recovered")
    listed = log.list(admin, _all("firearm_recovered"))
    assert sum(e.count for e in listed) == total


def _all(event_type: str) -> Filters:
    return Filters(event_type=event_type, limit=10**6)


def test_bad_rows_are_reported_and_good_rows_kept(
    log: OutcomesLog, recorder: Actor, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "week.csv",
        HEADER,
        "2025-06-02,arrest,2,Flying Squad,robbery,Brent,0,2 arrests",
        "2025-06-03,nuke_recovered,1,Flying Squad,robbery,Brent,0,odd",
        "2025-06-04,arrest,0,Flying Squad,robbery,Brent,0,zero",
        "2099-01-01,arrest,1,Flying Squad,robbery,Brent,-1,future",
        "2025-06-05,arrest,1,Flying Squad,robbery,Brent,0",
        '2025-06-05,arrest,1,Flying Squad,robbery,,,"x\'); DROP TABLE events;--"',
    )
    report = log.import_csv(recorder, path)
    found = [(line, e.field) for line, e in report.rejected]
    assert found == [
        (3, "event_type"),
        (4, "count"),
        (5, "occurred_on"),
        (5, "crimes_solved"),
        (6, "(row)"),
    ]
    assert all(e.reason for _, e in report.rejected)
    assert (report.rows, report.added, report.rejected_rows) == (6, 2, 4)
    assert log.count_events() == 2
    assert report.exit_code() == 0 and report.exit_code(strict=True) == 1


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        ("occurred_on,event_type,count,unit,theme,borough,crimes_solved", "summary"),
        (HEADER + ",colour", "colour"),
    ],
)
def test_a_bad_header_refuses_the_file(
    log: OutcomesLog, recorder: Actor, tmp_path: Path, first_line: str, message: str
) -> None:
    path = write(tmp_path / "bad.csv", first_line, "2025-06-02,arrest,2,Flying Squad,robbery")
    report = log.import_csv(recorder, path)
    assert report.file_error and message in report.file_error
    assert report.exit_code() == 2 and log.count_events() == 0


def test_not_utf8_refuses_the_file(log: OutcomesLog, recorder: Actor, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + "\n2025-06-02,arrest,1,Flying Squad,robbery,,,caf\xe9\n").encode("latin-1")
    )
    assert "UTF-8" in (log.import_csv(recorder, path).file_error or "")


def test_identical_rows_are_two_events_and_overlaps_add_only_new_rows(
    log: OutcomesLog, recorder: Actor, tmp_path: Path
) -> None:
    row = "2025-06-02,arrest,1,Flying Squad,robbery,Brent,0,1 arrest"
    other = "2025-06-03,charge,1,Flying Squad,robbery,Brent,1,1 charged"
    assert log.import_csv(recorder, write(tmp_path / "a.csv", HEADER, row, row)).added == 2
    report = log.import_csv(recorder, write(tmp_path / "b.csv", HEADER, row, row, row, other))
    assert (report.added, report.already_present) == (2, 2)
    assert log.count_events() == 4


GOOD_ROW = "2025-06-02,arrest,2,Flying Squad,robbery,Brent,0,2 arrests"
STRAY_ROW = '2025-06-03,arrest,1,Flying Squad,robbery,Brent,0,a 5" knife'  # text, not a quote
UNCLOSED_ROW = '2025-06-04,arrest,1,Flying Squad,robbery,Brent,0,"never closed'
MALFORMED = {
    "stray quote and a ragged row": [GOOD_ROW, STRAY_ROW, GOOD_ROW + ",x", GOOD_ROW],
    "unclosed quote": [GOOD_ROW, UNCLOSED_ROW, GOOD_ROW, GOOD_ROW],
    "unclosed quote, then a quoted field": [UNCLOSED_ROW, GOOD_ROW, GOOD_ROW[:-9] + '"2, ""x"""'],
    "blank lines": ["", GOOD_ROW, "", "", GOOD_ROW],
    "ragged rows": ["a,b", GOOD_ROW, ",,,", GOOD_ROW + ","],
    "trailing delimiter": [GOOD_ROW + ",", GOOD_ROW],
    "everything": [GOOD_ROW, "", STRAY_ROW, UNCLOSED_ROW, "a", GOOD_ROW, UNCLOSED_ROW],
}


@pytest.mark.parametrize(("newline", "bom"), [("\n", False), ("\r\n", True)])
@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_physical_line_is_a_row_a_rejection_or_blank(
    name: str, newline: str, bom: bool
) -> None:
    lines = MALFORMED[name]
    data = ("\ufeff" if bom else "").encode() + newline.join([HEADER, *lines, ""]).encode()
    rows, errors, blank = importer.parse(data)
    assert blank == [number for number, line in enumerate(lines, start=2) if not line]
    accounted = sorted([1, *(line for line, _ in rows), *(line for line, _ in errors), *blank])
    assert accounted == list(range(1, len(lines) + 2)), name


def test_an_unclosed_quote_costs_only_its_line(
    log: OutcomesLog, recorder: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path / "q.csv", HEADER, GOOD_ROW, UNCLOSED_ROW, STRAY_ROW, "", GOOD_ROW)
    report = log.import_csv(recorder, path)
    assert (report.rows, report.added, report.blank_lines) == (4, 3, 1)
    assert report.as_dict()["blank_lines"] == 1
    [(line, error)] = report.rejected
    assert (line, error.field) == (3, "(row)") and "quoted field opened" in error.reason


@pytest.mark.parametrize("as_bytes", [False, True], ids=["file", "upload"])
def test_a_line_over_the_limit_is_a_row_error_and_the_others_import(
    log: OutcomesLog, recorder: Actor, tmp_path: Path, as_bytes: bool
) -> None:
    good = "2025-06-02,arrest,2,Flying Squad,robbery,Brent,0,2 arrests"
    long = "2025-06-03,arrest,1,Flying Squad,robbery,Brent,0," + "x" * 40_000
    path = write(tmp_path / "long.csv", HEADER, good, long, "", good.replace("06-02", "06-04"))
    source: Path | bytes = path.read_bytes() if as_bytes else path
    report = log.import_csv(recorder, source, "long.csv", max_line_bytes=16 << 10)
    [(line, error)] = report.rejected
    assert (line, error.field) == (3, "(row)")
    assert error.reason.startswith("line 3 is 40,")
    assert "over the 16 KiB line limit" in error.reason
    assert (report.rows, report.added, report.blank_lines) == (3, 2, 1)  # + header = 5 lines
    assert log.count_events() == 2


def test_a_header_over_the_limit_refuses_the_file(
    log: OutcomesLog, recorder: Actor, tmp_path: Path
) -> None:
    path = write(tmp_path / "wide.csv", HEADER + "," + "y" * 40_000, "2025-06-02,arrest")
    report = log.import_csv(recorder, path, max_line_bytes=16 << 10)
    assert report.file_error and "the header, line 1 is 40," in report.file_error
    assert log.count_events() == 0


def test_the_deployments_line_limit_applies_to_its_imports(tmp_path: Path) -> None:
    from crimepulse.config import ReadLimits, Settings

    limits = ReadLimits(max_line_bytes=16 << 10)
    long = "2025-06-03,arrest,1,Flying Squad,robbery,Brent,0," + "x" * 20_000
    path = write(tmp_path / "long.csv", HEADER, long)
    settings = Settings(db=tmp_path / "w.duckdb", limits=limits)
    with OutcomesLog.open(settings=settings) as log:
        report = log.import_csv(log.local_actor(), path)
    [(line, error)] = report.rejected
    assert line == 2 and "over the 16 KiB line limit" in error.reason
    with OutcomesLog.open(settings=settings.replace(limits=ReadLimits())) as log:
        # Under 1 MiB the line is read, and its summary validated (at most 500 characters).
        [(_, error)] = log.import_csv(log.local_actor(), path).rejected
        assert error.field == "summary"
