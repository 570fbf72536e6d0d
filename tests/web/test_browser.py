"""The dashboard in a real browser (Debian's Chromium via Playwright): every page loads with
no serious accessibility violation (axe-core), a reader can change the date and the area,
follow a grid cell to its series, download a CSV and walk the map with the keyboard, and
no request ever leaves 127.0.0.1 (nor from the API docs, /docs and /redoc, which render
every operation). An unknown URL is a page. Screenshots at desktop and phone width go to
test-artifacts/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from crimepulse.config import Settings
from crimepulse.web.app import create_app
from tests.snapshot.conftest import MONTHS
from tests.web import browser as b
from tests.web.conftest import AS_OF, Site

pytestmark = pytest.mark.slow
PAGES = {
    "home": "/",
    "grid": f"/grid?as_of={AS_OF}&windows=year",
    "series": "/series?area=Hackney&category=robbery",
    "map": f"/map?as_of={AS_OF}&category=robbery&window=year",
    "area": f"/area/Hackney?as_of={AS_OF}",
    "operations": "/operations?week=2024-W01&by=theme",
    "snapshots": "/snapshots",
    "data": "/data",
    "review": "/review",
}
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
WIDER = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .map(e => e.tagName + ' ' + (e.id || e.getAttribute('class') || ''))
  .slice(0, 5)"""


@pytest.fixture(scope="module")
def base(site: Site) -> Iterator[str]:
    with b.serve(create_app(Settings(db=site.db))) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with b.chromium() as found:
        yield found


@pytest.fixture()
def requests_seen(chromium: Any, base: str) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page whose every request is recorded; anything not for 127.0.0.1 is
    aborted (and the test fails on it)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    seen: list[str] = []

    def route(r: Any) -> None:
        seen.append(r.request.url)
        if urlparse(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    yield page, seen
    context.close()
    foreign = [u for u in seen if urlparse(u).hostname != "127.0.0.1" and not u.startswith("data:")]
    assert foreign == [], f"requests left 127.0.0.1: {foreign}"


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_without_serious_violations(
    requests_seen: tuple[Any, list[str]], base: str, name: str
) -> None:
    page, seen = requests_seen
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(base + PAGES[name])
    assert response is not None and response.status == 200
    assert page.locator("h1").count() == 1
    page.add_script_tag(content=b.axe_source())
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"
    )
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == []
    assert errors == []
    b.ARTIFACTS.mkdir(exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        if size == "phone":  # nothing but tables (which scroll in their region) is wider
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width + 1, page.evaluate(WIDER, width)
        page.screenshot(path=str(b.ARTIFACTS / f"{name}-{size}.png"), full_page=size == "phone")
    assert any("/static/site.css" in u for u in seen)
    if name == "grid" and os.environ.get("CRIMEPULSE_DOCS_SCREENSHOT") == "1":
        shutil.copy(b.ARTIFACTS / "grid-desktop.png", b.ROOT / "docs" / "dashboard-grid.png")


def test_change_the_date_and_the_area(requests_seen: tuple[Any, list[str]], base: str) -> None:
    page, _ = requests_seen
    page.goto(base + "/")
    page.select_option("#as_of", "2023-06-30")
    page.get_by_role("button", name="Show", exact=True).click()
    page.wait_for_url("**/?as_of=2023-06-30")
    assert page.locator("th.win").first.inner_text() == "June 2023"
    page.select_option("#name", label="Hackney")
    page.get_by_role("button", name="Show my borough").click()
    page.wait_for_url("**/area/E09000012")
    assert page.locator("h1").inner_text() == "Hackney"


def test_follow_a_grid_cell_to_its_series(requests_seen: tuple[Any, list[str]], base: str) -> None:
    page, _ = requests_seen
    page.goto(base + PAGES["grid"])
    page.get_by_role("link", name="Robbery in Hackney: the series over time").click()
    page.wait_for_url("**/series?area=Hackney&category=robbery*")
    assert page.locator("h1").inner_text().startswith("Robbery in Hackney")
    assert page.locator("figure svg").count() == 1
    assert page.locator("table tbody tr").count() == len(MONTHS)  # 2015–2023, month by month


def test_download_a_csv(requests_seen: tuple[Any, list[str]], base: str) -> None:
    page, _ = requests_seen
    page.goto(base + PAGES["map"])
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    assert header.startswith('"borough","code","count"') and len(rows) == 3


def test_keyboard_walks_the_map(requests_seen: tuple[Any, list[str]], base: str) -> None:
    page, _ = requests_seen
    page.goto(base + PAGES["map"])
    page.locator("button", has_text="Show").focus()
    labels = []
    for _ in range(40):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "document.activeElement.classList.contains('borough') ? "
            "document.activeElement.getAttribute('aria-label') : null"
        )
        if label:
            labels.append(label)
            assert page.locator("#readout").inner_text() == label
        if label and label.startswith("Hackney"):
            break
    assert labels and labels[-1].startswith("Hackney: 360 crimes against 180 (+100%), up")
    page.keyboard.press("Enter")
    page.wait_for_url("**/area/E09000012")


def operations(base: str) -> int:
    """How many operations the app's own OpenAPI spec lists."""
    import httpx

    spec = httpx.get(base + "/openapi.json").json()
    verbs = {"get", "put", "post", "delete", "patch", "head", "options"}
    return sum(1 for ops in spec["paths"].values() for verb in ops if verb in verbs)


def test_the_api_docs_render_every_operation_from_the_app_alone(
    requests_seen: tuple[Any, list[str]], base: str
) -> None:
    page, seen = requests_seen
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    expected = operations(base)
    assert page.goto(base + "/docs") is not None
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() == expected
    assert page.locator(".opblock-summary-path", has_text="/api/v1/grid").count() == 1
    page.screenshot(path=str(b.ARTIFACTS / "docs-desktop.png"))
    assert page.goto(base + "/redoc") is not None
    section = "[data-section-id^='operation/']"  # one per operationId (tag/... repeat them)
    page.locator(section).first.wait_for()
    assert page.locator(section).count() == expected
    assert errors == []
    assert any("/docs/assets/swagger-ui-bundle.js" in u for u in seen)
    assert any("/docs/assets/redoc.standalone.js" in u for u in seen)
    # requests_seen fails the test if any request left 127.0.0.1


def test_a_browser_gets_a_page_for_an_unknown_url(
    requests_seen: tuple[Any, list[str]], base: str
) -> None:
    page, _ = requests_seen
    response = page.goto(base + "/no/such/page")
    assert response is not None and response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    assert page.locator("h1").inner_text() == "Not found"
    assert "This page does not exist" in page.locator("main").inner_text()
    page.locator("main").get_by_role("link", name="the home page").click()
    page.wait_for_url(base + "/")
