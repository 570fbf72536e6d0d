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
