"""The canonical schema: one physical table per dataset, every row tagged with its batch.

Physical tables (`*_rows`) keep every vintage of every file. Views with the dataset's own
name (`crimes`, `counts`, ...) show the current edition of each month; the `*_as_of(ts)`
table macros show what was published at an earlier vintage. Readers produce exactly the
columns listed here (minus `batch_id`, which the store adds).
"""

from __future__ import annotations

# dataset -> (physical table, [(column, DuckDB type)]) ; `line` and `month` are always present.
DATASETS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "crimes": (
        "crime_rows",
        [
            ("line", "INTEGER"),
            ("crime_id", "VARCHAR"),
            ("has_source_id", "BOOLEAN"),
            ("force", "VARCHAR"),
            ("month", "DATE"),
            ("occurred_on", "DATE"),
            ("category", "VARCHAR"),
            ("subcategory", "VARCHAR"),
            ("lsoa_code", "VARCHAR"),
            ("lsoa_name", "VARCHAR"),
            ("borough", "VARCHAR"),
            ("ward", "VARCHAR"),
            ("longitude", "DOUBLE"),
            ("latitude", "DOUBLE"),
            ("location_text", "VARCHAR"),
            ("no_location", "BOOLEAN"),
            ("last_outcome", "VARCHAR"),
        ],
    ),
    "outcomes": (
        "outcome_rows",
        [
            ("line", "INTEGER"),
            ("crime_id", "VARCHAR"),
            ("force", "VARCHAR"),
            ("month", "DATE"),
            ("lsoa_code", "VARCHAR"),
            ("lsoa_name", "VARCHAR"),
            ("borough", "VARCHAR"),
            ("longitude", "DOUBLE"),
            ("latitude", "DOUBLE"),
            ("location_text", "VARCHAR"),
            ("outcome", "VARCHAR"),
        ],
    ),
    "stops": (
        "stop_rows",
        [
            ("line", "INTEGER"),
            ("force", "VARCHAR"),
            ("month", "DATE"),
            ("occurred_at", "TIMESTAMPTZ"),
            ("search_type", "VARCHAR"),
            ("part_of_operation", "BOOLEAN"),
            ("operation", "VARCHAR"),
            ("latitude", "DOUBLE"),
            ("longitude", "DOUBLE"),
            ("gender", "VARCHAR"),
            ("age_range", "VARCHAR"),
            ("self_defined_ethnicity", "VARCHAR"),
            ("officer_defined_ethnicity", "VARCHAR"),
            ("legislation", "VARCHAR"),
            ("object_of_search", "VARCHAR"),
            ("outcome", "VARCHAR"),
            ("outcome_linked", "BOOLEAN"),
            ("removal_of_clothing", "BOOLEAN"),
        ],
    ),
    "counts": (
        "count_rows",
        [
            ("line", "INTEGER"),
            ("force", "VARCHAR"),
            ("area_type", "VARCHAR"),  # borough | ward | lsoa
            ("area_code", "VARCHAR"),
            ("area_name", "VARCHAR"),
            ("borough", "VARCHAR"),
            ("month", "DATE"),
            ("major", "VARCHAR"),
            ("minor", "VARCHAR"),
            ("count", "BIGINT"),
        ],
    ),
    "victims": (
        "victim_rows",
        [
            ("line", "INTEGER"),
            ("force", "VARCHAR"),
            ("month", "DATE"),  # recorded month
            ("borough", "VARCHAR"),
            ("sex", "VARCHAR"),
            ("age_group", "VARCHAR"),
            ("ethnicity", "VARCHAR"),
            ("method", "VARCHAR"),
            ("domestic_abuse", "VARCHAR"),
            ("offence_type", "VARCHAR"),
            ("status", "VARCHAR"),  # solved / unsolved
            ("count", "BIGINT"),
        ],
    ),
    "accused": (
        "accused_rows",
        [
            ("line", "INTEGER"),
            ("force", "VARCHAR"),
            ("month", "DATE"),  # proceedings month
            ("borough", "VARCHAR"),
            ("sex", "VARCHAR"),
            ("age_group", "VARCHAR"),
            ("ethnicity", "VARCHAR"),
            ("offence_type", "VARCHAR"),
            ("outcome", "VARCHAR"),  # e.g. charged/summonsed
            ("count", "BIGINT"),
        ],
    ),
    "areas": (
        "area_rows",
        [
            ("line", "INTEGER"),
            ("month", "DATE"),  # always null: boundaries are undated
            ("area_type", "VARCHAR"),
            ("area_code", "VARCHAR"),
            ("area_name", "VARCHAR"),
            ("hectares", "DOUBLE"),
            ("inner_london", "BOOLEAN"),
            ("geometry", "VARCHAR"),  # GeoJSON geometry object, WGS84 lon/lat
            # the local authority (in London, the borough) holding a ward or LSOA; else null
            ("borough_code", "VARCHAR"),
            # census small areas (oa, lsoa, msoa): the census of the set (2011, 2021), since
            # an unchanged LSOA keeps its code from one census to the next; else null
            ("census_year", "INTEGER"),
        ],
    ),
    "population": (
        "population_rows",
        [
            ("line", "INTEGER"),
            ("month", "DATE"),  # 1 January of `year`
            ("area_code", "VARCHAR"),
            ("area_name", "VARCHAR"),
            ("year", "INTEGER"),
            ("population", "BIGINT"),
            ("basis", "VARCHAR"),  # e.g. "ONS MYE", "GLA Population Projections"
        ],
    ),
    "national_counts": (
        "national_count_rows",
        [
            ("line", "INTEGER"),
            ("month", "DATE"),  # the first month of the period
            ("area_type", "VARCHAR"),  # country | region | force
            ("area_code", "VARCHAR"),  # ONS code (K04000001: England and Wales)
            ("area_name", "VARCHAR"),
            ("force", "VARCHAR"),  # the force's slug when the area is a police force area
            ("period", "VARCHAR"),  # as published: "2022/23", "year ending March 2019"
            ("period_start", "DATE"),
            ("period_end", "DATE"),
            ("offence_group", "VARCHAR"),  # as published
            ("category", "VARCHAR"),  # the crimepulse category it counts, or null
            ("count", "BIGINT"),
        ],
    ),
    "harm_weights": (
        "harm_weight_rows",
        [
            ("line", "INTEGER"),
            ("month", "DATE"),  # always null
            ("index_name", "VARCHAR"),
            ("category", "VARCHAR"),  # police.uk crime type
            ("subgroup", "VARCHAR"),  # finer group (e.g. Home Office subgroup) or null
            ("weight", "DOUBLE"),
            ("unit", "VARCHAR"),  # e.g. "days"
        ],
    ),
}


def columns(dataset: str) -> list[str]:
    """Canonical column names a reader must produce for `dataset` (in order)."""
    return [name for name, _ in DATASETS[dataset][1]]


def arrow_schema(dataset: str) -> object:
    """The Arrow schema a reader's table is cast to before loading."""
    import pyarrow as pa

    kinds = {
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "DOUBLE": pa.float64(),
        "BOOLEAN": pa.bool_(),
        "DATE": pa.date32(),
        "VARCHAR": pa.string(),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([(name, kinds[kind]) for name, kind in DATASETS[dataset][1]])
