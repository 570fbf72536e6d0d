"""The pages over the real MPS borough tables in ../shared/data: the as-of pickers offer
every month the data holds, back to April 2010."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.web.app import create_app

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def client(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("real-web") / "london.duckdb"
    parquet = shared_data / "mps-datastore-parquet"
    with crimepulse.open(db) as cp:
        cp.ingest(
            parquet / "recorded-crime-borough-historical.parquet",
            parquet / "recorded-crime-borough.parquet",
        )
    with TestClient(create_app(Settings(db=db))) as c:
        yield c


def test_the_as_of_picker_reaches_back_to_2010(client: TestClient) -> None:
    text = client.get("/grid").text
    picker = text.split('<select id="as_of"', 1)[1].split("</select>", 1)[0]
    months = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"', picker)
    assert months[-1] == "2010-04-30"  # the historical table's first month
    assert months[0] >= "2026-01-31" and len(months) == len(set(months)) > 180
    old = client.get("/grid", params={"as_of": "2012-06-30", "windows": "year"})
    assert old.status_code == 200 and "2011" in old.text  # a year back there is answered
