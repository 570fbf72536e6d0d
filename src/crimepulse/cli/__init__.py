"""`crimepulse`: the command-line face over the Python API (`crimepulse.api`).

The commands live in this package by stage (ingest and serving in `main`, the snapshot
workflow in `snapshot`); `app` is the Typer application the `crimepulse` script runs.
"""

from crimepulse.cli.main import app, main

__all__ = ["app", "main"]
