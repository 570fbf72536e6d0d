"""Fetching from the (fake) data.police.uk API into a warehouse: held months are not asked
for again, an interrupted fetch resumes, a new edition revises, nothing is duplicated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

import crimepulse
from crimepulse.errors import QuestionError, SourceUnavailable
from crimepulse.sources.policeuk_api import PoliceUkApi
from crimepulse.store.fetch import FETCHED, HELD, UNPUBLISHED, months_between
from tests.sources.fake_policeuk import FORCE, MONTHS, FakePoliceUk, ManualClock, serve


@pytest.fixture
def fake() -> FakePoliceUk:
    return FakePoliceUk(clock=ManualClock(), cap=15)


@pytest.fixture
def url(fake: FakePoliceUk) -> Iterator[str]:
    with serve(fake) as base:
        yield base


def _fetch(cp: crimepulse.Crimepulse, url: str, fake: FakePoliceUk, **kw: object):  # type: ignore[no-untyped-def]
    client = PoliceUkApi(url, clock=fake.clock)
    with client:
        return cp.fetch(start="2024-01", end="2024-06", force=FORCE, client=client, **kw)  # type: ignore[arg-type]


def _crime_ids(cp: crimepulse.Crimepulse) -> list[str]:
    return [str(r[0]) for r in cp.warehouse.con.execute("SELECT crime_id FROM crimes").fetchall()]


def _street_requests(fake: FakePoliceUk) -> set[str]:
    return {p["date"] for _, path, p in fake.log if path.startswith("/crimes-") and "date" in p}


def test_months_between() -> None:
    assert months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    with pytest.raises(QuestionError):
        months_between("2024-03", "2024-01")


def test_a_fetch_stores_every_month_once_with_the_publication_date(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        report = _fetch(cp, url, fake)
        assert [m.status for m in report.months] == [FETCHED] * 6
        ids = _crime_ids(cp)
        assert len(ids) == len(set(ids)) == len(fake.crimes) == 240
        vintages = cp.sql("SELECT DISTINCT vintage FROM batches").to_pylist()
        assert vintages == [{"vintage": datetime(2024, 8, 1)}]
        assert report.requests.splits > 0  # cap 15 < a month's 36 located crimes
        assert (tmp_path / "w.fetch" / f"2024-01-{FORCE}-street.csv").is_file()

        fake.log.clear()
        again = _fetch(cp, url, fake)
        assert [m.status for m in again.months] == [HELD] * 6
        assert _street_requests(fake) == set()
        assert len(_crime_ids(cp)) == 240


def test_an_interrupted_fetch_resumes_without_asking_again(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    fake.fail_month = {"2024-03": 500}  # the API breaks on the third month, every retry
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        with pytest.raises(SourceUnavailable, match="500"):
            _fetch(cp, url, fake)
        assert cp.sql("SELECT count(*) AS n FROM crimes").to_pylist() == [{"n": 80}]

        fake.fail_month, fake.log[:] = {}, []
        report = _fetch(cp, url, fake)
        assert [m.status for m in report.months] == [HELD] * 2 + [FETCHED] * 4
        assert _street_requests(fake) == set(MONTHS[2:])
        ids = _crime_ids(cp)
        assert len(ids) == len(set(ids)) == 240


def test_a_kill_mid_month_leaves_no_partial_month(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    def stop(month: str, done: int, total: int) -> None:
        if done == 1:
            raise KeyboardInterrupt  # Ctrl-C once the first month is stored

    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        with pytest.raises(KeyboardInterrupt):
            _fetch(cp, url, fake, progress=stop)
        fake.log.clear()
        report = _fetch(cp, url, fake)
        assert [m.status for m in report.months] == [HELD] + [FETCHED] * 5
        assert MONTHS[0] not in _street_requests(fake)
        assert len(set(_crime_ids(cp))) == len(_crime_ids(cp)) == 240


def test_a_new_edition_is_fetched_again_and_kept_beside_the_old(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        _fetch(cp, url, fake)
        fake.last_updated = "2024-09-01T00:00:00+00:00"
        for crime in fake.crimes:
            if crime["month"] == "2024-02" and crime["outcome_status"]:
                crime["outcome_status"] = {
                    "category": "Court result unavailable",
                    "date": "2024-08",
                }
        report = _fetch(cp, url, fake)
        assert report.count(FETCHED) == 6  # every month: the new edition may revise any
        assert len(_crime_ids(cp)) == 240  # the current view: one edition of each month
        now = cp.sql(
            "SELECT count(*) AS n FROM crimes WHERE last_outcome = 'Court result unavailable'"
        ).to_pylist()
        then = cp.sql(
            "SELECT count(*) AS n FROM crimes_as_of('2024-08-15') "
            "WHERE last_outcome = 'Court result unavailable'"
        ).to_pylist()
        assert now == [{"n": 32}] and then == [{"n": 0}]


def test_months_the_api_has_not_published_are_said_so(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    fake.months = MONTHS[:4]
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        report = _fetch(cp, url, fake)
    assert [m.status for m in report.months] == [FETCHED] * 4 + [UNPUBLISHED] * 2


def test_one_category(tmp_path: Path, fake: FakePoliceUk, url: str) -> None:
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        _fetch(cp, url, fake, category="burglary")
        rows = cp.sql("SELECT DISTINCT category FROM crimes").to_pylist()
        assert rows == [{"category": "Burglary"}]
        with pytest.raises(QuestionError, match=r"unknown data\.police\.uk category"):
            _fetch(cp, url, fake, category="jaywalking")


def test_one_category_never_replaces_a_full_month(
    tmp_path: Path, fake: FakePoliceUk, url: str
) -> None:
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        _fetch(cp, url, fake)
        fake.last_updated = "2024-09-01T00:00:00+00:00"  # a new edition: months to fetch
        before = cp.sql("SELECT count(*) AS n FROM batches").to_pylist()
        with pytest.raises(QuestionError, match=r"2024-01, 2024-02.*fetch all-crime instead"):
            _fetch(cp, url, fake, category="burglary")
        assert cp.sql("SELECT count(*) AS n FROM batches").to_pylist() == before
        assert len(_crime_ids(cp)) == 240
