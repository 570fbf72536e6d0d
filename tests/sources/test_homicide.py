"""MPS homicide victims and accused: real extracts, date parsing and malformed fixtures."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crimepulse.core import schema
from crimepulse.sources import files, geo, harm, homicide, mps, registry
from crimepulse.sources.base import Batch, FormatError

ALL_MINE = [*mps.READERS, *homicide.READERS, *geo.READERS, *harm.READERS]


def read(path: Path) -> Batch:
    sf = next(files.discover([path]))
    columns = files.header(sf)
    matching = [r for r in ALL_MINE if r.matches(columns)]
    assert len(matching) == 1, f"{path.name}: readers {[r.name for r in matching]}"
    return matching[0].read(sf, columns)


# ---------------------------------------------------------------- real data

VICTIMS_PER_YEAR = {
    2003: 216, 2004: 188, 2005: 181, 2006: 172, 2007: 163, 2008: 155, 2009: 130, 2010: 126,
    2011: 117, 2012: 106, 2013: 109, 2014: 95, 2015: 120, 2016: 112, 2017: 140, 2018: 136,
    2019: 151, 2020: 127,
}  # fmt: skip


@pytest.mark.shared
def test_real_victims(shared_data: Path) -> None:
    batch = read(shared_data / "mps-homicide" / "homicide_victims.csv")
    assert batch.dataset == "victims" and batch.format == "mps-homicide-victims"
    assert batch.rows_read == batch.table.num_rows == 2544
    assert batch.rejects == []
    assert batch.table.schema == schema.arrow_schema("victims")
    per_year = Counter(m.year for m in batch.table["month"].to_pylist())
    assert dict(per_year) == VICTIMS_PER_YEAR
    boroughs = set(batch.table["borough"].to_pylist())
    assert "Hammersmith and Fulham" in boroughs and "Hammersmith & Fulham" not in boroughs
    assert "Richmond upon Thames" in boroughs and "Heathrow" in boroughs


@pytest.mark.shared
def test_real_accused_csv_tolerates_misspelt_month(shared_data: Path) -> None:
    batch = read(shared_data / "mps-homicide" / "homicide_ppa.csv")
    assert batch.dataset == "accused"
    assert batch.rows_read == batch.table.num_rows == 3894
    assert batch.rejects == []
    assert batch.notes == ["read misspelt date 'Febraury 2021' as 2021-02 (1 row)"]
    months = batch.table["month"].to_pylist()
    assert min(months) == datetime.date(2003, 1, 1) and max(months) == datetime.date(2021, 3, 1)


@pytest.mark.shared
def test_real_accused_parquet_and_csv_editions_agree(shared_data: Path) -> None:
    folder = shared_data / "mps-datastore-parquet"
    parquet = read(folder / "homicide.parquet")
    csv = read(folder / "derived-csv" / "homicide.csv.gz")
    assert parquet.rows_read == parquet.table.num_rows == 4512
    assert parquet.rejects == [] and csv.rejects == []
    assert parquet.table.equals(csv.table)
    months = parquet.table["month"].to_pylist()
    assert min(months) == datetime.date(2003, 1, 1) and max(months) == datetime.date(2024, 3, 1)


@pytest.mark.shared
def test_processed_third_party_table_is_unknown(shared_data: Path) -> None:
    sf = next(files.discover([shared_data / "mps-homicide" / "homicides_stCEG_2003-2023.csv"]))
    columns = files.header(sf)
    assert [r.name for r in ALL_MINE if r.matches(columns)] == []
    with pytest.raises(FormatError, match="matches no known format"):
        registry.detect(sf)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "month", "misspelt"),
    [
        ("Jan 2003", datetime.date(2003, 1, 1), False),
        ("January 2003", datetime.date(2003, 1, 1), False),
        ("Sept 2020", datetime.date(2020, 9, 1), False),
        ("Jan-03", datetime.date(2003, 1, 1), False),
        ("Dec-99", datetime.date(1999, 12, 1), False),
        (" mar 2024 ", datetime.date(2024, 3, 1), False),
        ("Febraury 2021", datetime.date(2021, 2, 1), True),
        ("Agust 2019", None, False),
        ("Marshmallow 2021", None, False),
        ("Ja 2020", None, False),
        ("2020-01", None, False),
        ("", None, False),
    ],
)
def test_parse_month(text: str, month: datetime.date | None, misspelt: bool) -> None:
    parsed = homicide.parse_month(text)
    assert parsed.month == month
    assert parsed.misspelt is misspelt


# ---------------------------------------------------------------- malformed fixtures

VICTIMS_HEADER = (
    "COUNT OF VICTIMS,Age Group,Sex,Method of Killing,Domestic Abuse,Recorded Date,"
    "Homicide Offence Type,Solved Status,Borough,Officer Observed Ethnicity"
)


def test_victims_fixture_rejections(tmp_path: Path) -> None:
    lines = [
        "\ufeff" + VICTIMS_HEADER,
        "1,18 to 24,Male,Knife or Sharp Implement,No,Jan 2020,Murder,Solved,"
        "Kensington & Chelsea,Black",
        "-1,18 to 24,Male,Shooting,No,Feb 2020,Murder,Solved,Camden,White",
        "one,18 to 24,Male,Shooting,No,Feb 2020,Murder,Solved,Camden,White",
        "1,18 to 24,Male,Shooting,No,Smarch 2020,Murder,Solved,Camden,White",
        "1,18 to 24,Male,Shooting,No,Feb 2020,Murder,Solved",
        "2,25 to 34,Female,Other,Yes,Mar 2020,Manslaughter,Unsolved,Heathrow,",
    ]
    data = ("\r\n".join(lines) + "\r\n").encode()
    data += b"1,18 to 24,Male,Shooting,No,Feb 2020,Murder,Solved,Camden \xe9,White\r\n"
    path = tmp_path / "victims.csv"
    path.write_bytes(data)
    batch = read(path)
    assert batch.rows_read == 7
    got = [(r.line, r.field, r.reason) for r in batch.rejects]
    assert got == [
        (3, "countofvictims", "negative count -1"),
        (4, "countofvictims", 'non-integer count "one"'),
        (5, "recordeddate", 'unparseable date "Smarch 2020"'),
        (6, None, "wrong column count: 8 fields, header has 10"),
        (8, None, "undecodable bytes (not UTF-8): invalid continuation byte"),
    ]
    assert batch.rejects[2].raw == lines[4]
    rows = batch.table.to_pylist()
    assert [(r["line"], r["borough"], r["count"]) for r in rows] == [
        (2, "Kensington and Chelsea", 1),
        (7, "Heathrow", 2),
    ]
    assert rows[1]["ethnicity"] is None and rows[1]["status"] == "Unsolved"


def test_accused_parquet_fixture(tmp_path: Path) -> None:
    table = pa.table(
        {
            "count_of_ppa": pa.array([1, -3, 1], pa.int64()),
            "borough": ["Barking & Dagenham", "Brent", "Brent"],
            "gender": ["Male", "Male", "Female"],
            "age_group": ["20 to 24", "20 to 24", "25 to 29"],
            "self_classified_ethnicity": ["Black ", "White", "Asian"],
            "offence_type": ["Murder", "Murder", "Manslaughter"],
            "charged_summonsed": ["Charge or Summons"] * 3,
            "proceedings_date": ["Mar-21", "Apr-21", "Apr 21st"],
        }
    )
    path = tmp_path / "homicide.parquet"
    pq.write_table(table, path)
    batch = read(path)
    assert batch.format == "mps-homicide-accused"
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (3, "countofppa", "negative count -3"),
        (4, "proceedingsdate", 'unparseable date "Apr 21st"'),
    ]
    assert batch.rejects[0].raw is not None and batch.rejects[0].raw.startswith("-3,Brent,")
    row = batch.table.to_pylist()[0]
    assert row["line"] == 2 and row["month"] == datetime.date(2021, 3, 1)
    assert row["borough"] == "Barking and Dagenham" and row["ethnicity"] == "Black"
