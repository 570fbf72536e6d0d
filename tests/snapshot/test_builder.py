"""The snapshot's narrative logic on its own: a FAKE FactSource answers with hand-made Facts
(no warehouse, no engine), and the builder must say "went up" only for an up verdict,
"went down" only for a down one, say when counts are small, and leave a caveat, never a
zero, for a figure the data cannot answer. The facade itself is not imported by snapshot/.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import crimepulse.snapshot
from crimepulse.core.facts import AreaRef, CategoryRef, ComparisonRef, Fact, WindowRef
from crimepulse.errors import CategoryError, WindowError
from crimepulse.present import numbers, words
from crimepulse.snapshot import SnapshotError, build
from crimepulse.snapshot import text as text_renderers
from crimepulse.snapshot.model import Snapshot
from crimepulse.snapshot.narrative import CHANGE_WORDS
from crimepulse.snapshot.themes import Theme
from crimepulse.store.coverage import Series

THEME = Theme(
    name="street",
    title="Street crime",
    about="robbery, burglary, theft, homicide and arson",
    categories=(
        ("robbery", "robbery"),
        ("burglary", "burglary"),
        ("theft", "theft"),
        ("homicide", "homicide"),
        ("arson", "arson"),
    ),
    oplog_themes=(),
    event_types=(),
    next="The force will keep publishing these figures every year.",
)
YEAR = {"name": "year", "label": "the calendar year", "start": "2023-01-01", "end": "2023-12-31"}
YEAR_BEFORE = {
    "name": "compare",
    "label": "the year before",
    "start": "2022-01-01",
    "end": "2022-12-31",
}
FORCE_AREA = {"level": "force", "name": "Metropolitan Police", "code": None}


def _window(spec: dict[str, Any]) -> WindowRef:
    start, end = date.fromisoformat(spec["start"]), date.fromisoformat(spec["end"])
    return WindowRef(spec["name"], spec.get("label", spec["name"]), start, end)


def fact(
    category: str,
    current: float,
    previous: float,
    verdict: str,
    p_value: float,
    *,
    small: bool = False,
    area: dict[str, Any] | None = None,
    window: dict[str, Any] | None = None,
    q_value: float | None = None,
    stats: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
) -> Fact:
    """A tested count against the same period a year before (or `before`), as the engine
    shapes one; `stats` the test's details (usual_change_pct, history, change_basis...)."""
    where = area or FORCE_AREA
    when = window or YEAR
    return Fact(
        measure="count",
        value=current,
        unit="crimes",
        area=AreaRef(where["level"], where["name"], where.get("code"), where.get("force")),
        category=CategoryRef(category),
        window=_window(when),
        source="mps",
        comparison=ComparisonRef("last-year", window=_window(before or YEAR_BEFORE)),
        current=current,
        previous=previous,
        change=current - previous,
        change_pct=100 * (current - previous) / previous,
        test="exact test",
        p_value=p_value,
        q_value=q_value,
        verdict=verdict,
        small_counts=small,
        stats=dict(stats or {}),
        sources=[{"source": "mps-datastore", "vintage": "2024-01-15"}],
        query={"call": "fake", "category": category, "area": where["name"], "w": when["name"]},
    )


@dataclass
class FakeGrid:
    facts: list[Fact]


@dataclass
class FakeSource:
    """A FactSource made of hand-written Facts. A figure it does not hold is a question the
    data cannot answer: `compare` raises as the engine does, `grid` leaves the cell out."""

    figures: list[Fact]
    flagged: list[Fact] = field(default_factory=list)
    grid_error: Exception | None = None  # the whole grid cannot be counted together
    compare_errors: dict[str, Exception] = field(default_factory=dict)  # by category
    calls: list[str] = field(default_factory=list)

    def _level(self, areas: str) -> str:
        return "force" if areas in ("force", "all") else "borough"

    def compare(
        self,
        *,
        area: str,
        category: str,
        window: str,
        as_of: str | date,
        vs: str = "last-year",
        source: str | None = None,
        force: str = "metropolitan",
    ) -> Fact:
        self.calls.append(f"compare {category} {window}")
        if category in self.compare_errors:
            raise self.compare_errors[category]
        for f in self.figures:
            key = (f.category.name, f.window.name, f.area.level)
            if key == (category, window, self._level(area)):
                return f
        raise WindowError(f"{window} ({as_of}) needs months that are not published")

    def grid(
        self,
        *,
        areas: str,
        categories: str,
        windows: str,
        as_of: str | date,
        vs: str = "last-year",
        source: str | None = None,
        force: str = "metropolitan",
    ) -> FakeGrid:
        self.calls.append(f"grid {areas} {categories} {windows}")
        if self.grid_error is not None:
            raise self.grid_error
        wanted_categories, wanted_windows = categories.split(","), windows.split(",")
        return FakeGrid(
            [
                f
                for f in self.figures
                if f.area.level == self._level(areas)
                and f.category.name in wanted_categories
                and f.window.name in wanted_windows
            ]
        )

    def flags(
        self,
        *,
        as_of: str | date,
        categories: str = "major",
        force: str = "metropolitan",
        years: int = 5,
    ) -> Sequence[Fact]:
        return self.flagged

    def sources(self) -> Sequence[Series]:
        return []

    def sql(self, query: str) -> Any:
        raise LookupError("no areas table in a fake")  # the map falls back to its tiles


ROBBERY_UP = fact("robbery", 360, 180, "up", 1e-9)
BURGLARY_DOWN = fact("burglary", 80, 120, "down", 0.004)
THEFT_SAME = fact("theft", 130, 100, "no meaningful change", 0.21)  # +30%, not meaningful
HOMICIDE_SMALL = fact("homicide", 4, 2, "no meaningful change", 0.69, small=True)
FIGURES = [ROBBERY_UP, BURGLARY_DOWN, THEFT_SAME, HOMICIDE_SMALL]  # no arson: not counted


def _snapshot(source: FakeSource, charts: bool = False) -> Snapshot:
    return build(source, "year", "2023", THEME, charts=charts)


def _texts(snap: Snapshot, key: str) -> list[str]:
    section = next(s for s in snap.sections if s.key == key)
    return [snap.text(b.spans) for b in section.blocks]


def _sentence_of(snap: Snapshot, key: str, f: Fact) -> str:
    section = next(s for s in snap.sections if s.key == key)
    return next(snap.text(b.spans) for b in section.blocks if f.id in b.facts())


def _said(text: str) -> list[str]:
    return [w for w in CHANGE_WORDS if w in text]


def test_words_follow_verdicts() -> None:
    snap = _snapshot(FakeSource(FIGURES))
    robbery = _sentence_of(snap, "headline", ROBBERY_UP)
    burglary = _sentence_of(snap, "headline", BURGLARY_DOWN)
    theft = _sentence_of(snap, "headline", THEFT_SAME)
    assert robbery.startswith(
        "Robbery went up, by more than its usual year-to-year variation: 360 in 2023, "
        "against 180 in 2022 (+100%)"
    )
    assert burglary.startswith("Burglary went down, by more than its usual year-to-year")
    assert "80 in 2023, against 120 in 2022 (−33%)" in burglary
    assert _said(robbery) == ["went up", "more than"] and _said(burglary) == [
        "went down",
        "more than",
    ]
    # +30% is large, but the verdict says it is noise: no change words, and it says why
    assert not _said(theft) and "+30%" in theft
    assert "within the usual variation of this series" in theft
    well, improve = _texts(snap, "well"), _texts(snap, "improve")
    assert improve == [robbery]
    assert well == [  # the same Fact as the headline's, told in other words
        "Burglary fell by more than its usual year-to-year variation: down −33%, from 120 in "
        "2022 to 80 in 2023."
    ]
    assert well[0] != burglary and _said(well[0]) == ["fell", "more than"]


def test_the_usual_range_stands_beside_the_change_and_cites_the_fact() -> None:
    usual = {"usual_change_pct": 6.04, "history": [100] * 8}
    up = fact("robbery", 360, 180, "up", 1e-9, stats=usual)
    same = fact("theft", 103, 100, "no meaningful change", 0.7, stats=usual)
    beyond = fact("burglary", 120, 100, "no meaningful change", 0.09, stats=usual)
    snap = _snapshot(FakeSource([up, same, beyond]))
    assert _sentence_of(snap, "headline", up) == (
        "Robbery went up, by more than its usual year-to-year variation: 360 in 2023, "
        "against 180 in 2022 (+100%; it moves ±6% in an ordinary year)."
    )
    assert _sentence_of(snap, "headline", same) == (
        "Theft: 103 in 2023, against 100 in 2022, +3%, within the usual variation of this "
        "series (it moves ±6% in an ordinary year)."
    )
    # +20% against a usual ±6%, yet not meaningful: not "within", and no change words
    text = _sentence_of(snap, "headline", beyond)
    assert "+20%, not clearly beyond the usual variation" in text and not _said(text)
    block = next(
        b for s in snap.sections if s.key == "headline" for b in s.blocks if same.id in b.facts()
    )
    cited = [(sp.field, sp.style) for sp in block.spans if sp.fact]
    assert ("stats.usual_change_pct", "spread") in cited  # the ± figure is the Fact's


def test_too_little_history_is_said_with_the_reason_and_no_verdict_words() -> None:
    new = fact(
        "robbery", 130, 100, "not enough history", 0.01,
        stats={"history": [90, 95], "poisson_p_value": 0.04, "poisson_verdict": "up"},
    )  # fmt: skip
    snap = _snapshot(FakeSource([new, THEFT_SAME]))
    text = _sentence_of(snap, "headline", new)
    assert text == (
        "Robbery: 130 in 2023, against 100 in 2022, +30%; too little history to judge (only "
        "two earlier years of this period, and it takes three to learn how much it usually "
        "moves)."
    )
    assert not _said(text) and words.NO_CHANGE not in text
    assert new.id not in {i for s in ("well", "improve") for i in _ids(snap, s)}
    note = text_renderers.fact_note(snap.facts[new.id])
    assert "second opinion: the counts differ beyond chance (exact Poisson p = 0.04), " in note
    assert "without enough history" in note


def test_a_per_day_change_gives_its_days() -> None:
    # February 2024 has 29 days, February 2023 28: the engine compares them per day
    feb = {"name": "month", "start": "2024-02-01", "end": "2024-02-29"}
    feb_before = {"name": "month", "start": "2023-02-01", "end": "2023-02-28"}
    up = fact(
        "robbery", 3000, 2800, "up", 0.001, window=feb, before=feb_before,
        stats={"change_basis": "per day"},
    )  # fmt: skip
    per_day = 100 * ((3000 / 29) / (2800 / 28) - 1)  # 103.4 a day against 100: +3.4%
    up = dataclasses.replace(up, change_pct=per_day)
    snap = build(FakeSource([up]), "month", "2024-02", THEME, charts=False)
    text = _sentence_of(snap, "headline", up)
    assert "3,000 in February 2024 (29 days), against 2,800 in February 2023 (28 days)" in text
    assert f"({numbers.pct(per_day)} a day)" in text and numbers.pct(per_day) == "+3.4%"
    note = text_renderers.fact_note(snap.facts[up.id])
    assert "compared per day: +3.4% a day: 3,000 in 29 days against 2,800 in 28" in note


def _ids(snap: Snapshot, key: str) -> list[str]:
    section = next(s for s in snap.sections if s.key == key)
    return [i for b in section.blocks for i in b.facts()]


def test_flags_are_written_by_their_verdict() -> None:
    month = {"name": "month", "start": "2023-12-01", "end": "2023-12-31"}
    hackney = {"level": "borough", "name": "Hackney", "code": "E09000012"}
    above = fact("robbery", 40, 25.3, "up", 0.001, area=hackney, window=month)
    snap = _snapshot(FakeSource(FIGURES, flagged=[above]))
    text = _sentence_of(snap, "improve", above)
    assert text == (
        "Robbery in Hackney was higher than expected in December 2023: 40 against about "
        "25.3 expected for the time of year."
    )
    assert not any(
        above.id in b.facts() for s in snap.sections if s.key == "well" for b in s.blocks
    )


def test_small_counts_are_said() -> None:
    snap = _snapshot(FakeSource(FIGURES))
    homicide = _sentence_of(snap, "headline", HOMICIDE_SMALL)
    assert homicide.startswith("Homicide: four in 2023, against two in 2022, +100%, within")
    assert not _said(homicide) and homicide.endswith(words.SMALL_NUMBERS_SENTENCE)
    for f in (ROBBERY_UP, BURGLARY_DOWN, THEFT_SAME):
        assert words.SMALL_NUMBERS_SENTENCE not in _sentence_of(snap, "headline", f)
    assert any(t.startswith("Some counts are small") for t in _texts(snap, "caveats"))


def test_a_figure_the_data_cannot_answer_leaves_a_caveat_not_a_zero() -> None:
    snap = _snapshot(FakeSource(FIGURES))
    headline = _texts(snap, "headline")
    assert len(headline) == 1 + len(FIGURES)  # the introduction, then one per figure
    assert not any("Arson" in t for t in headline[1:])
    assert not any(f["category"]["name"] == "arson" for f in snap.facts.values())
    assert "Arson could not be counted." in _texts(snap, "caveats")


def test_when_the_grid_cannot_count_them_together_each_figure_is_asked_alone() -> None:
    source = FakeSource(
        FIGURES,
        grid_error=WindowError("the grid needs months that are not published"),
        compare_errors={"arson": CategoryError("unknown category 'arson'")},
    )
    snap = _snapshot(source)
    assert [c for c in source.calls if c.startswith("compare")] == [
        f"compare {category} year" for category, _ in THEME.categories
    ]
    assert _said(_sentence_of(snap, "headline", ROBBERY_UP)) == ["went up", "more than"]
    assert not _said(_sentence_of(snap, "headline", THEFT_SAME))
    caveats = _texts(snap, "caveats")
    assert "Arson (year) is not shown: unknown category 'arson'" in caveats
    assert not any(f["category"]["name"] == "arson" for f in snap.facts.values())


def test_nothing_meaningful_says_so_in_both_lists() -> None:
    snap = _snapshot(FakeSource([THEFT_SAME, HOMICIDE_SMALL]))
    assert _texts(snap, "well") == [
        "Nothing in this snapshot fell by more than it usually moves from one period to the "
        "next, so no figure here can yet be called an improvement."
    ]
    improve = _texts(snap, "improve")
    assert len(improve) == 1 and improve[0].startswith("Nothing in this snapshot rose")


def test_no_figure_at_all_is_an_error_that_says_why() -> None:
    with pytest.raises(SnapshotError, match="no figure of the theme could be counted"):
        _snapshot(FakeSource([]))


def test_the_map_names_boroughs_only_for_a_meaningful_change() -> None:
    hackney = {"level": "borough", "name": "Hackney", "code": "E09000012"}
    camden = {"level": "borough", "name": "Camden", "code": "E09000007"}
    hackney_up = fact("robbery", 360, 180, "up", 1e-9, area=hackney, q_value=0.001)
    camden_same = fact("robbery", 150, 120, "no meaningful change", 0.12, area=camden)
    snap = _snapshot(FakeSource([*FIGURES, hackney_up, camden_same]), charts=True)
    chart = next(c for c in snap.charts if c.kind == "map")
    assert chart.extra["geography"]["kind"] == "tiles"  # the fake has no boundaries
    assert set(chart.facts) == {hackney_up.id, camden_same.id}
    alt = snap.text(chart.alt)
    assert "A meaningful rise in Hackney (+100%)" in alt and "Camden" not in alt
    improve = _texts(snap, "improve")
    assert (
        "Robbery in Hackney went up, by more than its usual year-to-year variation: 360 in "
        "2023, against 180 in 2022 (+100%)." in improve
    )
    assert not any("Camden" in t for t in improve + _texts(snap, "well"))
    assert not [c for c in snap.charts if c.kind == "trend"]  # no months: no trend chart


def test_the_snapshot_floor_does_not_import_the_facade() -> None:
    """snapshot/ depends on the FactSource protocol; the facade is handed in from above."""
    package = Path(crimepulse.snapshot.__file__).parent
    found = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names]
                names += [node.module] if node.module != "crimepulse" else []
            else:
                continue
            bad = [n for n in names if n in ("crimepulse", "crimepulse.api")]
            bad += [n for n in names if n.startswith("crimepulse.api.")]
            bad += [n for n in names if n in ("crimepulse.Crimepulse", "crimepulse.open")]
            found += [f"{path.name}:{node.lineno} {n}" for n in bad]
    assert found == []
