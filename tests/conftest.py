"""Shared test fixtures: where the real data lives, and the rule for when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data in ../shared/data; skip (or fail under CI) when absent."""
    if not SHARED.is_dir():
        message = f"real data not found at {SHARED} (tests that need ../shared/data)"
        if os.environ.get("CRIMEPULSE_REQUIRE_SHARED") == "1":
            pytest.fail(message + "; CRIMEPULSE_REQUIRE_SHARED=1 requires it")
        pytest.skip(message)
    return SHARED
