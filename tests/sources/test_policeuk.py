"""data.police.uk readers: real files, and malformed files the tests write themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from crimepulse.sources import files, policeuk
from crimepulse.sources.base import Batch
from tests.factories import (
    OUTCOMES_HEADER,
    STOP_HEADER,
    STREET_HEADER,
    street_row,
    write,
)


def read(path: Path) -> Batch:
    unit = next(files.discover([path]))
    columns = files.header(unit)
    for reader in policeuk.READERS:
        if reader.matches(columns):
            return reader.read(unit, columns)
    raise AssertionError(f"no police.uk reader for {path}")


def test_street_quarantines_each_bad_row_with_line_field_and_reason(tmp_path: Path) -> None:
    rows = [
        street_row("a1"),  # line 2: good
        street_row("a2", month="2024-13"),  # line 3: bad month
        street_row("a3", lon="west"),  # line 4: non-numeric longitude
        street_row("a4", lon="2.5", lat="48.8"),  # line 5: Paris
        street_row("a5", category="Jaywalking"),  # line 6: unknown category
        street_row("a6") + ",extra",  # line 7: wrong column count
        street_row("a7", lon="", lat="", lsoa="", lsoa_name="", location="No location"),
        street_row("a8"),  # line 9: good
    ]
    path = write(tmp_path / "street.csv", STREET_HEADER, rows)
    batch = read(path)
    assert batch.rows_read == 8
    assert batch.canonical().column("crime_id").to_pylist() == ["a1", "a7", "a8"]
    by_line = {r.line: r for r in batch.rejects}
    assert sorted(by_line) == [3, 4, 5, 6, 7]
    assert by_line[3].field == "month" and "bad month" in by_line[3].reason
    assert by_line[4].field == "longitude" and "non-numeric" in by_line[4].reason
    assert "outside the UK" in by_line[5].reason
    assert by_line[6].field == "crimetype" and "Jaywalking" in by_line[6].reason
    assert "wrong column count" in by_line[7].reason
    assert by_line[3].raw == rows[1]  # the raw text, exactly as in the file
    no_location = batch.canonical().column("no_location").to_pylist()
    assert no_location == [False, True, False]


def test_undecodable_bytes_reject_only_their_line(tmp_path: Path) -> None:
    path = tmp_path / "street.csv"
    good = street_row("b1").encode()
    bad = street_row("b2", location="On or near Caf\xe9").encode("latin-1")
    path.write_bytes(b"\n".join([STREET_HEADER.encode(), good, bad, good.replace(b"b1", b"b3")]))
    batch = read(path)
    assert batch.canonical().column("crime_id").to_pylist() == ["b1", "b3"]
    assert [(r.line, "undecodable" in r.reason) for r in batch.rejects] == [(3, True)]


def test_identical_rows_without_id_are_distinct_crimes_with_stable_ids(tmp_path: Path) -> None:
    twin = street_row("", month="2011-03", outcome="")
    other = street_row("", month="2011-03", lon="-0.150", outcome="")
    first = read(write(tmp_path / "a.csv", STREET_HEADER, [twin, other, twin]))
    ids = first.canonical().column("crime_id").to_pylist()
    assert len(set(ids)) == 3 and all(i.startswith("h:") for i in ids)
    assert first.canonical().column("has_source_id").to_pylist() == [False] * 3
    # A later edition with an outcome filled in and rows reordered keeps the identities.
    later = [other.replace(",,", ",Under investigation,"), twin, twin]
    second = read(write(tmp_path / "b.csv", STREET_HEADER, later))
    assert set(second.canonical().column("crime_id").to_pylist()) == set(ids)


def test_header_is_matched_case_insensitively_with_bom_and_crlf(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.csv", STREET_HEADER.upper(), [street_row("c1")], newline="\r\n", bom=True
    )
    batch = read(path)
    assert batch.canonical().column("crime_id").to_pylist() == ["c1"]
    assert batch.canonical().column("last_outcome").to_pylist() == ["Under investigation"]
    assert batch.force == "metropolitan"


def test_outcomes_need_a_crime_id(tmp_path: Path) -> None:
    met = "Metropolitan Police Service"
    rows = [
        f"id1,2024-02,{met},{met},-0.1,51.5,On or near X,E01000001,Camden 001A,Suspect charged",
        f",2024-02,{met},{met},-0.1,51.5,On or near X,E01000001,Camden 001A,Suspect charged",
    ]
    batch = read(write(tmp_path / "o.csv", OUTCOMES_HEADER, rows))
    assert batch.dataset == "outcomes"
    assert batch.canonical().column("outcome").to_pylist() == ["Suspect charged"]
    assert [(r.line, r.field) for r in batch.rejects] == [(3, "crimeid")]


def test_stop_and_search_force_from_file_name_and_month_from_dates(tmp_path: Path) -> None:
    rows = [
        "Person search,2024-03-31T23:30:00+00:00,False,,51.5,-0.1,Male,18-24,,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,Arrest,True,False",
        "Person search,2024-04-02T10:00:00+00:00,,,,,Female,over 34,,,,,A no further action "
        "disposal,,",
        "Person search,2024-04-03T10:00:00+00:00,,,,,Female,over 34,,,,,Arrest,,",
        "Person search,yesterday,,,,,Female,over 34,,,,,Arrest,,",
    ]
    path = write(tmp_path / "2024-04-metropolitan-stop-and-search.csv", STOP_HEADER, rows)
    batch = read(path)
    assert batch.force == "metropolitan"
    assert {str(m) for m in batch.canonical().column("month").to_pylist()} == {"2024-04-01"}
    assert batch.canonical().column("outcome_linked").to_pylist() == [True, None, None]
    assert [(r.line, r.field) for r in batch.rejects] == [(5, "date")]


def test_stop_and_search_without_force_is_a_clear_error(tmp_path: Path) -> None:
    rows = ["Person search,2024-04-02T10:00:00+00:00,,,,,Female,over 34,,,,,Arrest,,"]
    path = write(tmp_path / "searches.csv", STOP_HEADER, rows)
    with pytest.raises(Exception, match="give the force with --force"):
        read(path)


@pytest.mark.parametrize(
    ("name", "header", "expected"),
    [
        ("x-street.csv", STREET_HEADER, "police.uk street"),
        ("x-outcomes.csv", OUTCOMES_HEADER, "police.uk outcomes"),
        ("renamed.txt", STREET_HEADER, "police.uk street"),  # never from the file name
    ],
)
def test_detection_uses_the_header(tmp_path: Path, name: str, header: str, expected: str) -> None:
    path = write(tmp_path / name, header, [])
    unit = next(files.discover([path]))
    matched = [r.name for r in policeuk.READERS if r.matches(files.header(unit))]
    assert matched == [expected]


def test_real_city_of_london_street_month(shared_data: Path) -> None:
    path = shared_data / "police-uk-city-of-london-street" / "2021-09-city-of-london-street.csv"
    batch = read(path)
    assert batch.rows_read == 765  # PROVENANCE.md: 2021-09 = 765 rows in both sources
    assert batch.canonical().num_rows == 765 and not batch.rejects
    assert batch.force == "city-of-london"
    assert len(set(batch.canonical().column("category").to_pylist())) > 5
