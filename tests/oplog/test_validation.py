"""Validation rules (pure) and that refused input stores nothing (both engines)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from crimepulse.oplog import Actor, OutcomesLog, ValidationFailed
from crimepulse.oplog import validate as v
from tests.oplog.conftest import TODAY
from tests.oplog.fixtures import event

CATALOG = v.Catalog(frozenset({"arrest", "firearm_recovered"}), {"flying squad": "Flying Squad"})

BAD: list[tuple[dict[str, Any], set[str]]] = [
    (event(event_type="nuke_recovered"), {"event_type"}),
    (event(count=0), {"count"}),
    (event(count=-3), {"count"}),
    (event(count=2.5), {"count"}),
    (event(count="many"), {"count"}),
    (event(crimes_solved=-1), {"crimes_solved"}),
    (event(occurred_on="2025-06-19"), {"occurred_on"}),  # tomorrow
    (event(occurred_on="1066-10-14"), {"occurred_on"}),
    (event(occurred_on="20/03/2025"), {"occurred_on"}),
    (event(unit="Nobody's squad"), {"unit"}),
    (event(summary="x" * 501), {"summary"}),
    (event(summary="   "), {"summary"}),
    (event(note="n" * 2001), {"note"}),
    (event(summary="null\x00byte"), {"summary"}),
    (event(related_crime_ids=["a" * 65]), {"related_crime_ids.0"}),
    (event(related_crime_ids=[str(i) for i in range(101)]), {"related_crime_ids"}),
    (event(colour="blue"), {"colour"}),
    ({"count": 1}, {"event_type", "occurred_on", "unit", "theme", "summary"}),
]


@pytest.mark.parametrize(("raw", "fields"), BAD)
def test_bad_input_names_the_fields(raw: dict[str, Any], fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        v.event(raw, CATALOG, TODAY)
    assert {e.field for e in caught.value.errors} == fields
    assert all(e.reason for e in caught.value.errors)


def test_reasons_are_readable() -> None:
    with pytest.raises(ValidationFailed) as caught:
        v.event(event(event_type="nuke", occurred_on="2025-06-19", summary=None), CATALOG, TODAY)
    reasons = {e.field: e.reason for e in caught.value.errors}
    assert "unknown event type 'nuke'" in reasons["event_type"]
    assert "firearm_recovered" in reasons["event_type"]  # lists the known ones
    assert "future" in reasons["occurred_on"]
    assert reasons["summary"] == "required"


def test_today_and_multiline_notes_are_fine() -> None:
    ok = v.event(event(occurred_on=str(TODAY), note="line 1\nline 2"), CATALOG, TODAY)
    assert ok.occurred_on == TODAY and ok.note == "line 1\nline 2"
    assert v.event(event(borough="", note=" "), CATALOG, TODAY).borough is None


def test_without_a_catalog_only_the_shape_is_checked() -> None:
    assert v.event(event(event_type="anything_new"), None, date(2030, 1, 1)).count == 2


@pytest.mark.parametrize(("raw", "fields"), BAD[:8] + BAD[12:14])
def test_refused_input_stores_nothing(
    log: OutcomesLog, recorder: Actor, raw: dict[str, Any], fields: set[str]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        log.add(recorder, raw)
    assert {e.field for e in caught.value.errors} == fields
    assert log.count_events() == 0
    assert [e.action for e in log.audit(log.local_actor())] == ["user.add"]
