"""schemathesis against the app's own /openapi.json, served on 127.0.0.1: generated
requests to every operation never get a 5xx, and every response's status and body match
what the spec documents.

Bounded (a few examples per operation, examples and generated cases only, deterministic)
so it runs in about a minute; write operations meet the token check and store nothing.
The CLI is used because schemathesis' pytest plugin does not yet run on pytest 9.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crimepulse.config import Settings
from crimepulse.web.app import create_app
from tests.web import browser as b
from tests.web.conftest import Site

pytestmark = pytest.mark.slow
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


def test_api_honours_its_schema(site: Site, tmp_path: Path) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    if not cli.exists() and shutil.which("schemathesis") is None:
        b.unavailable("schemathesis is not installed (pip install -e '.[dev]')")
    with b.serve(create_app(Settings(db=site.db))) as base:
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
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,  # its reports and caches stay out of the checkout
            env={**os.environ, "COLUMNS": "120"},
        )
    b.ARTIFACTS.mkdir(exist_ok=True)
    (b.ARTIFACTS / "schemathesis.txt").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
