"""The small warehouse the compare, grid and flags tests share: three boroughs' MPS counts
2019-2023 with known values, population for 2021-2022, a harm index, and a daily feed for
Camden in February and March 2023. `count` gives the value of any cell by hand. And a
warehouse of street files that carry burglary alone (`burglary_only`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import crimepulse
from crimepulse.api import Crimepulse
from tests.factories import FEED_HEADER, two_forces, write

MONTHS = [f"{y}{m:02d}" for y in range(2019, 2024) for m in range(1, 13)]
BOROUGHS = ["Camden", "Hackney", "Westminster"]


def count(borough: str, minor: str, month: str) -> int:
    """A known count for every cell: robbery in Hackney doubles in 2023 from 10 a month."""
    year = int(month[:4])
    if minor == "ROBBERY OF PERSONAL PROPERTY":
        base = 10 + 5 * BOROUGHS.index(borough)
        return base * 2 if (borough == "Hackney" and year == 2023) else base
    if minor == "HOMICIDE":
        return 1 if int(month[4:]) % 4 == 0 else 0
    return 100 + int(month[4:])  # VIOLENCE WITH INJURY: a seasonal shape, same every year


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("engine")
    minors = [
        ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
        ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
        ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ]
    rows = [
        ",".join([major, minor, b, *(str(count(b, minor, m)) for m in MONTHS)])
        for b in BOROUGHS
        for major, minor in minors
    ]
    write(root / "mps.csv", ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]), rows)
    population = [
        f"{code},{name},{year},test,{pop}"
        for code, name, pop in (
            ("E09000007", "Camden", 200_000),
            ("E09000012", "Hackney", 250_000),
            ("E09000033", "Westminster", 200_000),
        )
        for year in (2021, 2022)  # none for 2023: rates then are a clear error
    ]
    write(root / "pop.csv", "Code,Name,Year,Source,Population", population)
    write(
        root / "harm.csv",
        "index,category,subgroup,weight,unit",
        [
            "Test Index,Robbery,Robbery of personal property,365,days",
            "Test Index,Violence and sexual offences,Homicide,5475,days",
        ],
    )
    feed = [
        f"f{i},2023-03-{1 + i % 28:02d}T12:00:00,Robbery,,Camden,E01000001,51.5,-0.14,,metropolitan"
        for i in range(56)
    ] + [
        f"g{i},2023-02-{1 + i % 28:02d}T12:00:00,Robbery,,Camden,E01000001,51.5,-0.14,,metropolitan"
        for i in range(28)
    ]
    write(root / "feed.csv", FEED_HEADER + ",force", feed)
    with crimepulse.open(root / "w.duckdb") as handle:
        report = handle.ingest(root)
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield handle


@pytest.fixture(scope="module")
def burglary_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    """data.police.uk street files carrying burglary alone (as the real extract in
    ../shared/data does): 2022-01..2023-12 for the Met and the City of London."""
    root = tmp_path_factory.mktemp("burglary-only")
    with crimepulse.open(root / "w.duckdb") as handle:
        assert handle.ingest(two_forces(root / "data")).exit_code(strict=True) == 0
        yield handle
