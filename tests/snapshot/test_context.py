"""The snapshot's last complete year and its national context: every number a Fact the
engine gives, the words following each verdict, and a plain statement where the national
tables carry no figure; on a small warehouse counted by hand and on the real tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import crimepulse
from crimepulse import snapshot
from crimepulse.api import Crimepulse
from crimepulse.oplog import OutcomesLog
from crimepulse.present import numbers
from crimepulse.snapshot import editing
from crimepulse.snapshot.context import latest_year
from tests.factories import write
from tests.snapshot.conftest import write_mps

NATIONAL_HEADER = "financial_year,offence_key,offence_label,offences"


def england_and_wales(fy: int) -> int:
    return 10_000 + 100 * (fy - 2015)


@pytest.fixture(scope="module")
def cp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("context")
    write_mps(root / "data" / "mps.csv")
    rows = [
        f"{fy}/{(fy + 1) % 100:02d},{key},{label},{england_and_wales(fy) * scale}"
        for fy in range(2015, 2023)
        for key, label, scale in (
            ("robbery", "TOTAL ROBBERY", 1),
            ("violence", "TOTAL VIOLENCE AGAINST THE PERSON", 10),
        )
    ]
    write(root / "data" / "ew.csv", NATIONAL_HEADER, rows)
    db = root / "w.duckdb"
    with crimepulse.open(db) as handle:
        assert handle.ingest(root / "data").exit_code(strict=True) == 0
    with crimepulse.open(db, read_only=True) as handle:
        yield handle


def sections(snap: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    doc = json.loads(str(snapshot.render(snap, "json")))
    return {f["id"]: f for f in doc["facts"]}, {s["key"]: s for s in doc["sections"]}


def test_latest_year_calendar_or_financial() -> None:
    assert latest_year(date(2023, 1, 31), "calendar").name == "2022"
    assert latest_year(date(2023, 12, 31), "calendar").end == date(2023, 12, 31)
    assert latest_year(date(2023, 1, 31), "financial").name == "2021/22"
    assert latest_year(date(2023, 3, 31), "financial").end == date(2023, 3, 31)


def test_week_leads_with_the_year_and_sets_the_force_against_the_rest(cp: Crimepulse) -> None:
    snap = cp.snapshot("week", "2023-11-05", "violence", oplog=False, charts=False)
    facts, found = sections(snap)
    keys = [s["key"] for s in json.loads(str(snapshot.render(snap, "json")))["sections"]]
    assert keys[:3] == ["headline", "year", "national"]
    year = found["year"]
    assert year["title"] == "2022 against the year before"
    for item in year["items"]:
        for i in item["facts"]:
            fact = facts[i]
            engine = cp.compare("all", fact["category"]["name"], "year", as_of="2022-12-31")
            assert (fact["current"], fact["previous"]) == (engine.current, engine.previous)
            assert fact["verdict"] == engine.verdict
    national = found["national"]
    texts = [item["text"] for item in national["items"]]
    # robbery 2022/23: Camden 10, Hackney 15 (30 from January 2023), Westminster 20 a month
    robbery = [facts[i] for item in national["items"] for i in item["facts"]]
    robbery = [f for f in robbery if f["category"]["name"] == "robbery"]
    force, rest, difference = robbery  # the two changes, then whether they differ
    assert difference["measure"] == "ratio" and difference["comparison"]["kind"].startswith("rest")
    assert (force["current"], force["previous"]) == (120 + 9 * 15 + 3 * 30 + 240, 120 + 180 + 240)
    assert (rest["current"], rest["previous"]) == (
        england_and_wales(2022) - force["current"],
        england_and_wales(2021) - force["previous"],
    )
    assert force["window"]["start"] == "2022-04-01" and rest["window"] == force["window"]
    rest_words = (
        f"in the rest of England and Wales: {rest['current']:,} in April 2022 to March 2023"
    )
    assert any(rest_words in t for t in texts), texts
    assert "Homicide: no national homicide figure is loaded for 2022/23." in texts
    for item in national["items"]:
        for i in item["facts"]:
            if facts[i]["verdict"] not in ("up", "down"):
                assert "went up" not in item["text"] and "went down" not in item["text"]


def test_no_year_section_when_the_headline_already_counts_the_year(cp: Crimepulse) -> None:
    """At December the headline's year to date is the calendar year: not said twice."""
    snap = cp.snapshot("week", "2024-01-07", "violence", oplog=False, charts=False)
    _, found = sections(snap)
    assert "year" not in found and "national" in found


def test_no_national_table_is_said_plainly(tmp_path: Path) -> None:
    write_mps(tmp_path / "data" / "mps.csv")
    with crimepulse.open(tmp_path / "w.duckdb") as handle:
        handle.ingest(tmp_path / "data")
        snap = handle.snapshot("month", "2023-12", "violence", oplog=False, charts=False)
    _, found = sections(snap)
    (paragraph,) = found["national"]["items"]
    assert paragraph["text"] == (
        "No national recorded-crime table is loaded, so London is not compared with the rest "
        "of England and Wales."
    )
    assert paragraph["facts"] == []


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    parquet = shared_data / "mps-datastore-parquet"
    db = tmp_path_factory.mktemp("real-context") / "london.duckdb"
    with crimepulse.open(db) as handle:
        handle.ingest(
            parquet / "recorded-crime-borough-historical.parquet",
            parquet / "recorded-crime-borough.parquet",
            shared_data / "england-wales-recorded-crime",
        )
    with crimepulse.open(db, read_only=True) as handle:
        yield handle


@pytest.mark.shared
def test_real_week_of_19_february_2023(real: Crimepulse) -> None:
    """The issue's check: 2022's murders 112 against 135 (−17%), within the usual variation;
    London against the rest of England and Wales in 2021/22 for violence and robbery; no
    national homicide figure."""
    snap = real.snapshot("week", "2023-02-19", "violence", oplog=False, charts=False)
    facts, found = sections(snap)
    by_category = {}
    for item in found["year"]["items"]:
        for i in item["facts"]:
            by_category[facts[i]["category"]["name"]] = (facts[i], item["text"])
    homicide, text = by_category["homicide"]
    assert (homicide["current"], homicide["previous"]) == (112, 135)
    assert homicide["verdict"] == "no meaningful change"
    assert "112 in 2022, against 135 in 2021, −17%, within the usual variation" in text
    pairs: dict[str, list[dict[str, Any]]] = {}
    differences = {}
    for item in found["national"]["items"]:
        for i in item["facts"]:
            if facts[i]["measure"] == "ratio":  # did London move differently? (its own Fact)
                differences[facts[i]["category"]["name"]] = (facts[i], item["text"])
                continue
            pairs.setdefault(facts[i]["category"]["name"], []).append(facts[i])
    assert set(pairs) == set(differences) == {"violence", "robbery"}
    # 2021/22: robbery +7.1% in London, +13% elsewhere; violence +11% against +19%: both
    # within the two series' usual variation of each other, so no "bucking the trend"
    for fact, text in differences.values():
        assert fact["verdict"] == "no meaningful change"
        assert "moved within their usual variation of each other" in text
    assert differences["robbery"][1].startswith("Robbery: London (+7.1%) and the rest")
    force, rest = pairs["robbery"]
    assert (force["current"], force["previous"]) == (24_452, 22_839)
    assert (rest["current"], rest["previous"]) == (66_167 - 24_452, 59_650 - 22_839)
    assert rest["window"]["start"] == "2021-04-01" and rest["window"]["end"] == "2022-03-31"
    texts = [item["text"] for item in found["national"]["items"]]
    assert "Homicide: no national homicide figure is loaded for 2021/22." in texts


@pytest.mark.shared
def test_the_commissioners_post_from_real_tables_and_the_weeks_log(
    real: Crimepulse, post_week_log: OutcomesLog
) -> None:
    """The issue's done-when, whole: the real MPS and England & Wales tables with the log of
    the post's week (2023-W07). The year's murders, the national comparison, the plain
    "no national homicide figure" and every operational line are in one snapshot, and
    every number in every section is its Fact's value, formatted."""
    snap = snapshot.build(real, "week", "2023-02-19", "violence", log=post_week_log, charts=False)
    doc = json.loads(str(snapshot.render(snap, "json")))
    facts = {f["id"]: f for f in doc["facts"]}
    found = {s["key"]: s for s in doc["sections"]}
    year = [i["text"] for i in found["year"]["items"]]
    assert any("112 in 2022, against 135 in 2021, −17%" in t for t in year)
    national = [i["text"] for i in found["national"]["items"]]
    assert "Homicide: no national homicide figure is loaded for 2021/22." in national
    assert any(t.startswith("Robbery: London (+7.1%)") for t in national)
    ops = [i["text"] for i in found["operations"]["items"] if i["kind"] == "li"]
    assert "Robbery: 130 arrests, 13 charged, two convictions, 28 crimes solved." in ops
    county = next(t for t in ops if t.startswith("County lines:"))
    assert "13 lines closed" in county and "14 charged" in county
    assert any(t.startswith("Firearms: five firearms recovered") for t in ops)
    assert any(t.startswith("Organised crime:") for t in ops)
    for section in doc["sections"]:  # each number shown is its Fact's field, formatted
        for item in section["items"]:
            for number in item["numbers"]:
                value: Any = facts[number["fact"]]
                for part in number["field"].split("."):
                    value = value[part]
                assert number["text"] in {numbers.fmt(value, s) for s in numbers.STYLES}
    # and no figure in the prose is free: the builder's own template, every number a
    # placeholder, passes the checks an edit must pass (a typed figure would be refused)
    template = editing.to_template(snap)
    assert "{homicide_2022.current}" in template and "112" not in template.split("\n## ", 1)[1]
    assert snapshot.render(editing.apply(snap, template), "md") == snapshot.render(snap, "md")
    post = str(snapshot.render(snap, "post", "https://police.example/w07"))
    assert "Robbery: 130 arrests" in post and "https://police.example/w07" in post
    assert not re.search(r"f-[0-9a-f]{12}", post)
