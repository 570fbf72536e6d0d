"""Bulk entry from CSV: `occurred_on,event_type,count,unit,theme,borough,crimes_solved,summary`.

Rules (the house rules of the ingest, applied to the log):
- every row is validated like an API request; a bad row is reported (line, field,
  reason) and skipped, good rows of the same file are kept;
- a file with missing or unknown columns, or not UTF-8, is refused whole;
- the file is read line by line, never whole: a line over the line limit (1 MiB unless
  `max_line_bytes` says otherwise) is reported with its length and skipped, never held;
- the whole file is stored in one transaction: a killed import leaves all or nothing;
- a row's identity is a hash of its validated content plus its ordinal among identical
  rows of the file, so importing the same file again (or an export that overlaps an
  earlier one) adds only rows not yet stored. Two identical rows are two events.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa

from crimepulse.config import DEFAULT_MAX_LINE_BYTES
from crimepulse.errors import FieldError, ValidationFailed
from crimepulse.errors import FileRefused as FileRefused
from crimepulse.oplog import queries
from crimepulse.oplog.log import OutcomesLog
from crimepulse.oplog.models import ImportReport
from crimepulse.oplog.validate import EventIn
from crimepulse.sources import csvtable
from crimepulse.state import auth
from crimepulse.state.auth import Actor
from crimepulse.state.tables import event_versions, events, utcnow

REQUIRED = ("occurred_on", "event_type", "count", "unit", "theme", "summary")
OPTIONAL = ("borough", "crimes_solved", "note", "related_crime_ids")
CHUNK = 1000
ImportProgress = Callable[[int, int], None]  # (rows stored so far, rows to store)


def parse(
    source: bytes | BinaryIO, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, FieldError]], list[int]]:
    """Rows as (line, raw fields), row-shape errors and blank lines. Raise FileRefused on a
    bad file.

    Lines are split into records as the ingest splits them (`csvtable.records`), so every
    physical line is a row, a row-shape error or blank: a stray or unclosed quote costs
    only its own line, never the rest of the file; a line over `max_line_bytes` is an
    error naming its length and the limit.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    lines = csvtable.decoded_lines(stream, max_line_bytes)
    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[tuple[int, FieldError]] = []
    blank: list[int] = []

    def checked() -> Iterator[csvtable.Line]:
        for number, text in lines:
            if isinstance(text, csvtable.Refused) and text.reason.startswith("undecodable"):
                raise FileRefused(f"not UTF-8 text (line {number})")
            yield number, text

    first = next(lines, None)
    if first is None:
        raise FileRefused("empty file")
    _, text = first
    if not isinstance(text, str):
        if text is None or text.reason.startswith("undecodable"):
            raise FileRefused("not UTF-8 text (line 1)")
        raise FileRefused(f"the header, {text.reason}")
    try:
        header_row = next(csv.reader([text.removeprefix("\ufeff")], strict=True), [])
    except csv.Error as exc:
        raise FileRefused(f"unreadable CSV header on line 1: {exc}") from None
    header = [h.strip().lower().replace(" ", "_") for h in header_row]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        parts = [f"missing columns: {', '.join(missing)}"] if missing else []
        parts += [f"unknown columns: {', '.join(unknown)}"] if unknown else []
        raise FileRefused("; ".join(parts or ["duplicate columns"]))
    for record in csvtable.records(checked(), len(header), max_record=max_line_bytes):
        if isinstance(record, int):
            blank.append(record)  # a blank line is not a row, but it is counted
            continue
        if record.fields is None:
            errors.append((record.first, FieldError("(row)", str(record.reason))))
        else:
            rows.append((record.first, _raw(dict(zip(header, record.fields, strict=True)))))
    return rows, errors, blank


def _file_hash(source: Path | bytes) -> str:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    digest = hashlib.sha256()
    with source.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _raw(row: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {k: (v if v.strip() else None) for k, v in row.items()}
    ids = raw.pop("related_crime_ids", None)
    raw["related_crime_ids"] = [i.strip() for i in ids.split(";") if i.strip()] if ids else []
    return {k: v for k, v in raw.items() if v is not None}


def row_keys(rows: list[EventIn]) -> list[str]:
    """Identity per row: content hash + ordinal among identical rows in this file."""
    seen: Counter[str] = Counter()
    keys = []
    for row in rows:
        digest = hashlib.sha256(
            json.dumps(row.model_dump(mode="json"), sort_keys=True).encode()
        ).hexdigest()
        keys.append(f"{digest}:{seen[digest]}")
        seen[digest] += 1
    return keys


def import_csv(
    log: OutcomesLog,
    actor: Actor,
    source: str | Path | bytes,
    name: str | None = None,
    progress: ImportProgress | None = None,
    *,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> ImportReport:
    """Validate and store a CSV of events in one transaction; see the module docstring."""
    auth.require(actor, auth.RECORD, "importing events")
    started = time.perf_counter()
    data = source if isinstance(source, bytes) else Path(source)
    label = name or ("upload" if isinstance(source, bytes) else str(source))
    report = ImportReport(Path(label).name)
    try:
        if isinstance(data, bytes):
            parsed, report.rejected, blank = parse(data, max_line_bytes)
        else:
            with data.open("rb") as stream:
                parsed, report.rejected, blank = parse(stream, max_line_bytes)
    except FileRefused as exc:
        report.file_error = str(exc)
        return report
    report.blank_lines = len(blank)
    report.rows = len(parsed) + len(report.rejected)
    good: list[tuple[int, EventIn]] = []
    for line, raw in parsed:
        try:
            good.append((line, log.validate_event(raw)))
        except ValidationFailed as exc:
            report.rejected.extend((line, e) for e in exc.errors)
    report.rejected.sort(key=lambda item: item[0])
    keys = row_keys([event for _, event in good])
    file_hash = _file_hash(data)
    for attempt in range(3):  # a concurrent import of the same rows: retry sees them
        try:
            report.added, report.already_present = _store(
                log, actor, report.file, file_hash, good, keys, progress
            )
            break
        except sa.exc.IntegrityError:
            if attempt == 2:
                raise
    report.seconds = time.perf_counter() - started
    return report


def _store(
    log: OutcomesLog,
    actor: Actor,
    file: str,
    file_hash: str,
    good: list[tuple[int, EventIn]],
    keys: list[str],
    progress: ImportProgress | None,
) -> tuple[int, int]:
    with log.writing() as conn:
        present: set[str] = set()
        for chunk in queries.chunks(keys):
            query = sa.select(events.c.import_key).where(events.c.import_key.in_(chunk))
            present.update(conn.scalars(query))
        todo = [(k, line, e) for k, (line, e) in zip(keys, good, strict=True) if k not in present]
        now, client = utcnow(), actor.client[:200]
        for done, chunk in enumerate(queries.chunks(todo, CHUNK)):
            ids = conn.scalars(
                events.insert().returning(events.c.id, sort_by_parameter_order=True),
                [
                    {"created_at": now, "created_by": actor.id, "client": client,
                     "import_key": key, "source": file[:255], "source_line": line}
                    for key, line, _ in chunk
                ],
            ).all()  # fmt: skip
            conn.execute(
                event_versions.insert(),
                [
                    {"event_id": event_id, "version": 1, **event.fields(), "void": False,
                     "author_id": actor.id, "created_at": now, "client": client}
                    for event_id, (_, _, event) in zip(ids, chunk, strict=True)
                ],
            )  # fmt: skip
            if progress:
                progress(done * CHUNK + len(chunk), len(todo))
        if todo:
            detail = {"file": file, "sha256": file_hash, "added": len(todo)}
            log._audit(conn, actor, "event.import", file[:255], detail)
    return len(todo), len(present)
