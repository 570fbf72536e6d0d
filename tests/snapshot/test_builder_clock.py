"""The builder on the one clock (store/clock.py): a weekly snapshot names the month the
pages name, and says plainly when its monthly figures end months before its week."""

from __future__ import annotations

import json

from crimepulse.api import Crimepulse


def test_a_week_months_after_the_monthly_figures_says_so_plainly(cp: Crimepulse) -> None:
    # the warehouse's monthly figures end in December 2023 (the one clock's latest month)
    late = cp.snapshot("week", "2024-06-09", "violence", oplog=False, charts=False)
    assert late.meta["month_end"] == "2023-12-31"
    intro = late.text(late.sections[0].blocks[0].spans)
    said = (
        "The latest monthly recorded-crime figures held are for December 2023, 6 months "
        "before the week of this snapshot (2024-W23)"
    )
    assert said in intro
    caveats = next(s for s in late.sections if s.key == "caveats")
    assert any(said in late.text(b.spans) for b in caveats.blocks)
    # the week just after the month: the usual publishing lag, nothing to say
    usual = cp.snapshot("week", "2024-01-07", "violence", oplog=False, charts=False)
    assert usual.meta["month_end"] == "2023-12-31"
    assert "monthly recorded-crime figures held" not in json.dumps(usual.to_dict())


def test_more_than_a_year_after_the_monthly_figures_still_counts_them(cp: Crimepulse) -> None:
    # the builder used to look back 12 months from the week and give up; the clock knows
    # the latest month the warehouse holds
    snap = cp.snapshot("week", "2025-02-23", "violence", oplog=False, charts=False)
    assert snap.meta["month_end"] == "2023-12-31"
    assert "December 2023, 14 months before" in snap.text(snap.sections[0].blocks[0].spans)


def test_a_week_counts_the_months_published_by_its_as_of_day(cp: Crimepulse) -> None:
    """Asked on Thursday 30 November 2023 (a month's last day), the week is 20–26 November
    and its monthly figures are November's, the month the pages show on that day; asked a
    day earlier, November is not yet whole, so they are October's."""
    on_the_day = cp.snapshot("week", "2023-11-30", "violence", oplog=False, charts=False)
    assert on_the_day.meta["week"] == "2023-W47"
    assert on_the_day.meta["month_end"] == "2023-11-30"
    before = cp.snapshot("week", "2023-11-29", "violence", oplog=False, charts=False)
    assert before.meta["week"] == "2023-W47" and before.meta["month_end"] == "2023-10-31"
