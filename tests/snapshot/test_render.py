"""Golden structural tests: the rendered snapshot states the Facts, with their numbers,
and its words follow their verdicts. Not byte-for-byte prose snapshots."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.oplog import OutcomesLog
from crimepulse.present import numbers
from crimepulse.snapshot.narrative import CHANGE_WORDS
from crimepulse.snapshot.text import POST_LIMIT
from tests.snapshot.conftest import WEEK_END


@pytest.fixture(scope="module")
def annual(cp: Crimepulse) -> snapshot.Snapshot:
    return snapshot.build(cp, "year", "2023", "violence")


@pytest.fixture(scope="module")
def weekly(cp: Crimepulse, warehouse: Path) -> snapshot.Snapshot:
    with OutcomesLog.open(db=warehouse) as log:
        return snapshot.build(cp, "week", WEEK_END.isoformat(), "violence", log=log)


def _json(snap: snapshot.Snapshot) -> dict[str, Any]:
    out = json.loads(str(snapshot.render(snap, "json")))
    assert set(out) == {"meta", "facts", "sections"}
    return out


def _headline(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Headline facts by category name."""
    facts = {f["id"]: f for f in doc["facts"]}
    section = next(s for s in doc["sections"] if s["key"] == "headline")
    return {
        facts[i]["category"]["name"]: facts[i] for item in section["items"] for i in item["facts"]
    }


def test_numbers_equal_the_facts_they_cite(annual: snapshot.Snapshot, cp: Crimepulse) -> None:
    doc = _json(annual)
    facts = {f["id"]: f for f in doc["facts"]}
    cited = 0
    for section in doc["sections"]:
        for item in section["items"]:
            for number in item["numbers"]:
                value = facts[number["fact"]]
                for part in number["field"].split("."):  # "stats.usual_change_pct"
                    value = value[part]
                shown = number["text"]
                if number["field"] == "change_pct":
                    assert shown == numbers.pct(value)
                elif number["field"] == "stats.usual_change_pct":
                    assert shown == numbers.spread(value)
                else:
                    digits = re.sub(r"[^\d.]", "", shown)
                    expected = value if digits else None
                    assert (float(digits) if digits else None) == pytest.approx(
                        expected, abs=0.051
                    ) or numbers.words(value) == shown
                assert shown in item["text"]
                cited += 1
    assert cited >= 10
    head = _headline(doc)
    assert set(head) >= {"violence", "homicide", "robbery", "weapons"}
    engine = cp.compare("all", "robbery", "year", as_of="2023-12-31")
    assert head["robbery"]["current"] == engine.current == 12 * (10 + 30 + 20)
    assert head["robbery"]["previous"] == engine.previous


def test_words_follow_verdicts(annual: snapshot.Snapshot) -> None:
    doc = _json(annual)
    facts = {f["id"]: f for f in doc["facts"]}
    head = _headline(doc)
    assert head["robbery"]["verdict"] == "up"  # Hackney doubled
    assert head["homicide"]["verdict"] == "no meaningful change"
    assert head["violence"]["verdict"] == "no meaningful change"
    for section in doc["sections"]:
        for item in section["items"]:
            if item["kind"] == "chart" or not item["facts"]:
                continue
            verdicts = {facts[i]["verdict"] for i in item["facts"]}
            said = [w for w in CHANGE_WORDS if w in item["text"]]
            if verdicts <= {"no meaningful change", None}:
                assert not said, item["text"]
                if verdicts == {"no meaningful change"}:
                    assert "the usual variation of this series" in item["text"]
                if section["key"] == "headline" and len(item["facts"]) == 1:
                    fact = facts[item["facts"][0]]
                    usual = fact["stats"].get("usual_change_pct")  # beside every change
                    assert usual is None or f"it moves {numbers.spread(usual)}" in item["text"]
            elif verdicts == {"up"}:
                assert said and "went down" not in item["text"], item["text"]
    improve = next(s for s in doc["sections"] if s["key"] == "improve")
    assert any("Robbery went up" in i["text"] for i in improve["items"])
    homicide = next(i for i in doc["sections"][0]["items"] if head["homicide"]["id"] in i["facts"])
    assert "small numbers" in homicide["text"] and "against" in homicide["text"]


def test_every_fact_has_id_and_citing_text(annual: snapshot.Snapshot) -> None:
    doc = _json(annual)
    for fact in doc["facts"]:
        assert re.fullmatch(r"f-[0-9a-f]{12}", fact["id"])
        assert fact["cited_by"], fact["id"]
        assert fact["sources"] and fact["query"]


def test_markdown_footnotes_every_fact(annual: snapshot.Snapshot) -> None:
    md = str(snapshot.render(annual, "md"))
    doc = _json(annual)
    for n, fact in enumerate(doc["facts"], 1):
        assert f"[^{n}]: `{fact['id']}`" in md
    robbery = _headline(doc)["robbery"]
    line = next(x for x in md.splitlines() if x.startswith("- Robbery went up"))
    assert numbers.count(robbery["current"]) in line and re.search(r"\[\^\d+\]", line)
    assert "How to read these figures" in md


def test_html_is_self_contained(annual: snapshot.Snapshot) -> None:
    page = str(snapshot.render(annual, "html"))
    assert "<svg" in page and "<style>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page and "<script" not in page
    for fact in _json(annual)["facts"]:
        assert f'id="{fact["id"]}"' in page
    assert 'class="n" href="#f-' in page


def test_post_is_short_and_states_the_headline(annual: snapshot.Snapshot) -> None:
    post = str(snapshot.render(annual, "post"))
    assert len(post) <= POST_LIMIT
    robbery = _headline(_json(annual))["robbery"]
    assert numbers.count(robbery["current"]) in post and robbery["id"] in post


def test_weekly_is_honest_about_granularity(weekly: snapshot.Snapshot) -> None:
    doc = _json(weekly)
    assert doc["meta"]["week"] == "2024-W01" and doc["meta"]["month_end"] == "2023-12-31"
    head = _headline(doc)
    assert {f["window"]["name"] for f in head.values()} <= {"month", "ytd"}
    text = " ".join(i["text"] for s in doc["sections"] for i in s["items"])
    assert "published monthly" in text and "December 2023" in text
    ops = next(s for s in doc["sections"] if s["key"] == "operations")
    facts = {f["id"]: f for f in doc["facts"]}
    said = [i for i in ops["items"] if i["kind"] == "li" and not i["text"].startswith("From")]
    lines = {i["text"].split(":")[0]: i for i in said}
    assert list(lines)[:2] == ["Firearms", "Gangs"]  # by operation, in the theme's order
    gangs = [facts[i] for i in lines["Gangs"]["facts"]]
    assert [f["category"]["name"] for f in gangs] == ["arrest"]
    assert gangs[0]["current"] == 30  # the gangs arrests; burglary is another theme
    assert gangs[0]["verdict"] == "up"
    assert lines["Gangs"]["text"].startswith("Gangs: 30 arrests. Against the previous 13 weeks")
    assert "arrests: more than usual (the average was 10 a week" in lines["Gangs"]["text"]
    firearms = [facts[i] for i in lines["Firearms"]["facts"]]
    assert firearms[0]["current"] == 2 and firearms[0]["verdict"] == "no meaningful change"
    assert lines["Firearms"]["text"].startswith("Firearms: two firearms recovered.")
    assert "firearms recovered: within the usual range" in lines["Firearms"]["text"]


def test_caveats_name_sources_and_breaks(annual: snapshot.Snapshot, cp: Crimepulse) -> None:
    box = next(s for s in _json(annual)["sections"] if s["key"] == "caveats")
    text = " ".join(i["text"] for i in box["items"])
    assert "MPS recorded crime" in text and "edition of" in text
    assert "February 2024" not in text  # 2023 vs 2022 does not straddle the break
    later = snapshot.build(cp, "year", "2023", "violence", charts=False)
    assert later.meta["synthetic"] is False and "synthetic" not in text


def test_unknown_theme_and_period_are_clear_errors(cp: Crimepulse) -> None:
    with pytest.raises(snapshot.ThemeError, match="unknown theme"):
        snapshot.build(cp, "year", "2023", "jaywalking")
    with pytest.raises(snapshot.SnapshotError, match="unknown period"):
        snapshot.build(cp, "fortnight", "2023", "violence")
