"""One app, one state per process: one read-only warehouse handle shared by the API, the
pages and the snapshot workflow, one cache for responses and views, and links built by one
URL builder that land on real routes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from crimepulse.web.deps import State
from crimepulse.web.urls import API_PREFIX, urls
from tests.web.conftest import AS_OF, Site


def test_one_warehouse_handle_and_one_cache(client: TestClient) -> None:
    held: State = client.app.state.crimepulse  # type: ignore[attr-defined]
    assert held.readers.warehouse is held.warehouse.warehouse
    before = len(held.readers.cache.items)
    assert client.get(f"{API_PREFIX}/sources").status_code == 200  # an API response
    assert client.get("/map", params={"as_of": AS_OF}).status_code == 200  # a page's views
    keys = list(held.readers.cache.items)[before:]
    assert any(k.startswith("view|") for k in keys) and any(not k.startswith("view|") for k in keys)


def test_every_link_the_builder_makes_lands_on_a_route(client: TestClient, site: Site) -> None:
    links = [
        urls.snapshot(site.snapshot_id, "html"),
        urls.snapshot(site.snapshot_id, "json"),
        urls.csv("grid", as_of=AS_OF, areas="boroughs", categories="groups", windows="month"),
        urls.api("sources"),
        urls.series(area="Hackney", category="robbery", source=None),
        urls.area("E09000012"),
        urls.page("/operations.csv", week="2024-W01", by="event_type"),
    ]
    for link in links:
        assert client.get(link).status_code == 200, link
    assert urls.csv("grid", as_of=AS_OF, source="").endswith("format=csv")
    assert "source" not in urls.series(area="Hackney", category="robbery", source=None)


def test_one_outcomes_log_per_process(client: TestClient) -> None:
    held: State = client.app.state.crimepulse  # type: ignore[attr-defined]
    assert held.log is held.warehouse.log and held.archive.log is held.log
