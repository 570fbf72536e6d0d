"""MPS homicide dashboard tables: victims, and persons proceeded against (the accused).

Both are one row per person with a count column (always 1 in the published files) and a
month written as text: "Jan 2003" (victims), "January 2003" (accused CSV, with upstream typos
such as "Febraury 2021") or "Jan-03" (accused Parquet). A misspelt month whose first three
letters name exactly one month is read as that month and reported in `Batch.notes`; anything
else is quarantined. Boroughs are canonicalised (these tables write "&" for "and"); names
that are not boroughs ("Heathrow") are kept as published.

The processed third-party table ``homicides_stCEG_*.csv`` (age bands recoded, rows filtered,
only a year) is deliberately not matched: its header has no count or date column.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from crimepulse.sources.base import ACCUSED, VICTIMS, Batch, Reader, SourceFile
from crimepulse.sources.mps import DEFAULT_SOURCE, FORCE
from crimepulse.sources.tabular import (
    MAX_COUNT,
    LayoutReader,
    canonical_borough,
    conform,
    map_distinct,
    nullable,
    number_checks,
    quote_ident,
    read_rows,
    shown,
    split,
)
from crimepulse.sources.validate import Check, sql_literal

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_BY_PREFIX = {name[:3]: number for number, name in enumerate(_MONTHS, start=1)}
_DATE = re.compile(r"^([A-Za-z]+)\.?[\s\-/]+(\d{4}|\d{2})$")


@dataclass(frozen=True)
class ParsedMonth:
    month: datetime.date | None
    misspelt: bool = False


def parse_month(text: str) -> ParsedMonth:
    """ "Jan 2003", "January 2003", "Jan-03"; a misspelling is read by its first 3 letters.

    Two-digit years follow strptime's rule (00-68 are 2000-2068). The misspelt word must be
    letters only and at most two letters longer than the month's name, so that noise such
    as "Marshmallow 2021" is not read as March.
    """
    match = _DATE.match(text.strip())
    if not match:
        return ParsedMonth(None)
    word, digits = match[1].lower(), match[2]
    number = _BY_PREFIX.get(word[:3]) if len(word) >= 3 else None
    if number is None or len(word) > len(_MONTHS[number - 1]) + 2:
        return ParsedMonth(None)
    year = int(digits)
    if len(digits) == 2:
        year += 2000 if year < 69 else 1900
    exact = word in (_MONTHS[number - 1], word[:3], "sept")
    return ParsedMonth(datetime.date(year, number, 1), misspelt=not exact)


@dataclass(frozen=True)
class Layout:
    """Canonical column -> normalised source column, for one homicide table."""

    name: str
    description: str
    dataset: str
    count: str
    date: str
    borough: str
    text: dict[str, str]  # other canonical text columns

    @property
    def required(self) -> list[str]:
        return [self.count, self.date, self.borough, *self.text.values()]


VICTIMS_LAYOUT = Layout(
    name="mps-homicide-victims",
    description="MPS homicide dashboard victims (Count of Victims, ..., Recorded Date "
    '"Mon YYYY", Borough, Officer Observed Ethnicity), CSV or Parquet',
    dataset=VICTIMS,
    count="countofvictims",
    date="recordeddate",
    borough="borough",
    text={
        "sex": "sex",
        "age_group": "agegroup",
        "ethnicity": "officerobservedethnicity",
        "method": "methodofkilling",
        "domestic_abuse": "domesticabuse",
        "offence_type": "homicideoffencetype",
        "status": "solvedstatus",
    },
)
ACCUSED_LAYOUT = Layout(
    name="mps-homicide-accused",
    description="MPS homicide dashboard persons proceeded against (Count of PPA, Borough, "
    'Gender, ..., Proceedings Date "Month YYYY" or "Mon-YY"), CSV or Parquet',
    dataset=ACCUSED,
    count="countofppa",
    date="proceedingsdate",
    borough="borough",
    text={
        "sex": "gender",
        "age_group": "agegroup",
        "ethnicity": "selfclassifiedethnicity",
        "offence_type": "offencetype",
        "outcome": "chargedsummonsed",
    },
)


def count_checks(column: str) -> list[Check]:
    """Missing, too large, non-integer and negative counts (shared with the other small
    tables)."""
    return number_checks(
        column,
        "count",
        "[+-]?[0-9]{1,18}",
        malformed="non-integer",
        limit=(MAX_COUNT, "a billion or more"),
    )


class HomicideReader(LayoutReader[Layout]):
    """One homicide table; the header says which."""

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        lay = self.layout
        rows = read_rows(f, columns)
        this_month = datetime.date.today().replace(day=1)
        dates = rows.table[lay.date]
        parsed = {v: parse_month(v) for v in pc.unique(dates).to_pylist()}
        table = rows.table.append_column(
            "_month", map_distinct(dates, lambda v: parsed[v].month, pa.date32())
        ).append_column(
            "_borough", map_distinct(rows.table[lay.borough], canonical_borough, pa.string())
        )
        checks = [
            *count_checks(lay.count),
            Check(
                lay.date,
                "_month IS NULL",
                f"'unparseable date ' || {shown(quote_ident(lay.date))}",
            ),
            Check(
                lay.date,
                f"_month > {sql_literal(f'{this_month:%Y-%m-%d}')}::DATE",
                f"{shown(quote_ident(lay.date))} || ' is a month in the future (after "
                f"{this_month:%Y-%m})'",
            ),
        ]
        texts = ", ".join(f"{nullable(src)} AS {name}" for name, src in lay.text.items())
        select = (
            f"line, '{FORCE}' AS force, _month AS month, _borough AS borough, {texts}, "
            f"CAST(trim({quote_ident(lay.count)}) AS BIGINT) AS count"
        )
        good, rejects = split(f, rows, table, checks, select)
        return Batch(
            format=lay.name,
            dataset=lay.dataset,
            source=f.source_hint or DEFAULT_SOURCE,
            table=conform(good, lay.dataset),
            rows_read=rows.rows_read,
            blank_lines=rows.blank_lines,
            rejects=sorted(rows.rejects + rejects, key=lambda r: r.line),
            force=FORCE,
            notes=_misspelling_notes(dates, parsed),
        )


def _misspelling_notes(dates: pa.ChunkedArray, parsed: dict[str, ParsedMonth]) -> list[str]:
    misspelt = {v for v, p in parsed.items() if p.misspelt}
    if not misspelt:
        return []
    counts = Counter(v for v in dates.to_pylist() if v in misspelt)
    return [
        f"read misspelt date {v!r} as {parsed[v].month:%Y-%m} ({n} row{'' if n == 1 else 's'})"
        for v, n in sorted(counts.items())
    ]


READERS: list[Reader] = [HomicideReader(VICTIMS_LAYOUT), HomicideReader(ACCUSED_LAYOUT)]
