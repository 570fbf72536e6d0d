"""The dashboard pages over the small warehouse: each answers its question, links to CSV
that works, and says "up" or "down" only when the Fact's verdict does."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

import crimepulse
from crimepulse.config import Settings
from crimepulse.sources.files import SYNTHETIC_MARKER
from crimepulse.web.app import create_app
from tests.snapshot.conftest import MONTHS, write_mps
from tests.web.conftest import AS_OF, Site

PAGES = [
    "/",
    f"/grid?as_of={AS_OF}",
    "/series?area=Hackney&category=robbery",
    f"/map?as_of={AS_OF}&category=robbery&window=year",
    f"/area/Hackney?as_of={AS_OF}",
    "/operations?week=2024-W01",
    "/snapshots",
    "/data",
    "/review",
]


class Links(HTMLParser):
    """Every href, and whether the page has one h1, a skip link and labelled controls."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.h1 = 0
        self.ids: set[str] = set()
        self.labels: set[str] = set()
        self.controls: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "h1":
            self.h1 += 1
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("select", "input") and a.get("type") not in ("hidden", "checkbox"):
            self.controls.add(str(a.get("id")))


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


@pytest.mark.parametrize("url", PAGES)
def test_every_page_is_accessible_html(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    page = parse(r.text)
    assert page.h1 == 1
    assert "#main" in page.hrefs and "main" in page.ids  # the skip link and its target
    assert page.controls <= page.labels  # every control has a label
    outside = [h for h in page.hrefs if re.match(r"(https?:)?//", h)]
    assert outside == []  # no asset or link leaves the app
    assert '<html lang="en-GB">' in r.text


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The same borough tables, ingested from a folder `demo-data` marked synthetic."""
    root = tmp_path_factory.mktemp("demo")
    write_mps(root / "data" / "mps.csv")
    (root / "data" / SYNTHETIC_MARKER).touch()
    with crimepulse.open(root / "w.duckdb") as cp:
        cp.ingest(root / "data")
    with TestClient(create_app(Settings(db=root / "w.duckdb"))) as c:
        yield c


DEMO_BANNER = 'id="demo-banner"'
ALSO = ["/nowhere", "/grid?as_of=2030-06-30", "/docs/assets/missing.js"]  # a 404 and a 422


@pytest.mark.parametrize("url", [*PAGES, *ALSO])
def test_a_demo_deployment_says_so_on_every_page(demo_client: TestClient, url: str) -> None:
    r = demo_client.get(url, headers={"Accept": "text/html"})
    assert r.headers["content-type"].startswith("text/html")
    assert r.text.count(DEMO_BANNER) == 1
    banner = r.text.split(DEMO_BANNER, 1)[1].split("</p>", 1)[0]
    assert "synthetic" in banner and "no real crime" in banner


@pytest.mark.parametrize("url", [*PAGES, *ALSO])
def test_real_data_has_no_demo_banner(client: TestClient, url: str) -> None:
    r = client.get(url, headers={"Accept": "text/html"})
    assert DEMO_BANNER not in r.text


@pytest.mark.parametrize("url", [p for p in PAGES if p not in ("/review",)])
def test_every_csv_link_downloads_a_table(client: TestClient, url: str) -> None:
    page = parse(client.get(url).text)
    links = [h for h in page.hrefs if "format=csv" in h or h.split("?")[0].endswith(".csv")]
    if url.startswith("/operations") or url in ("/", "/snapshots") or "map" in url:
        assert links
    for href in links:
        r = client.get(href.replace("&amp;", "&"))
        assert r.status_code == 200, (href, r.text[:300])
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(r.text)))
        if "/flags" not in href:  # no flag this month: the API's CSV is empty
            assert len(rows) >= 2, href  # a header and at least one row


def test_grid_words_follow_verdicts(client: TestClient) -> None:
    r = client.get("/grid", params={"as_of": AS_OF, "windows": "year", "categories": "groups"})
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", r.text, re.S)
    hackney = next(row for row in rows if "Hackney" in row and ">Robbery<" in row)
    assert "up 100%" in hackney and "360" in hackney and "180" in hackney  # counts beside %
    camden = next(row for row in rows if "Camden" in row and ">Robbery<" in row)
    assert "no meaningful change" in camden and "up " not in camden
    homicide = next(row for row in rows if "Hackney" in row and ">Homicide<" in row)
    assert "small numbers" in homicide and "no meaningful change" in homicide


def _cell(row: str, css: str) -> str:
    found = re.search(
        rf'<td class="verdict {css}" data-label="[^"]*" title="([^"]*)">(.*?)</td>', row, re.S
    )
    assert found is not None, row
    return html.unescape(found.group(1)) + " || " + found.group(2)


def test_grid_cells_show_the_usual_range_and_how_we_know(client: TestClient) -> None:
    r = client.get("/grid", params={"as_of": AS_OF, "windows": "year", "categories": "groups"})
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", r.text, re.S)
    hackney = _cell(next(row for row in rows if "Hackney" in row and ">Robbery<" in row), "rise")
    title, shown = hackney.split(" || ")
    assert re.search(r'<span class="usual">usual ±\d+(\.\d)?%</span>', shown)
    assert "by more than its usual year-to-year variation" in title
    assert "Judged against how much this series usually moves (8 earlier years" in title
    assert "Second opinion: the counts also differ beyond chance (exact Poisson" in title
    camden = _cell(next(row for row in rows if "Camden" in row and ">Robbery<" in row), "flat")
    assert "no meaningful change, within the usual variation of this series" in camden
    assert "too little history" in r.text  # the legend explains the mark it may need
    assert "usual variation: how much the same period moved between earlier years" in r.text


def test_a_cell_with_too_little_history_is_not_no_change(client: TestClient) -> None:
    # 2016 against 2015: the warehouse starts in 2015, so one earlier year, no verdict
    r = client.get(
        "/grid", params={"as_of": "2016-12-31", "windows": "year", "categories": "groups"}
    )
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</tr>", r.text, re.S)
    robbery = next(row for row in rows if "Hackney" in row and ">Robbery<" in row)
    cell = _cell(robbery, "unjudged")
    assert '<span aria-hidden="true">○</span> too little history' in cell
    assert "only one earlier year of this period" in cell and "usual ±" not in cell
    assert "no meaningful change" not in cell and "up " not in cell


def test_the_map_label_gives_the_borough_s_usual_range(client: TestClient) -> None:
    r = client.get("/map", params={"as_of": AS_OF, "category": "robbery", "window": "year"})
    label = re.search(
        r'<a href="/area/E09000012" class="borough[^"]*" aria-label="([^"]+)"', r.text
    )
    assert label is not None
    text = html.unescape(label.group(1))
    assert "up 100%, by more than its usual year-to-year variation (it moves ±" in text
    assert "an empty outlined borough too little history to judge" in r.text


def test_the_data_page_says_what_meaningful_means(client: TestClient) -> None:
    text = client.get("/data").text
    assert "bigger than the usual variation of that series" in text
    assert "Too little history" in text and "second opinion" in text and "crimes a day" in text


def test_grid_sorts_filters_and_links_each_cell_to_its_series(client: TestClient) -> None:
    base = {"as_of": AS_OF, "windows": "year", "categories": "robbery"}
    down = client.get("/grid", params={**base, "sort": "year:current", "dir": "desc"}).text
    order = re.findall(r'<a href="/area/E\d+">([^<]+)</a>', down)
    assert order == ["Hackney", "Westminster", "Camden"]  # 360, 240, 120 in 2023
    assert 'aria-sort="descending"' in down
    only = client.get("/grid", params={**base, "area": "Camden"}).text
    assert re.findall(r'<a href="/area/E\d+">([^<]+)</a>', only) == ["Camden"]
    link = re.search(r'href="(/series\?area=Camden[^"]*)"', only)
    assert link is not None
    series = client.get(link.group(1).replace("&amp;", "&"))
    assert series.status_code == 200 and "Robbery in Camden" in series.text


def test_unanswerable_question_is_a_422_page_not_a_zero(client: TestClient) -> None:
    r = client.get("/grid", params={"as_of": AS_OF, "windows": "28d,7d"})
    assert r.status_code == 422 and "day-level data" in r.text
    future = client.get("/map", params={"as_of": "2030-01-31"})
    assert future.status_code == 422 and "has not published" in future.text


def test_series_has_chart_alt_text_band_and_table(client: TestClient) -> None:
    text = client.get("/series", params={"area": "Hackney", "category": "robbery"}).text
    assert "<svg" in text and 'role="img" aria-label="Line chart of robbery in Hackney' in text
    assert "Expected range (95%)" in text and "December 2023" in text
    assert "January 2023" in text and "above" in text  # the doubling is outside its band


def test_map_boroughs_are_focusable_links_with_their_figures(client: TestClient) -> None:
    r = client.get("/map", params={"as_of": AS_OF, "category": "robbery", "window": "year"})
    links = re.findall(r'<a href="(/area/E\d+)" class="borough[^"]*" aria-label="([^"]+)"', r.text)
    by_url = dict(links)
    assert len(links) == 33  # every tile, with or without a figure
    assert by_url["/area/E09000012"].startswith("Hackney: 360 crimes against 180 (+100%), up")
    assert "<title>Hackney: 360" in r.text
    assert "xlink:href" not in r.text and "vega.github.io" not in r.text
    rate = client.get("/map", params={"as_of": AS_OF, "window": "year", "measure": "rate"})
    assert rate.status_code in (200, 422)  # no population table: a rate says why


def test_area_page_has_its_grid_flags_map_and_snapshots(client: TestClient) -> None:
    r = client.get("/area/hackney", params={"as_of": AS_OF})
    assert r.status_code == 200
    assert "<h1>Hackney</h1>" in r.text and "up 100%" in r.text
    assert 'class="borough here"' in r.text  # its place on the map
    assert "What the police did here" in r.text and "Snapshots" in r.text
    assert client.get("/area/Atlantis").status_code == 404
    picked = client.get("/area", params={"name": "E09000007"}, follow_redirects=False)
    assert picked.headers["location"] == "/area/E09000007"


def test_operations_compares_the_week(client: TestClient) -> None:
    text = client.get("/operations", params={"week": "2024-W01", "by": "theme"}).text
    gangs = re.search(r"<th scope=\"row\">Gangs</th>.*?</tr>", text, re.S)
    assert gangs is not None and ">30<" in gangs.group(0) and "up " in gangs.group(0)
    table = client.get("/operations.csv", params={"week": "2024-W01", "by": "theme"}).text
    assert table.splitlines()[0].startswith("theme,week,events,count")


def test_home_shows_the_published_snapshot(client: TestClient, site: Site) -> None:
    text = client.get("/").text
    assert f"/api/v1/snapshots/{site.snapshot_id}/html" in text
    assert client.get(f"/api/v1/snapshots/{site.snapshot_id}/html").status_code == 200
    archive = client.get("/snapshots").text
    assert "Version 1, published" in archive


SAME = {"Origin": "http://testserver"}  # what a browser sends from the app's own pages


def test_reviewer_signs_in_and_publishes(client: TestClient, site: Site) -> None:
    from crimepulse.oplog import OutcomesLog
    from crimepulse.snapshot import archive as st

    wrong = client.post("/review/sign-in", headers=SAME, data={"token": site.recorder_token})
    assert wrong.status_code == 403 and "needs a reviewer" in wrong.text
    unknown = client.post("/review/sign-in", headers=SAME, data={"token": "nope"})
    assert unknown.status_code == 401
    with OutcomesLog.open(db=site.db) as log:
        store = st.SnapshotStore(log)
        with __import__("crimepulse").open(site.db, read_only=True) as cp:
            draft = st.draft(cp, store, log.local_actor(), "month", "2023-12", "robbery", pdf=False)
    ok = client.post("/review/sign-in", headers=SAME, data={"token": site.reviewer_token})
    assert ok.status_code == 200 and "Signed in as duty-inspector" in ok.text
    assert f"/review/snapshots/{draft.id}/approve" in ok.text
    client.post(f"/review/snapshots/{draft.id}/approve", headers=SAME)
    done = client.post(f"/review/snapshots/{draft.id}/publish", headers=SAME)
    assert done.status_code == 200 and f"snapshot {draft.id} published" in done.text
    again = client.post(f"/review/snapshots/{draft.id}/publish", headers=SAME)
    assert again.status_code == 409
    foreign = client.post("/review/sign-out", headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    client.post("/review/sign-out", headers=SAME)
    assert "Reviewer token" in client.get("/review").text


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"Origin": "http://testserver"}, True),
        ({"Referer": "http://testserver/review"}, True),  # a browser that sends no Origin
        ({}, False),  # it was accepted
        ({"Origin": "https://testserver"}, False),  # another scheme: it was accepted
        ({"Origin": "null"}, False),
        ({"Origin": "http://testserver.evil.example"}, False),
        ({"Referer": "https://testserver/review"}, False),
    ],
)
def test_a_review_post_must_name_this_origin_scheme_included(
    client: TestClient, headers: dict[str, str], ok: bool
) -> None:
    r = client.post("/review/sign-out", headers=headers, follow_redirects=False)
    assert (r.status_code == 303) is ok
    if not ok:
        assert r.status_code == 403 and "<h1>Forbidden</h1>" in r.text


def test_the_whole_force_is_named_for_its_place(client: TestClient) -> None:
    series = client.get("/series", params={"area": "all", "category": "robbery"}).text
    assert "<h1>Robbery in London (Metropolitan Police area), month by month</h1>" in series
    assert "in Metropolitan Police" not in series
    home = client.get("/", params={"as_of": AS_OF}).text
    assert 'aria-label="Robbery in London (Metropolitan Police area): the series' in home
    assert "in Metropolitan Police" not in home


def test_a_source_is_named_as_a_reader_knows_it(client: TestClient) -> None:
    for text in (
        client.get("/grid", params={"as_of": AS_OF}).text,
        client.get("/series", params={"area": "Hackney", "category": "robbery"}).text,
    ):
        assert "Source: MPS recorded crime (London Datastore)" in text
        assert "Source: mps" not in text


def test_a_week_is_its_days_not_its_iso_number(client: TestClient) -> None:
    text = client.get("/operations", params={"week": "2024-W01"}).text
    assert "<h1>What the police did: week of 1–7 January 2024</h1>" in text
    options = re.findall(r"<option value=\"(\d{4}-W\d\d)\"[^>]*>([^<]+)</option>", text)
    assert ("2023-W52", "week of 25–31 December 2023") in options
    assert all(label.startswith("week of ") for _, label in options)  # the value stays ISO
    area = client.get("/area/Hackney", params={"as_of": AS_OF}).text
    assert not re.search(r"What the police did here in \d{4}-W\d\d", area)
    assert re.search(r"What the police did here in the week of \d", area)


def test_a_table_that_is_no_force_s_data_says_so() -> None:
    from crimepulse.web.render import force_name

    assert force_name("metropolitan") == "Metropolitan Police"
    assert force_name(None) == "not police data"  # the population table: it said "None"


AS_OF_OPTION = re.compile(r'<option value="(\d{4}-\d\d-\d\d)"')


@pytest.mark.parametrize(
    "url", ["/", f"/grid?as_of={AS_OF}", f"/map?as_of={AS_OF}", f"/area/Hackney?as_of={AS_OF}"]
)
def test_the_as_of_picker_reaches_back_to_the_first_month(client: TestClient, url: str) -> None:
    text = client.get(url).text
    picker = text.split('<select id="as_of"', 1)[1].split("</select>", 1)[0]
    months = AS_OF_OPTION.findall(picker)
    assert len(months) == len(MONTHS)  # 2015-01 to 2023-12: it stopped after 36 or 60
    assert months[0] == "2023-12-31" and months[-1] == "2015-01-31"  # newest first
    years = re.findall(r'<optgroup label="(\d{4})">', picker)
    assert years == [str(y) for y in range(2023, 2014, -1)]


COLOURED = re.compile(
    r'<a href="/area/(E\d{8})" class="borough[^"]*" aria-label="([^"]*)"[^>]*>'
    r'<title>[^<]*</title><path [^>]*fill="#[0-9a-f]{6}"'
)


def test_the_all_crime_map_colours_every_borough(client: TestClient) -> None:
    """`category=all` is all recorded crime in each borough (it was `[]`, an empty map)."""
    values = client.get("/api/v1/map", params={"as_of": AS_OF, "category": "all"}).json()
    robbery = client.get("/api/v1/map", params={"as_of": AS_OF, "category": "robbery"}).json()
    assert sorted(v["borough"] for v in values) == ["Camden", "Hackney", "Westminster"]
    counts = {v["borough"]: v["count"] for v in values}
    assert all(counts[r["borough"]] > r["count"] > 0 for r in robbery)  # more than one part
    page = client.get("/map", params={"as_of": AS_OF, "category": "all"}).text
    coloured = COLOURED.findall(page)
    assert sorted(code for code, _ in coloured) == ["E09000007", "E09000012", "E09000033"]
    assert all("no figure" not in label for _, label in coloured)
    area = client.get(f"/area/Hackney?as_of={AS_OF}").text  # the map each area page embeds
    assert len(COLOURED.findall(area)) == 3


def test_police_action_is_not_coloured_as_good_or_bad_news(client: TestClient) -> None:
    """Arrests down is not good news: police action's rises and falls are in ink, marked
    and worded, never the red and green a change in crime gets."""
    page = client.get("/operations", params={"week": "2024-W01", "by": "theme"}).text
    table = page[page.index("<table") : page.index("</table>")]
    gangs = next(row for row in re.findall(r"<tr>.*?</tr>", table, re.S) if ">Gangs<" in row)
    assert '<td class="verdict more"' in gangs and "up 200%" in gangs
    assert 'class="verdict rise' not in table and 'class="verdict fall' not in table
    grid = client.get("/grid", params={"as_of": AS_OF, "windows": "year"}).text
    assert 'class="verdict rise"' in grid  # crime keeps its colours


def test_home_and_its_snapshot_state_the_same_latest_month(client: TestClient) -> None:
    # the published weekly snapshot (week of 1–7 January 2024) counts December 2023, the
    # month the table below shows by default: the page says they agree
    text = html.unescape(client.get("/").text)
    assert "Its monthly figures are for December 2023, the month shown below." in text
    assert 'value="2023-12-31" selected' in text
    # a reader picking an earlier month is told the snapshot's month differs
    text = html.unescape(client.get("/", params={"as_of": "2023-11-30"}).text)
    assert (
        "It was written for the week of 1–7 January 2024, so its monthly figures are for "
        "December 2023; the table below is for November 2023."
    ) in text


def test_this_week_is_the_last_week_the_data_answers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # monthly figures to December 2023 and an empty outcomes log, read years later: the
    # police-action page's week is the last complete week of December 2023, not last week
    root = tmp_path_factory.mktemp("clock")
    write_mps(root / "data" / "mps.csv")
    with crimepulse.open(root / "w.duckdb") as cp:
        cp.ingest(root / "data")
    with TestClient(create_app(Settings(db=root / "w.duckdb"))) as c:
        text = c.get("/operations").text
        table = c.get("/operations.csv").headers["content-disposition"]
        area = c.get("/area/Hackney").text
    assert "<h1>What the police did: week of 25–31 December 2023</h1>" in text
    assert "police-action-2023-W52-by-event_type.csv" in table
    assert "week of 25–31 December 2023" in area


def test_a_reviewer_edits_the_words_in_a_text_area(client: TestClient, site: Site) -> None:
    """The review page's text area: the same checks as `snapshot edit`, the session and
    the same-origin rule of every review form, and a refused edit stores nothing."""
    from crimepulse.oplog import OutcomesLog
    from crimepulse.snapshot import archive as st

    with OutcomesLog.open(db=site.db) as log:
        store = st.SnapshotStore(log)
        with __import__("crimepulse").open(site.db, read_only=True) as cp:
            draft = st.draft(cp, store, log.local_actor(), "year", "2023", "robbery", pdf=False)
        template = store.template(draft.id)
    url = f"/review/snapshots/{draft.id}/edit"
    assert client.get(url).status_code == 401  # no session
    edited = template.replace("Robbery went up,", "Robbery rose,", 1)
    assert edited != template
    stranger = client.post(url, data={"template": edited}, headers=SAME)
    assert stranger.status_code == 401
    client.post("/review/sign-in", headers=SAME, data={"token": site.reviewer_token})
    assert f'href="{url}"' in client.get("/review").text
    form = client.get(url)
    assert form.status_code == 200 and "{robbery_2023.current}" in form.text
    foreign = client.post(url, data={"template": edited}, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403

    typed = edited.replace("variation: {robbery_2023.current}", "variation: 720", 1)
    refused = client.post(url, data={"template": typed}, headers=SAME)
    assert refused.status_code == 422
    assert "&#39;720&#39; is not bound to a Fact; use {robbery_2023.current}" in refused.text
    assert "variation: 720" in refused.text  # the text as typed, to fix
    free = f"{edited}\n[context]\nBehind every headline is a victim.\n[/context]\n"
    saved = client.post(url, data={"template": free}, headers=SAME)
    assert saved.status_code == 200 and "stored as edited" in saved.text
    assert "Unverified text:</strong> Behind every headline is a victim." in saved.text
    with OutcomesLog.open(db=site.db) as log:
        versions = [r for r in st.SnapshotStore(log).list() if r.series == draft.series]
        newest = versions[-1]
        assert [r.version for r in versions] == [1, 2] and newest.edited_from == draft.id
        assert newest.created_by == "duty-inspector"
        md = str(st.SnapshotStore(log).output(newest.id, "md"))
    assert "Robbery rose, by more than" in md and "*Unverified text:* Behind every" in md
    client.post("/review/sign-out", headers=SAME)
