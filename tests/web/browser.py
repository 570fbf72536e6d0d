"""Helpers for the browser tests: Debian's Chromium driven by Playwright, the app served
by uvicorn in a thread on a free 127.0.0.1 port, and axe-core from the npm registry.

Missing Chromium, Playwright or npm skips the browser tests on a developer's machine and
fails them under CI (CRIMEPULSE_REQUIRE_SHARED=1), like the real-data tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_VERSION = "4.14.1"
NPM_INSTALL = ["install", "--no-audit", "--no-fund", "--silent", "--prefix"]
AXE_DIR = ROOT / ".cache" / "axe"
AXE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"


def unavailable(message: str) -> None:
    if os.environ.get("CRIMEPULSE_REQUIRE_SHARED") == "1":
        pytest.fail(message + "; CRIMEPULSE_REQUIRE_SHARED=1 requires it")
    pytest.skip(message)


def axe_source() -> str:
    """axe.min.js, installed from the npm registry into .cache/axe on first use."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            unavailable("npm not found (needed once to fetch axe-core)")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [str(npm), *NPM_INSTALL, str(AXE_DIR), f"axe-core@{AXE_VERSION}"],
            check=True,
            timeout=300,
        )
    return AXE.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """The app on http://127.0.0.1:<free port> for the duration of the block."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A Playwright Browser on Debian's Chromium (never a downloaded one)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} not found (apt-get install chromium; `make` does it)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
