"""England & Wales recorded-crime tables (Home Office / ONS), for national context.

Two layouts, CSV or Parquet, one row per area × period × offence group:
- ``financial_year, offence_key, offence_label, offences[, rate_per_100k]``: the national
  trend by financial year (ONS appendix Table A5a), all of England and Wales;
- ``period_label, period_months, area_code, area_name, offence_group, offences``: the
  police force area tables (ONS Table P1), with England, Wales, the English regions and
  every force, the period given as months (``2018-04..2019-03``).
Each group is mapped onto a crimepulse category by `core.reference.offence_groups` (the
table says which groups do not map, and why); a group it does not know is kept with no
category and named in the batch's notes. A bad year, period or count is quarantined with
its line (Greater Manchester's unpublished Jul-Dec 2019 figures have no count: they are
quarantined, never read as zeros); the other rows load. British Transport Police has no
area code and is kept as a force. The rows are a keyed reference table (area code and
name, period, group): a later edition revises the figures it holds and keeps every
earlier vintage (`national_counts_as_of`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from crimepulse.core.reference import forces, offence_groups
from crimepulse.sources.base import NATIONAL_COUNTS, Batch, Reader, SourceFile
from crimepulse.sources.tabular import (
    MAX_COUNT,
    LayoutReader,
    conform,
    map_distinct,
    missing_check,
    nullable,
    number_checks,
    quote_ident,
    read_rows,
    shown,
    split,
)
from crimepulse.sources.validate import Check, sql_literal

DEFAULT_SOURCE = "home-office"
ENGLAND_AND_WALES = "K04000001"
ENGLAND_AND_WALES_NAME = "England and Wales"
_SLUG = re.compile(r"[^a-z0-9]+")
# ONS area code prefixes: countries, English regions, police force areas.
_AREA_TYPES = {"K04": "country", "E92": "country", "W92": "country", "E12": "region"}
_FORCE_PREFIXES = ("E23", "W15")
_FORCE_CODES = {"E23000001": forces.METROPOLITAN_FORCE, "E23000034": forces.CITY_OF_LONDON_FORCE}


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    required: tuple[str, ...]
    group: str  # the column naming the offence group


TREND = Layout(
    name="ew-offence-groups",
    description="England & Wales recorded crime by offence group and financial year "
    "(financial_year, offence_key, offence_label, offences), ONS Table A5a",
    required=("financialyear", "offencelabel", "offences"),
    group="offencelabel",
)
FORCE_AREAS = Layout(
    name="pfa-offence-groups",
    description="Recorded crime by offence group and police force area (period_label, "
    "period_months, area_code, area_name, offence_group, offences), ONS Table P1",
    required=("periodlabel", "periodmonths", "areacode", "areaname", "offencegroup", "offences"),
    group="offencegroup",
)


def _category(label: str) -> str | None:
    found = offence_groups.group(label)
    return found.category if found else None


def area_type(code: str, name: str) -> str | None:
    """country, region or force, from an ONS area code; a force with no area code (British
    Transport Police) is a force too. None: neither an ONS area code nor a police force."""
    if code.startswith(_FORCE_PREFIXES) or (not code and "police" in name.lower()):
        return "force"
    return _AREA_TYPES.get(code[:3]) if code else None


def force_slug(code: str, name: str) -> str | None:
    """The force a police force area is, as data.police.uk spells it ("metropolitan",
    "devon-and-cornwall"); None for countries and regions."""
    if area_type(code, name) != "force":
        return None
    return _FORCE_CODES.get(code) or _SLUG.sub("-", name.lower()).strip("-")


def _count_checks(column: str) -> list[Check]:
    """Missing, too large (a 2e19 would not fit the BIGINT it is cast to), non-integer."""
    return number_checks(
        column,
        "count",
        "[0-9][0-9,]{0,20}",
        malformed="non-integer",
        limit=(MAX_COUNT, "a billion or more"),
    )


def _count(column: str) -> str:
    return f"CAST(replace(trim({quote_ident(column)}), ',', '') AS BIGINT)"


class NationalReader(LayoutReader[Layout]):
    """One layout of the England & Wales tables."""

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        lay = self.layout
        rows = read_rows(f, columns)
        table = rows.table.append_column(
            "_category", map_distinct(rows.table[lay.group], _category, pa.string())
        )
        checks = [missing_check(lay.group, "offence group"), *_count_checks("offences")]
        if lay is TREND:
            checks.insert(0, _financial_year_check("financialyear"))
            select = _trend_select()
        else:
            table = _with_areas(table)
            checks[:0] = [
                Check(
                    "areacode",
                    "_area_type IS NULL",
                    f"'unknown area code ' || {shown('areacode')} || ' (not a country, region "
                    "or police force area)'",
                ),
                _months_check("periodmonths"),
            ]
            select = _force_area_select()
        good, rejects = split(f, rows, table, checks, select)
        return Batch(
            format=lay.name,
            dataset=NATIONAL_COUNTS,
            source=f.source_hint or DEFAULT_SOURCE,
            table=conform(good, NATIONAL_COUNTS),
            rows_read=rows.rows_read,
            blank_lines=rows.blank_lines,
            rejects=sorted(rows.rejects + rejects, key=lambda r: r.line),
            notes=_unmapped_notes(good),
        )


def _financial_year_check(column: str) -> Check:
    """``2022/23``: four digits, a slash, the next year's last two digits."""
    c = f"trim({quote_ident(column)})"
    bad = (
        f"NOT regexp_full_match({c}, '[0-9]{{4}}/[0-9]{{2}}') OR "
        f"(TRY_CAST(left({c}, 4) AS INTEGER) + 1) % 100 <> TRY_CAST(right({c}, 2) AS INTEGER)"
    )
    return Check(column, bad, f"'bad financial year ' || {shown(c)} || ' (expected e.g. 2022/23)'")


def _months_check(column: str) -> Check:
    """``2018-04..2019-03``: a first and a last month, in order."""
    c = f"trim({quote_ident(column)})"
    form = f"regexp_full_match({c}, '[0-9]{{4}}-(0[1-9]|1[0-2])\\.\\.[0-9]{{4}}-(0[1-9]|1[0-2])')"
    bad = f"NOT {form} OR left({c}, 7) > right({c}, 7)"
    return Check(
        column, bad, f"'bad period months ' || {shown(c)} || ' (expected YYYY-MM..YYYY-MM)'"
    )


def _trend_select() -> str:
    fy = "trim(financialyear)"
    start = f"make_date(CAST(left({fy}, 4) AS INTEGER), 4, 1)"
    return (
        f"line, {start} AS month, 'country' AS area_type, "
        f"{sql_literal(ENGLAND_AND_WALES)} AS area_code, "
        f"{sql_literal(ENGLAND_AND_WALES_NAME)} AS area_name, NULL AS force, "
        f"{fy} AS period, {start} AS period_start, "
        f"make_date(CAST(left({fy}, 4) AS INTEGER) + 1, 3, 31) AS period_end, "
        f"{nullable('offencelabel')} AS offence_group, _category AS category, "
        f"{_count('offences')} AS count"
    )


def _force_area_select() -> str:
    months = "trim(periodmonths)"
    start = f"CAST(left({months}, 7) || '-01' AS DATE)"
    end = f"last_day(CAST(right({months}, 7) || '-01' AS DATE))"
    return (
        f"line, {start} AS month, _area_type AS area_type, {nullable('areacode')} AS area_code, "
        f"{nullable('areaname')} AS area_name, _force AS force, "
        f"{nullable('periodlabel')} AS period, {start} AS period_start, {end} AS period_end, "
        f"{nullable('offencegroup')} AS offence_group, _category AS category, "
        f"{_count('offences')} AS count"
    )


def _with_areas(table: pa.Table) -> pa.Table:
    codes = [str(c).strip() for c in table["areacode"].to_pylist()]
    names = [str(n).strip() for n in table["areaname"].to_pylist()]
    kinds = pa.array([area_type(c, n) for c, n in zip(codes, names, strict=True)], pa.string())
    slugs = pa.array([force_slug(c, n) for c, n in zip(codes, names, strict=True)], pa.string())
    return table.append_column("_area_type", kinds).append_column("_force", slugs)


def _unmapped_notes(good: pa.Table) -> list[str]:
    """Groups kept without a crimepulse category: the known ones with the mapping's reason,
    unknown labels as unknown (so a new group in a later edition is seen, not guessed)."""
    labels = sorted(
        {
            str(g)
            for g, c in zip(
                good["offence_group"].to_pylist(), good["category"].to_pylist(), strict=True
            )
            if c is None and g is not None
        }
    )
    out = []
    for label in labels:
        known = offence_groups.group(label)
        why = known.why if known else "not a group crimepulse knows"
        out.append(f"offence group {label!r} is kept with no crimepulse category: {why}")
    return out


READERS: list[Reader] = [NationalReader(TREND), NationalReader(FORCE_AREAS)]
