"""The options and helpers every command shares: the warehouse and log options, the
consoles (results to stdout, progress and errors to stderr), progress bars."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

import crimepulse
from crimepulse.config import Settings
from crimepulse.core.reference.forces import DEFAULT_FORCE

console = Console()
errors = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Warehouse file (default: $CRIMEPULSE_DB or ./crimepulse.duckdb).",
    ),
]


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


def settings(
    db: Path | None = None,
    oplog_url: str | None = None,
    server: str | None = None,
    token: str | None = None,
    *,
    force: str | None = None,
) -> Settings:
    """The deployment a command works on: its options, else the environment, else defaults."""
    return Settings.from_env(db=db, oplog_url=oplog_url, server=server, token=token, force=force)


def _open_existing(db: Path | None, *, force: str | None = None) -> crimepulse.Crimepulse:
    """Open a warehouse for reading, its settings from the options (`--db`, `--force`), else
    the environment; a missing warehouse is a clear error (exit 2)."""
    try:
        return crimepulse.open(read_only=True, settings=settings(db, force=force))
    except FileNotFoundError as exc:
        errors.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[name]}", style="dim"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=errors,
        transient=True,
    )


OplogUrlOption = Annotated[
    str | None,
    typer.Option(
        "--oplog-url",
        help="Log database URL (default: $CRIMEPULSE_OPLOG_URL, else <db stem>.oplog.sqlite).",
    ),
]
ServerOption = Annotated[
    str | None,
    typer.Option(help="Go through this server's HTTP API (default: $CRIMEPULSE_SERVER)."),
]
TokenOption = Annotated[
    str | None,
    typer.Option(help="API token of the acting user (default: $CRIMEPULSE_TOKEN)."),
]
WeekOption = Annotated[str | None, typer.Option(help="ISO week, e.g. 2025-W07.")]


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


AsOfOption = Annotated[
    str, typer.Option("--as-of", help="Windows end on this date (YYYY-MM-DD, or YYYY-MM).")
]
VsOption = Annotated[str, typer.Option("--vs", help="previous, last-year, or baseline:YYYY-YYYY.")]
SourceOption = Annotated[
    str | None,
    typer.Option("--source", help="mps, police.uk or feed (default: chosen from the question)."),
]
ForceOption = Annotated[
    str | None,
    typer.Option("--force", help=f"Force id (default: $CRIMEPULSE_FORCE, else {DEFAULT_FORCE})."),
]


def _significance_level(alpha: float) -> float:
    """Refuse an --alpha outside (0, 1) as a usage error (exit 2), before any work."""
    if not 0.0 < alpha < 1.0:
        raise typer.BadParameter(f"must be between 0 and 1, got {alpha}")
    return alpha


AlphaOption = Annotated[
    float, typer.Option("--alpha", help="Significance level.", callback=_significance_level)
]


Command = Callable[..., None]


def injects(
    param: str,
    options: dict[str, tuple[Any, Any]],
    enter: Callable[[dict[str, Any]], AbstractContextManager[Any]],
    *,
    first: bool = True,
) -> Callable[[Command], Command]:
    """Options declared once for many commands: give a command the `options` (name ->
    (Typer annotation, default)) in place of its parameter `param`, and call it with
    `param=` what `enter(values of those options)` yields (closed when the command ends).

    Typer reads a command's options from its signature, so the decorator writes one: the
    shared options before the command's own (`first`) or after them. Typer calls a command
    with keywords only, so every parameter is made keyword-only (any order is valid)."""

    def decorate(command: Command) -> Command:
        hints = typing.get_type_hints(command, include_extras=True)
        keyword = inspect.Parameter.KEYWORD_ONLY
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation), kind=keyword)
            for p in inspect.signature(command).parameters.values()
            if p.name != param
        ]
        shared = [
            inspect.Parameter(name, keyword, annotation=kind, default=default)
            for name, (kind, default) in options.items()
        ]

        @functools.wraps(command)
        def run(**given: Any) -> None:
            words = {name: given.pop(name) for name in options}
            with enter(words) as value:
                command(**{param: value}, **given)

        parameters = [*shared, *own] if first else [*own, *shared]
        run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        return run

    return decorate
