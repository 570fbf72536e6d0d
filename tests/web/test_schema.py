"""schemathesis against the app's own /openapi.json, served on 127.0.0.1: generated
requests to every operation never get a 5xx, and every response's status and body match
what the spec documents — with the outcomes log on SQLite and on PostgreSQL, anonymous
(writes meet the token check and store nothing) and with an admin token (writes run, on a
log of their own, so the shared site's log is untouched).

Bounded (a few examples per operation, examples and generated cases only, deterministic)
so each run takes about a minute. The CLI is used because schemathesis' pytest plugin does
not yet run on pytest 9.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crimepulse.config import Settings
from crimepulse.oplog import OutcomesLog, Role
from crimepulse.web.app import create_app
from tests.oplog.fixtures import ENGINES, fresh_url
from tests.web import browser as b
from tests.web.conftest import Site

pytestmark = pytest.mark.slow
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_api_honours_its_schema(site: Site, tmp_path: Path, engine: str, signed_in: bool) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists() and shutil.which("schemathesis") is None:
        b.unavailable("schemathesis is not installed (pip install -e '.[dev]')")
    # a log of its own (on PostgreSQL a schema, dropped after)
    with contextmanager(fresh_url)(engine, tmp_path) as url:
        headers: list[str] = []
        if signed_in:
            with OutcomesLog.open(url) as log:
                token = log.add_user(log.local_actor(), "chief", Role.admin)[1]
            headers = ["--header", f"Authorization: Bearer {token}"]
        done = _run(cli, create_app(Settings(db=site.db, oplog_url=url)), headers, tmp_path)
    b.ARTIFACTS.mkdir(exist_ok=True)
    name = f"schemathesis-{engine}-{'admin' if signed_in else 'anonymous'}.txt"
    (b.ARTIFACTS / name).write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def _run(
    cli: Path, app: Any, headers: list[str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    with b.serve(app) as base:
        done = subprocess.run(
            [
                str(cli if cli.exists() else "schemathesis"),
                "run",
                f"{base}/openapi.json",
                "--checks",
                CHECKS,
                "--phases",
                "examples,fuzzing",
                "--max-examples",
                "4",
                "--generation-deterministic",
                "--request-timeout",
                "60",
                "--workers",
                "2",
                "--no-color",
                *headers,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,  # its reports and caches stay out of the checkout
            env={**os.environ, "COLUMNS": "120"},
        )
    app.state.crimepulse.close()  # before a PostgreSQL schema is dropped
    return done
