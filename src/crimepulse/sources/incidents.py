"""The daily incident feed: the format a force's own crime system exports, at day level.

Documented in docs/formats.md. Columns (any order, case-insensitive):
``crime_id, occurred_at, category, subcategory, borough, lsoa_code, latitude, longitude,
outcome`` and optionally ``force``. ``occurred_at`` is an ISO date or datetime;
``category`` is a data.police.uk crime type, so day-level and monthly sources line up.
Without a ``force`` column the force is the one given with ``--force``.

``crime_id`` is unique per crime: within a file a repeated id is quarantined, naming the
line of its first good occurrence (which loads). Across files the warehouse's revision rule
applies, as for every series: a later export is a new edition of the months it holds and
replaces them whole, so a crime re-exported with a new outcome is counted once. An id is not
compared across months: a crime re-dated into another month is counted in both unless the
export re-publishes the month it left (docs/formats.md).
"""

from __future__ import annotations

import pyarrow.compute as pc

from crimepulse.core.reference.crime_types import CRIME_TYPES
from crimepulse.errors import FormatError
from crimepulse.sources.base import CRIMES, Batch, Reader, SourceFile, has_columns
from crimepulse.sources.csvtable import read_strings
from crimepulse.sources.policeuk import _in_list
from crimepulse.sources.validate import (
    Check,
    coordinate_checks,
    duplicate_check,
    lazy_valid,
    sql_literal,
    with_first_occurrence,
)

FEED_COLUMNS = [
    "crimeid",
    "occurredat",
    "category",
    "subcategory",
    "borough",
    "lsoacode",
    "latitude",
    "longitude",
    "outcome",
]


class IncidentFeedReader:
    name = "daily incident feed"
    required_columns = FEED_COLUMNS
    description = (
        "a force's daily export: crime_id, occurred_at, category, subcategory, borough, "
        "lsoa_code, latitude, longitude, outcome [, force]"
    )

    def matches(self, columns: list[str]) -> bool:
        return has_columns(columns, FEED_COLUMNS)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        raw = read_strings(f, columns)
        when = "TRY_CAST(occurredat AS TIMESTAMP)"
        has_force = "force" in columns
        checks = [
            Check("crime_id", "trim(crimeid) = ''", "'missing crime_id'"),
            Check(
                "occurred_at",
                f"{when} IS NULL",
                "'bad occurred_at ' || quote(occurredat) || ' (expected ISO date or datetime)'",
            ),
            Check(
                "occurred_at",
                f"{when} > now()::TIMESTAMP + INTERVAL 1 DAY",
                "'occurred_at in the future: ' || occurredat",
            ),
            Check(
                "category",
                f"trim(category) NOT IN {_in_list(CRIME_TYPES)}",
                "'unknown crime type ' || quote(category)",
            ),
            *coordinate_checks("longitude", "latitude"),
        ]
        # crime_id is documented as unique per crime: a repeat within the file is quarantined
        # naming the first (good) occurrence, which is kept.
        table = with_first_occurrence(raw.table, "trim(crimeid)", checks)
        checks.append(duplicate_check("crime_id", "trim(crimeid)"))
        if not has_force and not f.force_hint and raw.table.num_rows:
            raise FormatError(
                f"{f.name}: the incident feed has no force column; give the force with --force"
            )
        forces = (
            {v.strip() for v in pc.unique(raw.table.column("force")).to_pylist() if v.strip()}
            if has_force
            else set()
        )
        if len(forces) > 1:
            listed = ", ".join(sorted(forces))
            raise FormatError(
                f"{f.name}: the incident feed mixes forces ({listed}); export one file per force"
            )
        force = forces.pop() if forces else f.force_hint
        force_sql = sql_literal(force or "")
        month = f"date_trunc('month', {when})::DATE"
        select = f"""
            line,
            trim(crimeid) AS crime_id,
            TRUE AS has_source_id,
            {force_sql} AS force,
            {month} AS month,
            {when}::DATE AS occurred_on,
            trim(category) AS category,
            NULLIF(trim(subcategory), '') AS subcategory,
            NULLIF(lsoacode, '') AS lsoa_code,
            CAST(NULL AS VARCHAR) AS lsoa_name,
            NULLIF(trim(borough), '') AS borough,
            CAST(NULL AS VARCHAR) AS ward,
            TRY_CAST(NULLIF(longitude, '') AS DOUBLE) AS longitude,
            TRY_CAST(NULLIF(latitude, '') AS DOUBLE) AS latitude,
            CAST(NULL AS VARCHAR) AS location_text,
            longitude = '' AS no_location,
            NULLIF(trim(outcome), '') AS last_outcome
        """
        rows, rejects = lazy_valid(f, table, checks, select, month)
        return Batch(
            format=self.name,
            dataset=CRIMES,
            source=f.source_hint or "force-feed",
            lazy=rows,
            rows_read=raw.rows_read,
            blank_lines=len(raw.blank_lines),
            rejects=raw.rejects + rejects,
            force=force,
        )


READERS: list[Reader] = [IncidentFeedReader()]
