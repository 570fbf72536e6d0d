"""What the warehouse says about itself: whether its data is the demo's synthetic London."""

from __future__ import annotations

from pathlib import Path

import crimepulse
from crimepulse.sources.files import SYNTHETIC_MARKER
from crimepulse.store import coverage
from tests.factories import street_month


def test_synthetic_says_all_some_or_none_of_the_batches(tmp_path: Path) -> None:
    real = street_month(tmp_path / "real", "2024-01", 5)
    demo_dir = tmp_path / "demo"
    fake = street_month(demo_dir, "2024-02", 5)
    (demo_dir / SYNTHETIC_MARKER).touch()
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        con = cp.warehouse.con
        assert coverage.synthetic(con) is None  # nothing ingested: nothing synthetic
        cp.ingest(real)
        assert coverage.synthetic(con) is None
    with crimepulse.open(tmp_path / "demo.duckdb") as cp:
        cp.ingest(fake)
        assert coverage.synthetic(cp.warehouse.con) == "all"
        cp.ingest(real)
        assert coverage.synthetic(cp.warehouse.con) == "some"


def test_an_edition_says_whether_its_date_is_the_publisher_s_or_the_ingest_time(
    tmp_path: Path,
) -> None:
    from datetime import datetime

    given = street_month(tmp_path / "given", "2024-01", 5)
    defaulted = street_month(tmp_path / "defaulted", "2024-02", 5)
    with crimepulse.open(tmp_path / "w.duckdb") as cp:
        cp.ingest(given, vintage=datetime(2024, 3, 1))
        (series,) = coverage.coverage(cp.warehouse.con)
        assert (series.dated_by, series.latest_vintage) == ("given", "2024-03-01 00:00:00")
        assert series.latest_ingested_at[:4].isdigit()  # when it was ingested, kept apart
        cp.ingest(defaulted)  # no --vintage: the vintage is only the ingest time
        (series,) = coverage.coverage(cp.warehouse.con)
        assert series.dated_by == "ingest time"
