"""The web app: the public dashboard pages, the public JSON API, the snapshot archive and
workflow, and the operational outcomes log API.

One deployment is one warehouse file (opened read-only, so any number of worker
processes can serve it) plus one log database. `crimepulse serve` runs it with uvicorn;
with several workers each process builds its own app from the environment
(`app_from_env`), which is why the configuration travels in CRIMEPULSE_DB and
CRIMEPULSE_OPLOG_URL.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

import crimepulse
from crimepulse.oplog import OutcomesLog
from crimepulse.web import errors
from crimepulse.web.routes import openapi, oplog, pages, snapshots
from crimepulse.web.routes import public_api as api


def create_app(db: str | Path, oplog_url: str | None = None) -> FastAPI:
    """The whole app over the warehouse `db` and the log at `oplog_url` (default: beside
    the warehouse)."""
    db = Path(db)
    readers = api.Readers(db)
    log = OutcomesLog.open(oplog_url, db)
    cp = crimepulse.open(db, read_only=True)  # the snapshot workflow drafts from it

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        readers.close()
        cp.close()
        log.close()

    app = FastAPI(
        title="crimepulse",
        version=crimepulse.__version__,
        description="How crime is changing, with an honest test of whether a change is real.",
        lifespan=lifespan,
    )
    app.state.readers = readers
    errors.install(app)
    app.include_router(api.router)
    oplog.mount(app, log, prefix="/api/v1")
    snapshots.mount(app, cp, log, prefix="/api/v1")
    pages.mount(app)
    openapi.install(app)
    return app


def app_from_env() -> FastAPI:
    """For uvicorn workers: the app for $CRIMEPULSE_DB and $CRIMEPULSE_OPLOG_URL."""
    db = os.environ.get("CRIMEPULSE_DB")
    if not db:
        raise RuntimeError("CRIMEPULSE_DB must name the warehouse file")
    return create_app(db, os.environ.get("CRIMEPULSE_OPLOG_URL") or None)
