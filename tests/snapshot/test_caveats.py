"""The caveats box dates an edition by its publisher's date, with the ingest time apart,
and says so when no publisher's date was given (the vintage is then the ingest time)."""

from __future__ import annotations

from typing import Any

from crimepulse.snapshot.caveats import caveats
from crimepulse.store.coverage import Series


def fact() -> dict[str, Any]:
    return {
        "source": "mps",
        "sources": [{"source": "mps", "vintage": "2026-03-20 00:00:00"}],
        "window": {"start": "2026-02-01", "end": "2026-02-28"},
        "comparison": {},
        "small_counts": False,
    }


def series(dated_by: str) -> Series:
    s = Series(
        "counts", "mps", "mps-borough", "metropolitan", "borough", "2010-04", "2026-02",
        191, 1000, 0, 1, "2026-03-20 00:00:00",
    )  # fmt: skip
    s.latest_ingested_at, s.dated_by = "2026-12-01T09:30:00", dated_by
    return s


def source_line(dated_by: str) -> str:
    box = caveats([fact()], [series(dated_by)], "metropolitan", [])
    return next(line for line in box if line.startswith("Source: MPS"))


def test_the_publisher_s_date_and_the_ingest_time_are_stated_apart() -> None:
    assert source_line("given").endswith(
        "(mps; edition of 20 March 2026, the publisher's date; ingested on 1 December 2026)."
    )


def test_an_ingest_time_is_never_passed_off_as_the_publisher_s_date() -> None:
    line = source_line("ingest time")
    assert "edition of" not in line
    assert "ingested on 1 December 2026; no publisher's date was recorded" in line


def test_a_warehouse_that_recorded_neither_keeps_the_plain_edition() -> None:
    assert source_line("").endswith("(mps; edition of 20 March 2026).")
