"""The outcomes log's figures as Facts, made the one way every Fact is made: the week's
count tested against the previous 13 weeks, longer periods summed; the id is the query's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from crimepulse.core.facts import Fact, fact_id
from crimepulse.oplog import OutcomesLog
from crimepulse.snapshot import narrative, oplog_facts
from crimepulse.snapshot.themes import get


def test_the_week_against_the_previous_13_weeks(warehouse: Path) -> None:
    with OutcomesLog.open(db=warehouse) as log:
        found = oplog_facts.week_facts(log, "2024-W01", get("violence"))
    by_type = {f.category.name: f for f in found}
    arrests = by_type["arrest"]  # the gangs arrests: 30 this week, 10 in each week before
    assert isinstance(arrests, Fact)
    assert (arrests.current, arrests.previous, arrests.change) == (30, 10.0, 20.0)
    # 13 weeks of exactly 10 (φ̂ = 0, taken as 1 with 11 df): 30 is still beyond that
    assert arrests.verdict == "up" and arrests.test is not None
    assert arrests.test.startswith(oplog_facts.TEST) and "quasi-Poisson" in arrests.test
    assert arrests.stats["poisson_verdict"] == "up"
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


def test_the_week_by_operation_says_what_the_post_says(post_week_log: OutcomesLog) -> None:
    groups = oplog_facts.week_operations(post_week_log, "2023-W07", get("violence"))
    by_theme = {g.theme: g for g in groups}
    # every log theme of the violence theme, county lines among them, in the theme's order
    assert list(by_theme) == list(get("violence").oplog_themes)

    def counts(theme: str) -> dict[str, float | None]:
        return {f.category.name: f.current for f in by_theme[theme].counts}

    robbery = by_theme["robbery"]
    assert counts("robbery") == {"arrest": 130, "charge": 13, "conviction": 2}
    assert robbery.solved is not None and robbery.solved.current == 28
    assert robbery.solved.category.name == oplog_facts.SOLVED
    assert counts("county lines")["county_line_closed"] == 13
    assert counts("county lines")["charge"] == 14
    firearms = counts("firearms")
    assert (firearms["firearm_recovered"], firearms["conviction"], firearms["charge"]) == (5, 6, 7)
    assert counts("organised crime")["hostage_recovered"] == 1
    assert counts("organised crime")["arrest"] == 18
    # each count is tested against its own operation's previous 13 weeks
    arrests = next(f for f in robbery.counts if f.category.name == "arrest")
    assert arrests.comparison is not None and len(arrests.comparison.counts or ()) == 13
    assert arrests.previous == round(sum(arrests.comparison.counts or ()) / 13, 3)
    assert arrests.query["themes"] == ["robbery"] and arrests.id == fact_id(arrests.query)
    charged = next(f for f in robbery.counts if f.category.name == "charge")
    assert charged.verdict == "down"  # 13 against about 50 a week: beyond the usual range
    # the largest entries, with their public summaries, are Facts of their own
    quoted = by_theme["organised crime"].entries[0]
    assert quoted.current == 18 and "£1.5 million of stolen vehicles" in quoted.notes[0]
    assert quoted.query["call"] == "oplog.entry" and quoted.window.name == "day"
    sentence = narrative.operation_sentence(
        "Robbery", [(f.id, f.as_dict()) for f in [*robbery.counts, robbery.solved]]
    )
    facts = {f.id: f.as_dict() for f in [*robbery.counts, robbery.solved]}
    text = "".join(s.render(facts) for s in sentence)
    assert text == "Robbery: 130 arrests, 13 charged, two convictions, 28 crimes solved."
    assert [s.fact for s in sentence if s.fact] == list(facts)
