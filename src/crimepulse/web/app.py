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
from crimepulse.config import Settings
from crimepulse.web import errors
from crimepulse.web.deps import State
from crimepulse.web.routes import openapi, oplog, pages, snapshots
from crimepulse.web.routes import public_api as api
from crimepulse.web.urls import API_PREFIX

__all__ = ["API_PREFIX", "app_from_env", "create_app"]


def create_app(settings: Settings) -> FastAPI:
    """The whole app over the warehouse `settings.db` and the log at
    `settings.oplog_location` (by default beside the warehouse)."""
    held = State(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        held.close()

    app = FastAPI(
        title="crimepulse",
        version=__version__,
        description="How crime is changing, with an honest test of whether a change is real.",
        lifespan=lifespan,
        docs_url=None,  # /docs and /redoc are served with local assets (routes.openapi)
        redoc_url=None,
    )
    app.state.crimepulse = held
    errors.install(app)
    app.include_router(api.router)
    oplog.mount(app, prefix=API_PREFIX)
    snapshots.mount(app, prefix=API_PREFIX)
    pages.mount(app)
    openapi.install(app)
    return app


def app_from_env() -> FastAPI:
    """For uvicorn workers: the app for the settings `crimepulse serve` exported."""
    settings = Settings.from_env()
    if not settings.db.exists():
        raise RuntimeError(f"{settings.db}: no warehouse here (CRIMEPULSE_DB names the file)")
    return create_app(settings)
