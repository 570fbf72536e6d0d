"""MPS recorded-crime tables: real Datastore editions and malformed fixtures."""

from __future__ import annotations

import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from crimepulse.core import schema
from crimepulse.sources import files, mps
from crimepulse.sources.base import Batch, FormatError


def read(path: Path) -> Batch:
    sf = next(files.discover([path]))
    columns = files.header(sf)
    matching = [r for r in mps.READERS if r.matches(columns)]
    assert len(matching) == 1, f"{path.name}: readers {[r.name for r in matching]}"
    return matching[0].read(sf, columns)


def total(batch: Batch, where: str) -> int:
    con = duckdb.connect()
    con.register("counts", batch.table)
    return int(
        con.sql(f"SELECT coalesce(sum(count), 0) FROM counts WHERE {where}").fetchall()[0][0]
    )


# ---------------------------------------------------------------- real data

REAL = [
    # (file stem, wide rows per PROVENANCE.md, area type, month columns)
    ("recorded-crime-borough-historical", 1085, "borough", 167),
    ("recorded-crime-borough", 1032, "borough", 24),
    ("recorded-crime-ward-historical", 21118, "ward", 167),
    ("recorded-crime-ward", 18688, "ward", 25),
    ("recorded-crime-lsoa", 105620, "lsoa", 25),
]


@pytest.mark.shared
@pytest.mark.parametrize(("stem", "rows", "area_type", "months"), REAL)
def test_real_parquet_counts(
    shared_data: Path, stem: str, rows: int, area_type: str, months: int
) -> None:
    path = shared_data / "mps-datastore-parquet" / f"{stem}.parquet"
    batch = read(path)
    assert batch.rows_read == rows
    assert batch.rejects == []
    assert batch.dataset == "counts" and batch.area_type == area_type
    assert batch.force == "metropolitan" and batch.source == "mps-datastore"
    assert batch.table.schema == schema.arrow_schema("counts")
    # The long table holds exactly the non-zero cells of the wide one.
    wide = pq.read_table(path)
    month_cols = [c for c in wide.column_names if c.isdigit()]
    assert len(month_cols) == months
    nonzero = sum(pc.sum(pc.not_equal(wide[c], 0)).as_py() for c in month_cols)
    cells = sum(pc.sum(wide[c]).as_py() for c in month_cols)
    assert batch.table.num_rows == nonzero
    assert pc.sum(batch.table["count"]).as_py() == cells
    assert pc.min(batch.table["count"]).as_py() > 0


@pytest.mark.shared
def test_real_borough_homicide_totals(shared_data: Path) -> None:
    batch = read(
        shared_data / "mps-datastore-parquet" / "recorded-crime-borough-historical.parquet"
    )
    by_year = {
        year: total(batch, f"minor = 'HOMICIDE' AND year(month) = {year}")
        for year in (2019, 2020, 2021, 2022, 2023)
    }
    assert by_year == {2019: 153, 2020: 134, 2021: 135, 2022: 112, 2023: 110}
    boroughs = set(batch.table["borough"].to_pylist())
    assert len(boroughs) == 34  # 32 boroughs + Unknown + airports
    assert {"Unknown", "London Heathrow and London City Airports"} <= boroughs
    rows = batch.table.filter(pc.equal(batch.table["borough"], "Westminster"))
    assert set(rows["area_code"].to_pylist()) == {"E09000033"}
    unknown = batch.table.filter(pc.equal(batch.table["borough"], "Unknown"))
    assert unknown["area_code"].null_count == unknown.num_rows


@pytest.mark.shared
@pytest.mark.parametrize(
    ("stem", "expected"), [("recorded-crime-ward", 40), ("recorded-crime-lsoa", 39)]
)
def test_real_rolling_first_month_nearly_empty(shared_data: Path, stem: str, expected: int) -> None:
    batch = read(shared_data / "mps-datastore-parquet" / f"{stem}.parquet")
    assert total(batch, "month = DATE '2024-02-01'") == expected
    assert batch.notes[0] == "months 202402..202602 (25 month columns)"


@pytest.mark.shared
def test_real_lsoa_borough_codes_become_names(shared_data: Path) -> None:
    batch = read(shared_data / "mps-datastore-parquet" / "recorded-crime-lsoa.parquet")
    first = batch.table.slice(0, 1).to_pylist()[0]
    assert first["area_code"] == "E01000006"
    assert first["area_name"] == "Barking and Dagenham 016A"
    assert first["borough"] == "Barking and Dagenham"
    assert first["month"] == datetime.date(2025, 11, 1)


@pytest.mark.shared
@pytest.mark.parametrize("stem", [s for s, *_ in REAL if s != "recorded-crime-lsoa"])
def test_real_parquet_and_csv_editions_agree(shared_data: Path, stem: str) -> None:
    folder = shared_data / "mps-datastore-parquet"
    from_parquet = read(folder / f"{stem}.parquet")
    from_csv = read(folder / "derived-csv" / f"{stem}.csv.gz")
    assert from_csv.rows_read == from_parquet.rows_read
    assert from_csv.table.equals(from_parquet.table)


# ---------------------------------------------------------------- malformed fixtures

HEADER = "MAJORTEXT,MinorText,BoroughName,202101,202102,202103"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_cells_rejected_good_rows_kept(tmp_path: Path) -> None:
    lines = [
        "\ufeff" + HEADER,  # BOM, upper case
        "BURGLARY,BURGLARY - RESIDENTIAL,Camden,3,0,2",  # line 2: good
        "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Barnet,-1,4,",  # 3: negative, one empty
        "THEFT,SHOPLIFTING,Hackney & Co,x,1.5,7",  # 4: two non-integers; borough kept raw
        "THEFT,BICYCLE THEFT,,5,5,5",  # 5: missing borough
        "THEFT,OTHER THEFT,Brent,1,2",  # 6: wrong column count
    ]
    data = ("\r\n".join(lines) + "\r\n").encode() + b"DRUGS,POSSESSION,Ealing,\xff,1,1\r\n"
    batch = read(write(tmp_path, "borough.csv", data))
    assert batch.rows_read == 6
    got = [(r.line, r.field, r.reason) for r in batch.rejects]
    assert got == [
        (3, "202101", "negative count -1"),
        (4, "202101", 'non-integer count "x"'),
        (4, "202102", 'non-integer count "1.5"'),
        (5, "boroughname", "missing borough"),
        (6, None, "wrong column count: 5 fields, header has 6"),
        (7, None, "undecodable bytes (not UTF-8): invalid start byte"),
    ]
    assert batch.rejects[0].raw == "ROBBERY,ROBBERY OF PERSONAL PROPERTY,Barnet,-1,4,"
    rows = batch.table.to_pylist()
    assert [(r["line"], r["borough"], r["month"].month, r["count"]) for r in rows] == [
        (2, "Camden", 1, 3),
        (2, "Camden", 3, 2),
        (3, "Barnet", 2, 4),
        (4, "Hackney & Co", 3, 7),
    ]
    assert rows[0]["area_code"] == "E09000007" and rows[3]["area_code"] is None
    assert "1 empty cells treated as missing (not zero, not quarantined)" in batch.notes


def test_bad_month_column_quarantines_its_cells(tmp_path: Path) -> None:
    data = HEADER.replace("202103", "202113") + "\nBURGLARY,BURGLARY,Camden,1,0,9\n"
    batch = read(write(tmp_path, "b.csv", data.encode()))
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (2, "202113", "column 202113 is not a YYYYMM month")
    ]
    assert batch.table.num_rows == 1


def test_no_month_column_is_a_file_error(tmp_path: Path) -> None:
    path = write(tmp_path, "b.csv", b"MajorText,MinorText,BoroughName,Total\nA,B,Camden,3\n")
    with pytest.raises(FormatError, match=r"b\.csv: no month columns"):
        read(path)


def test_ward_editions_in_either_column_order(tmp_path: Path) -> None:
    one = "WardName,WardCode,MajorText,MinorText,LookUp_BoroughName,202401\n"
    one += "Bloomsbury,E05013660,THEFT,SHOPLIFTING,Camden,4\n"
    two = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202401\n"
    two += "THEFT,SHOPLIFTING,Bloomsbury,E05013660,Camden,4\n"
    three = "MajorText,MinorText,WardName,WardCode,LookUp_BoroughName,202401\n"
    three += "THEFT,SHOPLIFTING,Nowhere,,Camden,4\n"
    a = read(write(tmp_path, "a.csv", one.encode()))
    b = read(write(tmp_path, "b.csv", two.encode()))
    assert a.table.equals(b.table)
    assert a.table.to_pylist()[0]["area_code"] == "E05013660"
    c = read(write(tmp_path, "c.csv", three.encode()))
    assert [(r.line, r.field, r.reason) for r in c.rejects] == [
        (2, "wardcode", "missing ward code")
    ]
    assert c.table.num_rows == 0


def test_parquet_lines_are_row_index_plus_two(tmp_path: Path) -> None:
    table = pa.table(
        {
            "lsoa_code": ["E01000001", "E01000002", "E01000003"],
            "lsoa_name": ["City of London 001A", "City of London 001B", "x"],
            "borough": ["E09000001", "E09000001", "E09000001"],
            "major_category": ["THEFT"] * 3,
            "minor_category": ["SHOPLIFTING"] * 3,
            "202401": pa.array([1, None, -2], pa.int64()),
            "202402": pa.array([0, 5, 1], pa.int64()),
        }
    )
    path = tmp_path / "lsoa.parquet"
    pq.write_table(table, path)
    batch = read(path)
    assert batch.area_type == "lsoa"
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (4, "202401", "negative count -2")
    ]
    assert batch.rejects[0].raw == "E01000003,x,E09000001,THEFT,SHOPLIFTING,-2,1"
    assert [(r["line"], r["count"]) for r in batch.table.to_pylist()] == [(2, 1), (3, 5), (4, 1)]
    assert batch.table.to_pylist()[0]["borough"] == "City of London"
    assert "1 empty cells treated as missing (not zero, not quarantined)" in batch.notes


def test_other_headers_do_not_match() -> None:
    for columns in (
        ["crimeid", "month", "reportedby", "lsoacode"],
        ["majortext", "minortext", "wardname", "wardcode", "lookupboroughname", "202401"],
    ):
        matching = [r.name for r in mps.READERS if r.matches(columns)]
        assert matching in ([], ["mps-ward"])
