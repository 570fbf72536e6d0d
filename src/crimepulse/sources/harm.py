"""Harm-weight tables: how much harm one crime of a category represents.

Three layouts, all CSV or Parquet:
- ``crime_type,cchi_days``: Cambridge Crime Harm Index per data.police.uk crime type;
- ``category,prc_subgroup,cchi_days[,...]``: CCHI per Home Office offence subgroup;
- ``index,category,weight[,subgroup][,unit]``: the generic form, so a user can load any
  index (e.g. ONS Crime Severity Score weights) without a new reader.
Weights must be non-negative numbers below a billion; anything else is quarantined.
"""

from __future__ import annotations

from dataclasses import dataclass

from crimepulse.sources.base import HARM_WEIGHTS, Batch, Reader, SourceFile
from crimepulse.sources.tabular import (
    LayoutReader,
    conform,
    missing_check,
    nullable,
    number_checks,
    quote_ident,
    read_rows,
    split,
)
from crimepulse.sources.validate import Check, sql_literal

DEFAULT_SOURCE = "harm-weights"
CCHI = "Cambridge Crime Harm Index"
_NUMBER = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"


@dataclass(frozen=True)
class Layout:
    """Normalised source columns (or SQL constants) for each canonical column."""

    name: str
    description: str
    required: tuple[str, ...]
    index_name: str  # SQL expression
    category: str
    weight: str
    subgroup: str | None = None
    unit: str | None = None  # SQL expression; None = column "unit" when present
    excludes: tuple[str, ...] = ()


CCHI_BY_TYPE = Layout(
    name="cchi-by-crime-type",
    description="Cambridge Crime Harm Index days per police.uk crime type (crime_type, cchi_days)",
    required=("crimetype", "cchidays"),
    index_name=sql_literal(CCHI),
    category="crimetype",
    weight="cchidays",
    unit=sql_literal("days"),
)
CCHI_BY_SUBGROUP = Layout(
    name="cchi-by-subgroup",
    description="Cambridge Crime Harm Index days per Home Office subgroup "
    "(category, prc_subgroup, cchi_days[, national_count_...])",
    required=("category", "prcsubgroup", "cchidays"),
    index_name=sql_literal(CCHI),
    category="category",
    weight="cchidays",
    subgroup="prcsubgroup",
    unit=sql_literal("days"),
)
GENERIC = Layout(
    name="harm-weights",
    description="Any harm index: index, category, weight[, subgroup][, unit]",
    required=("index", "category", "weight"),
    index_name=nullable("index"),
    category="category",
    weight="weight",
    subgroup="subgroup",
)


# No harm index weighs one crime a billion units (CCHI's largest is 5,475 days; costs in
# pounds run to millions): below it a harm total of millions of crimes stays an exact float.
MAX_WEIGHT = 1_000_000_000


def weight_checks(column: str) -> list[Check]:
    return number_checks(column, "weight", _NUMBER, limit=(MAX_WEIGHT, "a billion or more"))


class HarmReader(LayoutReader[Layout]):
    """One harm-weight layout."""

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        lay = self.layout
        rows = read_rows(f, columns)
        present = set(rows.table.column_names)
        checks = [
            *([missing_check("index", "index name")] if "index" in lay.required else []),
            missing_check(lay.category, "category"),
            *weight_checks(lay.weight),
        ]
        subgroup = nullable(lay.subgroup) if lay.subgroup and lay.subgroup in present else "NULL"
        unit = lay.unit or (nullable("unit") if "unit" in present else "NULL")
        select = (
            f"line, NULL::DATE AS month, {lay.index_name} AS index_name, "
            f"{nullable(lay.category)} AS category, {subgroup} AS subgroup, "
            f"CAST(trim({quote_ident(lay.weight)}) AS DOUBLE) AS weight, {unit} AS unit"
        )
        good, rejects = split(f, rows, rows.table, checks, select)
        return Batch(
            format=lay.name,
            dataset=HARM_WEIGHTS,
            source=f.source_hint or DEFAULT_SOURCE,
            table=conform(good, HARM_WEIGHTS),
            rows_read=rows.rows_read,
            blank_lines=rows.blank_lines,
            rejects=sorted(rows.rejects + rejects, key=lambda r: r.line),
        )


READERS: list[Reader] = [
    HarmReader(CCHI_BY_TYPE),
    HarmReader(CCHI_BY_SUBGROUP),
    HarmReader(GENERIC),
]
