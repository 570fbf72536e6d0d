"""Wards on the pages: ten London ward names are shared by two boroughs, so a ward grid
names each such ward with its borough, and its links and the area picker ask for that
ward alone (a shared name alone is refused, listing both). Every link of the ward grid
answers; the grid comes a page at a time, its CSV whole. On the real MPS ward table
(../shared/data): 679 wards, 8,827 rows, none merged, none left out of the download."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.web import viewmodels as views
from crimepulse.web.app import create_app
from tests.factories import SHARED_WARDS, shared_wards


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("wards")
    with crimepulse.open(root / "w.duckdb") as cp:
        assert cp.ingest(shared_wards(root / "data")).exit_code(strict=True) == 0
    with TestClient(create_app(Settings(db=root / "w.duckdb"))) as c:
        yield c


GRID = {"as_of": "2023-12-31", "areas": "wards", "categories": "robbery", "windows": "month"}
ROW = r'<th scope="row"><a [^>]*>([^<]+)</a></th>'  # a ward's name links to its figures


def test_a_ward_grid_names_shared_wards_with_their_borough(client: TestClient) -> None:
    page = client.get("/grid", params={**GRID, "vs": "previous"})
    assert page.status_code == 200, page.text
    rows = re.findall(ROW, page.text)
    assert sorted(rows) == ["Abbey (Barking and Dagenham)", "Abbey (Merton)", "Camden Town"]
    assert "/area/E05" not in page.text  # a ward has no area page to link to
    options = re.findall(r'<option value="([^"]*)"', page.text)
    assert {"Abbey (Merton)", "Abbey (Barking and Dagenham)"} <= set(options)
    only = client.get("/grid", params={**GRID, "vs": "previous", "area": "Abbey (Merton)"}).text
    assert re.findall(ROW, only) == ["Abbey (Merton)"]


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


def _hrefs(page: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', page)]


def test_every_link_of_the_ward_grid_answers(client: TestClient) -> None:
    page = client.get("/grid", params={**GRID, "vs": "previous"}).text
    # the table's links: names, categories, sorting, the download (not the site's menu;
    # this warehouse holds wards only, so the force-wide home page has nothing to show)
    links = sorted({h for h in _hrefs(page) if h.startswith(("/grid?", "/series?", "/api/"))})
    ward_links = [h for h in links if h.startswith("/grid?") and "area=" in h and "sort=" not in h]
    assert len(ward_links) == len(SHARED_WARDS)  # each ward's name links to its figures
    for href in links:
        r = client.get(href)
        assert r.status_code == 200, (href, r.text[:300])
    merton = next(h for h in ward_links if "Merton" in h)
    only = client.get(merton).text
    assert re.findall(ROW, only) == ["Abbey (Merton)"]


def test_a_long_grid_comes_a_page_at_a_time_with_a_cue(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_ROWS", 2)
    params = {**GRID, "vs": "previous"}
    first = client.get("/grid", params=params).text
    second = client.get("/grid", params={**params, "page": 2}).text
    names = [re.findall(ROW, p) for p in (first, second)]
    assert names == [["Abbey (Barking and Dagenham)", "Abbey (Merton)"], ["Camden Town"]]
    assert "Rows 1–2 of 3 (page 1 of 2)" in first and "Rows 3–3 of 3 (page 2 of 2)" in second
    following = re.search(r'<a href="([^"]*)" rel="next">Next page</a>', first)
    assert following is not None and "page=2" in following.group(1)
    assert 'rel="next"' not in second and 'rel="prev"' in second
    download = re.search(r'<a href="([^"]*format=csv[^"]*)" download>', first)
    assert download is not None
    table = client.get(download.group(1).replace("&amp;", "&")).text
    assert len(list(csv.DictReader(io.StringIO(table)))) == 3  # every row, not the page


def test_the_grid_csv_names_a_shared_ward_with_its_borough(client: TestClient) -> None:
    r = client.get("/api/v1/grid", params={**GRID, "vs": "previous", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(row["area"] for row in rows) == [
        "Abbey (Barking and Dagenham)",
        "Abbey (Merton)",
        "Camden Town",
    ]


# -- the real MPS ward table --------------------------------------------------------------

REAL = {"as_of": "2026-02-28", "areas": "wards", "categories": "groups"}
SHARED_NAMES = ["Abbey", "Belmont", "Highgate", "Kilburn", "Village", "Wandle", "Woodside"]


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("real-wards") / "wards.duckdb"
    tables = shared_data / "mps-datastore-parquet"
    with crimepulse.open(db) as cp:
        report = cp.ingest(
            tables / "recorded-crime-ward-historical.parquet",
            tables / "recorded-crime-ward.parquet",
        )
        assert report.exit_code(strict=True) == 0
    with TestClient(create_app(Settings(db=db))) as c:
        yield c


@pytest.mark.slow
def test_real_ward_csv_is_every_row_and_never_merges_a_shared_name(real: TestClient) -> None:
    r = real.get("/api/v1/grid", params={**REAL, "windows": "month", "format": "csv"})
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 8_827  # 679 wards × their categories, past any page size
    assert len({row["area_code"] for row in rows}) == 679
    names = {row["area"] for row in rows}
    assert len(names) == 679  # one name per ward: no two wards merged under one
    for shared in SHARED_NAMES:
        mine = sorted(n for n in names if n == shared or n.startswith(shared + " ("))
        assert len(mine) == 2 and shared not in mine, mine


@pytest.mark.slow
def test_real_ward_grid_pages_are_small_and_their_ward_links_answer(real: TestClient) -> None:
    first = real.get("/grid", params=REAL)
    assert first.status_code == 200
    assert len(first.content) <= 500_000
    assert "Rows 1–150 of 8,827 (page 1 of 59)" in first.text
    last = real.get("/grid", params={**REAL, "page": 59})
    assert "Rows 8,701–8,827 of 8,827 (page 59 of 59)" in last.text
    shown = re.findall(ROW, first.text)
    assert "Abbey (Merton)" in shown and "Abbey (Barking and Dagenham)" in shown
    wards = sorted({h for h in _hrefs(first.text) if h.startswith("/grid?") and "&area=A" in h})
    assert len(wards) == len(set(shown))
    for href in wards:
        r = real.get(href)
        assert r.status_code == 200, href
    series = sorted({h for h in _hrefs(first.text) if h.startswith("/series?area=Abbey+%28")})
    assert len(series) == 26  # 13 categories in each of the two Abbeys
    for href in series[::13]:
        assert real.get(href).status_code == 200, href
