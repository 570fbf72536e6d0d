"""Settings: where one deployment's data lives, built once and passed down.

One deployment is one warehouse file plus one outcomes-log database (SQLite beside the
warehouse unless `oplog_url` names another, e.g. PostgreSQL in production). `Settings` is
the one place that knows the defaults and the only reader of the `CRIMEPULSE_*`
environment variables (`from_env`); everything else — `crimepulse.open`,
`OutcomesLog.open`, `create_app`, the CLI — takes a `Settings` or values a face has
already parsed. Server worker processes receive their settings through the environment
(`export`), because uvicorn starts them by importing a factory.

`ReadLimits` bounds what one input file may cost to read (a line's length, how far an
archive expands, how many members it holds), so that a tiny hostile file cannot take the
machine's memory; the readers name the limit, and how to raise it, when a file passes one.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path

from crimepulse.core.reference.forces import DEFAULT_FORCE

DEFAULT_DB = Path("crimepulse.duckdb")
OPLOG_SUFFIX = ".oplog.sqlite"
# The web's request body limits, by what a route reads: a JSON write (an event, an approval
# list), a page's form (sign-in, ticked events) and a CSV upload to the log's import.
DEFAULT_MAX_JSON_BYTES = 1024 * 1024
DEFAULT_MAX_FORM_BYTES = 64 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024

# Every setting's environment variable, and what it means (the README lists the same).
ENVIRONMENT: dict[str, str] = {
    "CRIMEPULSE_DB": "the warehouse file (default ./crimepulse.duckdb)",
    "CRIMEPULSE_OPLOG_URL": "the outcomes log's database URL (default: <db stem>.oplog.sqlite)",
    "CRIMEPULSE_FORCE": f"the force a question means when it names none (default {DEFAULT_FORCE})",
    "CRIMEPULSE_SERVER": "for `crimepulse log`: go through this server's HTTP API",
    "CRIMEPULSE_TOKEN": "the API token sent to CRIMEPULSE_SERVER",
    "CRIMEPULSE_MAX_JSON_BYTES": f"largest JSON request body (default {DEFAULT_MAX_JSON_BYTES})",
    "CRIMEPULSE_MAX_FORM_BYTES": f"largest form a page posts (default {DEFAULT_MAX_FORM_BYTES})",
    "CRIMEPULSE_MAX_UPLOAD_BYTES": f"largest log import (default {DEFAULT_MAX_UPLOAD_BYTES})",
    "CRIMEPULSE_MAX_LINE_BYTES": "the longest line a CSV may have (default 1 MiB)",
    "CRIMEPULSE_MAX_EXPANSION": "how many times its size a compressed file may grow (default 100)",
    "CRIMEPULSE_MAX_EXPANDED_BYTES": "how large a compressed file may grow (default 16 GiB)",
    "CRIMEPULSE_MAX_MEMBERS": "how many members a zip may hold (default 50,000)",
}
_FIELDS = {
    "db": "CRIMEPULSE_DB",
    "oplog_url": "CRIMEPULSE_OPLOG_URL",
    "force": "CRIMEPULSE_FORCE",
    "server": "CRIMEPULSE_SERVER",
    "token": "CRIMEPULSE_TOKEN",
    "max_json_bytes": "CRIMEPULSE_MAX_JSON_BYTES",
    "max_form_bytes": "CRIMEPULSE_MAX_FORM_BYTES",
    "max_upload_bytes": "CRIMEPULSE_MAX_UPLOAD_BYTES",
}
_SIZES = ("max_json_bytes", "max_form_bytes", "max_upload_bytes")


# Rows one ingest commit may hold (a commit costs an fsync, so several whole files share
# one): named here, not in store/ingest, so `crimepulse ingest --help` can show it without
# importing the readers.
GROUP_ROWS = 500_000
# data.police.uk's API: its root, and the category id that asks for every crime type (here,
# not in sources/policeuk_api, so the CLI's defaults cost no import of its client)
POLICE_UK_API_URL = "https://data.police.uk/api"
POLICE_UK_ALL_CRIME = "all-crime"

DEFAULT_MAX_LINE_BYTES = 1 << 20
DEFAULT_MAX_EXPANSION = 100
DEFAULT_MAX_EXPANDED_BYTES = 16 << 30
DEFAULT_MAX_MEMBERS = 50_000
MIN_LINE_BYTES = 1 << 10  # a line limit below this would refuse ordinary headers
# A file that expands to less than this is never refused for its ratio: a small file of
# repeated rows compresses very well and costs nothing to read.
RATIO_FLOOR = 1 << 20

_LIMITS = {
    "max_line_bytes": "CRIMEPULSE_MAX_LINE_BYTES",
    "max_expansion": "CRIMEPULSE_MAX_EXPANSION",
    "max_expanded_bytes": "CRIMEPULSE_MAX_EXPANDED_BYTES",
    "max_members": "CRIMEPULSE_MAX_MEMBERS",
}
# The ingest option that sets each limit (messages name it, so a user knows what to raise).
LIMIT_OPTIONS = {name: "--" + name.replace("_", "-") for name in _LIMITS}
_SIZE = re.compile(r"\s*([0-9][0-9_,]*)\s*(?:([kmgt])(?:i?b)?|b|bytes?)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes from ``"1048576"``, ``"1MiB"``, ``"64 KiB"`` or ``"16G"`` (binary units).

    Raises ValueError naming the text when it is not a size."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 1048576, 1MiB, 64KiB, 16GiB)")
    digits = match.group(1).replace("_", "").replace(",", "")
    return int(digits) * _UNITS[(match.group(2) or "").lower()]


def format_size(size: int) -> str:
    """``1 MiB``, ``16 GiB``, ``1,500 bytes``: a limit as a person reads it."""
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale:,} {unit}"
    return f"{size:,} bytes"


@dataclass(frozen=True)
class ReadLimits:
    """What one input file may cost to read; every limit is checked while streaming.

    `max_line_bytes`: a CSV line longer than this is quarantined (its length counted, its
    bytes never held); `max_expansion`: a compressed file (a .gz, a zip member, a whole
    zip) may grow to this many times its compressed size (0: no ratio limit);
    `max_expanded_bytes`: how large it may grow in all; `max_members`: files in one zip."""

    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_expansion: float = DEFAULT_MAX_EXPANSION
    max_expanded_bytes: int = DEFAULT_MAX_EXPANDED_BYTES
    max_members: int = DEFAULT_MAX_MEMBERS

    def __post_init__(self) -> None:
        if self.max_line_bytes < MIN_LINE_BYTES:
            raise ValueError(
                f"the line limit must be at least {format_size(MIN_LINE_BYTES)} "
                f"(got {self.max_line_bytes:,} bytes)"
            )
        if self.max_expansion < 0 or self.max_expanded_bytes < 1 or self.max_members < 1:
            raise ValueError(f"limits must be positive: {self}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **given: object) -> ReadLimits:
        """Limits from `given` values (options), else `environ`, else the defaults."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, variable in _LIMITS.items():
            value = given.get(name)
            if value is None:
                text = env.get(variable) or None
                if text is not None:
                    try:
                        value = float(text) if name == "max_expansion" else parse_size(text)
                    except ValueError as exc:
                        raise ValueError(f"{variable}: {exc}") from None
            if value is not None:
                values[name] = value
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> ReadLimits:
        """A copy with the limits given (None leaves one as it is)."""
        given = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **given)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Settings:
    """What a face (CLI, web, notebook) hands down: the data's locations and defaults."""

    db: Path = DEFAULT_DB
    oplog_url: str | None = None
    force: str = DEFAULT_FORCE
    server: str | None = None
    token: str | None = field(default=None, repr=False)
    max_json_bytes: int = DEFAULT_MAX_JSON_BYTES
    max_form_bytes: int = DEFAULT_MAX_FORM_BYTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    limits: ReadLimits = field(default_factory=ReadLimits)

    def __post_init__(self) -> None:
        object.__setattr__(self, "db", Path(self.db))
        for name in _SIZES:  # from the environment they arrive as text
            object.__setattr__(self, name, _size(name, getattr(self, name)))

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        db: str | Path | None = None,
        oplog_url: str | None = None,
        force: str | None = None,
        server: str | None = None,
        token: str | None = None,
    ) -> Settings:
        """Settings from `environ` (default: the process environment); a value given here
        (a command-line option, say) wins over the environment, which wins over defaults."""
        env = os.environ if environ is None else environ
        given = {"db": db, "oplog_url": oplog_url, "force": force, "server": server, "token": token}
        values: dict[str, object] = {}
        for name, variable in _FIELDS.items():
            value = given.get(name)
            if value is None or value == "":
                value = env.get(variable) or None
            if value is not None:
                values[name] = value
        values["limits"] = ReadLimits.from_env(env)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def oplog_location(self) -> str:
        """The log's URL: `oplog_url`, else a SQLite file beside the warehouse
        (`--db london.duckdb` puts the log in `london.oplog.sqlite`)."""
        if self.oplog_url:
            return self.oplog_url
        return f"sqlite:///{self.db.with_suffix(OPLOG_SUFFIX)}"

    def replace(self, **changes: object) -> Settings:
        """A copy with some settings changed."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def environ(self) -> dict[str, str]:
        """These settings as environment variables, for a child process to `from_env`."""
        out = {"CRIMEPULSE_DB": str(self.db), "CRIMEPULSE_FORCE": self.force}
        out.update({_FIELDS[name]: str(getattr(self, name)) for name in _SIZES})
        if self.oplog_url:
            out["CRIMEPULSE_OPLOG_URL"] = self.oplog_url
        if self.limits != ReadLimits():
            for name, variable in _LIMITS.items():
                out[variable] = str(getattr(self.limits, name))
        return out

    def export(self, environ: MutableMapping[str, str] | None = None) -> None:
        """Put these settings where worker processes started by uvicorn will find them."""
        target = os.environ if environ is None else environ
        target.update(self.environ())


def _size(name: str, value: object) -> int:
    """A body limit in bytes: a positive whole number, else an error naming the variable."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(f"{_FIELDS[name]}={value!r}: a body limit is a whole number of bytes")
    return int(text)
