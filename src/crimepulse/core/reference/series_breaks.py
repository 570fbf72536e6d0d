"""Series lineage as data: every documented break in a published series, loaded and checked.

Publishers rename, split and retire categories, move crimes between areas and recode
geographies; a count across such a break changes because the series did, not crime. The
breaks live in `series_breaks.csv` beside this module (data, not code: a new break is a
new row), one row per break, with these columns:

- `id`: a stable key (`mps-2023-residential-burglary-split`), quoted by notes and errors;
- `source`: the source family whose series break (`mps`, `police.uk`);
- `transition`: the first month of a changeover in which old and new names both carry
  counts (`YYYY-MM`; empty when the change came at once, i.e. equal to `starts`);
- `starts`: the first month wholly in the new series (`YYYY-MM`);
- `kind`: `rename`, `split`, `re-attribution`, `recode` (crimes move among the names the
  row affects, so together they stay comparable), `retired` or `recording change`
  (crimes leave or enter the published series);
- `scope`: `whole` (the names affected are not comparable across the break without a
  mapping) or `part` (only part of what they count moved: comparable, with a caveat);
- `affects`: the names whose series the break changes, `;`-separated, each
  `dimension:value` with dimension `major` or `minor` (MPS categories), `type` (police.uk
  crime types), `borough` (an MPS borough-table row, `*` for every borough) or `lsoa` (a
  code; `lsoa:FILE.csv` stands for every code listed in that file beside this one). A name
  that later descends from an affected one is listed too;
- `old`, `new`: the documented mapping, where there is one: the names that together count
  before the break the same crimes as the `new` names together after it (both empty: no
  mapping documented);
- `instead`: what to ask instead of a comparison the break refuses;
- `note`: what changed, in plain English, with the figures that show it;
- `reference`: where it is documented, or where in the data it was observed.

`lsoa_2011_2021_changed.csv` lists the London LSOA codes in only one of the ONS 2011 and
2021 LSOA sets (the set differences of LSOA11CD and LSOA21CD in the ONS boundary files):
the codes data.police.uk's 2022-23 recode broke. This module imports nothing else of
crimepulse; the analysis (`analysis/lineage.py`) decides what a break means for a question.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Literal, get_args

Family = Literal["mps", "police.uk"]
Kind = Literal["rename", "split", "re-attribution", "recode", "retired", "recording change"]
Scope = Literal["whole", "part"]
Dimension = Literal["major", "minor", "type", "borough", "lsoa"]

TABLE = "series_breaks.csv"
COLUMNS = (
    "id",
    "source",
    "transition",
    "starts",
    "kind",
    "scope",
    "affects",
    "old",
    "new",
    "instead",
    "note",
    "reference",
)
# kinds in which crimes only move among the names affected (their total is kept)
MOVES: frozenset[str] = frozenset({"rename", "split", "re-attribution", "recode"})
# which dimensions each family's rows may name: categories, or areas, never both in one row
CATEGORY_DIMENSIONS: frozenset[str] = frozenset({"major", "minor", "type"})
DIMENSIONS: dict[str, frozenset[str]] = {
    "mps": frozenset({"major", "minor", "borough"}),
    "police.uk": frozenset({"type", "lsoa"}),
}
EVERY = "*"  # borough:* — every borough
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Name:
    """One name a break affects: a category, crime type, borough row or LSOA code."""

    dimension: Dimension
    value: str

    def __str__(self) -> str:
        return f"{self.dimension}:{self.value}"


@dataclass(frozen=True)
class SeriesBreak:
    """One row of the lineage table, parsed and checked (see the module docstring)."""

    id: str
    source: Family
    transition: date
    starts: date
    kind: Kind
    scope: Scope
    affects: frozenset[Name]
    old: frozenset[Name]
    new: frozenset[Name]
    instead: str
    note: str
    reference: str

    @property
    def mapped(self) -> bool:
        """A mapping old -> new is documented."""
        return bool(self.old)

    @property
    def moves(self) -> bool:
        """Crimes only move among the names affected: together they stay comparable."""
        return self.kind in MOVES

    @property
    def of_categories(self) -> bool:
        """The break names categories (else areas: boroughs or LSOA codes)."""
        return any(n.dimension in CATEGORY_DIMENSIONS for n in self.affects)

    def values(self, names: frozenset[Name]) -> list[str]:
        """The values of some of its names, sorted, for messages."""
        return sorted(n.value for n in names)


def _month(text: str, column: str, row_id: str) -> date:
    found = _MONTH.match(text.strip())
    if not found:
        raise ValueError(f"{TABLE} {row_id}: {column} {text!r} is not a YYYY-MM month")
    return date(int(found.group(1)), int(found.group(2)), 1)


def _choice(text: str, allowed: tuple[str, ...], column: str, row_id: str) -> str:
    if text not in allowed:
        raise ValueError(f"{TABLE} {row_id}: {column} {text!r} is not one of {allowed}")
    return text


def _names(
    text: str, column: str, row: dict[str, str], read_list: Callable[[str], str]
) -> frozenset[Name]:
    out: set[Name] = set()
    allowed = DIMENSIONS.get(row["source"], frozenset())
    for item in (s.strip() for s in text.split(";")):
        if not item:
            continue
        dimension, sep, value = item.partition(":")
        if not sep or not value.strip() or dimension not in allowed:
            raise ValueError(
                f"{TABLE} {row['id']}: {column} {item!r} is not dimension:value with a "
                f"dimension {row['source']} has ({', '.join(sorted(allowed))})"
            )
        value = value.strip()
        if dimension == "lsoa" and value.endswith(".csv"):
            codes = [r["lsoa_code"] for r in csv.DictReader(io.StringIO(read_list(value)))]
            if not codes:
                raise ValueError(f"{TABLE} {row['id']}: {value} lists no LSOA codes")
            out.update(Name("lsoa", code.strip()) for code in codes)
        else:
            out.add(Name(dimension, value))  # type: ignore[arg-type]  # checked above
    return frozenset(out)


def _row(row: dict[str, str], read_list: Callable[[str], str]) -> SeriesBreak:
    row_id = row["id"].strip()
    if not row_id:
        raise ValueError(f"{TABLE}: a row has no id")
    source = _choice(row["source"], get_args(Family), "source", row_id)
    starts = _month(row["starts"], "starts", row_id)
    transition = _month(row["transition"], "transition", row_id) if row["transition"] else starts
    if transition > starts:
        raise ValueError(f"{TABLE} {row_id}: transition {transition} is after starts {starts}")
    kind = _choice(row["kind"], get_args(Kind), "kind", row_id)
    scope = _choice(row["scope"], get_args(Scope), "scope", row_id)
    affects = _names(row["affects"], "affects", row, read_list)
    old = _names(row["old"], "old", row, read_list)
    new = _names(row["new"], "new", row, read_list)
    if not affects:
        raise ValueError(f"{TABLE} {row_id}: affects names nothing")
    kinds_named = {n.dimension in CATEGORY_DIMENSIONS for n in affects}
    if len(kinds_named) != 1:
        raise ValueError(f"{TABLE} {row_id}: affects mixes categories and areas")
    if bool(old) != bool(new):
        raise ValueError(f"{TABLE} {row_id}: a mapping needs both old and new names")
    if not (old | new) <= affects:
        raise ValueError(f"{TABLE} {row_id}: old and new must be among the names it affects")
    for column in ("instead", "note", "reference"):
        if not row[column].strip():
            raise ValueError(f"{TABLE} {row_id}: {column} is empty")
    return SeriesBreak(
        id=row_id,
        source=source,  # type: ignore[arg-type]  # checked by _choice
        transition=transition,
        starts=starts,
        kind=kind,  # type: ignore[arg-type]
        scope=scope,  # type: ignore[arg-type]
        affects=affects,
        old=old,
        new=new,
        instead=row["instead"].strip(),
        note=row["note"].strip(),
        reference=row["reference"].strip(),
    )


def parse(text: str, read_list: Callable[[str], str]) -> tuple[SeriesBreak, ...]:
    """The breaks of a lineage table's text, each row checked (ValueError names the row
    and the column at fault); `read_list` gives the text of a code list a row names."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"{TABLE}: columns {reader.fieldnames} are not {list(COLUMNS)}")
    out = tuple(_row(row, read_list) for row in reader)
    ids = [b.id for b in out]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{TABLE}: an id is used twice")
    return out


def _packaged(name: str) -> str:
    return (resources.files(__package__ or "crimepulse.core.reference") / name).read_text(
        encoding="utf-8"
    )


@cache
def breaks() -> tuple[SeriesBreak, ...]:
    """Every break in the packaged lineage table, oldest first."""
    return tuple(sorted(parse(_packaged(TABLE), _packaged), key=lambda b: (b.starts, b.id)))
