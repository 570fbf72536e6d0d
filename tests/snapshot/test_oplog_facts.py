"""The outcomes log's figures as Facts, made the one way every Fact is made: the week's
count tested against the previous 13 weeks, longer periods summed; the id is the query's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crimepulse.core.facts import Fact, fact_id
from crimepulse.oplog import OutcomesLog
from crimepulse.snapshot import oplog_facts
from crimepulse.snapshot.themes import get


def test_the_week_against_the_previous_13_weeks(warehouse: Path) -> None:
    with OutcomesLog.open(db=warehouse) as log:
        found = oplog_facts.week_facts(log, "2024-W01", get("violence"))
    by_type = {f.category.name: f for f in found}
    arrests = by_type["arrest"]  # the gangs arrests: 30 this week, 10 in each week before
    assert isinstance(arrests, Fact)
    assert (arrests.current, arrests.previous, arrests.change) == (30, 10.0, 20.0)
    assert arrests.verdict == "up" and (arrests.test or "").startswith(oplog_facts.TEST)
    assert arrests.comparison is not None and arrests.comparison.kind == "previous 13 weeks"
    assert arrests.comparison.counts == (10,) * 13
    assert arrests.comparison.weeks is not None and arrests.comparison.weeks[-1] == "2023-W52"
    assert (arrests.window.start, arrests.window.end) == (date(2024, 1, 1), date(2024, 1, 7))
    assert arrests.id == fact_id(arrests.query)
    assert by_type["firearm_recovered"].verdict == "no meaningful change"
    data = arrests.as_dict()
    assert data["area"] == {"level": "force", "name": "Metropolitan Police", "code": None}
    assert list(data["area"]) == ["level", "name", "code"]  # as the log's facts always were
    assert data["category"] == {"name": "arrest", "label": "arrests"}
    assert list(data["comparison"]) == ["kind", "weeks", "counts"]
    assert data["sources"][0]["source"] == "approved entries"


def test_a_longer_period_is_summed_not_tested(warehouse: Path) -> None:
    with OutcomesLog.open(db=warehouse) as log:
        found = oplog_facts.period_facts(
            log, date(2023, 12, 1), date(2023, 12, 31), get("violence"), "Hackney"
        )
    arrests = next(f for f in found if f.category.name == "arrest")
    assert arrests.current == 10 * 5  # five weeks end in December 2023, ten arrests each
    assert arrests.comparison is None and arrests.verdict is None and arrests.test is None
    assert arrests.area.as_dict() == {"level": "borough", "name": "Hackney", "code": None}
    assert arrests.notes == ["5 weeks of the log (2023-W48 to 2023-W52)"]
    assert arrests.window.name == "period"
