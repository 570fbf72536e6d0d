"""data.police.uk's API client against the fake API: every limit, the quadtree, the rows.

The fake and the client share a ManualClock, so the rate limit is tested without waiting:
time moves only when the client's limiter or backoff sleeps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from shapely.geometry import Point, Polygon

from crimepulse.errors import SourceUnavailable
from crimepulse.sources import files, policeuk
from crimepulse.sources.policeuk_api import PoliceUkApi, TokenBucket, street_csv
from tests.sources.fake_policeuk import (
    FORCE,
    FORCE_NAME,
    MONTHS,
    FakePoliceUk,
    ManualClock,
    serve,
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(clock: ManualClock) -> FakePoliceUk:
    return FakePoliceUk(clock=clock)


@pytest.fixture
def url(fake: FakePoliceUk) -> Iterator[str]:
    with serve(fake) as base:
        yield base


def _client(url: str, clock: ManualClock, **kw: float) -> PoliceUkApi:
    return PoliceUkApi(url, clock=clock, **kw)  # type: ignore[arg-type]


# -- the fake keeps the real limits ------------------------------------------------------


def test_the_fake_allows_a_burst_of_30_then_429_until_time_passes(
    fake: FakePoliceUk, url: str, clock: ManualClock
) -> None:
    with httpx.Client() as http:
        codes = [http.get(f"{url}/forces").status_code for _ in range(31)]
        assert codes == [200] * 30 + [429]
        clock.sleep(1 / 15)
        assert http.get(f"{url}/forces").status_code == 200
        assert http.get(f"{url}/forces").status_code == 429


def test_the_fake_refuses_a_crowded_polygon_and_a_long_get(fake: FakePoliceUk, url: str) -> None:
    fake.cap = 5
    whole = "51.45,-0.2:51.45,0.0:51.55,0.0:51.55,-0.2"
    with httpx.Client() as http:
        crowded = http.get(
            f"{url}/crimes-street/all-crime", params={"poly": whole, "date": MONTHS[0]}
        )
        assert crowded.status_code == 503
        long_poly = ":".join(["51.5,-0.1"] * 400)
        long_get = http.get(f"{url}/crimes-street/all-crime", params={"poly": long_poly})
        assert long_get.status_code == 400
        posted = http.post(
            f"{url}/crimes-street/all-crime", data={"poly": long_poly, "date": MONTHS[0]}
        )
        assert posted.status_code == 200


# -- the client ------------------------------------------------------------------------------


def test_the_token_bucket_lets_30_through_then_15_a_second() -> None:
    clock = ManualClock()
    bucket = TokenBucket(15, 30, clock)
    for _ in range(30):
        bucket.acquire()
    assert clock.now() == 0.0
    for _ in range(150):
        bucket.acquire()
    assert clock.now() == pytest.approx(150 / 15)


def test_a_client_within_the_limit_never_sees_a_429(
    fake: FakePoliceUk, url: str, clock: ManualClock
) -> None:
    with _client(url, clock) as api:
        for _ in range(100):
            api.forces()
        assert api.stats.statuses == {200: 100}
        assert clock.now() == pytest.approx((100 - 30) / 15)


def test_429s_are_retried_with_backoff(fake: FakePoliceUk, url: str, clock: ManualClock) -> None:
    with _client(url, clock, rate=1000, burst=1000, backoff=0.5) as api:
        for _ in range(40):
            api.forces()  # a client faster than the API: the 31st is a 429, then waits
        assert api.stats.statuses[429] >= 1
        assert api.stats.statuses[200] == 40
        assert api.stats.retries == api.stats.statuses[429]


def test_retries_are_bounded_and_end_in_a_clear_error(fake: FakePoliceUk, url: str) -> None:
    fake.flaky = 100
    clock = ManualClock()
    with _client(url, clock, retries=2) as api, pytest.raises(SourceUnavailable, match="500"):
        api.forces()
    assert api.stats.requests == 3
    assert clock.now() == pytest.approx(1.0 + 2.0)  # backoff 1 s, then 2 s


def test_a_timeout_is_retried(fake: FakePoliceUk, url: str, clock: ManualClock) -> None:
    fake.stall = 1  # the first request never answers (until the fake shuts down)
    with _client(url, clock, timeout=0.5) as api:
        assert api.forces() == [{"id": FORCE, "name": FORCE_NAME}]
        assert api.stats.timeouts == 1 and api.stats.requests == 2


def test_a_timeout_every_time_is_a_clear_error(fake: FakePoliceUk, url: str) -> None:
    fake.stall = 2
    api = _client(url, ManualClock(), timeout=0.3, retries=1)
    with api, pytest.raises(SourceUnavailable, match="timed out"):
        api.forces()


def test_a_long_polygon_is_posted(fake: FakePoliceUk, url: str, clock: ManualClock) -> None:
    circle = Polygon(
        [
            (
                -0.1 + 0.04 * math.cos(2 * math.pi * k / 300),
                51.5 + 0.04 * math.sin(2 * math.pi * k / 300),
            )
            for k in range(300)
        ]
    )
    with _client(url, clock) as api:
        crimes = api.street_crimes(circle, MONTHS[0])
    assert api.stats.posts == 1 and api.stats.statuses == {200: 1}
    assert [m for m, path, _ in fake.log if path.startswith("/crimes-street")] == ["POST"]
    located = [c for c in fake.crimes if c["month"] == MONTHS[0] and c["location"]]
    expected = {
        c["id"]
        for c in located
        if circle.covers(Point(float(c["location"]["longitude"]), float(c["location"]["latitude"])))
    }
    assert {c["id"] for c in crimes} == expected


def test_a_crowded_area_is_split_and_merged_without_duplicates(
    fake: FakePoliceUk, url: str, clock: ManualClock
) -> None:
    fake.cap = 6  # a month of the force holds 36 located crimes: split until cells fit
    with _client(url, clock) as api:
        area = api.force_boundary(FORCE)
        crimes = api.month_of_crimes(FORCE, MONTHS[1], area)
    ids = [c["id"] for c in crimes]
    assert len(ids) == len(set(ids))
    assert set(ids) == {c["id"] for c in fake.crimes if c["month"] == MONTHS[1]}
    assert api.stats.splits > 1
    assert api.stats.statuses[503] == api.stats.splits
    assert api.stats.duplicates > 0  # crimes on the cut lines came back from two cells


def test_a_cell_that_cannot_be_split_small_enough_is_an_error(
    fake: FakePoliceUk, url: str, clock: ManualClock
) -> None:
    fake.cap = 0
    with _client(url, clock) as api, pytest.raises(SourceUnavailable, match="splits"):
        api.month_of_crimes(FORCE, MONTHS[0], api.force_boundary(FORCE))


def test_months_and_the_publication_date(fake: FakePoliceUk, url: str, clock: ManualClock) -> None:
    with _client(url, clock) as api:
        assert api.months() == list(MONTHS)
        assert api.last_updated().isoformat() == "2024-08-01T00:00:00"
        assert api.stop_months(FORCE) == list(MONTHS)
        assert len(api.stops(FORCE, MONTHS[0])) == 5


def test_the_rows_read_back_as_a_police_uk_street_file(
    fake: FakePoliceUk, url: str, clock: ManualClock, tmp_path: Path
) -> None:
    with _client(url, clock) as api:
        crimes = api.month_of_crimes(FORCE, MONTHS[0], api.force_boundary(FORCE))
    path = tmp_path / f"{MONTHS[0]}-{FORCE}-street.csv"
    path.write_text(street_csv(crimes, FORCE_NAME))
    unit = next(files.discover([path]))
    columns = files.header(unit)
    batch = policeuk.StreetReader().read(unit, columns)
    assert batch.rejects == []
    table = batch.canonical()
    assert table.num_rows == len(crimes) == 40
    assert set(table.column("force").to_pylist()) == {FORCE}
    assert sum(table.column("no_location").to_pylist()) == 4
    assert set(table.column("category").to_pylist()) == {
        "Burglary", "Robbery", "Vehicle crime", "Violence and sexual offences",
        "Anti-social behaviour",
    }  # fmt: skip
    ids = table.column("crime_id").to_pylist()
    assert len(set(ids)) == 40  # ASB without a Crime ID gets its stable hash
