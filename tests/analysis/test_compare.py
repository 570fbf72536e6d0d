"""Compare on a small warehouse the tests write (tests/analysis/conftest.py): counts equal
hand sums, verdicts follow the tests, the Fact keeps its published shape, and questions the
data cannot answer are clear errors."""

from __future__ import annotations

import json

import pytest

from crimepulse.analysis.engine import Analysis
from crimepulse.analysis.question import Question
from crimepulse.analysis.selection import AreaError
from crimepulse.api import Crimepulse
from crimepulse.errors import CategoryError, MissingDataError, WindowError
from tests.analysis.conftest import MONTHS, count
from tests.factories import TWO_FORCES


def test_compare_counts_equal_hand_sums_and_verdict_follows_the_test(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "year", as_of="2023-12-31", vs="last-year")
    assert (fact.current, fact.previous) == (15 * 2 * 12, 15 * 12)
    assert fact.verdict == "up" and fact.change_pct == 100.0
    # a flat history (φ̂ = 0) is not taken at its word: t with 3 df and φ = 1 gives
    # t = 90 / √(540 / 4) = 7.75, p = 0.0045; the exact Poisson test says 1e-10
    assert fact.p_value == pytest.approx(0.0045, abs=1e-4)
    assert fact.stats["poisson_p_value"] < 1e-10 and fact.stats["df"] == 3
    same = cp.compare("camden", "robbery", "year", as_of="2023-12", vs="last-year")
    assert (same.current, same.previous, same.verdict) == (120, 120, "no meaningful change")
    assert same.p_value == 1.0
    assert same.area.code == "E09000007"  # names resolve case-insensitively to codes
    london = cp.compare("all", "Robbery", "ytd", as_of="2023-03-31", vs="last-year")
    assert london.current == 3 * (10 + 30 + 20) and london.previous == 3 * (10 + 15 + 20)


def test_fact_json_has_the_documented_keys(cp: Crimepulse) -> None:
    fact = cp.compare("E09000012", "robbery", "quarter", as_of="2023-06-30", vs="previous")
    data = json.loads(fact.to_json())
    for key in (
        "current",
        "previous",
        "change",
        "change_pct",
        "verdict",
        "p_value",
        "ci_low",
        "ci_high",
        "test",
        "sources",
        "query",
        "id",
        "window",
        "area",
    ):
        assert key in data
    assert data["window"]["start"] == "2023-04-01"
    assert data["comparison"]["window"]["start"] == "2023-01-01"
    assert data["query"]["call"] == "compare" and "SELECT" in data["query"]["sql"]
    assert data["sources"][0]["source"] == "mps-datastore"


def test_small_counts_are_said_and_never_called_a_change(cp: Crimepulse) -> None:
    fact = cp.compare("Westminster", "homicide", "year", as_of="2023-12", vs="last-year")
    assert (fact.current, fact.previous) == (3, 3)
    assert fact.small_counts and fact.verdict == "no meaningful change"


def test_baseline_uses_the_same_window_in_each_year(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "ytd", as_of="2023-06", vs="baseline:2019-2022")
    assert fact.current == 30 * 6
    assert fact.comparison is not None and fact.comparison.counts == (90, 90, 90, 90)
    assert fact.previous == 90.0


def test_rate_per_1000_residents(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "year", as_of="2022-12", measure="rate")
    assert fact.value == pytest.approx(180 / 250_000 * 1000)
    assert fact.unit == "crimes per 1,000 residents"
    with pytest.raises(MissingDataError, match="no population for Hackney in 2023"):
        cp.compare("Hackney", "robbery", "year", as_of="2023-12", measure="rate")


def test_harm_weighted_totals_name_the_index_and_list_unweighted(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "violence", "year", as_of="2023-12", measure="harm")
    assert fact.previous == fact.current  # the same homicides every year
    assert fact.unit == "harm (Test Index)"
    homicides = sum(count("Camden", "HOMICIDE", m) for m in MONTHS if m.startswith("2023"))
    assert fact.current == homicides * 5475
    assert any("VIOLENCE WITH INJURY" in n for n in fact.notes)
    # judged like its counts: the homicides of 2019-2022 are the history that decides (one
    # weighted category: the same p-value as the count's); the exact test's kept beside it
    counted = cp.compare("Camden", "homicide", "year", as_of="2023-12")
    assert fact.stats["history"] == counted.stats["history"] and len(counted.stats["history"]) == 4
    assert fact.p_value == pytest.approx(counted.p_value)
    assert fact.stats["poisson_p_value"] == pytest.approx(counted.stats["poisson_p_value"])
    short = cp.compare("Camden", "violence", "year", as_of="2021-12", measure="harm")
    assert short.verdict == "not enough history" and short.p_value is None  # 2019-2020 only
    assert short.stats["poisson_verdict"] is not None


def test_granularity_and_publication_errors(cp: Crimepulse) -> None:
    with pytest.raises(WindowError, match=r"published monthly"):
        cp.compare("all", "robbery", "28d", as_of="2023-03-31", source="mps")
    with pytest.raises(MissingDataError, match=r"not published.*2024-01"):
        cp.compare("all", "robbery", "month", as_of="2024-01-31")
    with pytest.raises(CategoryError, match=r"police\.uk"):
        cp.compare("all", "homicide", "28d", as_of="2023-03-28", source="feed")
    with pytest.raises(AreaError, match="unknown area"):
        cp.compare("Atlantis", "robbery", "year", as_of="2023-12")


def test_day_windows_count_the_daily_feed(cp: Crimepulse) -> None:
    fact = cp.compare("Camden", "robbery", "28d", as_of="2023-03-28", vs="previous")
    assert fact.source == "feed"
    assert (fact.current, fact.previous) == (56, 28)
    # the feed holds no earlier years: its usual variation is unknown, so no verdict —
    # and the exact Poisson test's "the counts differ beyond chance" is kept, labelled
    assert fact.verdict == "not enough history" and fact.p_value is None
    assert fact.stats["poisson_verdict"] == "up" and fact.stats["poisson_p_value"] < 0.01


def test_a_compare_fact_keeps_its_published_shape(cp: Crimepulse) -> None:
    """The JSON API, the CLI and the snapshots publish `as_dict()`: its keys, their order and
    the shape of each part are a contract (typed parts inside, the same JSON outside)."""
    data = cp.compare("Hackney", "robbery", "year", as_of="2023-12", vs="last-year").as_dict()
    assert list(data) == [
        "id", "measure", "value", "unit", "area", "category", "window", "source",
        "comparison", "current", "previous", "change", "change_pct", "test", "p_value",
        "q_value", "ci_low", "ci_high", "verdict", "small_counts", "stats", "sources",
        "query", "notes",
    ]  # fmt: skip
    assert data["area"] == {
        "level": "borough",
        "code": "E09000012",
        "name": "Hackney",
        "force": "metropolitan",
    }
    assert list(data["area"]) == ["level", "code", "name", "force"]
    assert list(data["category"]) == ["name", "label", "mps_majors", "mps_minors", "crime_types"]
    assert data["category"]["mps_majors"] == ["ROBBERY"]
    window = {"name": "year", "label": "the calendar year", "start": "2023-01-01"}
    assert data["window"] == {**window, "end": "2023-12-31"}
    assert data["comparison"] == {
        "kind": "last-year",
        "window": {
            "name": "compare",  # the window's role in the one query, as always published
            "label": "the calendar year",
            "start": "2022-01-01",
            "end": "2022-12-31",
        },
    }
    assert list(data["query"]) == [
        "call", "area", "category", "window", "as_of", "vs", "source", "force", "measure",
        "alpha", "sql",
    ]  # fmt: skip
    assert data["query"]["as_of"] == "2023-12"  # as asked: the id hashes the question's words


def test_a_baseline_comparison_lists_its_windows_and_counts(cp: Crimepulse) -> None:
    fact = cp.compare("Hackney", "robbery", "ytd", as_of="2023-06", vs="baseline:2019-2020")
    assert fact.comparison is not None
    data = fact.as_dict()["comparison"]
    assert list(data) == ["kind", "windows", "counts"]
    assert [w["name"] for w in data["windows"]] == ["baseline 2019", "baseline 2020"]
    assert [w["start"] for w in data["windows"]] == ["2019-01-01", "2020-01-01"]
    assert data["counts"] == [90, 90] == list(fact.comparison.counts or ())


def test_the_facade_asks_the_engine_one_question(cp: Crimepulse) -> None:
    by_words = cp.compare("Camden", "robbery", "quarter", as_of="2023-06", vs="previous")
    question = Question(
        area="Camden", category="robbery", window="quarter", as_of="2023-06", vs="previous"
    )
    asked = cp.analysis.compare(question)
    assert (asked.current, asked.previous, asked.verdict) == (
        by_words.current,
        by_words.previous,
        by_words.verdict,
    )
    strip = {"sql"}  # each run names its window table afresh
    assert {k: v for k, v in asked.query.items() if k not in strip} == {
        k: v for k, v in by_words.query.items() if k not in strip
    }
    assert asked.id == by_words.id


def test_rates_for_a_whole_grid_equal_one_rate_comparison_per_borough(cp: Crimepulse) -> None:
    """The map's rates come from one grid and one population query; each must be exactly
    what compare(measure="rate") says for that borough."""
    from crimepulse.analysis.measures import rates_per_1000
    from crimepulse.analysis.question import GridQuestion

    grid = cp.analysis.grid(
        GridQuestion(areas="boroughs", categories="robbery", windows="year", as_of="2022-12")
    )
    rates = rates_per_1000(cp.analysis, grid.facts)
    assert set(rates) == {"E09000007", "E09000012", "E09000033"}
    for f in grid.facts:
        one = cp.compare(f.area.name, "robbery", "year", as_of="2022-12", measure="rate")
        assert rates[str(f.area.code)] == pytest.approx(one.value, rel=1e-12)
    hackney = 12 * 15 / 250_000 * 1000  # 15 robberies a month in 2022, 250,000 residents
    assert rates["E09000012"] == pytest.approx(hackney)


def test_rates_for_a_grid_need_every_boroughs_population(cp: Crimepulse) -> None:
    from crimepulse.analysis.measures import rates_per_1000
    from crimepulse.analysis.question import GridQuestion

    grid = cp.analysis.grid(
        GridQuestion(areas="boroughs", categories="robbery", windows="year", as_of="2023-12")
    )
    with pytest.raises(MissingDataError, match=r"no population for .* in 2023"):
        rates_per_1000(cp.analysis, grid.facts)


def test_the_same_question_keeps_its_id_run_after_run(cp: Crimepulse) -> None:
    """Each run names the query's window table afresh (its SQL differs); the id must not."""
    question = Question(area="Hackney", category="robbery", window="ytd", as_of="2023-06")
    first = cp.analysis.compare(question)
    again = Analysis.from_duckdb(cp.warehouse.con).compare(question)  # a fresh engine
    assert first.query["sql"] != again.query["sql"]  # the premise: the SQL text moved
    assert first.id == again.id == cp.compare("Hackney", "robbery", "ytd", as_of="2023-06").id
    other = cp.compare("Hackney", "robbery", "ytd", as_of="2023-06", vs="previous")
    assert other.id != first.id  # and another question gets another id


# -- a source that carries some crime types only -------------------------------------------


def test_all_crime_from_burglaries_alone_is_refused_with_the_reason(
    burglary_only: Crimepulse,
) -> None:
    for category, label in (("all", "all recorded crime"), ("robbery", "robbery")):
        with pytest.raises(MissingDataError) as refused:
            burglary_only.compare(category=category, window="year", as_of="2023-12")
        message = str(refused.value)
        assert message.startswith(
            "data.police.uk street-level crime in this warehouse carries only Burglary "
            f"(2022-01..2023-12) for metropolitan: {label} cannot be counted from it "
            "(it needs "
        ), message
        assert message.endswith(
            "in 2022-01..2023-12); ingest the full street files or use --source mps"
        )
    # ... and the same for the City of London, whose files carry burglary alone too
    with pytest.raises(
        MissingDataError, match=r"carries only Burglary \(2022-01..2023-12\) for city-of-london"
    ):
        burglary_only.compare("City of London", "all", "month", as_of="2023-12")


def test_what_the_source_carries_is_still_answered(burglary_only: Crimepulse) -> None:
    fact = burglary_only.compare(category="burglary", window="year", as_of="2023-12")
    met_2022, met_2023 = TWO_FORCES["metropolitan"]
    assert (fact.current, fact.previous, fact.source) == (12 * met_2023, 12 * met_2022, "police.uk")


def test_a_grid_leaves_out_what_the_source_cannot_count_and_says_why(
    burglary_only: Crimepulse,
) -> None:
    grid = burglary_only.grid("force", "groups", "year", as_of="2023-12")
    counted = {f.category.name for f in grid.facts}
    assert counted == {"burglary"}  # every other group needs a type the files lack
    left_out = grid.meta["left_out"]
    assert "robbery" in left_out and "acquisitive" in left_out and "burglary" not in left_out
    assert (
        "robbery cannot be counted from it (it needs Robbery in 2022-01..2023-12)"
        in (left_out["robbery"])
    )
    assert "has no category 'violence against the person'" in left_out["violence"]
    (cell,) = grid.facts
    met_2022, met_2023 = TWO_FORCES["metropolitan"]
    assert (cell.current, cell.previous) == (12 * met_2023, 12 * met_2022)
    with pytest.raises(MissingDataError, match="robbery cannot be counted"):
        burglary_only.grid("force", "robbery,theft", "year", as_of="2023-12")
