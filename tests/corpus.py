"""Malformed inputs, made from small bytes: each case is one file and what ingest must do with it.

Issue 17: one bad file never costs a good one, and no row vanishes silently. Every
function here returns a `Case` (the file's name, its bytes, the expected outcome);
`tests/store/test_corpus.py` ingests each one and checks the outcome. To add a case,
write a function and list it in CASES.
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
    `rows`: how many rows are stored in all."""

    filename: str
    data: bytes
    outcomes: tuple[str, ...]
    words: tuple[str, ...] = ()
    rows: int = 0


@dataclass(frozen=True)
class Sample:
    """A small clean file of one format: its name (stop and search takes its force from
    it), header and data lines (no field holds a comma, a quote or padding, so a case may
    pad, quote or cut them freely)."""

    filename: str
    header: str
    rows: tuple[str, ...]

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
    ),
    "police.uk outcomes": Sample(
        "2024-01-metropolitan-outcomes.csv",
        OUTCOMES_HEADER,
        tuple(OUTCOME_ROW.format(f"o{i}", "Suspect charged", m=_MET) for i in range(3)),
    ),
    "police.uk stop-and-search": Sample(
        "2024-01-metropolitan-stop-and-search.csv",
        STOP_HEADER,
        tuple(STOP_ROW.format(day) for day in (1, 2, 3)),
    ),
    "daily incident feed": Sample(
        "feed.csv", FEED_HEADER + ",force", tuple(FEED_ROW.format(f"f{i}", i + 1) for i in range(3))
    ),
    "mps-borough": Sample(
        "mps-borough.csv",
        "MajorText,MinorText,BoroughName,202401,202402",
        ("THEFT,SHOPLIFTING,Camden,4,5", "BURGLARY,RESIDENTIAL,Hackney,0,2"),
    ),
    "mps-ward": Sample(
        "mps-ward.csv",
        "WardName,WardCode,MajorText,MinorText,LookUp_BoroughName,202401,202402",
        ("Camden Town,E05013658,THEFT,SHOPLIFTING,Camden,4,5",),
    ),
    "mps-lsoa": Sample(
        "mps-lsoa.csv",
        "LSOA Code,LSOA Name,Borough,Major Category,Minor Category,202401,202402",
        ("E01000907,Camden 001A,E09000007,THEFT,SHOPLIFTING,1,3",),
    ),
    "mps-homicide-victims": Sample(
        "victims.csv",
        _VICTIMS,
        (
            "1,18 to 24,Male,Knife or Sharp Implement,No,Jan 2020,Murder,Solved,Camden,Black",
            "1,25 to 34,Female,Other,Yes,Mar 2020,Manslaughter,Unsolved,Heathrow,",
        ),
    ),
    "mps-homicide-accused": Sample(
        "accused.csv",
        _ACCUSED,
        ("1,Brent,Male,20 to 24,White,Murder,Charge or Summons,March 2021",),
    ),
    "population-long": Sample(
        "population.csv",
        "Code,Name,Year,Population,Source",
        ("E09000007,Camden,2021,210000,ONS MYE", "E09000001,City of London,2021,8600,ONS MYE"),
    ),
    "population-wide": Sample(
        "population.csv", "Code,Name,2020,2021", ("E09000007,Camden,209000,210000",)
    ),
    "cchi-by-crime-type": Sample(
        "cchi.csv", "crime_type,cchi_days", ("Burglary,80", "Robbery,365")
    ),
    "cchi-by-subgroup": Sample(
        "cchi-subgroup.csv",
        "category,prc_subgroup,cchi_days",
        ("Burglary,Domestic burglary,80",),
    ),
    "harm-weights": Sample(
        "weights.csv", "index,category,weight,unit", ("ONS CSS,Drugs,150,days", "ONS CSS,Theft,5,")
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
]
