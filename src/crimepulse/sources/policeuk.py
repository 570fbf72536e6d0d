"""data.police.uk archive files: street crime, outcomes, and stop and search (any force).

Street rows before 2013 carry no Crime ID, and two identical rows are two real crimes
(same snap point, same month). Such rows get a stable identity: a hash of the fields
that do not change between editions plus the row's ordinal among identical rows.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from crimepulse.core.reference.crime_types import CRIME_TYPES
from crimepulse.errors import FormatError
from crimepulse.sources.base import (
    CRIMES,
    OUTCOMES,
    STOPS,
    Batch,
    Reader,
    SourceFile,
    has_columns,
)
from crimepulse.sources.csvtable import read_strings
from crimepulse.sources.validate import (
    Check,
    coordinate_checks,
    future_month_check,
    lazy_valid,
    month_check,
    sql_literal,
)

STREET_COLUMNS = [
    "crimeid",
    "month",
    "reportedby",
    "fallswithin",
    "longitude",
    "latitude",
    "location",
    "lsoacode",
    "lsoaname",
    "crimetype",
    "lastoutcomecategory",
    "context",
]
OUTCOME_COLUMNS = [*STREET_COLUMNS[:9], "outcometype"]
STOP_COLUMNS = [
    "type",
    "date",
    "partofapolicingoperation",
    "policingoperation",
    "latitude",
    "longitude",
    "gender",
    "agerange",
    "selfdefinedethnicity",
    "officerdefinedethnicity",
    "legislation",
    "objectofsearch",
    "outcome",
    "outcomelinkedtoobjectofsearch",
    "removalofmorethanjustouterclothing",
]

# SQL: the local authority an LSOA belongs to, from its name ("Camden 001A" -> "Camden").
# (String slicing, not a regex: this runs on every row of every file.)
BOROUGH_FROM_LSOA_SQL = (
    "CASE WHEN length(lsoaname) > 5 AND substr(lsoaname, -5, 1) = ' ' "
    "THEN left(lsoaname, length(lsoaname) - 5) END"
)
_FORCE_SUFFIX = re.compile(r"( police service| police| constabulary)$")


def force_id(name: str) -> str:
    """A force's name as data.police.uk's API spells its id.

    "City of London Police" -> "city-of-london"; "Avon and Somerset Constabulary" ->
    "avon-and-somerset"; "Metropolitan Police Service" -> "metropolitan".
    """
    text = _FORCE_SUFFIX.sub("", name.strip().lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


_MONTH_SQL = "TRY_CAST(month || '-01' AS DATE)"


def force_sql(raw: pa.Table, column: str = "fallswithin") -> tuple[str, str | None]:
    """SQL mapping each force name in the file to its id, and the file's main force id.

    Files hold one or two distinct names, so the names are mapped once, in Python.
    """
    counts = pc.value_counts(raw.column(column)).to_pylist()
    counts.sort(key=lambda c: -c["counts"])
    cases = " ".join(
        f"WHEN {sql_literal(c['values'])} THEN {sql_literal(force_id(c['values']))}"
        for c in counts
        if c["values"]
    )
    sql = f"CASE {column} {cases} END" if cases else "CAST(NULL AS VARCHAR)"
    main = next((force_id(c["values"]) for c in counts if c["values"]), None)
    return sql, main


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _coordinates_sql() -> str:
    return (
        "TRY_CAST(NULLIF(longitude, '') AS DOUBLE) AS longitude, "
        "TRY_CAST(NULLIF(latitude, '') AS DOUBLE) AS latitude"
    )


class StreetReader:
    name = "police.uk street"
    description = "data.police.uk street-level crime (12 columns, any force)"
    required_columns = STREET_COLUMNS

    def matches(self, columns: list[str]) -> bool:
        return has_columns(columns, STREET_COLUMNS)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        raw = read_strings(f, columns)
        checks = [
            month_check("month"),
            future_month_check("month"),
            Check("crimetype", "trim(crimetype) = ''", "'missing crime type'", detect=False),
            Check(
                "crimetype",
                f"trim(crimetype) NOT IN {_in_list(CRIME_TYPES)}",
                "'unknown crime type ' || quote(crimetype)",
            ),
            *coordinate_checks("longitude", "latitude"),
        ]
        identity = (
            "concat_ws('|', month, reportedby, fallswithin, longitude, latitude, location, "
            "lsoacode, lsoaname, crimetype)"
        )
        # Rows without an ID (pre-2013 crimes, all ASB) get a hash of their fields plus their
        # ordinal among identical rows; the window sort is skipped when every row has an ID.
        hashed = (
            f"'h:' || left(md5({identity} || '#' || row_number() OVER ("
            f"PARTITION BY {identity} ORDER BY line)), 24)"
            if pc.any(pc.equal(raw.table.column("crimeid"), "")).as_py()
            else "NULL"
        )
        force, main_force = force_sql(raw.table)
        select = f"""
            line,
            CASE WHEN trim(crimeid) <> '' THEN trim(crimeid) ELSE {hashed} END AS crime_id,
            trim(crimeid) <> '' AS has_source_id,
            {force} AS force,
            CAST(month || '-01' AS DATE) AS month,
            CAST(NULL AS DATE) AS occurred_on,
            trim(crimetype) AS category,
            CAST(NULL AS VARCHAR) AS subcategory,
            NULLIF(lsoacode, '') AS lsoa_code,
            NULLIF(lsoaname, '') AS lsoa_name,
            {BOROUGH_FROM_LSOA_SQL} AS borough,
            CAST(NULL AS VARCHAR) AS ward,
            {_coordinates_sql()},
            NULLIF(location, '') AS location_text,
            longitude = '' AND lsoacode = '' AS no_location,
            NULLIF(lastoutcomecategory, '') AS last_outcome
        """
        rows, rejects = lazy_valid(f, raw.table, checks, select, _MONTH_SQL)
        return Batch(
            format=self.name,
            dataset=CRIMES,
            source=f.source_hint or "police.uk",
            lazy=rows,
            rows_read=raw.rows_read,
            blank_lines=len(raw.blank_lines),
            rejects=raw.rejects + rejects,
            force=main_force or f.force_hint,
        )


class OutcomesReader:
    name = "police.uk outcomes"
    description = "data.police.uk outcomes (10 columns, any force)"
    required_columns = OUTCOME_COLUMNS

    def matches(self, columns: list[str]) -> bool:
        return has_columns(columns, OUTCOME_COLUMNS) and "crimetype" not in columns

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        raw = read_strings(f, columns)
        checks = [
            Check("crimeid", "trim(crimeid) = ''", "'missing Crime ID'"),
            month_check("month"),
            future_month_check("month"),
            Check("outcometype", "trim(outcometype) = ''", "'missing outcome type'"),
            *coordinate_checks("longitude", "latitude"),
        ]
        force, main_force = force_sql(raw.table)
        select = f"""
            line,
            trim(crimeid) AS crime_id,
            {force} AS force,
            CAST(month || '-01' AS DATE) AS month,
            NULLIF(lsoacode, '') AS lsoa_code,
            NULLIF(lsoaname, '') AS lsoa_name,
            {BOROUGH_FROM_LSOA_SQL} AS borough,
            {_coordinates_sql()},
            NULLIF(location, '') AS location_text,
            trim(outcometype) AS outcome
        """
        rows, rejects = lazy_valid(f, raw.table, checks, select, _MONTH_SQL)
        return Batch(
            format=self.name,
            dataset=OUTCOMES,
            source=f.source_hint or "police.uk",
            lazy=rows,
            rows_read=raw.rows_read,
            blank_lines=len(raw.blank_lines),
            rejects=raw.rejects + rejects,
            force=main_force or f.force_hint,
        )


class StopSearchReader:
    """Stop and search has no force column: the force comes from the file name or --force.

    Every row is filed under the file's month (the month most of its dates fall in), so a
    search just after midnight UTC at a month's end stays with the file that published it.
    """

    name = "police.uk stop-and-search"
    description = "data.police.uk stop and search (15 columns, any force)"
    required_columns = STOP_COLUMNS

    def matches(self, columns: list[str]) -> bool:
        return has_columns(columns, STOP_COLUMNS)

    def read(self, f: SourceFile, columns: list[str]) -> Batch:
        raw = read_strings(f, columns)
        ts = "TRY_CAST(date AS TIMESTAMPTZ)"
        checks = [
            Check("date", f"{ts} IS NULL", "'bad date ' || quote(date) || ' (expected ISO 8601)'"),
            Check(
                "date",
                f"{ts} > now() + INTERVAL 1 DAY",
                "'date ' || date || ' is in the future'",
            ),
            Check("type", "trim(type) = ''", "'missing search type'"),
            *coordinate_checks("longitude", "latitude"),
        ]

        force = f.force_hint
        if force is None and raw.table.num_rows:
            raise FormatError(
                f"{f.name}: stop-and-search files carry no force column and the file name "
                "does not follow data.police.uk's YYYY-MM-<force>-stop-and-search.csv; "
                "give the force with --force"
            )
        # The file's month: the most common YYYY-MM prefix of its ISO dates.
        prefixes = pc.value_counts(pc.utf8_slice_codeunits(raw.table.column("date"), 0, 7))
        common = max(prefixes.to_pylist(), key=lambda c: c["counts"], default={"values": ""})
        prefix = str(common["values"])
        month = (
            f"TRY_CAST({sql_literal(prefix + '-01')} AS DATE)"
            if re.fullmatch(r"\d{4}-\d{2}", prefix)
            else "NULL"
        )

        def boolean(col: str) -> str:
            return f"TRY_CAST(NULLIF(trim({col}), '') AS BOOLEAN)"

        select = f"""
            line,
            {sql_literal(force or "")} AS force,
            {month} AS month,
            {ts} AS occurred_at,
            trim(type) AS search_type,
            {boolean("partofapolicingoperation")} AS part_of_operation,
            NULLIF(policingoperation, '') AS operation,
            TRY_CAST(NULLIF(latitude, '') AS DOUBLE) AS latitude,
            TRY_CAST(NULLIF(longitude, '') AS DOUBLE) AS longitude,
            NULLIF(gender, '') AS gender,
            NULLIF(agerange, '') AS age_range,
            NULLIF(selfdefinedethnicity, '') AS self_defined_ethnicity,
            NULLIF(officerdefinedethnicity, '') AS officer_defined_ethnicity,
            NULLIF(legislation, '') AS legislation,
            NULLIF(objectofsearch, '') AS object_of_search,
            NULLIF(outcome, '') AS outcome,
            {boolean("outcomelinkedtoobjectofsearch")} AS outcome_linked,
            {boolean("removalofmorethanjustouterclothing")} AS removal_of_clothing
        """
        rows, rejects = lazy_valid(f, raw.table, checks, select, month)
        return Batch(
            format=self.name,
            dataset=STOPS,
            source=f.source_hint or "police.uk",
            lazy=rows,
            rows_read=raw.rows_read,
            blank_lines=len(raw.blank_lines),
            rejects=raw.rejects + rejects,
            force=force,
        )


READERS: list[Reader] = [StreetReader(), OutcomesReader(), StopSearchReader()]
