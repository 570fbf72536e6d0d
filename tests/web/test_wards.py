"""Wards on the pages: ten London ward names are shared by two boroughs, so a ward grid
names each such ward with its borough, and its links and the area picker ask for that
ward alone (a shared name alone is refused, listing both)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote_plus

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.web.app import create_app
from tests.factories import shared_wards


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("wards")
    with crimepulse.open(root / "w.duckdb") as cp:
        assert cp.ingest(shared_wards(root / "data")).exit_code(strict=True) == 0
    with TestClient(create_app(Settings(db=root / "w.duckdb"))) as c:
        yield c


GRID = {"as_of": "2023-12-31", "areas": "wards", "categories": "robbery", "windows": "month"}


def test_a_ward_grid_names_shared_wards_with_their_borough(client: TestClient) -> None:
    page = client.get("/grid", params={**GRID, "vs": "previous"})
    assert page.status_code == 200, page.text
    rows = re.findall(r'<th scope="row">([^<]+)</th>', page.text)
    assert sorted(rows) == ["Abbey (Barking and Dagenham)", "Abbey (Merton)", "Camden Town"]
    assert "/area/E05" not in page.text  # a ward has no area page to link to
    options = re.findall(r'<option value="([^"]*)"', page.text)
    assert {"Abbey (Merton)", "Abbey (Barking and Dagenham)"} <= set(options)
    only = client.get("/grid", params={**GRID, "vs": "previous", "area": "Abbey (Merton)"}).text
    assert re.findall(r'<th scope="row">([^<]+)</th>', only) == ["Abbey (Merton)"]


def test_a_shared_wards_link_asks_for_that_ward_alone(client: TestClient) -> None:
    page = client.get("/grid", params={**GRID, "vs": "previous"}).text
    links = re.findall(r'href="(/series\?area=Abbey[^"]*)"', page)
    assert sorted(unquote_plus(link.split("&")[0].split("=")[1]) for link in links) == [
        "Abbey (Barking and Dagenham)",
        "Abbey (Merton)",
    ]
    barking = next(link for link in links if "Barking" in link)
    series = client.get(barking.replace("&amp;", "&"))
    assert series.status_code == 200 and "Robbery in Abbey (Barking and Dagenham)" in series.text
    cells = re.findall(r'<td class="num">(\d+)</td>', series.text)
    assert cells == ["9"] * 12  # its own robberies each month, not Merton's 3
    refused = client.get("/series", params={"area": "Abbey", "category": "robbery"})
    assert refused.status_code == 422
    assert "Abbey (Merton)" in refused.text and "Abbey (Barking and Dagenham)" in refused.text
