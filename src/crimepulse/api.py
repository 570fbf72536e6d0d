"""The Python face of crimepulse: what the CLI does, callable from a notebook.

import crimepulse
cp = crimepulse.open("london.duckdb")
report = cp.ingest("../shared/data/police-uk-met-burglary-street")
cp.sources()                      # coverage per series
cp.table("crimes").to_pandas()    # the current edition of every month
cp.table("crimes", as_of="2024-01-01")  # what was published then
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from crimepulse.analysis.periods import COVID_YEARS, PRE_COVID
from crimepulse.analysis.question import GridQuestion, Question
from crimepulse.config import (
    GROUP_ROWS,
    POLICE_UK_ALL_CRIME,
    POLICE_UK_API_URL,
    ReadLimits,
    Settings,
)
from crimepulse.core.schema import DATASETS
from crimepulse.store import coverage as _coverage
from crimepulse.store.warehouse import Warehouse

# The readers, the analysis engine and the outcomes log (shapely, ibis, scipy, statsmodels,
# SQLAlchemy) are imported by the methods that use them, so opening a warehouse to read its
# coverage (`crimepulse sources`) does not pay for them.
if TYPE_CHECKING:
    import pyarrow as pa

    from crimepulse.analysis.engine import Analysis
    from crimepulse.analysis.grid import Grid
    from crimepulse.analysis.national import NationalComparison
    from crimepulse.analysis.position import Position
    from crimepulse.core.facts import Fact
    from crimepulse.oplog import OutcomesLog
    from crimepulse.snapshot.archive import Record, SnapshotStore
    from crimepulse.snapshot.model import Snapshot
    from crimepulse.sources.policeuk_api import PoliceUkApi
    from crimepulse.store.fetch import FetchProgress, FetchReport
    from crimepulse.store.ingest import FileResult, IngestReport, Progress


class Crimepulse:
    """An open warehouse, with the outcomes log and the snapshot archive of the same
    deployment. Close it (or use `with`) to release the files for other processes."""

    def __init__(
        self,
        db: str | Path | None = None,
        read_only: bool = False,
        *,
        settings: Settings | None = None,
    ) -> None:
        settings = settings or Settings.from_env()
        if db:
            settings = settings.replace(db=Path(db))
        self.settings = settings
        self.db = settings.db
        self.warehouse = Warehouse(self.db, read_only=read_only)
        self._analysis: Analysis | None = None
        self._log: OutcomesLog | None = None

    @property
    def log(self) -> OutcomesLog:
        """The operational outcomes log of this deployment (opened on first use)."""
        if self._log is None:
            from crimepulse.oplog import OutcomesLog

            self._log = OutcomesLog.open(settings=self.settings)
        return self._log

    @property
    def archive(self) -> SnapshotStore:
        """The snapshot archive (drafts, approvals, published versions), in the log's database."""
        from crimepulse.snapshot.archive import SnapshotStore

        return SnapshotStore(self.log)

    def ingest(
        self,
        *paths: str | Path,
        vintage: datetime | None = None,
        force: str | None = None,
        source: str | None = None,
        progress: Progress | None = None,
        on_result: Callable[[FileResult], None] | None = None,
        commit_rows: int = GROUP_ROWS,
        replace: bool = False,
        limits: ReadLimits | None = None,
    ) -> IngestReport:
        """Load files or folders (see `crimepulse ingest --help` for formats and statuses).

        A reference file (boundaries, population, harm weights) revises the keys it holds
        and leaves the others; with `replace` each one loaded (or already loaded) replaces
        its whole table instead. `limits` (default: the settings') bound what one file may
        cost to read: line length, archive expansion and size, zip members."""
        from crimepulse.store.ingest import ingest

        report = ingest(
            self.warehouse,
            [Path(p) for p in paths],
            vintage=vintage,
            force=force,
            source=source,
            progress=progress,
            on_result=on_result,
            commit_rows=commit_rows,
            limits=limits or self.settings.limits,
        )
        if replace:
            batches = [r.batch_id for r in report.files if r.batch_id is not None]
            self.warehouse.replace_reference(batches)
        return report

    def fetch(
        self,
        *,
        start: str,
        end: str,
        force: str | None = None,
        category: str = POLICE_UK_ALL_CRIME,
        api_url: str = POLICE_UK_API_URL,
        progress: FetchProgress | None = None,
        client: PoliceUkApi | None = None,
    ) -> FetchReport:
        """Fetch from data.police.uk's API the street crime of `force` (default: this
        deployment's) in the months `start` to `end` (YYYY-MM) not yet held at the API's
        publication date, and ingest them with that date as the vintage. The files are
        kept beside the warehouse (`<db stem>.fetch/`). `client` is a configured
        `PoliceUkApi` (its rate limit, retries, clock); by default one for `api_url`."""
        from crimepulse.sources.policeuk_api import PoliceUkApi
        from crimepulse.store.fetch import fetch as _fetch

        folder = self.db.with_name(self.db.stem + ".fetch")
        api = client or PoliceUkApi(api_url)
        try:
            return _fetch(
                self.warehouse,
                api,
                force=self._force(force),
                start=start,
                end=end,
                folder=folder,
                category=category,
                progress=progress,
            )
        finally:
            if client is None:
                api.close()

    def sources(self) -> list[_coverage.Series]:
        """Coverage per dataset × source × force: months, rows, gaps, suspect months."""
        return _coverage.coverage(self.warehouse.con)

    def quarantine(self, limit: int = 20) -> list[dict[str, object]]:
        """The first quarantined rows: file, line, field, reason and raw text."""
        return _coverage.quarantine_sample(self.warehouse.con, limit)

    def table(self, dataset: str, as_of: str | datetime | None = None) -> pa.Table:
        """A canonical dataset (crimes, outcomes, stops, counts, ...) as Arrow.

        With `as_of`, the editions that had been ingested with a vintage at or before it.
        """
        if dataset not in DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
        if as_of is None:
            return self.warehouse.query(f"SELECT * FROM {dataset}")
        return self.warehouse.query(f"SELECT * FROM {dataset}_as_of(?)", [str(as_of)])

    # -- analysis: each method asks one Question (crimepulse.analysis.question) -----------
    # A `force` of None is the deployment's force (`settings.force`, $CRIMEPULSE_FORCE).

    def _force(self, force: str | None) -> str:
        """The force a question means: the one it names, else this deployment's."""
        return self.settings.force if force is None else force

    @property
    def analysis(self) -> Analysis:
        """The analysis engine over this warehouse (Ibis on DuckDB): `analysis.compare(q)`
        and the others take a parsed `Question` / `GridQuestion`."""
        if self._analysis is None:
            from crimepulse.analysis.engine import Analysis

            self._analysis = Analysis.from_duckdb(self.warehouse.con)
        return self._analysis

    def compare(
        self,
        area: str = "all",
        category: str = "all",
        window: str = "ytd",
        *,
        as_of: str | date,
        vs: str = "last-year",
        measure: str = "count",
        source: str | None = None,
        force: str | None = None,
        alpha: float = 0.05,
    ) -> Fact:
        """One count, rate or harm total against a comparison, tested: a Fact.

        `area`: all, a borough, ward or LSOA (name or code); `category`: a grouping, a
        police.uk crime type or an MPS category; `window`: day, 7d, 28d, month, quarter,
        ytd, fy, year, 12m or YYYY-MM-DD..YYYY-MM-DD, ending `as_of` (a date or YYYY-MM);
        `vs`: previous, last-year or baseline:YYYY-YYYY; `measure`: count, rate (per 1,000
        residents) or harm; `source`: mps, police.uk or feed (default: chosen from the
        question and the data); `force`: a force id (default: this deployment's,
        `settings.force`); `alpha`: the significance level."""
        question = Question(
            area=area,
            category=category,
            window=window,
            as_of=as_of,
            vs=vs,
            measure=measure,
            source=source,
            force=self._force(force),
            alpha=alpha,
        )
        return self.analysis.compare(question)

    def grid(
        self,
        areas: str = "boroughs",
        categories: str = "major",
        windows: str = "28d,ytd,fy",
        *,
        as_of: str | date,
        vs: str = "last-year",
        source: str | None = None,
        force: str | None = None,
        alpha: float = 0.05,
    ) -> Grid:
        """The CompStat grid: `.facts`, and `.to_arrow()` / `.to_arrow().to_pandas()`.

        `areas`: boroughs, wards, lsoas or force; `categories`: major, minor, types, groups
        or a comma list; `windows`: a comma list; the rest as for `compare`."""
        question = GridQuestion(
            areas=areas,
            categories=categories,
            windows=windows,
            as_of=as_of,
            vs=vs,
            source=source,
            force=self._force(force),
            alpha=alpha,
        )
        return self.analysis.grid(question)

    def flags(
        self,
        as_of: str | date,
        *,
        areas: str = "boroughs",
        categories: str = "major",
        source: str | None = "mps",
        force: str | None = None,
        alpha: float = 0.05,
        years: int = 5,
    ) -> list[Fact]:
        """Series outside their seasonal expectation in the month ending `as_of`, modelled
        on `years` of history (`areas`: boroughs, wards or force)."""
        question = GridQuestion(
            areas=areas,
            categories=categories,
            as_of=as_of,
            source=source,
            force=self._force(force),
            alpha=alpha,
        )
        return self.analysis.flags(question, years=years)

    def trend(
        self,
        area: str = "all",
        category: str = "all",
        *,
        as_of: str | date,
        months: int = 24,
        source: str | None = None,
        force: str | None = None,
        alpha: float = 0.05,
    ) -> Fact:
        """Rising, falling or no clear trend over the last `months` months to `as_of`
        (Mann–Kendall, Sen's slope), counted from the source `compare` would use."""
        question = Question(
            area=area,
            category=category,
            as_of=as_of,
            source=source,
            force=self._force(force),
            alpha=alpha,
        )
        return self.analysis.trend(question, months=months)

    def national(
        self,
        *,
        category: str,
        year: str | int,
        force: str | None = None,
        alpha: float = 0.05,
    ) -> NationalComparison:
        """The force against the rest of England and Wales for `category` in the financial
        year `year` ("2022/23", "2022-23" or 2022), each against the year before with its
        verdict: `.force` and `.rest` are Facts. Needs the England & Wales tables ingested;
        a group they do not carry (homicide) is a MissingDataError that says so."""
        return self.analysis.national(
            category=category, year=year, force=self._force(force), alpha=alpha
        )

    def position(
        self,
        category: str,
        *,
        as_of: str | date,
        area: str = "all",
        window: str = "12m",
        low_years: tuple[int, int] = COVID_YEARS,
        baseline_years: tuple[int, int] = PRE_COVID,
        source: str | None = None,
        force: str | None = None,
        alpha: float = 0.05,
    ) -> Position:
        """The honest position of `category` in the `window` (12m or year) ending `as_of`:
        `.low` against the lowest year of `low_years` (default the covid years 2020–21),
        `.baseline` against the mean of `baseline_years` (default 2017–19), each a Fact
        with its verdict against the series' usual variation."""
        return self.analysis.position(
            category=category,
            as_of=as_of,
            area=area,
            window=window,
            low_years=low_years,
            baseline_years=baseline_years,
            source=source,
            force=self._force(force),
            alpha=alpha,
        )

    def charge_rate(
        self,
        month: str | date,
        *,
        category: str = "all",
        force: str | None = None,
        alpha: float = 0.05,
    ) -> Fact:
        """Share of a month's crimes charged or summonsed (latest outcome), with its CI."""
        from crimepulse.analysis import measures

        return measures.charge_rate(
            self.analysis, month, category=category, force=self._force(force), alpha=alpha
        )

    def stop_search(
        self,
        window: str,
        as_of: str | date,
        *,
        force: str | None = None,
        alpha: float = 0.05,
    ) -> list[Fact]:
        """Searches, arrest rate and find rate in a window, with exact intervals."""
        from crimepulse.analysis import measures

        return measures.stop_search(
            self.analysis, window, as_of, force=self._force(force), alpha=alpha
        )

    def snapshot(
        self,
        period: str,
        as_of: str,
        theme: str,
        area: str = "all",
        *,
        oplog: bool = True,
        oplog_url: str | None = None,
        charts: bool = True,
        force: str | None = None,
    ) -> Snapshot:
        """A public snapshot built only from Facts (crimepulse.snapshot): the week, month,
        year or financial year to `as_of`, for `force` (default: this deployment's); render
        it with `crimepulse.snapshot.render`."""
        from crimepulse.oplog import OutcomesLog
        from crimepulse.snapshot.builder import build

        chosen = self._force(force)
        if not oplog:
            return build(self, period, as_of, theme, area, force=chosen, charts=charts)
        # This deployment's log (as its settings say), or the one `oplog_url` names.
        opened = nullcontext(self.log) if oplog_url is None else OutcomesLog.open(oplog_url)
        with opened as log:
            return build(self, period, as_of, theme, area, log=log, force=chosen, charts=charts)

    def snapshot_template(self, snapshot_id: int) -> str:
        """A stored version's words as an editable template: each number a placeholder
        bound to a Fact (`crimepulse.snapshot.editing` documents the scheme)."""
        return self.archive.template(snapshot_id)

    def edit_snapshot(
        self, snapshot_id: int, template: str, *, token: str | None = None, pdf: bool = True
    ) -> Record:
        """`crimepulse snapshot edit`: the edited template stored as a new draft version by
        the user holding `token` (default: the settings' token, else the local admin), or
        ValidationFailed naming each refused line, with nothing stored."""
        from crimepulse.snapshot.service import actor

        who = actor(self.log, token or self.settings.token)
        return self.archive.edit(who, snapshot_id, template, pdf=pdf)

    def sql(self, query: str, params: list[object] | None = None) -> pa.Table:
        """Any SQL over the warehouse's tables and views, as Arrow."""
        return self.warehouse.query(query, params)

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
        self.warehouse.close()

    def __enter__(self) -> Crimepulse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open(
    db: str | Path | None = None, read_only: bool = False, *, settings: Settings | None = None
) -> Crimepulse:
    """Open (creating if needed) a warehouse: `db`, else `settings.db`, else $CRIMEPULSE_DB,
    else ./crimepulse.duckdb."""
    return Crimepulse(db, read_only=read_only, settings=settings)


if TYPE_CHECKING:
    from crimepulse.snapshot.source import NationalSource, WarehouseFactSource

    def _is_a_fact_source(cp: Crimepulse) -> WarehouseFactSource:
        """Never called: mypy checks here that the facade is what the snapshot asks for."""
        return cp

    def _is_a_national_source(cp: Crimepulse) -> NationalSource:
        """Never called: mypy checks the facade can give the snapshot its national context."""
        return cp
