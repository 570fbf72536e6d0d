"""Malformed inputs, made from small bytes: each case is one file and what ingest must do with it.

Issue 17: one bad file never costs a good one, and no row vanishes silently. Every
function here returns a `Case` (the file's name, its bytes, the expected outcome);
`tests/store/test_corpus.py` ingests each one, checks the outcome and accounts for every
line. To add a case, write a function and list it in CASES. `SAMPLES` holds one clean
file of every CSV format; `_variants` makes seven cases of each (SAMPLE_CASES), and the
tests of the readers build on the samples too. Nothing here is a committed binary: every
file is made from a few bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from tests.factories import (
    FEED_HEADER,
    OUTCOMES_HEADER,
    STOP_HEADER,
    STREET_HEADER,
    street_row,
)

LOADED, QUARANTINED, REJECTED, SKIPPED = "loaded", "quarantined", "rejected", "skipped"


@dataclass(frozen=True)
class Case:
    """`outcomes`: each readable unit's outcome, in report order ("quarantined" = loaded
    with quarantined rows). `words`: what the messages and quarantine reasons must say.
    `rows`: how many rows are stored in all. `spanning`: physical lines that continue a
    record (a quoted line break), which the line accounting adds to the rows' own lines."""

    filename: str
    data: bytes
    outcomes: tuple[str, ...]
    words: tuple[str, ...] = ()
    rows: int = 0
    spanning: int = 0


@dataclass(frozen=True)
class Sample:
    """A small clean file of one format: its name (stop and search takes its force from
    it), header and data lines (no field holds a comma, a quote or padding, so a case may
    pad, quote or cut them freely)."""

    filename: str
    header: str
    rows: tuple[str, ...]
    stored: int  # rows the clean file stores (the MPS and wide tables store non-zero cells)

    def csv(self, rows: tuple[str, ...] | list[str] | None = None, end: str = "\n") -> bytes:
        lines = [self.header, *(self.rows if rows is None else rows)]
        return (end.join(lines) + end).encode()


_VICTIMS = (
    "Count of Victims,Age Group,Sex,Method of Killing,Domestic Abuse,Recorded Date,"
    "Homicide Offence Type,Solved Status,Borough,Officer Observed Ethnicity"
)
_ACCUSED = (
    "Count of PPA,Borough,Gender,Age Group,Self Classified Ethnicity,Offence Type,"
    "Charged Summonsed,Proceedings Date"
)
OUTCOME_ROW = "{},2024-01,{m},{m},-0.141,51.515,On or near High Street,E01000001,Camden 001A,{}"
STOP_ROW = (
    "Person search,2024-01-0{}T10:00:00+00:00,False,,51.515,-0.141,Male,18-24,White,White,"
    "Misuse of Drugs Act 1971 (section 23),Controlled drugs,A no further action disposal,"
    "False,False"
)
FEED_ROW = (
    "{},2024-03-0{},Burglary,Burglary - residential,Camden,E01000001,51.5,-0.14,,metropolitan"
)
_MET = "Metropolitan Police Service"

# One clean sample per CSV format the ingest reads (the reader's name is the key).
SAMPLES: dict[str, Sample] = {
    "police.uk street": Sample(
        "2024-01-metropolitan-street.csv",
        STREET_HEADER,
        (street_row("s1"), street_row("s2", category="Robbery"), street_row("")),
        3,
    ),
    "police.uk outcomes": Sample(
        "2024-01-metropolitan-outcomes.csv",
        OUTCOMES_HEADER,
        tuple(OUTCOME_ROW.format(f"o{i}", "Suspect charged", m=_MET) for i in range(3)),
        3,
    ),
    "police.uk stop-and-search": Sample(
        "2024-01-metropolitan-stop-and-search.csv",
        STOP_HEADER,
        tuple(STOP_ROW.format(day) for day in (1, 2, 3)),
        3,
    ),
    "daily incident feed": Sample(
        "feed.csv",
        FEED_HEADER + ",force",
        tuple(FEED_ROW.format(f"f{i}", i + 1) for i in range(3)),
        3,
    ),
    "mps-borough": Sample(
        "mps-borough.csv",
        "MajorText,MinorText,BoroughName,202401,202402",
        ("THEFT,SHOPLIFTING,Camden,4,5", "BURGLARY,RESIDENTIAL,Hackney,0,2"),
        3,
    ),
    "mps-ward": Sample(
        "mps-ward.csv",
        "WardName,WardCode,MajorText,MinorText,LookUp_BoroughName,202401,202402",
        ("Camden Town,E05013658,THEFT,SHOPLIFTING,Camden,4,5",),
        2,
    ),
    "mps-lsoa": Sample(
        "mps-lsoa.csv",
        "LSOA Code,LSOA Name,Borough,Major Category,Minor Category,202401,202402",
        ("E01000907,Camden 001A,E09000007,THEFT,SHOPLIFTING,1,3",),
        2,
    ),
    "mps-homicide-victims": Sample(
        "victims.csv",
        _VICTIMS,
        (
            "1,18 to 24,Male,Knife or Sharp Implement,No,Jan 2020,Murder,Solved,Camden,Black",
            "1,25 to 34,Female,Other,Yes,Mar 2020,Manslaughter,Unsolved,Heathrow,",
        ),
        2,
    ),
    "mps-homicide-accused": Sample(
        "accused.csv",
        _ACCUSED,
        ("1,Brent,Male,20 to 24,White,Murder,Charge or Summons,March 2021",),
        1,
    ),
    "population-long": Sample(
        "population.csv",
        "Code,Name,Year,Population,Source",
        ("E09000007,Camden,2021,210000,ONS MYE", "E09000001,City of London,2021,8600,ONS MYE"),
        2,
    ),
    "population-wide": Sample(
        "population.csv", "Code,Name,2020,2021", ("E09000007,Camden,209000,210000",), 2
    ),
    "cchi-by-crime-type": Sample(
        "cchi.csv", "crime_type,cchi_days", ("Burglary,80", "Robbery,365"), 2
    ),
    "cchi-by-subgroup": Sample(
        "cchi-subgroup.csv",
        "category,prc_subgroup,cchi_days",
        ("Burglary,Domestic burglary,80",),
        1,
    ),
    "ew-offence-groups": Sample(
        "ew-offence-groups.csv",
        "financial_year,offence_key,offence_label,offences,rate_per_100k",
        (
            "2022/23,violence,TOTAL VIOLENCE AGAINST THE PERSON,708742,1427.0",
            "2023/24,robbery,Robbery,80000,130.0",
        ),
        2,
    ),
    "pfa-offence-groups": Sample(
        "pfa-offence-groups.csv",
        "period_label,period_months,area_code,area_name,offence_group,offences",
        (
            "year ending March 2019,2018-04..2019-03,E23000001,Metropolitan Police,Robbery,30000",
            "year ending March 2019,2018-04..2019-03,K04000001,ENGLAND AND WALES,Robbery,80000",
        ),
        2,
    ),
    "harm-weights": Sample(
        "weights.csv",
        "index,category,weight,unit",
        ("ONS CSS,Drugs,150,days", "ONS CSS,Theft,5,"),
        2,
    ),
}

SQUARE = [[[-0.2, 51.5], [-0.1, 51.5], [-0.1, 51.6], [-0.2, 51.5]]]


def area(name: str, code: str, geometry: object = None) -> dict[str, object]:
    """A GeoJSON feature of a borough (a small square near Camden unless told)."""
    return {
        "type": "Feature",
        "properties": {"NAME": name, "GSS_CODE": code},
        "geometry": {"type": "Polygon", "coordinates": SQUARE} if geometry is None else geometry,
    }


def geojson(*features: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def padded(line: str) -> str:
    """Every non-empty field of a plain CSV line with spaces and a tab around it."""
    return ",".join(f"  {v}\t " if v else v for v in line.split(","))


def street_csv(n: int = 3, month: str = "2024-01", prefix: str = "c") -> bytes:
    """A clean street file of `n` crimes."""
    rows = [street_row(crime_id=f"{prefix}{i}", month=month) for i in range(n)]
    return ("\n".join([STREET_HEADER, *rows]) + "\n").encode()


def zipped(*members: tuple[str, bytes]) -> bytes:
    """A zip of the given (name, bytes) members, in order (names may repeat)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": wanted here
        for name, data in members:
            with archive.open(zipfile.ZipInfo(name), "w") as fh:
                fh.write(data)
    return out.getvalue()


def clean_street() -> Case:
    return Case("2024-01-metropolitan-street.csv", street_csv(3), (LOADED,), rows=3)


def truncated_gzip() -> Case:
    data = gzip.compress(street_csv(400))
    return Case("street.csv.gz", data[: len(data) // 2], (REJECTED,), ("truncated gzip",))


def corrupt_gzip() -> Case:
    data = bytearray(gzip.compress(street_csv(400)))
    data[20:60] = bytes(b ^ 0xFF for b in data[20:60])
    return Case("street.csv.gz", bytes(data), (REJECTED,), ("corrupt gzip",))


def truncated_zip() -> Case:
    data = zipped(("a.csv", street_csv(50)))
    return Case("download.zip", data[: len(data) // 2], (REJECTED,), ("not a zip",))


def corrupt_zip() -> Case:
    """Flipped bytes inside the compressed member: the CRC (or inflate) fails."""
    data = bytearray(zipped(("a.csv", street_csv(200))))
    data[60:100] = bytes(b ^ 0xFF for b in data[60:100])
    return Case("download.zip", bytes(data), (REJECTED,), ("corrupt zip member",))


def encrypted_member() -> Case:
    """A member whose encryption flag is set (zipfile cannot write encrypted members)."""
    data = bytearray(zipped(("a.csv", street_csv(3))))
    data[6] |= 0x01  # local header flag
    central = data.rindex(b"PK\x01\x02")
    data[central + 8] |= 0x01  # central directory flag
    return Case("download.zip", bytes(data), (REJECTED,), ("encrypted member",))


def huge_header_line() -> Case:
    """A 2 MB first line inside quotes: more than the csv module's field limit."""
    data = b'"' + b"x" * (2 << 20) + b'"\n1\n'
    return Case("huge.csv", data, (REJECTED,), ("huge.csv",))


def features_not_objects() -> Case:
    doc = {"type": "FeatureCollection", "features": [1, "two", None]}
    return Case(
        "areas.geojson", json.dumps(doc).encode(), (REJECTED,), ("no feature is a JSON object",)
    )


def deep_json() -> Case:
    depth = 200_000
    data = b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}"
    return Case("deep.geojson", data, (REJECTED,), ("nested too deeply",))


def huge_population() -> Case:
    """A population of 1e23, in digits: more than a BIGINT holds."""
    data = (
        b"Code,Name,Year,Population\n"
        b"E09000007,Camden,2021,100000000000000000000000\n"
        b"E09000001,City,2021,8600\n"
    )
    return Case("population.csv", data, (QUARANTINED,), ("too large",), rows=1)


def utf16_csv() -> Case:
    """Excel's "Unicode text" export: UTF-16 with a byte-order mark. Decoded, not refused."""
    return Case("street.csv", street_csv(3).decode().encode("utf-16"), (LOADED,), ("UTF-16",), 3)


def utf16_big_endian() -> Case:
    data = street_csv(2).decode().encode("utf-16-be")
    return Case("street.csv", b"\xfe\xff" + data, (LOADED,), ("UTF-16",), 2)


def utf16_without_bom() -> Case:
    data = street_csv(2).decode().encode("utf-16-le")
    return Case("street.csv", data, (REJECTED,), ("UTF-16 text without a byte-order mark",))


def utf16_member() -> Case:
    data = zipped(("a.csv", street_csv(2).decode().encode("utf-16")))
    return Case("download.zip", data, (LOADED,), ("UTF-16",), 2)


def truncated_gzip_member() -> Case:
    member = gzip.compress(street_csv(400))
    data = zipped(("a.csv.gz", member[: len(member) // 2]))
    return Case("download.zip", data, (REJECTED,), ("truncated gzip",))


def some_features_not_objects() -> Case:
    """Good features load; the others are quarantined, whichever comes first."""
    square = [[[-0.2, 51.5], [-0.1, 51.5], [-0.1, 51.6], [-0.2, 51.5]]]
    good = {
        "type": "Feature",
        "properties": {"NAME": "Camden", "GSS_CODE": "E09000007"},
        "geometry": {"type": "Polygon", "coordinates": square},
    }
    doc = {"type": "FeatureCollection", "features": [7, good, {"properties": [1]}]}
    reasons = ("feature is not a JSON object", "properties is not a JSON object")
    return Case("areas.geojson", json.dumps(doc).encode(), (QUARANTINED,), reasons, rows=1)


def huge_population_wide() -> Case:
    data = b"Code,Name,2020,2021\nE09000007,Camden,210000,100000000000000000000000\n"
    return Case("population.csv", data, (QUARANTINED,), ("too large",), rows=1)


def future_month() -> Case:
    data = street_csv(2) + (street_row(crime_id="f1", month="2099-01") + "\n").encode()
    return Case("street.csv", data, (QUARANTINED,), ("2099-01", "future"), rows=2)


def duplicate_members() -> Case:
    """Two members of one name: each loads its own rows (zipfile's read(name) takes the last)."""
    data = zipped(("a.csv", street_csv(2, prefix="first")), ("a.csv", street_csv(3, prefix="x")))
    return Case("download.zip", data, (LOADED, LOADED), ("a.csv",), rows=5)


def hidden_member() -> Case:
    data = zipped((".hidden.csv", street_csv(2, prefix="h")), ("a.csv", street_csv(3)))
    return Case("download.zip", data, (SKIPPED, LOADED), ("hidden",), rows=3)


def gzip_member() -> Case:
    data = zipped(("a.csv.gz", gzip.compress(street_csv(4))))
    return Case("download.zip", data, (LOADED,), rows=4)


def escaping_member() -> Case:
    """A member named to climb out of the folder: read in place, nothing extracted."""
    data = zipped(("../../escape.csv", street_csv(2)), ("/abs.csv", street_csv(1, month="2024-02")))
    return Case("download.zip", data, (LOADED, LOADED), ("../../escape.csv",), rows=3)


def empty_zip() -> Case:
    return Case("download.zip", zipped(), (REJECTED,), ("empty zip",))


def zip_in_zip() -> Case:
    data = zipped(("inner.zip", zipped(("a.csv", street_csv(2)))))
    return Case("download.zip", data, (REJECTED,), ("zip inside a zip is not read",))


# ---------------------------------------------------------------- every format, seven ways


def _named(name: str, make: Callable[[], Case]) -> Callable[[], Case]:
    make.__name__ = make.__qualname__ = name
    return make


def _slug(fmt: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in fmt.lower()).strip("_")


def _variants(fmt: str, sample: Sample) -> list[Callable[[], Case]]:
    """The same clean file as published, headers only, as Excel writes it (BOM, CRLF), with
    blank lines, gzipped, with a ragged row, and with every value padded."""
    rows, n, name = sample.rows, sample.stored, sample.filename
    blank = [x for row in rows for x in ("", row)] + ["", ""]
    ragged = [*rows[:1], "one", *rows[1:]]
    made = {
        "clean": lambda: Case(name, sample.csv(), (LOADED,), rows=n),
        "headers_only": lambda: Case(name, sample.csv(()), (LOADED,)),
        "excel_bom_crlf": lambda: Case(
            name, b"\xef\xbb\xbf" + sample.csv(end="\r\n"), (LOADED,), rows=n
        ),
        "blank_lines": lambda: Case(name, sample.csv(blank), (LOADED,), rows=n),
        "gzipped": lambda: Case(name + ".gz", gzip.compress(sample.csv()), (LOADED,), rows=n),
        "ragged_row": lambda: Case(
            name,
            sample.csv(ragged),
            (QUARANTINED,),
            ("wrong column count: 1 fields, header has",),
            rows=n,
        ),
        "padded": lambda: Case(name, sample.csv([padded(r) for r in rows]), (LOADED,), rows=n),
    }
    return [_named(f"{_slug(fmt)}_{variant}", make) for variant, make in made.items()]


STREET = SAMPLES["police.uk street"]
FEED = SAMPLES["daily incident feed"]
BOROUGH = SAMPLES["mps-borough"]
VICTIMS = SAMPLES["mps-homicide-victims"]


# ---------------------------------------------------------------- CSV in general


def empty_file() -> Case:
    return Case("street.csv", b"", (REJECTED,), ("empty file",))


def whitespace_only_file() -> Case:
    return Case("street.csv", b"  \n\t\n\n", (REJECTED,), ("empty file",))


def blank_first_line() -> Case:
    return Case("street.csv", b"\n" + STREET.csv(), (REJECTED,), ("line 1 is blank",))


def duplicate_header() -> Case:
    """Two columns named Context: which one would be read? Neither, and the file says why."""
    data = (STREET.header + ",Context\n" + "\n".join(r + "," for r in STREET.rows) + "\n").encode()
    return Case("street.csv", data, (REJECTED,), ("'context' appears twice",))


def missing_column() -> Case:
    data = STREET.csv().replace(b",Context\n", b"\n", 1)
    words = (
        "header matches no known format",
        "closest is police.uk street, which also needs: context",
    )
    return Case("street.csv", data, (REJECTED,), words)


def extra_column() -> Case:
    data = (STREET.header + ",Notes\n" + "\n".join(r + ",x" for r in STREET.rows) + "\n").encode()
    return Case("street.csv", data, (LOADED,), rows=3)


def quoted_line_break() -> Case:
    data = STREET.csv().replace(b"On or near High Street", b'"On or near\nHigh Street"', 1)
    return Case("street.csv", data, (LOADED,), rows=3, spanning=1)


def quoted_line_breaks_crlf() -> Case:
    data = STREET.csv(end="\r\n").replace(b"On or near High Street", b'"On\r\nor\r\nnear"')
    return Case("street.csv", data, (LOADED,), rows=3, spanning=6)


def unclosed_quote() -> Case:
    rows = [*STREET.rows[:1], street_row("u1", location='"On or near'), *STREET.rows[1:]]
    return Case("street.csv", STREET.csv(rows), (QUARANTINED,), ("never closed",), rows=3)


def stray_quote() -> Case:
    rows = [*STREET.rows, street_row("q1", location='On or near 5" Street')]
    return Case("street.csv", STREET.csv(rows), (LOADED,), rows=4)


def undecodable_line() -> Case:
    data = STREET.csv() + street_row("l1", location="On or near C\xf4te").encode("latin-1") + b"\n"
    return Case("street.csv", data, (QUARANTINED,), ("undecodable bytes (not UTF-8)",), rows=3)


def latin1_file() -> Case:
    """A whole file in Latin-1: each line with a non-ASCII byte is quarantined, saying why."""
    text = STREET.csv().decode().replace("High Street", "Côte Street")
    return Case("street.csv", text.encode("latin-1"), (QUARANTINED,), ("not UTF-8",))


def nul_bytes_line() -> Case:
    data = STREET.csv() + b"\x00\x00\x00\n"
    return Case("street.csv", data, (QUARANTINED,), ("wrong column count",), rows=3)


def carriage_returns_only() -> Case:
    return Case("street.csv", STREET.csv(end="\r"), (LOADED,), rows=3)


def no_final_newline() -> Case:
    return Case("street.csv", STREET.csv().rstrip(b"\n"), (LOADED,), rows=3)


def unknown_crime_type() -> Case:
    rows = [*STREET.rows, street_row("k1", category="Jaywalking")]
    return Case("street.csv", STREET.csv(rows), (QUARANTINED,), ('"Jaywalking"',), rows=3)


def coordinates_outside_the_uk() -> Case:
    rows = [*STREET.rows, street_row("p1", lon="2.35", lat="48.85")]
    return Case("street.csv", STREET.csv(rows), (QUARANTINED,), ("outside the UK",), rows=3)


def bad_month() -> Case:
    rows = [*STREET.rows, street_row("m1", month="2024-13")]
    return Case("street.csv", STREET.csv(rows), (QUARANTINED,), ('bad month "2024-13"',), rows=3)


def outcomes_future_month() -> Case:
    sample = SAMPLES["police.uk outcomes"]
    rows = [*sample.rows, sample.rows[0].replace("2024-01", "2099-01").replace("o0", "o9")]
    return Case(sample.filename, sample.csv(rows), (QUARANTINED,), ("2099-01", "future"), rows=3)


# ---------------------------------------------------------------- format by format


def feed_duplicate_ids() -> Case:
    rows = [*FEED.rows, FEED.rows[0]]
    return Case(
        "feed.csv",
        FEED.csv(rows),
        (QUARANTINED,),
        ('duplicate crime_id "f0" (first at line 2)',),
        3,
    )


def feed_future_day() -> Case:
    rows = [*FEED.rows, FEED_ROW.format("f9", 1).replace("2024", "2099")]
    return Case("feed.csv", FEED.csv(rows), (QUARANTINED,), ("in the future",), rows=3)


def feed_without_force() -> Case:
    data = FEED.csv([r.removesuffix(",metropolitan") for r in FEED.rows])
    data = data.replace(b",force\n", b"\n", 1)
    return Case("feed.csv", data, (REJECTED,), ("--force",))


def feed_mixed_forces() -> Case:
    rows = [*FEED.rows, FEED_ROW.format("f9", 4).replace("metropolitan", "city-of-london")]
    return Case("feed.csv", FEED.csv(rows), (REJECTED,), ("mixes forces",))


def stop_search_future_date() -> Case:
    sample = SAMPLES["police.uk stop-and-search"]
    rows = [*sample.rows, STOP_ROW.format(4).replace("2024", "2099")]
    return Case(sample.filename, sample.csv(rows), (QUARANTINED,), ("in the future",), rows=3)


def stop_search_without_force_in_name() -> Case:
    sample = SAMPLES["police.uk stop-and-search"]
    return Case("searches.csv", sample.csv(), (REJECTED,), ("--force",))


def mps_count_past_bigint() -> Case:
    rows = [*BOROUGH.rows, "THEFT,OTHER,Camden,20000000000000000000,1"]
    return Case(BOROUGH.filename, BOROUGH.csv(rows), (QUARANTINED,), ("too large",), rows=4)


def mps_counts_summing_past_bigint() -> Case:
    """Ten counts of 9e17 fit a BIGINT each; their month's total would wrap."""
    rows = [*BOROUGH.rows, *(f"THEFT,OTHER {i},Camden,1,900000000000000000" for i in range(10))]
    return Case(BOROUGH.filename, BOROUGH.csv(rows), (QUARANTINED,), ("too large",), rows=13)


def mps_future_month_column() -> Case:
    data = BOROUGH.csv([r + ",6" for r in BOROUGH.rows]).replace(b"202402\n", b"202402,209901\n")
    return Case(BOROUGH.filename, data, (QUARANTINED,), ("month 2099-01 is in the future",), 3)


def mps_without_month_columns() -> Case:
    data = b"MajorText,MinorText,BoroughName\nTHEFT,SHOPLIFTING,Camden\n"
    return Case(BOROUGH.filename, data, (REJECTED,), ("no month columns",))


def mps_empty_cells() -> Case:
    rows = [*BOROUGH.rows, "THEFT,OTHER,Camden,,"]
    return Case(BOROUGH.filename, BOROUGH.csv(rows), (LOADED,), ("2 empty cells",), rows=3)


def mps_negative_and_text_counts() -> Case:
    rows = [*BOROUGH.rows, "THEFT,OTHER,Camden,-1,lots"]
    words = ("negative count -1", 'non-integer count "lots"')
    return Case(BOROUGH.filename, BOROUGH.csv(rows), (QUARANTINED,), words, rows=3)


def _parquet(table: object) -> bytes:
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


def _borough_parquet() -> bytes:
    import pyarrow as pa

    return _parquet(
        pa.table(
            {
                "major_text": ["THEFT", "BURGLARY"],
                "minor_text": ["SHOPLIFTING", "RESIDENTIAL"],
                "borough_name": ["Camden", "Hackney"],
                "202401": pa.array([4, 0], pa.int64()),
                "202402": pa.array([5, 2], pa.int64()),
            }
        )
    )


def mps_parquet() -> Case:
    return Case("mps-borough.parquet", _borough_parquet(), (LOADED,), rows=3)


def truncated_parquet() -> Case:
    data = _borough_parquet()
    return Case("mps.parquet", data[: len(data) // 2], (REJECTED,), ("not a readable Parquet",))


def parquet_of_no_known_format() -> Case:
    import pyarrow as pa

    data = _parquet(pa.table({"x": [1]}))
    return Case("x.parquet", data, (REJECTED,), ("header matches no known format",))


def population_nan_parquet() -> Case:
    import pyarrow as pa

    table = pa.table(
        {
            "Code": ["E09000007", "E09000001"],
            "Name": ["Camden", "City"],
            "Year": [2021, 2021],
            "Population": [float("nan"), 8600.0],
        }
    )
    return Case("population.parquet", _parquet(table), (QUARANTINED,), ("non-numeric",), rows=1)


def homicide_future_month() -> Case:
    rows = [*VICTIMS.rows, VICTIMS.rows[0].replace("2020", "2099")]
    return Case("victims.csv", VICTIMS.csv(rows), (QUARANTINED,), ("in the future",), rows=2)


def homicide_misspelt_month() -> Case:
    rows = [*VICTIMS.rows, VICTIMS.rows[0].replace("Jan 2020", "Febraury 2020")]
    return Case("victims.csv", VICTIMS.csv(rows), (LOADED,), ("misspelt date",), rows=3)


def homicide_count_past_bigint() -> Case:
    rows = [*VICTIMS.rows, "2" + "0" * 19 + VICTIMS.rows[0][1:]]
    return Case("victims.csv", VICTIMS.csv(rows), (QUARANTINED,), ("count too large",), rows=2)


def harm_infinite_weight() -> Case:
    sample = SAMPLES["harm-weights"]
    rows = [*sample.rows, "ONS CSS,Fraud,1e400,days", "ONS CSS,Arson,-2,days"]
    words = ("weight too large", "negative weight -2")
    return Case(sample.filename, sample.csv(rows), (QUARANTINED,), words, rows=2)


def population_bad_year() -> Case:
    sample = SAMPLES["population-long"]
    rows = [*sample.rows, "E09000012,Hackney,20x1,250000,ONS MYE"]
    return Case(sample.filename, sample.csv(rows), (QUARANTINED,), ('bad year "20x1"',), rows=2)


def every_format_in_one_zip() -> Case:
    members = [(f"{i:02d}/{s.filename}", s.csv()) for i, s in enumerate(SAMPLES.values())]
    members.append(("areas.geojson", geojson(area("Camden", "E09000007"))))
    stored = sum(s.stored for s in SAMPLES.values()) + 1
    return Case("download.zip", zipped(*members), (LOADED,) * len(members), rows=stored)


# ---------------------------------------------------------------- GeoJSON boundaries

BOW_TIE = [[[-0.2, 51.5], [-0.1, 51.6], [-0.1, 51.5], [-0.2, 51.6], [-0.2, 51.5]]]


def _polygon(coordinates: object, kind: str = "Polygon") -> dict[str, object]:
    return {"type": kind, "coordinates": coordinates}


def _with_camden(bad: dict[str, object]) -> bytes:
    return geojson(area("Camden", "E09000007"), area("Bad", "E09000012", bad))


def geojson_clean() -> Case:
    data = geojson(area("Camden", "E09000007"), area("Hackney", "E09000012"))
    return Case("areas.geojson", data, (LOADED,), rows=2)


def geojson_bow_tie_repaired() -> Case:
    data = geojson(area("Camden", "E09000007", _polygon(BOW_TIE)))
    words = ("feature 1 (Camden): invalid geometry (Self-intersection", "make_valid")
    return Case("areas.geojson", data, (LOADED,), words, rows=1)


def geojson_circle() -> Case:
    data = _with_camden({"type": "Circle", "center": [-0.1, 51.5], "radius": 1})
    return Case("areas.geojson", data, (QUARANTINED,), ("feature 2 (Bad)", '"Circle"'), rows=1)


def geojson_two_point_ring() -> Case:
    data = _with_camden(_polygon([[[-0.2, 51.5], [-0.1, 51.6]]]))
    return Case("areas.geojson", data, (QUARANTINED,), ("ring 1 has 2 positions",), rows=1)


def geojson_empty_coordinates() -> Case:
    data = _with_camden(_polygon([]))
    return Case("areas.geojson", data, (QUARANTINED,), ("empty coordinates",), rows=1)


def geojson_out_of_range() -> Case:
    data = _with_camden(_polygon([[[-0.2, 51.5], [190, 51.6], [-0.1, 95], [-0.2, 51.5]]]))
    return Case("areas.geojson", data, (QUARANTINED,), ("out of lon/lat range",), rows=1)


def geojson_point_geometry() -> Case:
    data = _with_camden({"type": "Point", "coordinates": [-0.1, 51.5]})
    return Case("areas.geojson", data, (QUARANTINED,), ("Point is not an area",), rows=1)


def geojson_text_coordinates() -> Case:
    data = _with_camden(_polygon([[["-0.2", "51.5"]] * 4]))
    return Case("areas.geojson", data, (QUARANTINED,), ("not a list of [lon, lat]",), rows=1)


def geojson_no_area_left() -> Case:
    data = _with_camden(_polygon([[[-0.2, 51.5]] * 4]))
    return Case("areas.geojson", data, (QUARANTINED,), ("no area left after repair",), rows=1)


def geojson_nameless_first_feature() -> Case:
    """Detection reads every feature: a first one with no name or code hides nothing."""
    first = {"type": "Feature", "properties": {"id": 1}, "geometry": None}
    data = geojson(first, area("Camden", "E09000007"))
    return Case("areas.geojson", data, (QUARANTINED,), ("missing area code",), rows=1)


def geojson_duplicate_code() -> Case:
    data = geojson(area("Camden", "E09000007"), area("Camden again", "E09000007"))
    return Case("areas.geojson", data, (QUARANTINED,), ("duplicate code E09000007",), rows=1)


def geojson_projected() -> Case:
    bng = _polygon([[[527000.0, 181000.0], [528000.0, 181000.0], [528000.0, 182000.0]] * 2])
    data = geojson(area("Camden", "E09000007", bng))
    return Case("areas.geojson", data, (REJECTED,), ("projected CRS",))


def geojson_swapped_axes() -> Case:
    swapped = _polygon([[[51.5, -0.2], [51.6, -0.1], [51.5, -0.1], [51.5, -0.2]]])
    data = geojson(area("Camden", "E09000007", swapped))
    return Case("areas.geojson", data, (REJECTED,), ("lat/lon order",))


def geojson_unclosed_ring() -> Case:
    ring = [[[-0.2, 51.5], [-0.1, 51.5], [-0.1, 51.6], [-0.2, 51.6]]]
    data = geojson(area("Camden", "E09000007", _polygon(ring)))
    return Case("areas.geojson", data, (LOADED,), ("ring not closed: closed",), rows=1)


def geojson_collapsed_part() -> Case:
    """A MultiPolygon part of three positions (a sliver): left out, the area kept."""
    sliver = [[[-0.2, 51.5], [-0.19, 51.49], [-0.2, 51.5]]]
    data = geojson(area("Camden", "E09000007", _polygon([sliver, SQUARE], "MultiPolygon")))
    return Case("areas.geojson", data, (LOADED,), ("ring 1 (3 positions) has no area",), rows=1)


def geojson_lsoas_of_one_borough() -> Case:
    """ONS LSOA properties name each LSOA's borough too: the LSOAs load, no "duplicate"."""
    features = [
        {
            "type": "Feature",
            "properties": {"LSOA21CD": code, "LSOA21NM": name, "LAD22CD": "E09000007"},
            "geometry": {"type": "Polygon", "coordinates": SQUARE},
        }
        for code, name in (("E01000907", "Camden 001A"), ("E01000908", "Camden 001B"))
    ]
    return Case("lsoa.geojson", geojson(*features), (LOADED,), rows=2)


def geojson_type_after_features() -> Case:
    """A document whose `type`, read after its features, says it is no FeatureCollection."""
    data = json.dumps({"features": [area("Camden", "E09000007")], "type": "Feature"}).encode()
    return Case("areas.geojson", data, (REJECTED,), ("not a GeoJSON FeatureCollection",))


def geojson_no_features() -> Case:
    return Case("areas.geojson", geojson(), (REJECTED,), ("has no features",))


def geojson_not_a_collection() -> Case:
    data = json.dumps(area("Camden", "E09000007")).encode()
    return Case("areas.geojson", data, (REJECTED,), ("not a GeoJSON FeatureCollection",))


def geojson_invalid_json() -> Case:
    data = geojson(area("Camden", "E09000007"))[:-10]
    return Case("areas.geojson", data, (REJECTED,), ("not valid JSON",))


SAMPLE_CASES: list[Callable[[], Case]] = [
    make for fmt, sample in SAMPLES.items() for make in _variants(fmt, sample)
]

CASES: list[Callable[[], Case]] = [
    clean_street,
    truncated_gzip,
    corrupt_gzip,
    truncated_zip,
    corrupt_zip,
    encrypted_member,
    huge_header_line,
    features_not_objects,
    deep_json,
    huge_population,
    huge_population_wide,
    some_features_not_objects,
    utf16_csv,
    utf16_big_endian,
    utf16_without_bom,
    utf16_member,
    truncated_gzip_member,
    future_month,
    duplicate_members,
    hidden_member,
    gzip_member,
    escaping_member,
    empty_zip,
    zip_in_zip,
    empty_file,
    whitespace_only_file,
    blank_first_line,
    duplicate_header,
    missing_column,
    extra_column,
    quoted_line_break,
    quoted_line_breaks_crlf,
    unclosed_quote,
    stray_quote,
    undecodable_line,
    latin1_file,
    nul_bytes_line,
    carriage_returns_only,
    no_final_newline,
    unknown_crime_type,
    coordinates_outside_the_uk,
    bad_month,
    outcomes_future_month,
    feed_duplicate_ids,
    feed_future_day,
    feed_without_force,
    feed_mixed_forces,
    stop_search_future_date,
    stop_search_without_force_in_name,
    mps_count_past_bigint,
    mps_counts_summing_past_bigint,
    mps_future_month_column,
    mps_without_month_columns,
    mps_empty_cells,
    mps_negative_and_text_counts,
    mps_parquet,
    truncated_parquet,
    parquet_of_no_known_format,
    population_nan_parquet,
    population_bad_year,
    homicide_future_month,
    homicide_misspelt_month,
    homicide_count_past_bigint,
    harm_infinite_weight,
    every_format_in_one_zip,
    geojson_clean,
    geojson_bow_tie_repaired,
    geojson_circle,
    geojson_two_point_ring,
    geojson_empty_coordinates,
    geojson_out_of_range,
    geojson_point_geometry,
    geojson_text_coordinates,
    geojson_no_area_left,
    geojson_nameless_first_feature,
    geojson_duplicate_code,
    geojson_projected,
    geojson_swapped_axes,
    geojson_unclosed_ring,
    geojson_collapsed_part,
    geojson_lsoas_of_one_borough,
    geojson_type_after_features,
    geojson_no_features,
    geojson_not_a_collection,
    geojson_invalid_json,
    *SAMPLE_CASES,
]
