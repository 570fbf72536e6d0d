"""The web app: the public dashboard pages, the public JSON API, the snapshot archive and
workflow, and the operational outcomes log API — one app, built from one `Settings`.

One deployment is one warehouse file (opened read-only, so any number of worker
processes can serve it) plus one log database. `crimepulse serve` runs it with uvicorn;
with several workers each process builds its own app from the environment
(`app_from_env`), into which `serve` exported its settings (`Settings.export`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from crimepulse import __version__
from crimepulse.api import Crimepulse
from crimepulse.config import Settings
from crimepulse.oplog import OutcomesLog
from crimepulse.web import errors
from crimepulse.web.routes import openapi, oplog, pages, snapshots
from crimepulse.web.routes import public_api as api
from crimepulse.web.urls import API_PREFIX

__all__ = ["API_PREFIX", "app_from_env", "create_app"]


def create_app(settings: Settings) -> FastAPI:
    """The whole app over the warehouse `settings.db` and the log at
    `settings.oplog_location` (by default beside the warehouse)."""
    readers = api.Readers(settings.db)
    log = OutcomesLog.open(settings=settings)
    cp = Crimepulse(read_only=True, settings=settings)  # the snapshot workflow drafts from it

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        readers.close()
        cp.close()
        log.close()

    app = FastAPI(
        title="crimepulse",
        version=__version__,
        description="How crime is changing, with an honest test of whether a change is real.",
        lifespan=lifespan,
    )
    app.state.readers = readers
    app.state.settings = settings
    errors.install(app)
    app.include_router(api.router)
    oplog.mount(app, log, prefix=API_PREFIX)
    snapshots.mount(app, cp, log, prefix=API_PREFIX)
    pages.mount(app)
    openapi.install(app)
    return app


def app_from_env() -> FastAPI:
    """For uvicorn workers: the app for the settings `crimepulse serve` exported."""
    settings = Settings.from_env()
    if not settings.db.exists():
        raise RuntimeError(f"{settings.db}: no warehouse here (CRIMEPULSE_DB names the file)")
    return create_app(settings)
