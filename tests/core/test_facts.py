"""The Fact: typed parts inside, the published JSON outside, one way to make it, and an
id that is a hash of the question alone (so a re-run Fact keeps its id)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date
from typing import Any, get_args

import pytest

from crimepulse import stats
from crimepulse.core.facts import (
    AreaRef,
    CategoryDefinition,
    CategoryRef,
    ComparisonRef,
    Fact,
    Finding,
    Verdict,
    WindowRef,
    fact_id,
)
from crimepulse.stats.dispersion import HistoryVerdict
from crimepulse.stats.trend import Direction

YEAR = WindowRef("year", "the calendar year", date(2023, 1, 1), date(2023, 12, 31))
LAST_YEAR = WindowRef("compare", "the calendar year", date(2022, 1, 1), date(2022, 12, 31))
HACKNEY = AreaRef("borough", "Hackney", "E09000012", "metropolitan")
QUERY: dict[str, Any] = {"call": "compare", "area": "Hackney", "window": "year", "alpha": 0.05}


def _fact(finding: Finding | None = None, **asked: Any) -> Fact:
    parts: dict[str, Any] = {
        "measure": "count",
        "value": 360.0,
        "unit": "crimes",
        "area": HACKNEY,
        "category": CategoryRef("robbery"),
        "window": YEAR,
        "source": "mps",
        "query": QUERY,
        **asked,
    }
    return Fact.from_finding(finding or Finding(current=360, previous=180), **parts)


def test_as_dict_has_the_published_keys_in_order() -> None:
    data = _fact().as_dict()
    assert list(data) == [
        "id", "measure", "value", "unit", "area", "category", "window", "source",
        "comparison", "current", "previous", "change", "change_pct", "test", "p_value",
        "q_value", "ci_low", "ci_high", "verdict", "small_counts", "stats", "sources",
        "query", "notes",
    ]  # fmt: skip
    assert data["window"] == {
        "name": "year",
        "label": "the calendar year",
        "start": "2023-01-01",
        "end": "2023-12-31",
    }
    assert data["comparison"] is None
    assert (data["current"], data["previous"], data["verdict"]) == (360, 180, None)


def test_areas_keep_the_key_order_each_kind_of_fact_published() -> None:
    analysis = HACKNEY.as_dict()
    assert list(analysis.items()) == [
        ("level", "borough"),
        ("code", "E09000012"),
        ("name", "Hackney"),
        ("force", "metropolitan"),
    ]
    log = AreaRef("force", "Metropolitan Police").as_dict()  # the outcomes log names no force
    assert list(log.items()) == [
        ("level", "force"),
        ("name", "Metropolitan Police"),
        ("code", None),
    ]


def test_a_category_publishes_only_the_parts_it_has() -> None:
    assert CategoryRef("ROBBERY").as_dict() == {"name": "ROBBERY"}
    assert list(CategoryRef("arrest", "arrests").as_dict()) == ["name", "label"]
    defined = CategoryRef(
        "homicide", "homicide", CategoryDefinition(mps_minors=("HOMICIDE",), crime_types=None)
    )
    assert defined.as_dict() == {
        "name": "homicide",
        "label": "homicide",
        "mps_majors": [],
        "mps_minors": ["HOMICIDE"],
        "crime_types": None,  # police.uk-style records cannot count it: said, not left out
    }


@pytest.mark.parametrize(
    ("comparison", "published"),
    [
        (
            ComparisonRef("last-year", window=LAST_YEAR),
            {"kind": "last-year", "window": LAST_YEAR.as_dict()},
        ),
        (
            ComparisonRef("baseline", windows=(LAST_YEAR, YEAR), counts=(90, 91)),
            {
                "kind": "baseline",
                "windows": [LAST_YEAR.as_dict(), YEAR.as_dict()],
                "counts": [90, 91],
            },
        ),
        (
            ComparisonRef("seasonal expectation", model="negative binomial", history_months=48),
            {"kind": "seasonal expectation", "model": "negative binomial", "history_months": 48},
        ),
        (
            ComparisonRef("previous 13 weeks", weeks=("2023-W51", "2023-W52"), counts=(3, 0)),
            {"kind": "previous 13 weeks", "weeks": ["2023-W51", "2023-W52"], "counts": [3, 0]},
        ),
    ],
    ids=["one-window", "baseline", "seasonal", "log-weeks"],
)
def test_each_kind_of_comparison_publishes_its_own_parts(
    comparison: ComparisonRef, published: dict[str, Any]
) -> None:
    data = _fact(comparison=comparison).as_dict()["comparison"]
    assert data == published
    assert list(data) == list(published)


def test_from_finding_carries_every_part_of_the_finding() -> None:
    finding = Finding(
        current=12,
        previous=8.5,
        change=3.5,
        change_pct=41.2,
        test="exact test",
        p_value=0.01,
        q_value=0.03,
        ci_low=1.1,
        ci_high=2.9,
        verdict="up",
        small_counts=True,
        stats={"rate_ratio": 1.4},
    )
    fact = _fact(finding, sources=[{"source": "s", "vintage": "v"}], notes=("a note",))
    for part in dataclasses.fields(Finding):
        assert getattr(fact, part.name) == getattr(finding, part.name), part.name
    assert fact.sources == [{"source": "s", "vintage": "v"}] and fact.notes == ["a note"]


def test_the_id_is_a_hash_of_the_query_alone() -> None:
    fact = _fact()
    text = json.dumps(QUERY, sort_keys=True, default=str)  # the rule archived ids rely on
    assert fact.id == fact_id(QUERY) == "f-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    other_figures = _fact(Finding(current=1, previous=2), value=1.0)
    assert other_figures.id == fact.id  # the same question, re-run on new data
    assert _fact(query={**QUERY, "window": "ytd"}).id != fact.id
    assert fact.as_dict()["id"] == fact.id


def test_the_sql_that_answered_is_not_part_of_the_id() -> None:
    """The rendered SQL says how a question was answered, not what was asked: it names a
    window table afresh on every run (and differs by engine), so it must not move the id."""
    one = _fact(query={**QUERY, "sql": 'SELECT 1 FROM "ibis_pyarrow_memtable_abc123"'})
    other = _fact(query={**QUERY, "sql": 'SELECT 1 FROM "ibis_pyarrow_memtable_xyz789"'})
    assert one.id == other.id == _fact().id == fact_id(QUERY)
    assert one.as_dict()["query"]["sql"].endswith('"ibis_pyarrow_memtable_abc123"')  # kept


def test_json_is_as_dict() -> None:
    fact = _fact(comparison=ComparisonRef("last-year", window=LAST_YEAR))
    assert json.loads(fact.to_json()) == fact.as_dict()


def test_as_dict_is_a_copy_the_caller_may_change() -> None:
    fact = _fact(Finding(current=1, stats={"n": [1, 2]}))
    data = fact.as_dict()
    data["stats"]["n"].append(3)
    data["query"]["area"] = "Camden"
    data["area"]["name"] = "Camden"
    assert fact.stats == {"n": [1, 2]}
    assert fact.query["area"] == "Hackney" and fact.area.name == "Hackney"


def test_the_parts_are_frozen_values() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        HACKNEY.name = "Camden"  # type: ignore[misc]
    labelled = dataclasses.replace(CategoryRef("ROBBERY"), label="robbery")
    assert labelled.as_dict() == {"name": "ROBBERY", "label": "robbery"}
    assert WindowRef("year", "the calendar year", date(2023, 1, 1), date(2023, 12, 31)) == YEAR


def test_the_verdict_words_are_those_the_statistics_give() -> None:
    said = set(get_args(stats.Verdict)) | set(get_args(Direction)) | set(get_args(HistoryVerdict))
    assert set(get_args(Verdict)) == said
