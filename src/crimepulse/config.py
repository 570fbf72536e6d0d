"""Settings: where one deployment's data lives, built once and passed down.

One deployment is one warehouse file plus one outcomes-log database (SQLite beside the
warehouse unless `oplog_url` names another, e.g. PostgreSQL in production). `Settings` is
the one place that knows the defaults and the only reader of the `CRIMEPULSE_*`
environment variables (`from_env`); everything else — `crimepulse.open`,
`OutcomesLog.open`, `create_app`, the CLI — takes a `Settings` or values a face has
already parsed. Server worker processes receive their settings through the environment
(`export`), because uvicorn starts them by importing a factory.
"""

from __future__ import annotations

import dataclasses
import os
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
