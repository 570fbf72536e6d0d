"""Small files in the real formats, written by the tests themselves."""

from __future__ import annotations

import gzip
from pathlib import Path

STREET_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Crime type,Last outcome category,Context"
)
OUTCOMES_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
    "LSOA name,Outcome type"
)
STOP_HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)
FEED_HEADER = (
    "crime_id,occurred_at,category,subcategory,borough,lsoa_code,latitude,longitude,outcome"
)
MET = "Metropolitan Police Service"
CITY = "City of London Police"


def street_row(
    crime_id: str = "",
    month: str = "2024-01",
    lon: str = "-0.141",
    lat: str = "51.515",
    category: str = "Burglary",
    outcome: str = "Under investigation",
    lsoa: str = "E01000001",
    lsoa_name: str = "Camden 001A",
    location: str = "On or near High Street",
    force_name: str = MET,
) -> str:
    return (
        f"{crime_id},{month},{force_name},{force_name},{lon},{lat},{location},{lsoa},{lsoa_name},"
        f"{category},{outcome},"
    )


def write(
    path: Path,
    header: str,
    rows: list[str],
    newline: str = "\n",
    bom: bool = False,
    gz: bool = False,
) -> Path:
    """Write a CSV with the given header and rows (already formatted lines)."""
    text = newline.join([header, *rows]) + newline
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def street_month(
    folder: Path,
    month: str,
    n: int,
    outcome: str = "Under investigation",
    force: str = "metropolitan",
) -> Path:
    """A clean street file of `n` crimes with IDs, named as data.police.uk names them."""
    rows = [
        street_row(
            crime_id=f"{month}-{i:06d}", month=month, outcome=outcome, lon=f"{-0.2 + i * 1e-5:.6f}"
        )
        for i in range(n)
    ]
    return write(folder / f"{month}-{force}-street.csv", STREET_HEADER, rows)


# Burglaries a month in each force's street files, in 2022 and in 2023 (see two_forces).
TWO_FORCES: dict[str, tuple[int, int]] = {"metropolitan": (30, 60), "city-of-london": (4, 2)}
TWO_FORCES_MONTHS = [f"{y}-{m:02d}" for y in (2022, 2023) for m in range(1, 13)]


def two_forces(folder: Path) -> Path:
    """data.police.uk street files 2022-01..2023-12 for the Met and the City of London, the
    force named in "Reported by" and "Falls within": each month has TWO_FORCES[force][0]
    burglaries in 2022 and TWO_FORCES[force][1] in 2023 (and no other crime type, so all
    crime cannot be counted from them: ask for burglary)."""
    names = {"metropolitan": MET, "city-of-london": CITY}
    for force, (per_month_2022, per_month_2023) in TWO_FORCES.items():
        for month in TWO_FORCES_MONTHS:
            n = per_month_2022 if month.startswith("2022") else per_month_2023
            rows = [
                street_row(f"{force}-{month}-{i:06d}", month, force_name=names[force])
                for i in range(n)
            ]
            write(folder / f"{month}-{force}-street.csv", STREET_HEADER, rows)
    return folder


# Wards of an MPS ward table, two of one name in two boroughs (as ten real London names
# are): (name, code, borough, robberies each month of 2023).
SHARED_WARDS = [
    ("Abbey", "E05013810", "Merton", 3),
    ("Abbey", "E05014053", "Barking and Dagenham", 9),
    ("Camden Town", "E05013658", "Camden", 7),
]


def shared_wards(folder: Path) -> Path:
    """An MPS ward table for 2023 of SHARED_WARDS' robberies."""
    months = [f"2023{m:02d}" for m in range(1, 13)]
    header = ["WardName", "WardCode", "MajorText", "MinorText", "LookUp_BoroughName", *months]
    rows = [
        ",".join([name, code, "ROBBERY", "ROBBERY OF PERSONAL PROPERTY", borough, *[str(n)] * 12])
        for name, code, borough, n in SHARED_WARDS
    ]
    return write(folder / "wards.csv", ",".join(header), rows)
