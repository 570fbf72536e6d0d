"""Ingest: find files, detect each one's format, read it, and load it as one batch.

A file's outcome is one of: loaded (maybe with quarantined rows), unchanged (the same
bytes are already in the warehouse: a no-op), skipped (a known file that another command
loads), or rejected (nothing of it stored). One file's failure never stops the others.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from crimepulse.config import GROUP_ROWS, ReadLimits
from crimepulse.errors import FormatError
from crimepulse.sources import files, registry
from crimepulse.sources.base import Batch, SourceFile
from crimepulse.store.warehouse import DATED_BY_GIVEN, DATED_BY_INGEST, PriorLoad, Warehouse

LOADED, UNCHANGED, SKIPPED, REJECTED = "loaded", "unchanged", "skipped", "rejected"

# progress(event, files_done, file_count, name): event is "done" when a file is read and stored.
Progress = Callable[[str, int, int, str], None]


@dataclass
class FileResult:
    name: str
    status: str
    format: str | None = None
    dataset: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    blank_lines: int = 0
    batch_id: int | None = None
    message: str = ""
    content_hash: str | None = None


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.files if r.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(r.rows_loaded for r in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(r.rows_quarantined for r in self.files)

    @property
    def blank_lines(self) -> int:
        return sum(r.blank_lines for r in self.files)

    @property
    def rows_per_second(self) -> float:
        return self.rows_loaded / self.seconds if self.seconds > 0 else 0.0

    def exit_code(self, strict: bool = False) -> int:
        """0 all loaded; 1 under strict when rows were quarantined; 2 when a file was rejected."""
        if self.count(REJECTED):
            return 2
        if strict and self.rows_quarantined:
            return 1
        return 0


# A commit costs an fsync, so several whole files share one (up to GROUP_ROWS rows, from
# config); each file is still all-or-nothing.
GROUP_SECONDS = 5.0
LOADERS = 2  # threads that each read, validate and store files, on their own connection


@dataclass
class _Job:
    index: int
    unit: SourceFile
    batch_id: int


def ingest(
    warehouse: Warehouse,
    paths: list[Path],
    *,
    vintage: datetime | None = None,
    force: str | None = None,
    source: str | None = None,
    progress: Progress | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    commit_rows: int = GROUP_ROWS,
    limits: ReadLimits | None = None,
) -> IngestReport:
    """Load every file under `paths`. `vintage` says when the data was published (default now).

    `force` names the force for formats that carry none (stop and search without a
    data.police.uk file name, a daily feed without a force column); `source` overrides
    the source name (e.g. to tag a sample); `limits` bound what one file may cost to read
    (a longer line is quarantined, an archive expanding past them rejected). `on_result`
    hears of each file once its outcome is final (for a loaded file: once committed). A
    loader commits once its open transaction holds `commit_rows` rows (or has been open
    GROUP_SECONDS): fewer commits are faster, smaller ones lose less to a crash (a re-run
    reloads what was lost).

    Loader threads each read, validate and store files through their own connection and
    transactions (DuckDB appends from concurrent transactions do not conflict), so both
    cores work on every stage. Batch ids are handed out in file order, so when two
    editions of a month arrive in one run the later file wins, as it would one by one.
    """
    started = time.perf_counter()
    when = vintage or datetime.now()
    dated_by = DATED_BY_GIVEN if vintage else DATED_BY_INGEST  # said apart in the caveats
    own = {str(warehouse.path.resolve()), str(warehouse.path.resolve()) + ".wal"}
    found = files.discover(paths, limits)
    units = [_override(u, force, source) for u in found if u.name not in own]
    report = IngestReport()
    known = warehouse.loaded_files()
    warehouse.bulk_mode()
    jobs: queue.Queue[_Job | None] = queue.Queue()
    events: queue.Queue[tuple[str, _Job | None, list[FileResult]]] = queue.Queue()
    seen: dict[str, int] = {}
    pending = 0
    for index, unit in enumerate(units):
        if unit.problem or unit.skip:  # found but not readable (or deliberately not read)
            _record(report, [_unread(unit)], on_result)
            continue
        prior = known.get(unit.content_hash)
        if prior is None and unit.content_hash in seen:  # the same bytes twice in one run
            prior = PriorLoad(seen[unit.content_hash], "this run")
        if prior is not None:
            _record(report, [_unchanged(unit, prior)], on_result)
            continue
        batch_id = warehouse.next_batch_id()
        seen[unit.content_hash] = batch_id
        jobs.put(_Job(index, unit, batch_id))
        pending += 1
    loaders = [
        threading.Thread(
            target=_Loader(warehouse, when, jobs, events, commit_rows, dated_by).run, daemon=True
        )
        for _ in range(LOADERS)
    ]
    for _ in loaders:
        jobs.put(None)
    for loader in loaders:
        loader.start()
    done, running = len(units) - pending, len(loaders)
    while running:
        kind, job, results = events.get()
        if kind == "exit":
            running -= 1
        elif kind == "crash":
            raise RuntimeError(results[0].message)
        if job is not None and progress:
            done += 1
            progress("done", done, len(units), job.unit.name)
        _record(report, results, on_result)
    for loader in loaders:
        loader.join()
    for result in report.files:
        if result.status == REJECTED:
            warehouse.log_event(result.name, result.content_hash, REJECTED, result.message)
    order = {u.name: i for i, u in enumerate(units)}
    report.files.sort(key=lambda r: order.get(r.name, len(units)))
    report.seconds = time.perf_counter() - started
    return report


def _record(
    report: IngestReport,
    results: list[FileResult],
    on_result: Callable[[FileResult], None] | None,
) -> None:
    report.files.extend(results)
    if on_result:
        for result in results:
            on_result(result)


def _override(unit: SourceFile, force: str | None, source: str | None) -> SourceFile:
    if force:
        unit = dataclasses.replace(unit, force_hint=force)
    if source:
        unit = dataclasses.replace(unit, source_hint=source)
    return unit


def _unchanged(unit: SourceFile, prior: PriorLoad) -> FileResult:
    return FileResult(
        unit.name,
        UNCHANGED,
        batch_id=prior.batch_id,
        message=f"identical to batch {prior.batch_id} ({prior.path}); nothing to do",
    )


_READ_ERRORS: tuple[type[BaseException], ...] = (
    FormatError,
    UnicodeDecodeError,
    pa.ArrowInvalid,
    *files.UNREADABLE_ERRORS,
)


def _read(unit: SourceFile) -> Batch | FileResult:
    """Detect and read one file: its batch, or the result when there is nothing to load."""
    try:
        unit = files.surveyed(unit)  # refuses an archive bomb before any reader holds it
        reader, columns, elsewhere = registry.detect(unit)
        if reader is None:
            return FileResult(unit.name, SKIPPED, message=elsewhere or "")
        return reader.read(unit, columns)
    # A file the readers or the parsing libraries refuse (bad bytes, damaged compression, an
    # encoding that is not UTF-8, a value Arrow cannot read) is rejected whole, in words;
    # any other error is a bug.
    except _READ_ERRORS as exc:
        text = files.unreadable(exc, unit.compression) or str(exc)
        message = text if unit.name in text else f"{unit.name}: {text}"
        return FileResult(unit.name, REJECTED, message=message, content_hash=unit.content_hash)


def _unread(unit: SourceFile) -> FileResult:
    """The result for a unit that discovery found but could not (or would not) read."""
    if unit.problem:
        message = f"{unit.name}: {unit.problem}"
        return FileResult(unit.name, REJECTED, message=message, content_hash=unit.content_hash)
    return FileResult(unit.name, SKIPPED, message=unit.skip or "")


class _Loader:
    """A loader thread: files in, through one connection, committed in groups."""

    def __init__(
        self,
        warehouse: Warehouse,
        vintage: datetime,
        jobs: queue.Queue[_Job | None],
        events: queue.Queue[tuple[str, _Job | None, list[FileResult]]],
        commit_rows: int,
        dated_by: str = DATED_BY_GIVEN,
    ) -> None:
        self.warehouse = warehouse
        self.dated_by = dated_by
        self.commit_rows = commit_rows
        self.vintage = vintage
        self.jobs = jobs
        self.events = events
        self.con = warehouse.cursor()
        self.pending: list[tuple[_Job, Batch]] = []
        self.rows = 0
        self.opened = 0.0

    def run(self) -> None:
        try:
            while (job := self.jobs.get()) is not None:
                self.events.put(("file", job, self._one(job)))
            self.events.put(("exit", None, self._commit()))
        except BaseException as exc:  # never leave the main thread waiting
            self.events.put(("crash", None, [FileResult("", REJECTED, message=repr(exc))]))
        finally:
            self.con.close()

    def _one(self, job: _Job) -> list[FileResult]:
        read = _read(job.unit)
        if isinstance(read, FileResult):
            return [read]
        if not self.opened:
            self.con.execute("BEGIN")
            self.opened = time.perf_counter()
        try:
            self.warehouse.load(job.unit, read, self.vintage, job.batch_id, self.con, self.dated_by)
        except duckdb.Error:
            self.con.execute("ROLLBACK")
            items, self.pending, self.rows, self.opened = [*self.pending, (job, read)], [], 0, 0.0
            return self._one_by_one(items)
        self.pending.append((job, read))
        self.rows += read.row_count
        if self.rows >= self.commit_rows or time.perf_counter() - self.opened >= GROUP_SECONDS:
            return self._commit()
        return []

    def _commit(self) -> list[FileResult]:
        if not self.opened:
            return []
        self.con.execute("COMMIT")
        done = [_loaded(job.unit, batch, job.batch_id) for job, batch in self.pending]
        self.pending, self.rows, self.opened = [], 0, 0.0
        return done

    def _one_by_one(self, items: list[tuple[_Job, Batch]]) -> list[FileResult]:
        """After a failed store, load each file of the group in its own transaction."""
        out = []
        for job, batch in items:
            self.con.execute("BEGIN")
            try:
                self.warehouse.load(
                    job.unit, batch, self.vintage, job.batch_id, self.con, self.dated_by
                )
                self.con.execute("COMMIT")
                out.append(_loaded(job.unit, batch, job.batch_id))
            except duckdb.Error as exc:
                self.con.execute("ROLLBACK")
                message = f"{job.unit.name}: not stored: {exc}"
                out.append(FileResult(job.unit.name, REJECTED, message=message))
        return out


def _loaded(unit: SourceFile, batch: Batch, batch_id: int) -> FileResult:
    return FileResult(
        unit.name,
        LOADED,
        format=batch.format,
        dataset=batch.dataset,
        rows_read=batch.rows_read,
        rows_loaded=batch.row_count,
        rows_quarantined=len(batch.rejects),
        blank_lines=batch.blank_lines,
        batch_id=batch_id,
        message="; ".join(
            [*batch.notes, *([f"read as {unit.encoding} text"] if unit.encoding else [])]
        ),
    )
