"""The snapshot workflow and archive: draft -> approved (by a reviewer) -> published.

Rows live in the outcomes log's database (its users and roles decide who may approve).
A draft keeps the exact document it was built from and every rendered output, so what a
reviewer approves is byte for byte what is published. Published rows never change (the
database refuses it); a correction is a new version, rebuilt from the current data, with
a visible correction note, and the archive then shows it in place of the old one.
"""

from __future__ import annotations

import builtins
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from crimepulse.core.reference.forces import DEFAULT_FORCE
from crimepulse.errors import Conflict, FieldError, NotFound, ValidationFailed
from crimepulse.oplog import Actor, OutcomesLog
from crimepulse.snapshot import FORMATS, editing, render
from crimepulse.snapshot.builder import build
from crimepulse.snapshot.model import Snapshot
from crimepulse.snapshot.source import FactSource
from crimepulse.state import auth
from crimepulse.state import db as _engine
from crimepulse.state.snapshot_tables import STATUSES, snapshots

ADJECTIVES = {"week": "weekly", "month": "monthly", "year": "annual", "financial-year": "annual"}
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


@dataclass(frozen=True)
class Record:
    """One stored version (without its outputs; `SnapshotStore.output` reads those)."""

    id: int
    series: str
    period: str
    theme: str
    area: str
    as_of: date
    version: int
    status: str
    title: str
    fingerprint: str
    correction_note: str | None
    supersedes: int | None
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    published_at: datetime | None
    published_by: str | None
    edited_from: int | None  # the version whose words this one edited (same Facts)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = value.isoformat() if isinstance(value, date | datetime) else value
        return out


_RECORD_COLUMNS = [snapshots.c[name] for name in Record.__dataclass_fields__]


def series_key(period: str, theme: str, area: str) -> str:
    return f"{period}/{theme}/{area.lower()}"


def fingerprint(snapshot: Snapshot) -> str:
    text = json.dumps(snapshot.facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


STORED = ("md", "html", "pdf", "json", "post")  # the formats a version keeps as rendered


def outputs(snapshot: Snapshot, pdf: bool = True) -> dict[str, Any]:
    """Every format rendered once (pdf optional: it is the slow one)."""
    out: dict[str, Any] = {fmt: render(snapshot, fmt) for fmt in STORED if fmt != "pdf"}
    out["pdf"] = render(snapshot, "pdf") if pdf else None
    return out


class SnapshotStore:
    """Snapshot versions in the outcomes log's database."""

    def __init__(self, log: OutcomesLog) -> None:
        self.log = log
        self.engine = log.engine

    # -- reading -------------------------------------------------------------------------

    def get(self, snapshot_id: int) -> Record:
        with _engine.read(self.engine) as conn:
            row = conn.execute(
                sa.select(*_RECORD_COLUMNS).where(snapshots.c.id == snapshot_id)
            ).first()
        if row is None:
            raise NotFound(f"no snapshot {snapshot_id}")
        return Record(**row._mapping)

    def list(self, series: str | None = None, status: str | None = None) -> list[Record]:
        """Every stored version, of one series and/or one status (a status that is none of
        draft, approved, published is refused: a NUL in it was a 500 on PostgreSQL)."""
        if status and status not in STATUSES:
            reason = f"{status[:40]!r} is not one of {', '.join(STATUSES)}"
            raise ValidationFailed([FieldError("status", reason)])
        if series and "\x00" in series:
            raise ValidationFailed([FieldError("series", "contains a NUL byte")])
        query = sa.select(*_RECORD_COLUMNS).order_by(
            snapshots.c.series, snapshots.c.as_of, snapshots.c.version
        )
        if series:
            query = query.where(snapshots.c.series == series)
        if status:
            query = query.where(snapshots.c.status == status)
        with _engine.read(self.engine) as conn:
            return [Record(**row._mapping) for row in conn.execute(query)]

    def document(self, snapshot_id: int) -> Snapshot:
        """The exact document stored with a version (its Facts as they were then)."""
        with _engine.read(self.engine) as conn:
            text = conn.execute(
                sa.select(snapshots.c.document).where(snapshots.c.id == snapshot_id)
            ).scalar()
        if text is None:
            raise NotFound(f"no snapshot {snapshot_id}")
        return Snapshot.from_dict(json.loads(text))

    def output(self, snapshot_id: int, fmt: str) -> str | bytes:
        if fmt not in FORMATS:
            raise NotFound(f"no format {fmt!r}; use {', '.join(FORMATS)}")
        if fmt not in STORED:  # rendered from the stored document: the same words and Facts
            return render(self.document(snapshot_id), fmt)
        with _engine.read(self.engine) as conn:
            value = conn.execute(
                sa.select(snapshots.c[fmt]).where(snapshots.c.id == snapshot_id)
            ).first()
        if value is None or value[0] is None:
            raise NotFound(f"snapshot {snapshot_id} has no stored {fmt}")
        out: str | bytes = value[0]
        return out

    def archive(
        self, period: str | None = None, theme: str | None = None
    ) -> builtins.list[dict[str, Any]]:
        """Published snapshots, series by series in date order: the newest published
        version of each date, numbered ("the first of a series of weekly snapshots")."""
        rows = [r for r in self.list(status="published") if (period or r.period) == r.period]
        rows = [r for r in rows if (theme or r.theme) == r.theme]
        latest: dict[tuple[str, date], Record] = {}
        for r in rows:
            key = (r.series, r.as_of)
            if key not in latest or latest[key].version < r.version:
                latest[key] = r
        out, counts = [], dict[str, int]()
        for (series, _), r in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            n = counts[series] = counts.get(series, 0) + 1
            word = ORDINALS[n - 1] if n <= len(ORDINALS) else f"number {n}"
            corrected = [v.version for v in rows if v.series == series and v.as_of == r.as_of]
            out.append(
                {
                    **r.as_dict(),
                    "number": n,
                    "position": f"the {word} of a series of {ADJECTIVES.get(r.period, r.period)} "
                    f"snapshots on {r.theme}",
                    "versions": sorted(corrected),
                }
            )
        return out

    # -- writing -------------------------------------------------------------------------

    def next_version(self, snapshot: Snapshot) -> int:
        meta = snapshot.meta
        series = series_key(meta["period"], meta["theme"]["name"], meta["area"])
        with _engine.read(self.engine) as conn:
            version = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(snapshots.c.version), 0)).where(
                    snapshots.c.series == series,
                    snapshots.c.as_of == date.fromisoformat(meta["as_of"]),
                )
            ).scalar_one()
        return int(version) + 1

    def add(
        self,
        actor: Actor,
        snapshot: Snapshot,
        rendered: dict[str, Any],
        correction_note: str | None = None,
        supersedes: int | None = None,
        *,
        template: str | None = None,
        edited_from: int | None = None,
    ) -> Record:
        """Store a new draft version (any signed-in role may draft); `template` and
        `edited_from` for an edit of another version's words."""
        auth.require(actor, auth.READ, "drafting snapshots")
        meta = snapshot.meta
        series = series_key(meta["period"], meta["theme"]["name"], meta["area"])
        as_of = date.fromisoformat(meta["as_of"])
        with _engine.write(self.engine) as conn:
            version = conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(snapshots.c.version), 0)).where(
                    snapshots.c.series == series, snapshots.c.as_of == as_of
                )
            ).scalar_one()
            new_id = conn.execute(
                snapshots.insert()
                .values(
                    series=series,
                    period=meta["period"],
                    theme=meta["theme"]["name"],
                    area=meta["area"],
                    as_of=as_of,
                    version=int(version) + 1,
                    status="draft",
                    title=meta["title"][:300],
                    document=json.dumps(snapshot.to_dict(), default=str),
                    fingerprint=fingerprint(snapshot),
                    md=rendered["md"],
                    html=rendered["html"],
                    json=rendered["json"],
                    post=rendered["post"],
                    pdf=rendered.get("pdf"),
                    correction_note=correction_note,
                    supersedes=supersedes,
                    template=template,
                    edited_from=edited_from,
                    created_at=datetime.now(UTC),
                    created_by=actor.name,
                )
                .returning(snapshots.c.id)
            ).scalar_one()
        return self.get(int(new_id))

    def template(self, snapshot_id: int) -> str:
        """The version's words as an editable template (numbers as Fact placeholders)."""
        return editing.to_template(self.document(snapshot_id))

    def edit(self, actor: Actor, snapshot_id: int, template: str, pdf: bool = True) -> Record:
        """A new draft version with the edited words and the same Facts, stored with who
        edited and when; a template that changes a number or contradicts a verdict is
        refused (ValidationFailed, by line) and nothing is stored. A published version is
        never edited: correct it instead."""
        auth.require(actor, auth.READ, "editing snapshots")
        old = self.get(snapshot_id)
        if old.status == "published":
            raise Conflict(
                f"snapshot {snapshot_id} is published and never changes; correct it instead"
            )
        document = self.document(snapshot_id)
        edited = editing.apply(document, template)
        if editing.to_template(edited) == editing.to_template(document):
            raise Conflict(f"the edit changes no word of snapshot {snapshot_id}; nothing stored")
        edited.meta["edited"] = {"from_id": old.id, "from_version": old.version, "by": actor.name}
        edited.meta["version"] = self.next_version(edited)
        return self.add(
            actor,
            edited,
            outputs(edited, pdf),
            old.correction_note,
            old.supersedes,
            template=template,
            edited_from=old.id,
        )

    def _advance(self, actor: Actor, snapshot_id: int, before: str, after: str) -> Record:
        auth.require(actor, auth.REVIEW, f"marking snapshots {after}")
        who = "approved" if after == "approved" else "published"
        with _engine.write(self.engine) as conn:
            done = conn.execute(
                snapshots.update()
                .where(snapshots.c.id == snapshot_id, snapshots.c.status == before)
                .values(
                    status=after,
                    **{f"{who}_at": datetime.now(UTC), f"{who}_by": actor.name},
                )
            ).rowcount
        if not done:
            current = self.get(snapshot_id)  # NotFound when there is no such snapshot
            raise Conflict(
                f"snapshot {snapshot_id} is {current.status}; only a {before} snapshot can "
                f"be {after}"
            )
        return self.get(snapshot_id)

    def approve(self, actor: Actor, snapshot_id: int) -> Record:
        """draft -> approved (reviewer or admin)."""
        return self._advance(actor, snapshot_id, "draft", "approved")

    def publish(self, actor: Actor, snapshot_id: int) -> Record:
        """approved -> published (reviewer or admin); immutable from then on."""
        return self._advance(actor, snapshot_id, "approved", "published")


# -- the workflow over a warehouse ------------------------------------------------------------


def draft(
    cp: FactSource,
    store: SnapshotStore,
    actor: Actor,
    period: str,
    as_of: str,
    theme: str,
    area: str = "all",
    pdf: bool = True,
    *,
    force: str = DEFAULT_FORCE,
) -> Record:
    """Build a snapshot of `force` from the current data, render every format, store it as
    a draft."""
    snapshot = build(cp, period, as_of, theme, area, log=store.log, force=force)
    snapshot.meta["version"] = store.next_version(snapshot)
    return store.add(actor, snapshot, outputs(snapshot, pdf))


def correct(
    cp: FactSource,
    store: SnapshotStore,
    actor: Actor,
    snapshot_id: int,
    note: str,
    pdf: bool = True,
) -> Record:
    """A new draft version of a published snapshot, rebuilt from the current data, with
    a correction note that every rendering shows. The published version is untouched."""
    old = store.get(snapshot_id)
    if old.status != "published":
        raise Conflict(f"snapshot {snapshot_id} is {old.status}: correct a published one")
    if not note.strip():
        raise Conflict("a correction needs a note saying what changed")
    force = store.document(snapshot_id).meta.get("force") or DEFAULT_FORCE  # as published
    snapshot = build(
        cp, old.period, old.as_of.isoformat(), old.theme, old.area, force=force, log=store.log
    )
    snapshot.meta["correction"] = {
        "note": note.strip(),
        "supersedes_id": old.id,
        "supersedes_version": old.version,
    }
    snapshot.meta["version"] = store.next_version(snapshot)
    return store.add(actor, snapshot, outputs(snapshot, pdf), note.strip(), old.id)
