"""The outcomes log: record, amend, approve and read events, append-only and audited.

`OutcomesLog` is the public Python API; the CLI and the HTTP API are thin layers over
it. Every write is one transaction that also appends its audit row, so the trail can
never disagree with the data. Writes given an idempotency key store the key (unique per
user) in the same transaction: a retry, even one racing the original, replays the
first answer instead of recording twice.
"""

from __future__ import annotations

import builtins
import getpass
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from crimepulse.config import Settings
from crimepulse.errors import Conflict, FieldError, NotFound, Unauthorized, ValidationFailed
from crimepulse.oplog import queries, validate
from crimepulse.oplog.models import Approval, AuditEntry, Event, ImportReport, User
from crimepulse.state import auth, migrate
from crimepulse.state import db as _engine
from crimepulse.state.auth import Actor, Role
from crimepulse.state.tables import (
    approvals,
    audit,
    event_types,
    event_versions,
    events,
    idempotency_keys,
    sessions,
    units,
    users,
    utcnow,
)

if TYPE_CHECKING:
    from crimepulse.oplog.aggregates import PublicEntry, WeeklyReport

CATALOG_TTL_S = 2.0
Today = Callable[[], date]
# Statements built once; parameters are passed at execution (no per-call construction).
INSERT_EVENT = events.insert().returning(events.c.id)
INSERT_VERSION = event_versions.insert()
INSERT_AUDIT = audit.insert()
INSERT_KEY = idempotency_keys.insert()


class OutcomesLog:
    """An open outcomes log (SQLite file or PostgreSQL), migrated to the current schema.

    >>> log = OutcomesLog.open(db="london.duckdb")        # london.oplog.sqlite
    >>> me = log.local_actor()                            # the CLI's own admin user
    >>> e = log.add(me, {"event_type": "firearm_recovered", "count": 1, ...})
    """

    def __init__(
        self, url: str, today: Today = date.today, *, max_line_bytes: int | None = None
    ) -> None:
        self.url = url
        # The longest line a CSV import reads (the deployment's `limits`; default 1 MiB).
        self.max_line_bytes = max_line_bytes
        self.engine = _engine.create(url)
        self.today = today
        migrate.upgrade(self.engine)
        self._catalog: tuple[float, validate.Catalog] | None = None
        self._catalog_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        url: str | None = None,
        db: str | Path | None = None,
        today: Today = date.today,
        *,
        settings: Settings | None = None,
    ) -> OutcomesLog:
        """Open the log at `url`, else where `settings` put it (by default: from the
        environment, $CRIMEPULSE_OPLOG_URL, else beside the warehouse `db`)."""
        if url:
            return cls(url, today)
        if settings is None:
            settings = Settings.from_env(db=db)
        elif db is not None:
            settings = settings.replace(db=Path(db))
        return cls(settings.oplog_location, today, max_line_bytes=settings.limits.max_line_bytes)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> OutcomesLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- identity -----------------------------------------------------------------------

    def local_actor(self) -> Actor:
        """The admin user for direct (CLI) access: `local:<os user>`, created on first use."""
        name = f"local:{getpass.getuser()}"
        with _engine.read(self.engine) as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            try:
                with _engine.write(self.engine) as conn:
                    conn.execute(
                        users.insert().values(
                            name=name, role=Role.admin, created_at=utcnow(), created_by=name
                        )
                    )
            except IntegrityError:
                pass  # another process created it first
            with _engine.read(self.engine) as conn:
                row = conn.execute(sa.select(users).where(users.c.name == name)).one()
        return Actor(row.id, row.name, Role(row.role), "cli")

    def authenticate(self, token: str | None, client: str = "http") -> Actor:
        """The user holding `token`; raise Unauthorized when there is none.

        Checked against the database on every request (one lookup by a unique index), so a
        revoked or rotated token stops working at once, in every server process."""
        if not token:
            raise Unauthorized("no token: send Authorization: Bearer <token>")
        digest = auth.hash_token(token)
        with _engine.read(self.engine) as conn:
            row = conn.execute(sa.select(users).where(users.c.token_hash == digest)).first()
        if row is None or not auth.token_matches(token, row.token_hash):
            raise Unauthorized("unknown token")
        if row.token_expires_at is not None and row.token_expires_at <= utcnow():
            raise auth.TokenExpired(row.token_expires_at)
        return Actor(row.id, row.name, Role(row.role), client)

    def add_user(
        self, actor: Actor, name: str, role: Role | str, expires_in: timedelta | None = None
    ) -> tuple[User, str]:
        """Create a user and return it with its token, which is never shown again; the
        token stops working `expires_in` from now (None: it does not expire)."""
        auth.require(actor, auth.ADMIN, "adding users")
        name = name.strip()
        role = _role(role)
        if not 0 < len(name) <= 80 or name.startswith("local:") or not name.isprintable():
            raise ValidationFailed(
                [FieldError("name", "1-80 printable characters, not starting local:")]
            )
        token = auth.new_token()
        now = utcnow()
        until = _expiry(now, expires_in)
        try:
            with _engine.write(self.engine) as conn:
                user_id = conn.execute(
                    users.insert()
                    .values(
                        name=name,
                        role=role,
                        token_hash=auth.hash_token(token),
                        created_at=now,
                        created_by=actor.name,
                        token_expires_at=until,
                    )
                    .returning(users.c.id)
                ).scalar_one()
                self._audit(conn, actor, "user.add", name, {"role": role, "expires_at": until})
        except IntegrityError:
            raise Conflict(f"a user called {name!r} exists already") from None
        return User(user_id, name, role, now, actor.name, until), token

    def revoke_token(self, actor: Actor, name: str) -> None:
        """End a user's token and their review sessions at once (admin): every request with
        them is refused from now on; the user and what they recorded stay. `rotate_token`
        gives them a new one."""
        self._set_token(actor, name, None, None, "user.revoke")

    def rotate_token(self, actor: Actor, name: str, expires_in: timedelta | None = None) -> str:
        """Give a user a new token (admin), expiring `expires_in` from now (None: never), and
        end the old one and their review sessions at once; returns the new token, which is
        never shown again."""
        token = auth.new_token()
        until = _expiry(utcnow(), expires_in)
        self._set_token(actor, name, auth.hash_token(token), until, "user.rotate")
        return token

    def _set_token(
        self, actor: Actor, name: str, digest: str | None, until: datetime | None, action: str
    ) -> None:
        auth.require(actor, auth.ADMIN, "changing tokens")
        with _engine.write(self.engine) as conn:
            user_id = conn.execute(
                users.update()
                .where(users.c.name == name, ~users.c.name.startswith("local:"))
                .values(token_hash=digest, token_expires_at=until)
                .returning(users.c.id)
            ).scalar()
            if user_id is None:
                raise NotFound(f"no user called {name!r} holds a token")
            ended = conn.execute(sessions.delete().where(sessions.c.user_id == user_id)).rowcount
            detail: dict[str, Any] = {"sessions_ended": ended}
            if digest is not None:
                detail["expires_at"] = until
            self._audit(conn, actor, action, name, detail)

    def users(self, actor: Actor) -> list[User]:
        auth.require(actor, auth.ADMIN, "listing users")
        with _engine.read(self.engine) as conn:
            rows = conn.execute(sa.select(users).order_by(users.c.id)).all()
        return [
            User(r.id, r.name, r.role, r.created_at, r.created_by, r.token_expires_at) for r in rows
        ]

    # --- the review pages' sessions -----------------------------------------------------

    def open_session(self, actor: Actor, lifetime: timedelta = auth.SESSION_LIFETIME) -> str:
        """Start a session for a user who has just signed in with their token; returns its
        id (for the cookie; only its hash is stored). It ends at sign-out, after `lifetime`,
        when the token expires, or when the token is revoked or rotated."""
        session_id = auth.new_session_id()
        now = utcnow()
        with _engine.write(self.engine) as conn:
            token_until = conn.execute(
                sa.select(users.c.token_expires_at).where(users.c.id == actor.id)
            ).scalar()
            until = now + lifetime if token_until is None else min(now + lifetime, token_until)
            conn.execute(sessions.delete().where(sessions.c.expires_at <= now))  # tidy up
            conn.execute(
                sessions.insert().values(
                    id_hash=auth.hash_token(session_id),
                    user_id=actor.id,
                    created_at=now,
                    expires_at=until,
                    client=actor.client[:200],
                )
            )
            self._audit(conn, actor, "session.start", actor.name, {"expires_at": until})
        return session_id

    def session_actor(self, session_id: str | None, client: str = "web") -> Actor:
        """Who holds this session; Unauthorized when it is unknown, ended or expired."""
        if not session_id:
            raise Unauthorized("not signed in")
        joined = sessions.join(users, users.c.id == sessions.c.user_id)
        query = sa.select(
            users.c.id, users.c.name, users.c.role, users.c.token_expires_at, sessions.c.expires_at
        )
        with _engine.read(self.engine) as conn:
            row = conn.execute(
                query.select_from(joined).where(
                    sessions.c.id_hash == auth.hash_token(session_id),
                    users.c.token_hash.is_not(None),
                )
            ).first()
        if row is None:
            raise Unauthorized("this session has ended; sign in again")
        now = utcnow()
        if row.token_expires_at is not None and row.token_expires_at <= now:
            raise auth.TokenExpired(row.token_expires_at)  # its sessions end with it
        if row.expires_at <= now:
            raise Unauthorized(f"this session expired on {row.expires_at:%Y-%m-%d %H:%M} UTC")
        return Actor(row.id, row.name, Role(row.role), client)

    def end_session(self, session_id: str | None, client: str = "web") -> bool:
        """Sign out: delete the session, so its cookie no longer signs anyone in; False when
        there was none to end."""
        if not session_id:
            return False
        digest = auth.hash_token(session_id)
        with _engine.write(self.engine) as conn:
            row = conn.execute(
                sa.select(users.c.id, users.c.name, users.c.role)
                .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
                .where(sessions.c.id_hash == digest)
            ).first()
            if row is None:
                return False
            conn.execute(sessions.delete().where(sessions.c.id_hash == digest))
            actor = Actor(row.id, row.name, Role(row.role), client)
            self._audit(conn, actor, "session.end", row.name, {})
        return True

    # --- catalog: event types and units are data ----------------------------------------

    def event_types(self) -> dict[str, str]:
        """Registered event types and their descriptions."""
        with _engine.read(self.engine) as conn:
            rows = conn.execute(sa.select(event_types).order_by(event_types.c.name)).all()
        return {r.name: r.description for r in rows}

    def units(self) -> list[str]:
        with _engine.read(self.engine) as conn:
            return list(conn.scalars(sa.select(units.c.name).order_by(units.c.name)))

    def add_event_type(self, actor: Actor, name: str, description: str = "") -> str:
        """Register an event type (admin). Names are lower_snake_case."""
        auth.require(actor, auth.ADMIN, "adding event types")
        clean = "_".join(name.strip().lower().replace("-", " ").split())
        if not clean.replace("_", "").isalnum() or len(clean) > 40:
            raise ValidationFailed([FieldError("name", "letters, digits and _ only, at most 40")])
        self._add_catalog(actor, event_types, "event_type.add", clean, description=description)
        return clean

    def add_unit(self, actor: Actor, name: str) -> str:
        """Register a unit (admin), e.g. "Lambeth robbery team"."""
        auth.require(actor, auth.ADMIN, "adding units")
        clean = " ".join(name.split())
        if not 0 < len(clean) <= 120 or not clean.isprintable():
            raise ValidationFailed([FieldError("name", "1-120 printable characters")])
        if clean.casefold() in self.catalog(refresh=True).units:
            raise Conflict(f"unit {clean!r} exists already")
        self._add_catalog(actor, units, "unit.add", clean)
        return clean

    def _add_catalog(
        self, actor: Actor, table: sa.Table, action: str, name: str, **extra: Any
    ) -> None:
        try:
            with _engine.write(self.engine) as conn:
                conn.execute(
                    table.insert().values(
                        name=name, created_at=utcnow(), created_by=actor.name, **extra
                    )
                )
                self._audit(conn, actor, action, name, extra)
        except IntegrityError:
            raise Conflict(f"{name!r} exists already") from None
        self._catalog = None

    def catalog(self, refresh: bool = False) -> validate.Catalog:
        """Event types and units, cached for a moment (they change rarely)."""
        with self._catalog_lock:
            cached = self._catalog
            if refresh or cached is None or time.monotonic() - cached[0] > CATALOG_TTL_S:
                with _engine.read(self.engine) as conn:
                    names = frozenset(conn.scalars(sa.select(event_types.c.name)))
                    unit_names = list(conn.scalars(sa.select(units.c.name)))
                catalog = validate.Catalog(names, {u.casefold(): u for u in unit_names})
                cached = self._catalog = (time.monotonic(), catalog)
            return cached[1]

    def validate_event(self, raw: Mapping[str, Any]) -> validate.EventIn:
        """Validate an event against the current catalog (re-read once if it names a
        type or unit registered moments ago by another process)."""
        try:
            return validate.event(raw, self.catalog(), self.today())
        except ValidationFailed as exc:
            if not any(e.field in ("event_type", "unit") for e in exc.errors):
                raise
        return validate.event(raw, self.catalog(refresh=True), self.today())

    # --- writes -------------------------------------------------------------------------

    def add(
        self, actor: Actor, raw: Mapping[str, Any], idempotency_key: str | None = None
    ) -> Event:
        """Record a new event (recorder or admin); raise ValidationFailed on bad input."""
        auth.require(actor, auth.RECORD, "recording events")
        event = self.validate_event(raw)

        def work(conn: Connection) -> dict[str, Any]:
            now = utcnow()
            event_id = conn.execute(
                INSERT_EVENT,
                {"created_at": now, "created_by": actor.id, "client": actor.client[:200]},
            ).scalar_one()
            self._insert_version(conn, actor, event_id, 1, event, now=now)
            self._audit(conn, actor, "event.add", str(event_id), event.model_dump(mode="json"))
            recorded = Event(
                id=event_id, version=1, **event.fields(), void=False, reason=None,
                recorded_by=actor.name, recorded_at=now, author=actor.name, created_at=now,
                client=actor.client[:200], approved_version=None,
            )  # fmt: skip
            return recorded.as_dict()

        request = event.model_dump(mode="json")
        done, replayed = self._idempotent(actor, idempotency_key, "add", request, work)
        return Event.from_dict(done, replayed)

    def amend(
        self,
        actor: Actor,
        event_id: int,
        raw: Mapping[str, Any],
        idempotency_key: str | None = None,
    ) -> Event:
        """Append a new version of an event: the given fields change, the rest carry over.

        `raw` holds `reason` (required), optionally `void: true` to withdraw the event,
        and any event fields to correct (null clears an optional field).
        """
        auth.require(actor, auth.RECORD, "amending events")
        change = validate.amendment(raw)
        if not change.changes() and not change.void:
            raise ValidationFailed([FieldError("(body)", "change at least one field, or set void")])

        def work(conn: Connection) -> dict[str, Any]:
            lock = sa.select(events.c.id).where(events.c.id == event_id).with_for_update()
            if conn.execute(lock).first() is None:
                raise NotFound(f"no event {event_id}")
            query, v = queries.event_select()
            current = conn.execute(query.where(v.c.event_id == event_id)).one()
            before = queries.to_event(current)
            merged = {name: getattr(before, name) for name in validate.EventIn.model_fields}
            event = self.validate_event({**merged, **change.changes()})
            version, now = before.version + 1, utcnow()
            self._insert_version(
                conn, actor, event_id, version, event, change.reason, change.void, now
            )
            detail = {"reason": change.reason, "void": change.void, "changes": change.changes()}
            self._audit(conn, actor, "event.amend", f"{event_id}/v{version}", detail)
            amended = Event(
                id=event_id, version=version, **event.fields(), void=change.void,
                reason=change.reason, recorded_by=before.recorded_by,
                recorded_at=before.recorded_at, author=actor.name, created_at=now,
                client=actor.client[:200], approved_version=before.approved_version,
            )  # fmt: skip
            return amended.as_dict()

        request = {"event_id": event_id, **change.model_dump(mode="json")}
        done, replayed = self._idempotent(actor, idempotency_key, "amend", request, work)
        return Event.from_dict(done, replayed)

    def approve(
        self,
        actor: Actor,
        event_ids: list[int] | None = None,
        week: str | None = None,
        all_pending: bool = False,
        idempotency_key: str | None = None,
    ) -> Approval:
        """Approve the current version of the given events, of every pending event of an
        ISO week, or of every pending event (reviewer or admin)."""
        auth.require(actor, auth.REVIEW, "approving events")
        if not (event_ids or week or all_pending):
            raise ValidationFailed(
                [FieldError("event_ids", "give event ids, a week, or all_pending")]
            )
        if event_ids and len(event_ids) > 10_000:
            raise ValidationFailed([FieldError("event_ids", "at most 10,000 per request")])
        bounds = queries.week_bounds(week) if week else None

        def work(conn: Connection) -> dict[str, Any]:
            query, v = queries.event_select()
            if bounds:
                query = query.where(v.c.occurred_on.between(*bounds))
            if event_ids:
                query = query.where(v.c.event_id.in_(event_ids))
            rows = [queries.to_event(r) for r in conn.execute(query)]
            missing = set(event_ids or ()) - {e.id for e in rows}
            if missing:
                raise NotFound(f"no event {', '.join(map(str, sorted(missing)))}")
            todo = [(e.id, e.version) for e in rows if e.status == "pending"]
            now = utcnow()
            if todo:
                conn.execute(
                    approvals.insert(),
                    [
                        {"event_id": e, "version": v, "reviewer_id": actor.id,
                         "created_at": now, "client": actor.client[:200]}
                        for e, v in todo
                    ],
                )  # fmt: skip
                target = str(todo[0][0]) if len(todo) == 1 else f"{len(todo)} events"
                detail = {"versions": [[e, v] for e, v in todo], "week": week}
                self._audit(conn, actor, "event.approve", target, detail)
            return {"approved": todo, "already": len(rows) - len(todo)}

        request = {"event_ids": event_ids, "week": week, "all_pending": all_pending}
        done, replayed = self._idempotent(actor, idempotency_key, "approve", request, work)
        pairs = [(int(e), int(v)) for e, v in done["approved"]]
        return Approval(pairs, int(done["already"]), replayed)

    def _insert_version(
        self,
        conn: Connection,
        actor: Actor,
        event_id: int,
        version: int,
        event: validate.EventIn,
        reason: str | None = None,
        void: bool = False,
        now: datetime | None = None,
    ) -> None:
        conn.execute(
            INSERT_VERSION,
            {
                "event_id": event_id,
                "version": version,
                **event.fields(),
                "void": void,
                "reason": reason,
                "author_id": actor.id,
                "created_at": now or utcnow(),
                "client": actor.client[:200],
            },
        )

    def _audit(
        self, conn: Connection, actor: Actor, action: str, target: str | None, detail: Any
    ) -> None:
        conn.execute(
            INSERT_AUDIT,
            {
                "at": utcnow(),
                "user_id": actor.id,
                "user_name": actor.name,
                "role": str(actor.role),
                "action": action,
                "target": target,
                "client": actor.client[:200],
                "detail": json.loads(json.dumps(detail, default=str)),
            },
        )

    def _idempotent(
        self,
        actor: Actor,
        key: str | None,
        operation: str,
        request: Any,
        work: Callable[[Connection], dict[str, Any]],
    ) -> tuple[dict[str, Any], bool]:
        """Run `work` in a write transaction, at most once per (user, key).

        The key is inserted in the same transaction as the work. A concurrent request with
        the same key blocks on the unique key (PostgreSQL) or the write lock (SQLite); when
        the first commits, the second fails on the key, rolls back, and replays.
        """
        if key is not None and not 0 < len(key) <= 255:
            raise ValidationFailed([FieldError("Idempotency-Key", "1-255 characters")])
        canonical = json.dumps([operation, request], sort_keys=True, default=str)
        fingerprint = hashlib.sha256(canonical.encode()).hexdigest()
        for attempt in range(5):
            try:
                with _engine.write(self.engine) as conn:
                    if key is not None:
                        stored = self._stored_response(conn, actor, key, fingerprint)
                        if stored is not None:
                            return stored, True
                    response = work(conn)
                    if key is not None:
                        conn.execute(
                            INSERT_KEY,
                            {
                                "user_id": actor.id,
                                "key": key,
                                "request_hash": fingerprint,
                                "response": response,
                                "created_at": utcnow(),
                            },
                        )
                    return response, False
            except IntegrityError:
                if attempt == 4:
                    raise
                # A racing request committed first: the same key (replayed on the next
                # pass) or the same next version number of an amended event (retried).
        raise AssertionError("unreachable")

    @staticmethod
    def _stored_response(
        conn: Connection, actor: Actor, key: str, fingerprint: str
    ) -> dict[str, Any] | None:
        row = conn.execute(
            sa.select(idempotency_keys).where(
                idempotency_keys.c.user_id == actor.id, idempotency_keys.c.key == key
            )
        ).first()
        if row is None:
            return None
        if row.request_hash != fingerprint:
            raise Conflict("Idempotency-Key reused with a different request", status=422)
        return dict(row.response)

    # --- reads --------------------------------------------------------------------------

    def get(self, event_id: int) -> Event:
        """The current version of an event."""
        query, v = queries.event_select()
        with _engine.read(self.engine) as conn:
            row = conn.execute(query.where(v.c.event_id == event_id)).first()
        if row is None:
            raise NotFound(f"no event {event_id}")
        return queries.to_event(row)

    def version(self, event_id: int, version: int, replayed: bool = False) -> Event:
        query, v = queries.event_select(current_only=False)
        with _engine.read(self.engine) as conn:
            row = conn.execute(
                query.where(v.c.event_id == event_id, v.c.version == version)
            ).first()
        if row is None:
            raise NotFound(f"no version {version} of event {event_id}")
        return queries.to_event(row, replayed)

    def history(self, event_id: int) -> list[Event]:
        """Every version of an event, oldest first (the original, then amendments)."""
        query, v = queries.event_select(current_only=False)
        with _engine.read(self.engine) as conn:
            rows = conn.execute(query.where(v.c.event_id == event_id).order_by(v.c.version))
            found = [queries.to_event(r) for r in rows]
        if not found:
            raise NotFound(f"no event {event_id}")
        return found

    def list(self, actor: Actor, filters: queries.Filters | None = None) -> list[Event]:
        """Current versions matching `filters`, by date (any signed-in role)."""
        auth.require(actor, auth.READ, "listing events")
        with _engine.read(self.engine) as conn:
            rows = conn.execute(queries.filtered(filters or queries.Filters()))
            return [queries.to_event(r) for r in rows]

    def count_events(self) -> int:
        """How many events (not versions) the log holds."""
        with _engine.read(self.engine) as conn:
            return int(conn.scalar(sa.select(sa.func.count()).select_from(events)) or 0)

    def audit(
        self, actor: Actor, after_id: int = 0, limit: int = 1000
    ) -> builtins.list[AuditEntry]:
        """The audit trail from `after_id` on (reviewer or admin)."""
        auth.require(actor, auth.REVIEW, "reading the audit trail")
        query = sa.select(audit).where(audit.c.id > after_id).order_by(audit.c.id).limit(limit)
        with _engine.read(self.engine) as conn:
            rows = conn.execute(query).all()
        return [
            AuditEntry(r.id, r.at, r.user_name, r.role, r.action, r.target, r.client, r.detail)
            for r in rows
        ]

    # --- bulk entry and aggregates (modules of their own, offered here as methods) ------

    def import_csv(
        self,
        actor: Actor,
        source: str | Path | bytes,
        name: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        *,
        max_line_bytes: int | None = None,
    ) -> ImportReport:
        """Import a CSV file in one transaction; see crimepulse.oplog.importer (a line over
        `max_line_bytes`, by default this log's limit, else 1 MiB, is a row error, never
        held)."""
        from crimepulse.oplog.importer import DEFAULT_MAX_LINE_BYTES, import_csv

        limit = max_line_bytes or self.max_line_bytes or DEFAULT_MAX_LINE_BYTES
        return import_csv(self, actor, source, name, progress, max_line_bytes=limit)

    def weekly(
        self,
        week: str | None = None,
        by: Sequence[str] = ("event_type",),
        approved_only: bool = True,
    ) -> WeeklyReport:
        """Weekly figures with 4-week, 13-week and last-year comparisons (aggregates.weekly)."""
        from crimepulse.oplog.aggregates import weekly

        return weekly(self, week, tuple(by), approved_only)

    def last_day(self, approved_only: bool = True) -> date | None:
        """The last day an entry records (None for an empty log): where "the latest week"
        the log answers ends (store/clock.py)."""
        from crimepulse.oplog.aggregates import entry_span

        return entry_span(self, approved_only)[1]

    def series(
        self,
        since_week: str,
        until_week: str,
        by: Sequence[str] = ("event_type",),
        approved_only: bool = True,
    ) -> builtins.list[dict[str, Any]]:
        """Zero-filled weekly totals per group (aggregates.series)."""
        from crimepulse.oplog.aggregates import series

        return series(self, since_week, until_week, tuple(by), approved_only)

    def entries(
        self, since: date, until: date, approved_only: bool = True
    ) -> builtins.list[PublicEntry]:
        """The entries the figures of [since, until] count, with their summaries
        (aggregates.entries)."""
        from crimepulse.oplog.aggregates import entries

        return entries(self, since, until, approved_only)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A raw write transaction (for the importer)."""
        with _engine.write(self.engine) as conn:
            yield conn


def _expiry(now: datetime, expires_in: timedelta | None) -> datetime | None:
    """When a token given now for `expires_in` stops working (None: never)."""
    if expires_in is None:
        return None
    if expires_in <= timedelta(0):
        raise ValidationFailed([FieldError("expires_in", "a length of time after now")])
    return now + expires_in


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:  # the user's role name is not one of the enum's values
        raise ValidationFailed([FieldError("role", "one of recorder, reviewer, admin")]) from None
