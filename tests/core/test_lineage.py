"""The lineage table is data that ships: it loads, every row is valid, its months parse, its
names are the publishers' own, and a malformed row is refused naming the row and column."""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from crimepulse.core.reference import series_breaks
from crimepulse.core.reference.crime_types import CRIME_TYPES
from crimepulse.core.reference.series_breaks import COLUMNS, Name

REFERENCE = Path(series_breaks.__file__).parent
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
GOOD = {
    "id": "x-1",
    "source": "mps",
    "transition": "",
    "starts": "2020-04",
    "kind": "rename",
    "scope": "whole",
    "affects": "minor:A;minor:B",
    "old": "minor:A",
    "new": "minor:B",
    "instead": "B",
    "note": "A became B.",
    "reference": "observed",
}


def table(*rows: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def no_lists(name: str) -> str:
    raise AssertionError(f"no code list expected, asked for {name}")


def test_the_table_loads_with_every_row_valid() -> None:
    breaks = series_breaks.breaks()
    assert len(breaks) >= 10
    assert len({b.id for b in breaks}) == len(breaks)
    assert [b.starts for b in breaks] == sorted(b.starts for b in breaks)
    for b in breaks:
        assert b.starts.day == 1 and b.transition.day == 1 and b.transition <= b.starts
        assert date(2010, 1, 1) <= b.transition and b.starts <= date(2026, 12, 1)
        assert (b.old | b.new) <= b.affects and bool(b.old) == bool(b.new)
        assert b.note.endswith(".") and b.instead and b.reference
        assert b.id.startswith(b.source + "-")


def test_the_rows_months_are_the_csvs_text() -> None:
    with (REFERENCE / "series_breaks.csv").open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    for b in series_breaks.breaks():
        row = rows[b.id]
        assert f"{b.starts:%Y-%m}" == row["starts"]
        assert f"{b.transition:%Y-%m}" == (row["transition"] or row["starts"])


def test_police_uk_rows_name_only_published_crime_types() -> None:
    for b in series_breaks.breaks():
        types = {n.value for n in b.affects if n.dimension == "type"}
        assert types <= set(CRIME_TYPES), b.id


def test_the_lsoa_list_is_the_two_vintages_set_differences() -> None:
    with (REFERENCE / "lsoa_2011_2021_changed.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    vintages = [r["vintage"] for r in rows]
    assert (vintages.count("2011"), vintages.count("2021")) == (176, 335)
    assert all(re.fullmatch(r"E01\d{6}", r["lsoa_code"]) for r in rows)
    (recode,) = [b for b in series_breaks.breaks() if b.kind == "recode"]
    assert recode.affects == {Name("lsoa", r["lsoa_code"]) for r in rows}
    assert (recode.transition, recode.starts) == (date(2022, 3, 1), date(2023, 6, 1))


def test_the_tables_ship_with_the_package() -> None:
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    shipped = data["tool"]["setuptools"]["package-data"]["crimepulse.core.reference"]
    assert shipped == ["*.csv"]
    assert {p.name for p in REFERENCE.glob("*.csv")} == {
        "series_breaks.csv",
        "lsoa_2011_2021_changed.csv",
    }


def test_a_good_row_parses_into_typed_names() -> None:
    (b,) = series_breaks.parse(table(GOOD), no_lists)
    assert b.affects == {Name("minor", "A"), Name("minor", "B")}
    assert b.transition == b.starts == date(2020, 4, 1)
    assert b.mapped and b.moves and b.of_categories


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("starts", "2020-13", "starts '2020-13' is not a YYYY-MM month"),
        ("transition", "2020-05", "is after starts"),
        ("kind", "renamed", "kind 'renamed' is not one of"),
        ("scope", "some", "scope 'some' is not one of"),
        ("source", "feed", "source 'feed' is not one of"),
        ("affects", "type:Robbery", "is not dimension:value"),
        ("affects", "minor:A;borough:Camden", "mixes categories and areas"),
        ("new", "", "needs both old and new"),
        ("old", "minor:C", "must be among the names it affects"),
        ("note", " ", "note is empty"),
    ],
)
def test_a_malformed_row_is_refused_naming_it(column: str, value: str, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)) as err:
        series_breaks.parse(table({**GOOD, column: value}), no_lists)
    assert "x-1" in str(err.value)


def test_an_id_used_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="used twice"):
        series_breaks.parse(table(GOOD, GOOD), no_lists)


def test_an_lsoa_list_expands_to_its_codes() -> None:
    row = {**GOOD, "source": "police.uk", "kind": "recode", "old": "", "new": ""}
    row["affects"] = "lsoa:codes.csv"
    lists = {"codes.csv": "lsoa_code,vintage\nE01000010,2011\nE01033583,2021\n"}
    (b,) = series_breaks.parse(table(row), lists.__getitem__)
    assert b.affects == {Name("lsoa", "E01000010"), Name("lsoa", "E01033583")}
    assert not b.of_categories and b.moves
