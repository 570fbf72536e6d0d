"""What the log hands back: plain dataclasses with a JSON-ready `as_dict`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from crimepulse.errors import Conflict as Conflict
from crimepulse.errors import FieldError
from crimepulse.errors import NotFound as NotFound


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Event:
    """One version of an event (the current one, unless a history says otherwise).

    `approved_version` is the newest version a reviewer approved (what the public sees);
    `status` is "approved" when that is this version, else "pending".
    """

    id: int
    version: int
    event_type: str
    occurred_on: date
    count: int
    unit: str
    theme: str
    borough: str | None
    crimes_solved: int | None
    related_crime_ids: list[str]
    summary: str
    note: str | None
    void: bool
    reason: str | None
    recorded_by: str
    recorded_at: datetime
    author: str
    created_at: datetime
    client: str
    approved_version: int | None
    replayed: bool = False

    @property
    def status(self) -> str:
        return "approved" if self.approved_version == self.version else "pending"

    def as_dict(self) -> dict[str, Any]:
        out = _jsonable(asdict(self))
        out.pop("replayed")
        out["status"] = self.status
        return dict(out)

    @classmethod
    def from_dict(cls, data: dict[str, Any], replayed: bool = False) -> Event:
        """The inverse of `as_dict` (idempotent replays return the stored answer)."""
        fields = {k: v for k, v in data.items() if k != "status"}
        fields["occurred_on"] = date.fromisoformat(fields["occurred_on"])
        for name in ("recorded_at", "created_at"):
            fields[name] = datetime.fromisoformat(fields[name])
        return cls(**fields, replayed=replayed)


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    created_at: datetime
    created_by: str | None
    token_expires_at: datetime | None = None  # None: the token does not expire

    def as_dict(self) -> dict[str, Any]:
        return dict(_jsonable(asdict(self)))


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    role: str
    action: str
    target: str | None
    client: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return dict(_jsonable(asdict(self)))


@dataclass(frozen=True)
class Approval:
    """The result of an approval request: the versions newly approved, and how many of
    the requested events were already approved as they stand."""

    approved: list[tuple[int, int]]
    already: int
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "approved": [{"id": e, "version": v} for e, v in self.approved],
            "already_approved": self.already,
        }


@dataclass
class ImportReport:
    """Per-file outcome of a CSV import: counts, and a (line, field, reason) per reject."""

    file: str
    rows: int = 0
    added: int = 0
    already_present: int = 0
    rejected: list[tuple[int, FieldError]] = field(default_factory=list)
    blank_lines: int = 0  # neither rows nor rejected: rows + blank lines + header = lines
    file_error: str | None = None
    seconds: float = 0.0

    @property
    def rejected_rows(self) -> int:
        return len({line for line, _ in self.rejected})

    def exit_code(self, strict: bool = False) -> int:
        """0 loaded; 1 with `strict` when a row was rejected; 2 when the file was refused."""
        if self.file_error:
            return 2
        return 1 if strict and self.rejected else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "added": self.added,
            "already_present": self.already_present,
            "rejected_rows": self.rejected_rows,
            "blank_lines": self.blank_lines,
            "errors": [{"line": line, **e.as_dict()} for line, e in self.rejected],
            "file_error": self.file_error,
            "seconds": round(self.seconds, 3),
        }
