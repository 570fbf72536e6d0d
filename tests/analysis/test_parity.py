"""Parity: the same questions on DuckDB and on PySpark (local mode) give the same Facts.

The warehouse is a sample the test writes itself (three boroughs, four MPS minor
categories, 2021-2023; a daily feed; three months of police.uk street records). Its
tables go from DuckDB to Arrow to Spark, and one `Analysis` runs on each engine. Counts,
tests and verdicts must be identical, and both must equal the counts worked out by hand
from the generators below (so two engines agreeing on a wrong number still fails).

Needs pyspark and Java: skipped without them, failed when CRIMEPULSE_REQUIRE_SHARED=1 (CI).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

import crimepulse
from crimepulse.analysis.engine import TABLES, Analysis
from crimepulse.analysis.question import GridQuestion, Question
from crimepulse.api import Crimepulse
from crimepulse.core.facts import Fact
from tests.factories import FEED_HEADER, STREET_HEADER, street_row, write

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),  # pyspark on pandas 3
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
]

MONTHS = [f"{y}{m:02d}" for y in range(2021, 2024) for m in range(1, 13)]
BOROUGHS = ("Camden", "Hackney", "Westminster")
MINORS = (  # (major, minor) as the MPS table files them; one in mixed case, as some editions
    ("ROBBERY", "ROBBERY OF PERSONAL PROPERTY"),
    ("VIOLENCE AGAINST THE PERSON", "HOMICIDE"),
    ("VIOLENCE AGAINST THE PERSON", "VIOLENCE WITH INJURY"),
    ("Burglary", "Burglary - Residential"),
)
POPULATION = {"Camden": 210_000, "Hackney": 260_000, "Westminster": 205_000}
POP_GROWTH = 1_000  # per year from 2021
HOMICIDE_HARM, ROBBERY_HARM = 5475.0, 365.0
LSOAS = {"Camden": ("E01000001", "Camden 001A"), "Hackney": ("E01001709", "Hackney 001A")}


def _mps(borough: str, minor: str, month: str) -> int:
    """A known count for every cell; robbery in Hackney doubles in 2023, homicide is often 0."""
    i, year, m = BOROUGHS.index(borough), int(month[:4]), int(month[4:])
    if minor == "ROBBERY OF PERSONAL PROPERTY":
        n = 10 + 5 * i + m % 3
        return 2 * n if (borough == "Hackney" and year == 2023) else n
    if minor == "HOMICIDE":
        return 1 if (m + i) % 4 == 0 else 0
    if minor == "VIOLENCE WITH INJURY":
        return 100 + 10 * i + m + 3 * (year - 2021)
    return 20 + (7 * i + 3 * m) % 11


def _feed() -> list[tuple[str, str, date, int]]:
    """(borough, crime type, day, crimes): Camden robbery in Feb and Mar 2023, Hackney
    burglary on odd days of March and on the 1st of February (so the feed carries both
    types in both months: a grid leaves out a type missing from a month it compares)."""
    days = [(2, d) for d in range(1, 29)] + [(3, d) for d in range(1, 32)]
    rows = [("Camden", "Robbery", date(2023, mo, d), 1 if mo == 2 else 1 + d % 3) for mo, d in days]
    rows += [("Hackney", "Burglary", date(2023, 3, d), d % 2) for d in range(1, 32)]
    rows += [("Hackney", "Burglary", date(2023, 2, 1), 1)]
    return [r for r in rows if r[3]]


# The crime types a street file carries besides those _street varies: one of each a month
# in Hackney, so the files carry every type (all crime can be counted from them).
OTHER_TYPES = (
    "Bicycle theft",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
)


def _street(month: int) -> list[tuple[str, str, int]]:
    """(borough, crime type, crimes) in police.uk street records for 2023-`month`."""
    return [
        ("Camden", "Burglary", 2 * month),
        ("Camden", "Robbery", month),
        ("Camden", "Anti-social behaviour", 3),
        ("Hackney", "Burglary", 5 - month),
        ("Hackney", "Violence and sexual offences", 4),
        *(("Hackney", t, 1) for t in OTHER_TYPES),
    ]


# -- the truth, by hand ------------------------------------------------------------------


def _mps_sum(boroughs: tuple[str, ...], minors: tuple[str, ...], first: str, last: str) -> int:
    return sum(
        _mps(b, minor, m)
        for b in boroughs
        for minor in minors
        for m in MONTHS
        if first <= m <= last
    )


def _feed_sum(borough: str, crime_type: str, first: date, last: date) -> int:
    return sum(
        n for b, t, d, n in _feed() if b == borough and t == crime_type and first <= d <= last
    )


def _street_sum(boroughs: tuple[str, ...], types: tuple[str, ...], month: int) -> int:
    return sum(n for b, t, n in _street(month) if b in boroughs and t in types)


ROBBERY = ("ROBBERY OF PERSONAL PROPERTY",)
VIOLENCE = ("HOMICIDE", "VIOLENCE WITH INJURY")
ALL = tuple(minor for _, minor in MINORS)
NOT_ASB = ("Burglary", "Robbery", "Violence and sexual offences", *OTHER_TYPES)

# (compare(...) arguments, the current count and the comparison count(s) by hand)
CASES: list[tuple[dict[str, Any], float, Any]] = [
    (
        dict(area="all", category="robbery", window="year", as_of="2023-12-31", vs="last-year"),
        _mps_sum(BOROUGHS, ROBBERY, "202301", "202312"),
        _mps_sum(BOROUGHS, ROBBERY, "202201", "202212"),
    ),
    (
        dict(area="Hackney", category="robbery", window="year", as_of="2023-12", vs="last-year"),
        384,  # (15 + m % 3) a month, doubled: 2 × (12 × 15 + 12)
        192,
    ),
    (
        dict(area="all", category="violence", window="ytd", as_of="2023-06-30", vs="last-year"),
        _mps_sum(BOROUGHS, VIOLENCE, "202301", "202306"),
        _mps_sum(BOROUGHS, VIOLENCE, "202201", "202206"),
    ),
    (
        dict(area="camden", category="all", window="quarter", as_of="2023-09-30", vs="previous"),
        _mps_sum(("Camden",), ALL, "202307", "202309"),
        _mps_sum(("Camden",), ALL, "202304", "202306"),
    ),
    (
        dict(area="E09000007", category="homicide", window="month", as_of="2023-02-28"),
        _mps_sum(("Camden",), ("HOMICIDE",), "202302", "202302"),  # 0 vs 0
        _mps_sum(("Camden",), ("HOMICIDE",), "202202", "202202"),
    ),
    (
        dict(area="all", category="burglary", window="month", as_of="2023-03-31", vs="previous"),
        _mps_sum(BOROUGHS, ("Burglary - Residential",), "202303", "202303"),
        _mps_sum(BOROUGHS, ("Burglary - Residential",), "202302", "202302"),
    ),
    (
        dict(
            area="Hackney",
            category="robbery",
            window="ytd",
            as_of="2023-06-30",
            vs="baseline:2021-2022",
        ),
        _mps_sum(("Hackney",), ROBBERY, "202301", "202306"),
        [
            _mps_sum(("Hackney",), ROBBERY, "202101", "202106"),
            _mps_sum(("Hackney",), ROBBERY, "202201", "202206"),
        ],
    ),
    (
        dict(area="Hackney", category="robbery", window="year", as_of="2023-12-31", measure="rate"),
        384,
        192,
    ),
    (
        dict(area="Camden", category="violence", window="year", as_of="2023-12", measure="harm"),
        HOMICIDE_HARM * _mps_sum(("Camden",), ("HOMICIDE",), "202301", "202312"),
        HOMICIDE_HARM * _mps_sum(("Camden",), ("HOMICIDE",), "202201", "202212"),
    ),
    (
        dict(area="Camden", category="robbery", window="28d", as_of="2023-03-28", vs="previous"),
        _feed_sum("Camden", "Robbery", date(2023, 3, 1), date(2023, 3, 28)),
        _feed_sum("Camden", "Robbery", date(2023, 2, 1), date(2023, 2, 28)),
    ),
    (
        dict(area="hackney", category="burglary", window="7d", as_of="2023-03-21", vs="previous"),
        _feed_sum("Hackney", "Burglary", date(2023, 3, 15), date(2023, 3, 21)),
        _feed_sum("Hackney", "Burglary", date(2023, 3, 8), date(2023, 3, 14)),
    ),
    (
        dict(
            area="all",
            category="all",
            window="month",
            as_of="2023-03-31",
            vs="previous",
            source="police.uk",
        ),
        _street_sum(("Camden", "Hackney"), NOT_ASB, 3),
        _street_sum(("Camden", "Hackney"), NOT_ASB, 2),
    ),
    (
        dict(
            area="camden 001a",  # an LSOA by name, any case
            category="asb",
            window="month",
            as_of="2023-02-28",
            vs="previous",
            source="police.uk",
        ),
        _street_sum(("Camden",), ("Anti-social behaviour",), 2),
        _street_sum(("Camden",), ("Anti-social behaviour",), 1),
    ),
]
GRIDS: list[dict[str, Any]] = [
    dict(areas="boroughs", categories="major", windows="year,quarter,month", as_of="2023-12-31"),
    dict(areas="boroughs", categories="groups", windows="ytd", as_of="2023-06-30", vs="previous"),
    dict(areas="boroughs", categories="types", windows="28d", as_of="2023-03-28", vs="previous"),
]


# -- the sample warehouse and the two engines ---------------------------------------------


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crimepulse]:
    root = tmp_path_factory.mktemp("parity")
    data = root / "data"
    rows = [
        ",".join([major, minor, b, *(str(_mps(b, minor, m)) for m in MONTHS)])
        for b in BOROUGHS
        for major, minor in MINORS
    ]
    write(data / "mps.csv", ",".join(["MajorText", "MinorText", "BoroughName", *MONTHS]), rows)
    codes = {"Camden": "E09000007", "Hackney": "E09000012", "Westminster": "E09000033"}
    write(
        data / "pop.csv",
        "Code,Name,Year,Source,Population",
        [
            f"{codes[b]},{b},{y},test,{POPULATION[b] + POP_GROWTH * (y - 2021)}"
            for b in BOROUGHS
            for y in (2021, 2022, 2023)
        ],
    )
    write(
        data / "harm.csv",
        "index,category,subgroup,weight,unit",
        [
            f"Test Index,Robbery,Robbery of personal property,{ROBBERY_HARM:.0f},days",
            f"Test Index,Violence and sexual offences,Homicide,{HOMICIDE_HARM:.0f},days",
        ],
    )
    feed = [
        f"{b[0]}{d:%m%d}-{k},{d}T{'23:30' if k % 2 else '00:15'}:00,{t},,{b},"
        f"{LSOAS[b][0]},51.5,-0.14,,metropolitan"
        for b, t, d, n in _feed()
        for k in range(n)
    ]
    write(data / "feed.csv", FEED_HEADER + ",force", feed)
    for month in (1, 2, 3):
        street = [
            street_row(
                crime_id=f"s{month}-{b}-{t[:4]}-{k}",
                month=f"2023-{month:02d}",
                category=t,
                lsoa=LSOAS[b][0],
                lsoa_name=LSOAS[b][1],
            )
            for b, t, n in _street(month)
            for k in range(n)
        ]
        write(data / f"2023-{month:02d}-metropolitan-street.csv", STREET_HEADER, street)
    with crimepulse.open(root / "sample.duckdb") as cp:
        report = cp.ingest(data, vintage=datetime(2024, 1, 15, 23, 30))
        assert report.exit_code(strict=True) == 0, [r.message for r in report.files]
        yield cp


def _spark_unavailable() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[dev]')"
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        return "no Java runtime (java on PATH or JAVA_HOME) for PySpark"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local Spark session for the module: skipped without pyspark or Java, failed
    when CRIMEPULSE_REQUIRE_SHARED=1 (as in CI)."""
    missing = _spark_unavailable()
    if missing:
        if os.environ.get("CRIMEPULSE_REQUIRE_SHARED") == "1":
            pytest.fail(missing + "; CRIMEPULSE_REQUIRE_SHARED=1 requires it")
        pytest.skip(missing)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("crimepulse-parity")
        .config("spark.driver.memory", "512m")
        # a short-lived JVM: the client compiler alone halves the CPU spent warming up
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.log.level", "ERROR")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="module")
def engines(spark: Any, warehouse: Crimepulse) -> dict[str, Analysis]:
    """The engine's tables, DuckDB -> Arrow -> Spark, with their types kept."""
    from pyspark.sql import types as T

    kinds = {pa.types.is_date32: T.DateType, pa.types.is_timestamp: T.TimestampType}
    for name in TABLES:
        arrow = warehouse.sql(f"SELECT * FROM {name}")
        frame = spark.createDataFrame(arrow)  # Arrow straight in: dates stay dates
        for field in arrow.schema:
            for is_kind, spark_type in kinds.items():
                if is_kind(field.type):
                    assert isinstance(frame.schema[field.name].dataType, spark_type), field
        frame.createOrReplaceTempView(name)
    backend = ibis.pyspark.connect(spark)
    return {
        "duckdb": warehouse.analysis,
        "pyspark": Analysis({name: backend.table(name) for name in TABLES}),
    }


# -- the same questions on both -------------------------------------------------------------


def _numbers(fact: Fact) -> dict[str, Any]:
    """Everything a Fact says except the SQL that produced it (each engine has its own)."""
    out = fact.as_dict()
    out.pop("id")
    out["query"] = {k: v for k, v in out["query"].items() if k != "sql"}
    return out


def test_compare_is_identical_on_duckdb_and_pyspark_and_equals_hand_counts(
    engines: dict[str, Analysis],
) -> None:
    for args, current, comparison in CASES:
        duck, spark = (engines[e].compare(Question(**args)) for e in ("duckdb", "pyspark"))
        # both engines against the counts worked out by hand
        for fact in (duck, spark):
            assert fact.current == current, (args, fact.current)
            if isinstance(comparison, list):
                assert fact.comparison is not None
                assert list(fact.comparison.counts or ()) == comparison, args
            else:
                assert fact.previous == comparison, (args, fact.previous)
        # and against each other: counts, value, tests, verdicts, sources, notes
        assert (spark.current, spark.previous, spark.value) == (
            duck.current,
            duck.previous,
            duck.value,
        ), args
        assert spark.comparison == duck.comparison, args
        assert (spark.p_value, spark.verdict) == (duck.p_value, duck.verdict), args
        assert _numbers(spark) == _numbers(duck), args
        assert spark.query["sql"] != duck.query["sql"]  # two engines did the counting
        assert spark.id == duck.id, args  # the same question: the same id on either engine


def test_the_cases_test_something(warehouse: Crimepulse) -> None:
    """The sample has changes, no-changes and zeros, not only one easy verdict."""
    facts = [warehouse.analysis.compare(Question(**args)) for args, _, _ in CASES]
    verdicts = {f.verdict for f in facts}
    assert {"not enough history"} <= verdicts, verdicts
    assert {"up", "no meaningful change"} <= {f.stats.get("poisson_verdict") for f in facts}
    assert any(f.current == 0 for f in facts)
    assert {f.source for f in facts} == {"mps", "feed", "police.uk"}
    rate = facts[7]
    assert rate.measure == "rate"
    assert rate.value == pytest.approx(384 / (POPULATION["Hackney"] + 2 * POP_GROWTH) * 1000)


def test_grid_is_identical_on_duckdb_and_pyspark(engines: dict[str, Analysis]) -> None:
    grids = []
    for args in GRIDS:
        duck, spark = (engines[e].grid(GridQuestion(**args)) for e in ("duckdb", "pyspark"))
        assert duck.facts, args
        assert [_numbers(f) for f in spark.facts] == [_numbers(f) for f in duck.facts], args
        assert spark.to_arrow().equals(duck.to_arrow()), args
        grids.append(spark)
    cells = {(f.area.name, f.category.name, f.window.name): f for f in grids[0].facts}
    assert len(cells) == len(BOROUGHS) * 3 * 3  # boroughs × majors × windows
    hackney = cells[("Hackney", "ROBBERY", "year")]
    assert (hackney.current, hackney.previous, hackney.verdict) == (384, 192, "not enough history")
    assert hackney.stats["poisson_verdict"] == "up"
    camden = cells[("Camden", "Burglary", "quarter")]
    assert camden.current == _mps_sum(("Camden",), ("Burglary - Residential",), "202310", "202312")
    assert camden.previous == _mps_sum(("Camden",), ("Burglary - Residential",), "202210", "202212")
    feed = {(f.area.name, f.category.name): f.current for f in grids[2].facts}
    assert feed == {
        ("Camden", "Burglary"): 0,
        ("Camden", "Robbery"): _feed_sum("Camden", "Robbery", date(2023, 3, 1), date(2023, 3, 28)),
        ("Hackney", "Burglary"): _feed_sum(
            "Hackney", "Burglary", date(2023, 3, 1), date(2023, 3, 28)
        ),
        ("Hackney", "Robbery"): 0,
    }
