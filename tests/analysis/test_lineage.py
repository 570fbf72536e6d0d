"""Series breaks are never read as changes, on a small warehouse with breaks of each kind: a
split bridged by its documented mapping counts like with like, a part of that split across
it is refused with the reason, a partial break adds its caveat, Hillingdon counts the
airport row the MPS filed apart, and a recoded LSOA is refused. Every count is a hand sum
of `cell` below."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest

import crimepulse
from crimepulse.analysis import categories as cats
from crimepulse.analysis import lineage
from crimepulse.analysis.periods import Window
from crimepulse.api import Crimepulse
from crimepulse.core.reference import series_breaks
from crimepulse.errors import QuestionError, SeriesBreakError
from tests.factories import STREET_HEADER, street_row, write

MONTHS = [f"{y}{m:02d}" for y in range(2012, 2025) for m in range(1, 13)]
AIRPORTS = "London Heathrow and London City Airports"
# (major, minor, borough) rows of the MPS table
ROWS = [
    ("BURGLARY", "DOMESTIC BURGLARY", "Camden"),
    ("BURGLARY", "RES BURGLARY OF A HOME", "Camden"),
    ("BURGLARY", "RES BURGLARY OF UNCONNECTED BUILDING", "Camden"),
    ("FRAUD AND FORGERY", "FRAUD AND FORGERY", "Camden"),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Camden"),
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY", "Unknown"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY", "Hillingdon"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY", AIRPORTS),
]
CHANGED_2011 = "E01000010"  # a 2011 LSOA code the 2021 geography replaced
CHANGED_2021 = "E01033784"  # a code new in 2021
UNCHANGED = "E01000001"  # in both sets


def cell(minor: str, borough: str, month: str) -> int:
    """The MPS table's count: residential burglary split in 2023-04 (100 a month, old and
    new names together), fraud gone in 2013-02, Heathrow filed apart 2023-04..2024-02."""
    airports = "202304" <= month <= "202402"
    if minor == "DOMESTIC BURGLARY":
        return 100 if month < "202304" else 40 if month == "202304" else 0
    if minor == "RES BURGLARY OF A HOME":
        return 0 if month < "202304" else 42 if month == "202304" else 70
    if minor == "RES BURGLARY OF UNCONNECTED BUILDING":
        return 0 if month < "202304" else 18 if month == "202304" else 30
    if minor == "FRAUD AND FORGERY":
        return 50 if month < "201302" else 6 if month == "201302" else 0
    if minor == "ROBBERY OF PERSONAL PROPERTY":
        return 20 if borough == "Camden" else (50 if month < "202305" else 10)
    if borough == "Hillingdon":
        return 60 if airports else 90
    return 30 if airports else 0


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("lineage")
    rows = [
        ",".join([major, minor, borough, *(str(cell(minor, borough, m)) for m in MONTHS)])
        for major, minor, borough in ROWS
    ]
    write(root / "mps.csv", ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]), rows)
    street = {  # police.uk burglaries per LSOA code: June 2022 (2011 codes), June 2023 (2021)
        "2022-06": {CHANGED_2011: 3, UNCHANGED: 5},
        "2023-06": {CHANGED_2021: 2, UNCHANGED: 4},
    }
    for month, per_code in street.items():
        lines = [
            street_row(f"{month}-{code}-{i}", month, lsoa=code, lsoa_name=f"Camden {code[-4:]}")
            for code, n in per_code.items()
            for i in range(n)
        ]
        write(root / f"{month}-metropolitan-street.csv", STREET_HEADER, lines)
    with crimepulse.open(root / "w.duckdb") as handle:
        report = handle.ingest(root)
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield handle


def span(start: date, end: date) -> Window:
    return Window("span", "a span", start, end)


def year(y: int) -> Window:
    return span(date(y, 1, 1), date(y, 12, 31))


def test_a_split_across_the_break_counts_like_with_like(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "DOMESTIC BURGLARY", "year", as_of="2024-12")
    old_name_alone = (0, sum(cell("DOMESTIC BURGLARY", "Camden", m) for m in MONTHS[-24:-12]))
    assert old_name_alone == (0, 3 * 100 + 40)  # what the MPS rows under the name show
    assert (fact.current, fact.previous) == (12 * 100, 3 * 100 + 100 + 8 * 100)
    assert fact.change_pct == 0.0 and fact.verdict == "no meaningful change"
    assert fact.category.definition is not None
    assert set(fact.category.definition.mps_minors) >= {
        "DOMESTIC BURGLARY",
        "RES BURGLARY OF A HOME",
        "RES BURGLARY OF UNCONNECTED BUILDING",
    }
    (note,) = [n for n in fact.notes if "mps-2023-residential-burglary-split" in n]
    assert "Counted like with like" in note and "2023-04 to 2023-05" in note


def test_a_part_of_the_split_across_the_break_is_refused_with_the_reason(
    cp: Crimepulse,
) -> None:
    with pytest.raises(SeriesBreakError) as err:
        cp.compare("Camden", "RES BURGLARY OF A HOME", "year", as_of="2024-12")
    message = str(err.value)
    assert "mps-2023-residential-burglary-split" in message
    assert "2023-04 to 2023-05" in message and "2023-01-01..2024-12-31" in message
    assert "Ask instead for DOMESTIC BURGLARY" in message
    assert isinstance(err.value, QuestionError) and err.value.status == 422
    assert err.value.exit_code == 2


def test_windows_wholly_after_the_break_are_not_refused(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "RES BURGLARY OF A HOME", "month", as_of="2024-06")
    assert (fact.current, fact.previous) == (70, 70)
    assert not any("residential-burglary-split" in n for n in fact.notes)


def test_a_partial_break_adds_its_caveat_and_refuses_the_whole(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "all", "year", as_of="2013-12")
    burglary, robbery = 12 * 100, 12 * 20
    assert (fact.current, fact.previous) == (burglary + robbery + 50 + 6, burglary + robbery + 600)
    (caveat,) = [n for n in fact.notes if "mps-2013-fraud-to-action-fraud" in n]
    assert "Part of this change comes from that break, not from crime" in caveat
    with pytest.raises(SeriesBreakError, match="windows that start in 2013-03 or later"):
        cp.compare("Camden", "FRAUD AND FORGERY", "year", as_of="2013-12")
    later = cp.compare("Camden", "all", "year", as_of="2015-12")
    assert not any("fraud" in n for n in later.notes)


def test_hillingdon_counts_the_airport_row_the_mps_filed_apart(cp: Crimepulse) -> None:
    fact = cp.compare("Hillingdon", "violence", "year", as_of="2024-12")
    rows_alone = (2 * 60 + 10 * 90, 3 * 90 + 9 * 60)  # +25.9% from filing alone
    assert rows_alone == (1020, 810)
    assert (fact.current, fact.previous) == (12 * 90, 3 * 90 + 9 * (60 + 30))
    assert fact.change_pct == 0.0
    (note,) = [n for n in fact.notes if "mps-2023-heathrow-airport-rows" in n]
    assert AIRPORTS in note and "Counted like with like" in note
    unknown = [n for n in fact.notes if "mps-2023-unknown-borough-shrinks" in n]
    assert unknown and "not from crime" in unknown[0]
    force = cp.compare("all", "violence", "year", as_of="2024-12")
    assert not any("airport" in n or "Unknown" in n for n in force.notes)


def test_a_grid_joins_the_airport_row_and_names_the_breaks(cp: Crimepulse) -> None:
    grid = cp.grid("boroughs", "minor", "year", as_of="2024-12")
    table = grid.to_arrow().to_pylist()
    assert AIRPORTS not in {r["area"] for r in table}
    (hillingdon,) = [
        r for r in table if r["area"] == "Hillingdon" and r["category"] == "VIOLENCE WITH INJURY"
    ]
    assert (hillingdon["current"], hillingdon["previous"]) == (1080, 1080)
    (split,) = [n for n in grid.meta["lineage"] if "residential-burglary-split" in n]
    unlike, bridged = split.split("; ")
    assert "RES BURGLARY OF A HOME" in unlike and "not like with like" in unlike
    assert "DOMESTIC BURGLARY" not in unlike
    assert bridged.startswith("DOMESTIC BURGLARY") and "like with like" in bridged
    assert any("heathrow-airport-rows" in n and "borough cells" in n for n in grid.meta["lineage"])


def test_a_recoded_lsoa_is_refused_and_an_unchanged_one_compared(cp: Crimepulse) -> None:
    with pytest.raises(SeriesBreakError, match=rf"LSOA {CHANGED_2011}.*police\.uk-2022-lsoa"):
        cp.compare(CHANGED_2011, "burglary", "month", as_of="2023-06", source="police.uk")
    fact = cp.compare(UNCHANGED, "burglary", "month", as_of="2023-06", source="police.uk")
    assert (fact.current, fact.previous) == (4, 5)


# -- the functions the compare, grid and flags code call --------------------------------------


@dataclass(frozen=True)
class Place:
    level: str
    key: str
    name: str
    code: str | None = None


def test_comparable_since_is_the_latest_refusing_break() -> None:
    part = cats.resolve("RES BURGLARY OF A HOME")
    assert lineage.comparable_since("mps", part, None) == date(2023, 5, 1)
    # bridged across 2023, but the 2017 reclassification moved sheds into it
    assert lineage.comparable_since("mps", cats.resolve("DOMESTIC BURGLARY"), None) == date(
        2017, 4, 1
    )
    assert lineage.comparable_since("mps", cats.resolve("burglary"), None) is None
    assert lineage.comparable_since("mps", cats.resolve("all"), None) is None  # caveats only
    assert lineage.comparable_since("police.uk", cats.resolve("drugs"), None) == date(2011, 9, 1)
    assert lineage.comparable_since("feed", part, None) is None
    recoded = Place("lsoa", CHANGED_2021, CHANGED_2021, CHANGED_2021)
    assert lineage.comparable_since("police.uk", cats.resolve("burglary"), recoded) == date(
        2023, 6, 1
    )
    unchanged = Place("lsoa", UNCHANGED, UNCHANGED, UNCHANGED)
    assert lineage.comparable_since("police.uk", cats.resolve("burglary"), unchanged) is None


def test_break_dates_are_the_changes_a_category_sees() -> None:
    assert lineage.break_dates("mps", "all") == [date(2013, 3, 1)]
    assert lineage.break_dates("mps", "robbery") == []
    assert lineage.break_dates("police.uk", "Violence and sexual offences") == [date(2013, 5, 1)]
    assert lineage.break_dates("police.uk", "theft") == [date(2011, 9, 1)]
    camden = Place("borough", "Camden", "Camden", "E09000007")
    assert lineage.break_dates("mps", "robbery", camden) == [date(2024, 10, 1)]


def test_check_reads_every_window_it_is_given() -> None:
    part = cats.resolve("RES BURGLARY OF A HOME")
    after = [year(2024), span(date(2023, 5, 1), date(2023, 12, 31))]
    assert lineage.check("mps", part, None, after) == []
    in_changeover = [year(2024), span(date(2023, 4, 1), date(2023, 12, 31))]
    with pytest.raises(SeriesBreakError):
        lineage.check("mps", part, None, in_changeover)
    with pytest.raises(SeriesBreakError):  # a history window before the split
        lineage.check("mps", part, None, [*after, year(2022)])


def test_police_uk_all_counts_the_pre_2013_types_it_continues() -> None:
    everything = cats.resolve("all")
    assert {"Violent crime", "Public disorder and weapons"} <= set(everything.crime_types or ())
    assert set(everything.lineage) == {
        "police.uk-2013-violent-crime-renamed",
        "police.uk-2013-public-disorder-split",
    }
    windows = [year(2013), year(2012)]
    notes = lineage.check("police.uk", everything, None, windows)
    assert len(notes) == 2 and all("Counted like with like" in n for n in notes)
    with pytest.raises(SeriesBreakError, match=re.escape("police.uk-2013-public-disorder-split")):
        lineage.check("police.uk", cats.resolve("weapons"), None, windows)
    vso = cats.resolve("Violence and sexual offences")
    notes = lineage.check("police.uk", vso, None, windows)
    (renamed,) = [n for n in notes if "(police.uk-2013-violent-crime-renamed)" in n]
    (moved,) = [n for n in notes if "(police.uk-2013-sexual-offences-moved)" in n]
    assert "counts Violent crime before the break" in renamed and "not from crime" in moved


def test_every_mps_name_in_the_table_is_one_the_analysis_knows() -> None:
    known = set(cats.MPS_MINORS) | set(cats.MPS_MAJORS)
    for b in series_breaks.breaks():
        for n in b.affects:
            if n.dimension in ("major", "minor"):
                assert n.value in known, (b.id, n)
