"""Harm-weight tables: the real CCHI tables and the generic index form."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crimepulse.core import schema
from crimepulse.sources import files, harm
from crimepulse.sources.base import Batch


def read(path: Path) -> Batch:
    sf = next(files.discover([path]))
    columns = files.header(sf)
    matching = [r for r in harm.READERS if r.matches(columns)]
    assert len(matching) == 1, f"{path.name}: readers {[r.name for r in matching]}"
    return matching[0].read(sf, columns)


@pytest.mark.shared
def test_real_cchi_by_crime_type(shared_data: Path) -> None:
    batch = read(
        shared_data / "ons-crime-severity-weights" / "cchi_days_by_policeuk_crime_type.csv"
    )
    assert batch.dataset == "harm_weights" and batch.format == "cchi-by-crime-type"
    assert batch.rows_read == batch.table.num_rows == 13 and batch.rejects == []
    assert batch.table.schema == schema.arrow_schema("harm_weights")
    weights = {r["category"]: r for r in batch.table.to_pylist()}
    violence = weights["Violence and sexual offences"]
    assert violence["weight"] == pytest.approx(194.21)
    assert violence["index_name"] == "Cambridge Crime Harm Index" and violence["unit"] == "days"
    assert violence["subgroup"] is None and violence["month"] is None


@pytest.mark.shared
def test_real_cchi_by_subgroup(shared_data: Path) -> None:
    batch = read(
        shared_data / "ons-crime-severity-weights" / "cchi_median_days_by_prc_subgroup.csv"
    )
    assert batch.rows_read == batch.table.num_rows == 23 and batch.rejects == []
    first = batch.table.to_pylist()[0]
    assert (first["category"], first["subgroup"], first["weight"]) == (
        "Violence and sexual offences",
        "Homicide",
        5475.0,
    )
    assert len(set(batch.table["category"].to_pylist())) == 13


@pytest.mark.shared
def test_crime_severity_scores_are_not_weights(shared_data: Path) -> None:
    sf = next(
        files.discover(
            [
                shared_data
                / "ons-crime-severity-weights"
                / "ons_css_by_pfa_offence_group_2003_2022.csv"
            ]
        )
    )
    assert [r for r in harm.READERS if r.matches(files.header(sf))] == []


def test_generic_index_fixture(tmp_path: Path) -> None:
    lines = [
        "\ufeffINDEX,Category,Weight,Subgroup,Unit",
        "ONS CSS,Violence and sexual offences,7797,Homicide,sentence days",
        "ONS CSS,Drugs,-3,Possession,sentence days",
        "ONS CSS,Drugs,three,Possession,sentence days",
        "ONS CSS,,5,Trafficking,sentence days",
        ",Drugs,5,Trafficking,sentence days",
        "ONS CSS,Drugs,1.5e2,Trafficking",
        "ONS CSS,Burglary,,Residential,sentence days",
        "ONS CSS,Burglary,0.5,,",
    ]
    path = tmp_path / "weights.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    batch = read(path)
    assert batch.format == "harm-weights" and batch.rows_read == 8
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (3, "weight", "negative weight -3"),
        (4, "weight", 'non-numeric weight "three"'),
        (5, "category", "missing category"),
        (6, "index", "missing index name"),
        (7, None, "wrong column count: 4 fields, header has 5"),
        (8, "weight", "missing weight"),
    ]
    assert batch.rejects[1].raw == lines[3]
    rows = batch.table.to_pylist()
    assert [(r["line"], r["index_name"], r["weight"], r["subgroup"], r["unit"]) for r in rows] == [
        (2, "ONS CSS", 7797.0, "Homicide", "sentence days"),
        (9, "ONS CSS", 0.5, None, None),
    ]


def test_generic_parquet_without_optional_columns(tmp_path: Path) -> None:
    path = tmp_path / "w.parquet"
    pq.write_table(
        pa.table({"index": ["X", "X"], "category": ["Drugs", "Robbery"], "weight": [2.0, -1.0]}),
        path,
    )
    batch = read(path)
    assert [(r.line, r.field, r.reason) for r in batch.rejects] == [
        (3, "weight", "negative weight -1")
    ]
    assert batch.rejects[0].raw == "X,Robbery,-1"
    assert batch.table.to_pylist() == [
        {
            "line": 2,
            "month": None,
            "index_name": "X",
            "category": "Drugs",
            "subgroup": None,
            "weight": 2.0,
            "unit": None,
        }
    ]
