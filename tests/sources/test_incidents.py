"""The daily incident feed: its documented-unique crime_id, and its editions across files."""

from __future__ import annotations

from pathlib import Path

import crimepulse
from crimepulse.sources import files, incidents
from crimepulse.sources.base import Batch
from tests.factories import FEED_HEADER, write


def feed_row(crime_id: str, day: str = "2024-03-05", outcome: str = "") -> str:
    return f"{crime_id},{day},Burglary,,Camden,E01000001,51.5,-0.14,{outcome}"


def read(path: Path) -> Batch:
    unit = next(files.discover([path]))
    columns = files.header(unit)
    reader = incidents.IncidentFeedReader()
    assert reader.matches(columns)
    return reader.read(unit, columns)


def test_a_repeated_crime_id_is_quarantined_naming_its_first_line(tmp_path: Path) -> None:
    rows = [
        feed_row("A1"),
        feed_row("B2"),
        "",
        feed_row(" A1 "),  # the same id, padded
        feed_row("C3", day="2024-02-30"),  # bad date: not a first occurrence
        feed_row("C3"),
        feed_row("A1", day="2024-03-07"),
    ]
    path = write(tmp_path / "feed.csv", FEED_HEADER + ",force", [r + ",metropolitan" for r in rows])
    path.write_text(path.read_text().replace("\n,metropolitan\n", "\n\n"))
    batch = read(path)
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (5, "crime_id", 'duplicate crime_id "A1" (first at line 2)'),
        (6, "occurred_at", 'bad occurred_at "2024-02-30" (expected ISO date or datetime)'),
        (8, "crime_id", 'duplicate crime_id "A1" (first at line 2)'),
    ]
    assert (
        batch.rejects[0].raw
        == " A1 ,2024-03-05,Burglary,,Camden,E01000001,51.5,-0.14,,metropolitan"
    )
    table = batch.canonical()
    assert table["crime_id"].to_pylist() == ["A1", "B2", "C3"]
    assert table["line"].to_pylist() == [2, 3, 7]
    assert batch.rows_read + batch.blank_lines + 1 == len(path.read_text().splitlines())


def test_unique_ids_cost_nothing(tmp_path: Path) -> None:
    path = write(
        tmp_path / "feed.csv",
        FEED_HEADER + ",force",
        [feed_row(f"X{i}") + ",metropolitan" for i in range(5)],
    )
    batch = read(path)
    assert batch.rejects == [] and batch.row_count == 5


def test_a_later_export_is_an_edition_of_its_months(tmp_path: Path) -> None:
    """The same id in a re-export of its month counts once (the newer row); in another
    month it is not compared (documented in docs/formats.md)."""
    first = write(tmp_path / "a" / "feed.csv", FEED_HEADER, [feed_row("A1"), feed_row("B2")])
    again = write(
        tmp_path / "b" / "feed.csv",
        FEED_HEADER,
        [feed_row("A1", outcome="Suspect charged"), feed_row("D4", day="2024-04-01")],
    )
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(first, force="metropolitan", vintage="2024-04-01")
        cp.ingest(again, force="metropolitan", vintage="2024-04-02")
        rows = cp.sql("SELECT crime_id, last_outcome FROM crimes ORDER BY 1").to_pylist()
    assert rows == [
        {"crime_id": "A1", "last_outcome": "Suspect charged"},
        {"crime_id": "D4", "last_outcome": None},
    ]
