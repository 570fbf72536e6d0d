"""Golden outputs, so the restructuring (modules moving between packages) can prove it
changed no behaviour: what a user gets from the CLI, the JSON API, the pages and the
snapshots over one deterministic world is pinned in tests/golden/, one readable text file
per output, and any difference fails with a unified diff. The world is the synthetic demo
(`crimepulse demo-data --seed 1`, MPS borough counts 2018-01..2023-12, police.uk files and
the daily feed for 2023-12), ingested with a fixed `--vintage` and its outcomes log
imported and approved, all through the CLI. Outputs are captured only through the public
faces, `cli()` (the Typer app) and `http()` (the FastAPI app), the only two places that
import crimepulse. What differs between two builds (random memtable names in SQL, today's
date, the tmp directory) is replaced by placeholders; fact ids are pinned as they are (the
same question has the same id on every build); pages are pinned as their text, problem
details without their title. To accept new outputs on purpose,
`CRIMEPULSE_UPDATE_GOLDEN=1 pytest tests/test_golden.py` rewrites the files (and passes);
review the diff before committing it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from typer.testing import CliRunner

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CRIMEPULSE_UPDATE_GOLDEN") == "1"
VINTAGE = "2024-01-15T00:00:00"
MONTH = "2023-12"
WEEK_END = "2023-12-31"  # a Sunday


# -- the public faces: the only places that import crimepulse --------------------------------


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str


def cli(args: list[str]) -> CliResult:
    """Run `crimepulse ARGS` in-process."""
    from crimepulse.cli import app

    result = CliRunner().invoke(app, args, catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


@contextmanager
def http(db: Path) -> Iterator[TestClient]:
    """A test client of the whole web app over the warehouse `db` (log beside it)."""
    from crimepulse.config import Settings
    from crimepulse.web.app import create_app

    with TestClient(create_app(Settings(db=db))) as client:
        yield client


# -- the world -------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    root: Path
    db: Path


def build_world(root: Path) -> World:
    """The demo warehouse, and its outcomes log imported and approved, under `root`."""
    data, db = root / "data", root / "crimepulse.duckdb"
    steps = [
        ["demo-data", str(data), "--seed", "1", "--start", "2018-01", "--end", MONTH,
         "--detail-months", "1"],
        ["ingest", str(data), "--db", str(db), "--vintage", VINTAGE, "--quiet"],
        ["log", "import", str(data / "oplog" / "operational-outcomes.csv"), "--db", str(db)],
        ["log", "approve", "--all-pending", "--db", str(db)],
    ]  # fmt: skip
    for args in steps:
        done = cli(args)
        assert done.exit_code == 0, (args, done.stdout, done.stderr)
    return World(root, db)


# -- what is captured ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "cli" or "http"
    args: tuple[str, ...] = ()  # cli: the arguments, before --db
    url: str = ""  # http: path and query


def c(name: str, *args: str) -> Case:
    return Case(name, "cli", args)


def h(name: str, url: str) -> Case:
    return Case(name, "http", url=url)


CASES = [
    # CLI: compare (MPS monthly counts, the daily feed, police.uk; counts and rates)
    c("cli-compare-borough-year-vs-last-year", "compare", "--area", "Hackney", "--category",
      "robbery", "--window", "year", "--as-of", MONTH, "--vs", "last-year", "--format", "json"),
    c("cli-compare-baseline", "compare", "--area", "Westminster", "--category", "burglary",
      "--window", "ytd", "--as-of", MONTH, "--vs", "baseline:2018-2019", "--format", "json"),
    c("cli-compare-rate", "compare", "--area", "Camden", "--category", "violence", "--window",
      "12m", "--as-of", MONTH, "--measure", "rate", "--format", "json"),
    c("cli-compare-feed-7d", "compare", "--category", "robbery", "--window", "7d", "--as-of",
      WEEK_END, "--vs", "previous", "--format", "json"),
    c("cli-compare-table", "compare", "--area", "Hackney", "--category", "robbery", "--window",
      "year", "--as-of", MONTH),
    c("cli-compare-error-7d-on-monthly", "compare", "--category", "robbery", "--window", "7d",
      "--as-of", WEEK_END, "--source", "mps", "--format", "json"),
    c("cli-compare-error-unpublished-month", "compare", "--window", "month", "--as-of",
      "2024-03", "--format", "json"),
    c("cli-compare-error-policeuk-no-previous", "compare", "--area", "Lambeth", "--category",
      "Bicycle theft", "--window", "month", "--as-of", MONTH, "--vs", "previous", "--source",
      "police.uk", "--format", "json"),
    c("cli-compare-error-no-as-of", "compare", "--format", "json"),
    # CLI: grid, flags, sources
    c("cli-grid-csv", "grid", "--categories", "robbery,homicide", "--windows", "month,ytd",
      "--as-of", MONTH, "--format", "csv"),
    c("cli-grid-json", "grid", "--areas", "force", "--categories", "robbery,homicide",
      "--windows", "month,fy", "--as-of", MONTH, "--format", "json"),
    c("cli-flags-covid-force", "flags", "--as-of", "2020-04", "--areas", "force", "--format",
      "json"),
    c("cli-sources-json", "sources", "--format", "json"),
    # CLI: snapshots
    c("cli-snapshot-week-violence-json", "snapshot", "--period", "week", "--as-of", WEEK_END,
      "--theme", "violence", "--format", "json"),
    c("cli-snapshot-week-violence-md", "snapshot", "--period", "week", "--as-of", WEEK_END,
      "--theme", "violence", "--format", "md"),
    c("cli-snapshot-week-violence-post", "snapshot", "--period", "week", "--as-of", WEEK_END,
      "--theme", "violence", "--format", "post"),
    c("cli-snapshot-week-violence-social", "snapshot", "--period", "week", "--as-of", WEEK_END,
      "--theme", "violence", "--format", "social", "--link",
      "https://police.example/snapshots/violence/2023-W52"),
    c("cli-snapshot-month-robbery-md", "snapshot", "--period", "month", "--as-of", MONTH,
      "--theme", "robbery", "--format", "md"),
    c("cli-snapshot-year-violence-post", "snapshot", "--period", "year", "--as-of", "2023",
      "--theme", "violence", "--format", "post"),
    c("cli-snapshot-error-unknown-theme", "snapshot", "--period", "week", "--as-of", WEEK_END,
      "--theme", "nope"),
    # HTTP: the JSON API
    h("api-compare", f"/api/v1/compare?area=Hackney&category=robbery&window=year&as_of={MONTH}"),
    h("api-compare-rate", f"/api/v1/compare?area=Camden&category=violence&window=12m"
      f"&as_of={MONTH}&measure=rate"),
    h("api-compare-csv", f"/api/v1/compare?area=Hackney&category=robbery&window=ytd"
      f"&as_of={MONTH}&vs=baseline:2018-2019&format=csv"),
    h("api-compare-error-bad-window", f"/api/v1/compare?window=7d&as_of={MONTH}&source=mps"),
    h("api-compare-error-unpublished-month", "/api/v1/compare?window=month&as_of=2024-03"),
    h("api-compare-error-no-as-of", "/api/v1/compare?window=month"),
    h("api-grid", f"/api/v1/grid?as_of={MONTH}&categories=robbery,burglary&windows=month,ytd"
      "&per_page=20&page=2"),
    h("api-grid-csv", f"/api/v1/grid?as_of={MONTH}&areas=force&categories=groups"
      "&windows=month,fy&format=csv"),
    h("api-series", "/api/v1/series?area=Hackney&category=robbery"),
    h("api-series-policeuk", "/api/v1/series?area=Southwark&category=burglary&source=police.uk"),
    h("api-flags", "/api/v1/flags?as_of=2020-04&areas=force&categories=groups"),
    h("api-map", f"/api/v1/map?as_of={MONTH}&category=robbery&window=ytd"),
    h("api-stop-search", f"/api/v1/stop-search?as_of={MONTH}&window=month"),
    h("api-sources", "/api/v1/sources"),
    # HTTP: the pages (normalised to their text)
    h("page-home", "/"),
    h("page-grid", "/grid?areas=force"),
    h("page-grid-error", "/grid?windows=28d,7d&source=mps"),
    h("page-series", "/series?area=Hackney&category=robbery"),
    h("page-map", "/map"),
    h("page-data", "/data"),
]  # fmt: skip


# -- capture, normalisation and rendering ----------------------------------------------------


class PageText(HTMLParser):
    """The text a reader sees, one run of text per line, scripts and styles left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self.skip:
            self.lines.append(text)


def page_text(html: str) -> str:
    parser = PageText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.lines)


def as_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def pretty(data: Any) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


def without_title(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem detail without its `title` (a known bug, being fixed, names some errors
    "Cannot build snapshot"); `type` is derived from the title, so it is kept as that rule
    when it follows it, and verbatim when it does not."""
    title = str(problem.get("title", ""))
    slug = "urn:crimepulse:problem:" + title.lower().replace(" ", "-")
    out = {k: v for k, v in problem.items() if k != "title"}
    if out.get("type") == slug:
        out["type"] = "urn:crimepulse:problem:<slug of the title>"
    return out


def capture(case: Case, world: World, client: TestClient) -> str:
    """What was asked, its status and its body (JSON re-indented, pages as text)."""
    if case.kind == "cli":
        done = cli([*case.args, "--db", str(world.db)])
        data = as_json(done.stdout)
        lines = [
            "$ crimepulse " + " ".join(case.args),
            f"exit code: {done.exit_code}",
            "--- stdout ---",
            (done.stdout if data is None else pretty(data)).rstrip("\n"),
            "--- stderr ---",
            done.stderr,
        ]
        return "\n".join(lines)
    response = client.get(case.url)
    kind = response.headers.get("content-type", "")
    data = None if "html" in kind else as_json(response.text)
    if "problem" in kind and isinstance(data, dict):
        data = without_title(data)
    if data is not None:
        body = pretty(data)
    else:
        body = page_text(response.text) if "html" in kind else response.text
    lines = [
        f"GET {case.url}",
        f"status: {response.status_code}",
        f"content-type: {kind}",
        f"etag: {response.headers.get('etag')}",
        f"cache-control: {response.headers.get('cache-control')}",
        "--- body ---",
        body,
    ]
    return "\n".join(lines)


# Volatile, found by building the world twice and diffing every output:
# - SQL in a Fact's query names an ibis memtable by a random name (a Fact's id leaves the
#   SQL out, so ids are stable and pinned as they are);
# - the snapshot's `built_at` and the outcomes log's edition are today's date (UTC);
# - the world's tmp directory.
MEMTABLE = re.compile(r"\b(ibis_[a-z_]*memtable_)[a-z0-9]+")


def today_forms() -> list[str]:
    """Today's date (local and UTC) as the outputs write it: 2026-12-01, 1 December 2026."""
    days = {datetime.now(UTC).date(), date.today()}
    return [form for d in sorted(days) for form in (d.isoformat(), f"{d.day} {d:%B %Y}")]


def normalise(output: str, world: World, today: list[str]) -> str:
    """The output as golden text: volatile parts replaced by placeholders."""
    lines = output.rstrip("\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines) + "\n"  # rich pads table cells
    text = text.replace(str(world.root), "<TMP>")
    text = MEMTABLE.sub(r"\1<RANDOM>", text)
    for form in today:
        text = re.sub(re.escape(form) + r"(T[0-9:.]+(\+00:00)?)?", "<TODAY>", text)
    return text


def capture_all(world: World) -> dict[str, str]:
    """Every case's golden text."""
    today = today_forms()
    with http(world.db) as client:
        raw = {case.name: capture(case, world, client) for case in CASES}
    today += [form for form in today_forms() if form not in today]  # past midnight
    return {case.name: normalise(raw[case.name], world, today) for case in CASES}


# -- the test ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    with pytest.MonkeyPatch.context() as env:
        for name in [
            n for n in os.environ if n.startswith("CRIMEPULSE_") and n != "CRIMEPULSE_UPDATE_GOLDEN"
        ]:
            env.delenv(name)  # a developer's own warehouse, log or server must not leak in
        env.setenv("COLUMNS", "100")  # rich tables: the same width in a terminal and in CI
        # ... and in the CLI's consoles, which read COLUMNS once, when first imported (in a
        # pytest-xdist worker that may be before this fixture, at the worker's own width)
        for module in [m for name, m in sys.modules.items() if name.startswith("crimepulse.cli")]:
            for console in [v for v in vars(module).values() if isinstance(v, Console)]:
                env.setattr(console, "_width", 100)
        return capture_all(build_world(tmp_path_factory.mktemp("golden")))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_output_matches_golden(case: Case, outputs: dict[str, str]) -> None:
    path = GOLDEN / f"{case.name}.txt"
    actual = outputs[case.name]
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run with CRIMEPULSE_UPDATE_GOLDEN=1 to write it"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"golden/{path.name}",
            tofile="actual",
        )
        pytest.fail(f"{case.name} differs from its golden file:\n{''.join(diff)}", pytrace=False)


def test_no_stale_golden_files() -> None:
    names = {f"{case.name}.txt" for case in CASES}
    stale = sorted(p.name for p in GOLDEN.glob("*.txt") if p.name not in names)
    assert not stale, f"golden files no case writes (delete them): {stale}"
