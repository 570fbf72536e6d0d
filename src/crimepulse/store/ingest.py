"""Ingest: find files, detect each one's format, read it, and load it as one batch.

A file's outcome is one of: loaded (maybe with quarantined rows), unchanged (the same
bytes are already in the warehouse: a no-op), skipped (a known file that another command
loads), or rejected (nothing of it stored). One file's failure never stops the others.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from crimepulse.sources import files, registry
from crimepulse.sources.base import Batch, FormatError, SourceFile
from crimepulse.store.warehouse import PriorLoad, Warehouse

LOADED, UNCHANGED, SKIPPED, REJECTED = "loaded", "unchanged", "skipped", "rejected"

# progress(event, file_index, file_count, name): event is "start" or "done".
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
    batch_id: int | None = None
    message: str = ""


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
    def rows_per_second(self) -> float:
        return self.rows_loaded / self.seconds if self.seconds > 0 else 0.0

    def exit_code(self, strict: bool = False) -> int:
        """0 all loaded; 1 under strict when rows were quarantined; 2 when a file was rejected."""
        if self.count(REJECTED):
            return 2
        if strict and self.rows_quarantined:
            return 1
        return 0


# A commit costs an fsync, so several whole files share one; each file is still all-or-nothing.
GROUP_ROWS = 400_000
GROUP_SECONDS = 2.0
READ_AHEAD = 3  # files read in background threads while the current one loads


@dataclass
class _Read:
    """A file's read outcome, produced in a worker thread."""

    unit: SourceFile
    batch: Batch | None = None
    result: FileResult | None = None  # set when there is nothing to load


def ingest(
    warehouse: Warehouse,
    paths: list[Path],
    *,
    vintage: datetime | None = None,
    force: str | None = None,
    source: str | None = None,
    progress: Progress | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> IngestReport:
    """Load every file under `paths`. `vintage` says when the data was published (default now).

    `force` names the force for formats that carry none (stop and search without a
    data.police.uk file name, a daily feed without a force column); `source` overrides
    the source name (e.g. to tag a sample). Files are read in background threads while
    earlier ones load. `on_result` hears of each file once its outcome is final (for a
    loaded file: once committed).
    """
    started = time.perf_counter()
    when = vintage or datetime.now()
    units = [_override(u, force, source) for u in files.discover(paths)]
    report = IngestReport()
    group = _Group(warehouse, when)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures: deque[Future[_Read]] = deque()
        queued = iter(units)
        for unit in itertools.islice(queued, READ_AHEAD):
            futures.append(pool.submit(_read, warehouse_has(warehouse, unit), unit))
        index = 0
        while futures:
            read = futures.popleft().result()
            nxt = next(queued, None)
            if nxt is not None:
                futures.append(pool.submit(_read, warehouse_has(warehouse, nxt), nxt))
            if progress:
                progress("start", index, len(units), read.unit.name)
            _record(report, group.add(read), on_result)
            index += 1
            if progress:
                progress("done", index, len(units), read.unit.name)
        _record(report, group.flush(), on_result)
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


def warehouse_has(warehouse: Warehouse, unit: SourceFile) -> PriorLoad | None:
    return warehouse.prior_load(unit.content_hash)


def _unchanged(unit: SourceFile, prior: PriorLoad) -> FileResult:
    return FileResult(
        unit.name,
        UNCHANGED,
        batch_id=prior.batch_id,
        message=f"identical to batch {prior.batch_id} ({prior.path}); nothing to do",
    )


def _read(prior: PriorLoad | None, unit: SourceFile) -> _Read:
    """Detect and read one file (in a worker thread: no warehouse access here)."""
    if prior:
        return _Read(unit, result=_unchanged(unit, prior))
    try:
        reader, columns, elsewhere = registry.detect(unit)
        if reader is None:
            return _Read(unit, result=FileResult(unit.name, SKIPPED, message=elsewhere or ""))
        return _Read(unit, batch=reader.read(unit, columns))
    except (FormatError, OSError, ValueError) as exc:
        message = str(exc) if unit.name in str(exc) else f"{unit.name}: {exc}"
        return _Read(unit, result=FileResult(unit.name, REJECTED, message=message))


class _Group:
    """Files loaded in one open transaction, committed together when large or old enough."""

    def __init__(self, warehouse: Warehouse, vintage: datetime) -> None:
        self.warehouse = warehouse
        self.vintage = vintage
        self.pending: list[tuple[SourceFile, Batch]] = []
        self.results: list[FileResult] = []
        self.rows = 0
        self.opened = 0.0
        self.hashes: dict[str, int] = {}

    def add(self, read: _Read) -> list[FileResult]:
        if read.result is not None:
            if read.result.status == REJECTED:
                self._ensure_open()
                self.warehouse.log_event(read.unit, REJECTED, read.result.message)
            return [read.result]
        assert read.batch is not None
        seen = self.hashes.get(read.unit.content_hash)
        if seen is not None:  # the same bytes twice in one run
            return [_unchanged(read.unit, PriorLoad(seen, "this run"))]
        self._ensure_open()
        try:
            batch_id = self.warehouse.load(read.unit, read.batch, self.vintage)
        except duckdb.Error:
            self.warehouse.rollback()
            return self._retry_one_by_one([*self.pending, (read.unit, read.batch)])
        self.hashes[read.unit.content_hash] = batch_id
        self.pending.append((read.unit, read.batch))
        self.results.append(_loaded(read.unit, read.batch, batch_id))
        self.rows += read.batch.table.num_rows
        if self.rows >= GROUP_ROWS or time.perf_counter() - self.opened >= GROUP_SECONDS:
            return self.flush()
        return []

    def flush(self) -> list[FileResult]:
        if self.opened:
            self.warehouse.commit()
        done, self.results, self.pending = self.results, [], []
        self.rows, self.opened = 0, 0.0
        return done

    def _ensure_open(self) -> None:
        if not self.opened:
            self.warehouse.begin()
            self.opened = time.perf_counter()

    def _retry_one_by_one(self, items: list[tuple[SourceFile, Batch]]) -> list[FileResult]:
        """After a failed store, load each file of the group in its own transaction."""
        self.results, self.pending, self.rows, self.opened = [], [], 0, 0.0
        out = []
        for unit, batch in items:
            self.warehouse.begin()
            try:
                batch_id = self.warehouse.load(unit, batch, self.vintage)
                self.warehouse.commit()
                self.hashes[unit.content_hash] = batch_id
                out.append(_loaded(unit, batch, batch_id))
            except duckdb.Error as exc:
                self.warehouse.rollback()
                out.append(
                    FileResult(unit.name, REJECTED, message=f"{unit.name}: not stored: {exc}")
                )
        return out


def _loaded(unit: SourceFile, batch: Batch, batch_id: int) -> FileResult:
    return FileResult(
        unit.name,
        LOADED,
        format=batch.format,
        dataset=batch.dataset,
        rows_read=batch.rows_read,
        rows_loaded=batch.table.num_rows,
        rows_quarantined=len(batch.rejects),
        batch_id=batch_id,
        message="; ".join(batch.notes),
    )
