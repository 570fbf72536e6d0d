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
) -> str:
    return (
        f"{crime_id},{month},{MET},{MET},{lon},{lat},{location},{lsoa},{lsoa_name},"
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
