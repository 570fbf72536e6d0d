"""The analysis commands: JSON with the documented keys, CSV grids, clear errors, and
numbers written in the house style of crimepulse.present."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crimepulse.cli import app
from crimepulse.cli.analysis import _fact_rows, _fact_sentence, _grid_cell
from crimepulse.core.facts import AreaRef, CategoryRef, ComparisonRef, Fact, WindowRef
from tests.factories import TWO_FORCES, shared_wards, two_forces, write

MONTHS = [f"{y}{m:02d}" for y in range(2016, 2023) for m in range(1, 13)]
# 2016-2021 vary by ±10% from year to year (the history a verdict is judged against);
# 2022 doubles 2021
YEAR_FACTOR = {2016: 1.0, 2017: 1.1, 2018: 0.9, 2019: 1.05, 2020: 0.95, 2021: 1.0, 2022: 2.0}


def monthly(n: int, month: str) -> int:
    return round(n * YEAR_FACTOR[int(month[:4])])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("cli")
    rows = [
        ",".join(
            [
                "ROBBERY",
                "ROBBERY OF PERSONAL PROPERTY",
                b,
                *(str(monthly(n, m)) for m in MONTHS),
            ]
        )
        for b, n in (("Camden", 20), ("Hackney", 5))
    ]
    write(
        root / "data" / "mps.csv",
        ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]),
        rows,
    )
    path = str(root / "w.duckdb")
    result = CliRunner().invoke(app, ["ingest", str(root / "data"), "--db", path])
    assert result.exit_code == 0, result.output
    return path


def test_compare_json_is_the_fact(db: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "compare",
            "--area",
            "camden",
            "--category",
            "robbery",
            "--window",
            "year",
            "--as-of",
            "2022-12",
            "--db",
            db,
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    fact = json.loads(result.output)
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
    ):
        assert key in fact
    assert (fact["current"], fact["previous"], fact["verdict"]) == (480, 240, "up")


def test_compare_table_says_up_only_when_meaningful(db: str) -> None:
    result = CliRunner().invoke(
        app,
        [
            "compare",
            "--area",
            "Hackney",
            "--category",
            "robbery",
            "--window",
            "month",
            "--as-of",
            "2022-01",
            "--db",
            db,
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "no meaningful change" in result.output and ": up" not in result.output  # 10 vs 5


def test_grid_csv_has_a_row_per_cell(db: str) -> None:
    result = CliRunner().invoke(
        app, ["grid", "--windows", "year,quarter", "--as-of", "2022-12-31", "--db", db, "-f", "csv"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 2 * 2  # 2 boroughs x 1 major x 2 windows
    assert {r["verdict"] for r in rows} <= {"up", "down", "no meaningful change"}


def test_flags_json(db: str) -> None:
    result = CliRunner().invoke(app, ["flags", "--as-of", "2022-12", "--db", db, "-f", "json"])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.output), list)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "7d", "--as-of", "2022-12-31"], "day-level data"),
        (["--window", "month", "--as-of", "2023-06"], "not published"),
        (["--category", "jaywalking", "--as-of", "2022-12"], "unknown category"),
        (["--window", "year"], "give --as-of"),
        (["--alpha", "2", "--as-of", "2022-12"], "between 0 and 1"),
    ],
)
def test_unanswerable_questions_exit_2_with_the_reason(
    db: str, args: list[str], message: str
) -> None:
    result = CliRunner().invoke(app, ["compare", "--db", db, *args], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert message in result.output.replace("\n", " ")


def test_warehouse_must_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["compare", "--as-of", "2022-12", "--db", str(tmp_path / "none.duckdb")]
    )
    assert result.exit_code == 2 and "no warehouse here" in result.output


def _falling_fact(**fields: object) -> Fact:
    year = WindowRef("year", "the calendar year", date(2022, 1, 1), date(2022, 12, 31))
    before = WindowRef("compare", "the year before", date(2021, 1, 1), date(2021, 12, 31))
    base: dict[str, object] = {
        "measure": "count",
        "value": 228.0,
        "unit": "crimes",
        "area": AreaRef("borough", "Camden", "E09000007", "metropolitan"),
        "category": CategoryRef("robbery"),
        "window": year,
        "source": "mps",
        "comparison": ComparisonRef("last-year", window=before),
        "current": 228.0,
        "previous": 240.5,
        "change": -12.5,
        "change_pct": -5.197505,
        "test": "exact test",
        "p_value": 0.00004,
        "verdict": "down",
    }
    return Fact(**{**base, **fields})  # type: ignore[arg-type]


def test_the_sentence_writes_numbers_in_the_house_style() -> None:
    """A true minus sign and the house rounding: −5.2% (not -5.2%), 240 for a mean above
    100, p < 0.001 (not 4e-05) — as the pages and the snapshot write them."""
    text = _fact_sentence(_falling_fact())
    assert text == (
        "Robbery in Camden, 2022: down, 228 against 240 for "
        "2021, \u22125.2%, by more than its usual year-to-year variation; "
        "exact test, p < 0.001."
    )
    flat = _fact_sentence(
        _falling_fact(change_pct=5.0, previous=12.25, p_value=0.5, verdict="no meaningful change")
    )
    assert "+5%, within the usual variation of this series: no meaningful change" in flat
    assert "(exact test, p = 0.50)" in flat and "228 against 12.2 for" in flat


def test_the_sentence_gives_the_usual_range_beside_the_change() -> None:
    stats = {"usual_change_pct": 6.2, "history": [240] * 8, "change_basis": "counts"}
    text = _fact_sentence(_falling_fact(stats=stats))
    assert "\u22125.2%, by more than its usual year-to-year variation (it moves ±6.2% in an " \
        "ordinary year); exact test" in text  # fmt: skip


def test_too_little_history_is_neither_a_verdict_nor_no_change() -> None:
    stats = {
        "history": [230, 236],
        "poisson_p_value": 0.6,
        "poisson_verdict": "no meaningful change",
    }
    text = _fact_sentence(
        _falling_fact(verdict="not enough history", p_value=None, test="none", stats=stats)
    )
    assert text == (
        "Robbery in Camden, 2022: 228 against 240 for 2021, "
        "\u22125.2%, too little history to judge (only two earlier years of this period, and it "
        "takes three to learn how much it usually moves)."
    )
    assert "no meaningful change" not in text and "down" not in text


def test_a_force_is_named_for_its_place_in_the_sentence() -> None:
    met = AreaRef("force", "Metropolitan Police", None, "metropolitan")
    text = _fact_sentence(_falling_fact(area=met))
    assert text.startswith("Robbery in London (Metropolitan Police area), 2022: down, ")


def test_the_table_under_the_sentence_is_in_the_house_style_too() -> None:
    """A baseline average of three years is 135, not 135.33333333333334; p, the interval
    and the source as a reader writes them (the exact values are in --format json)."""
    rows = dict(
        _fact_rows(
            _falling_fact(
                previous=406 / 3, change=228 - 406 / 3, change_pct=68.47290640394088,
                p_value=0.7961556339676952, ci_low=0.42961359222057377,
                ci_high=2.0284951535423934,
            )
        )
    )  # fmt: skip
    assert rows["previous"] == "135" and rows["current"] == "228" and rows["value"] == "228"
    assert rows["change"] == "+92.7" and rows["change_pct"] == "+68%"
    assert rows["p_value"] == "0.80"
    assert (rows["ci_low"], rows["ci_high"]) == ("0.43", "2.03")
    assert rows["source"] == "MPS recorded crime (London Datastore)"
    baseline = dict(_fact_rows(_falling_fact(ci_low=102.0, ci_high=2093.4)))
    assert (baseline["ci_low"], baseline["ci_high"]) == ("102", "2,093")  # a count's interval
    assert not [v for v in rows.values() if re.search(r"\d\.\d{3,}", v)]


def test_a_per_day_sentence_gives_both_lengths() -> None:
    feb = WindowRef("month", "the month", date(2023, 2, 1), date(2023, 2, 28))
    jan = WindowRef("compare", "the month before", date(2023, 1, 1), date(2023, 1, 31))
    per_day = 100 * ((52368 / 28) / (52743 / 31) - 1)  # fewer crimes, more a day
    text = _fact_sentence(
        _falling_fact(
            window=feb, comparison=ComparisonRef("previous", window=jan), current=52368.0,
            previous=52743.0, change=-375.0, change_pct=per_day, verdict="up",
            stats={"change_basis": "per day"},
        )
    )  # fmt: skip
    assert "February 2023: up, 52,368 in 28 days against 52,743 in 31 for January 2023, " in text
    assert "+9.9% a day, by more than" in text and "\u2212" not in text


def test_grid_cells_use_the_house_percent(db: str) -> None:
    result = CliRunner().invoke(
        app,
        ["grid", "--windows", "year", "--as-of", "2022-12-31", "--db", db],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"480 \+100% \(±\d+%\) ▲", result.output)  # Camden doubled
    assert "+100.0%" not in result.output and "○: too little history to judge" in result.output


def test_a_grid_cell_without_history_looks_different_from_no_change() -> None:
    judged = _falling_fact(verdict="no meaningful change", stats={"usual_change_pct": 9.0})
    unjudged = _falling_fact(verdict="not enough history", p_value=None, stats={"history": []})
    assert _grid_cell(judged) == "228 \u22125.2% (±9%)  "
    assert _grid_cell(unjudged) == "228 \u22125.2% ○"
    assert _grid_cell(_falling_fact()) == "228 \u22125.2% ▼"


def test_compare_prints_the_second_opinion_labelled(db: str) -> None:
    result = CliRunner().invoke(
        app,
        ["compare", "--area", "camden", "--category", "robbery", "--window", "year",
         "--as-of", "2022-12", "--db", db],
        env={"COLUMNS": "300"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "second opinion: the counts also differ beyond chance (exact Poisson p" in result.output
    assert re.search(r"usual change +it moves ±\d+% in an ordinary year", result.output)


# -- the force a question means: --force, else $CRIMEPULSE_FORCE, else the default ----------


@pytest.fixture(scope="module")
def two_force_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("forces")
    path = str(root / "w.duckdb")
    done = CliRunner().invoke(app, ["ingest", str(two_forces(root / "data")), "--db", path])
    assert done.exit_code == 0, done.output
    return path


def _answer(db: str, command: list[str], environment: str | None) -> dict[str, Any]:
    """The first Fact the command prints as JSON, with CRIMEPULSE_FORCE set (or not)."""
    env = {"CRIMEPULSE_FORCE": environment}  # None: unset for the run
    done = CliRunner().invoke(app, [*command, "--db", db, "--format", "json"], env=env)
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    fact: dict[str, Any] = data["facts"][0] if command[0] == "grid" else data
    return fact


# December 2023 against December 2022, for the force as a whole (the files carry burglary
# alone, so all crime is not asked: it cannot be counted from them).
FORCE_QUESTIONS = {
    "compare": ["compare", "--category", "burglary", "--window", "month", "--as-of", "2023-12",
                "--vs", "last-year"],
    "grid": ["grid", "--areas", "force", "--categories", "Burglary", "--windows", "month",
             "--as-of", "2023-12"],
}  # fmt: skip


@pytest.mark.parametrize("command", FORCE_QUESTIONS.values(), ids=FORCE_QUESTIONS.keys())
def test_the_force_is_the_option_else_the_environment_else_the_met(
    two_force_db: str, command: list[str]
) -> None:
    def force_and_counts(*option: str, environment: str | None = None) -> tuple[Any, ...]:
        fact = _answer(two_force_db, [*command, *option], environment)
        return fact["area"]["force"], fact["current"], fact["previous"]

    met = ("metropolitan", TWO_FORCES["metropolitan"][1], TWO_FORCES["metropolitan"][0])
    city = ("city-of-london", TWO_FORCES["city-of-london"][1], TWO_FORCES["city-of-london"][0])
    assert force_and_counts() == met  # nothing said: the default force
    assert force_and_counts(environment="city-of-london") == city  # the deployment's
    assert force_and_counts("--force", "city-of-london") == city
    assert force_and_counts("--force", "metropolitan", environment="city-of-london") == met
    assert force_and_counts("--force", "city-of-london", environment="metropolitan") == city


def test_a_ward_grid_keeps_two_wards_of_one_name_apart(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert (
        runner.invoke(app, ["ingest", str(shared_wards(tmp_path / "data")), "--db", db]).exit_code
        == 0
    )
    args = ["--areas", "wards", "--categories", "robbery", "--windows", "month", "--vs", "previous"]
    done = runner.invoke(app, ["grid", *args, "--as-of", "2023-12", "--db", db])
    assert done.exit_code == 0, done.output
    assert "Abbey (E05013810)" in done.output and "Abbey (E05014053)" in done.output
    refused = runner.invoke(
        app, ["compare", "--area", "Abbey", "--window", "month", "--as-of", "2023-12", "--db", db]
    )
    assert refused.exit_code == 2 and '"Abbey (Merton)"' in refused.output


def test_a_force_grid_names_the_force_area_not_its_slug(db: str) -> None:
    result = CliRunner().invoke(
        app,
        ["grid", "--areas", "force", "--windows", "year", "--as-of", "2022-12-31", "--db", db],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "London (Metropolitan Police area)" in result.output
    assert "metropolitan " not in result.output  # it printed the slug
