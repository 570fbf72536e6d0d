"""Real data: the annual 2022 snapshot on serious violence from the MPS borough tables
states its figures with the verdicts the analysis engine gives, on real boundaries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import crimepulse
from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.present import numbers

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    parquet = shared_data / "mps-datastore-parquet"
    db = tmp_path_factory.mktemp("real") / "london.duckdb"
    with crimepulse.open(db) as cp:
        report = cp.ingest(
            parquet / "recorded-crime-borough-historical.parquet",
            parquet / "recorded-crime-borough.parquet",
            shared_data / "london-borough-boundaries",
        )
        assert report.exit_code() == 0
    with crimepulse.open(db, read_only=True) as cp:
        yield cp


def test_annual_2022_violence_states_the_engines_verdicts(real: Crimepulse) -> None:
    snap = real.snapshot("year", "2022", "violence", oplog=False)
    doc = json.loads(str(snapshot.render(snap, "json")))
    facts = {f["id"]: f for f in doc["facts"]}
    headline = next(s for s in doc["sections"] if s["key"] == "headline")
    by_category = {}
    for item in headline["items"]:
        for i in item["facts"]:
            by_category[facts[i]["category"]["name"]] = (facts[i], item["text"])
    robbery, robbery_text = by_category["robbery"]
    assert (robbery["current"], robbery["previous"]) == (27_663, 22_803)  # README check
    # +21%, but within the usual variation of London robbery (it moved 20-30% between
    # ordinary years): the exact Poisson test's "up" is only a second opinion
    assert robbery["verdict"] == "no meaningful change" and "went up" not in robbery_text
    assert robbery["stats"]["poisson_verdict"] == "up"
    assert "27,663" in robbery_text and "22,803" in robbery_text
    homicide, homicide_text = by_category["homicide"]
    assert (homicide["current"], homicide["previous"]) == (112, 135)
    assert homicide["verdict"] == "no meaningful change"
    # the words give the series' usual range beside the change, from the Fact's own test
    usual = numbers.spread(homicide["stats"]["usual_change_pct"])
    assert "−17%, within the usual variation of this series" in homicide_text
    assert f"(it moves {usual} in an ordinary year)" in homicide_text
    assert f"it moves {numbers.spread(robbery['stats']['usual_change_pct'])}" in robbery_text
    for category, (fact, text) in by_category.items():
        engine = real.compare("all", category, "year", as_of="2022-12-31")
        assert (fact["current"], fact["previous"]) == (engine.current, engine.previous)
        if engine.verdict == "no meaningful change":  # the headline adds FDR control: never
            assert fact["verdict"] == "no meaningful change"  # a change the engine denies
        if fact["verdict"] in ("up", "down"):
            assert f"went {fact['verdict']}" in text and engine.verdict == fact["verdict"]
        assert numbers.count(fact["current"]) in text
    geography = snap.chart("map").extra["geography"]
    assert geography["kind"] == "boundaries" and len(geography["features"]) == 33
    caveats = next(s for s in doc["sections"] if s["key"] == "caveats")
    assert any("MPS recorded crime" in i["text"] for i in caveats["items"])
    assert not any("synthetic" in i["text"] for i in caveats["items"])


def test_series_break_is_named_when_straddled(real: Crimepulse) -> None:
    snap = real.snapshot("year", "2024", "robbery", oplog=False, charts=False)
    box = next(s for s in snap.sections if s.key == "caveats")
    assert any("February 2024" in snap.text(b.spans) for b in box.blocks)
