"""The options and helpers every command shares: the warehouse and log options, the
consoles (results to stdout, progress and errors to stderr), progress bars."""

from __future__ import annotations

import functools
import inspect
import types
import typing
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

import crimepulse
from crimepulse.config import Settings
from crimepulse.core.reference.forces import DEFAULT_FORCE

if TYPE_CHECKING:
    from rich.progress import Progress

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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

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


def _hints_but(command: Command, param: str) -> dict[str, Any]:
    """The command's parameter annotations as objects (Typer reads them), all but `param`'s.

    `param` is the value `injects` hands in (an open log, a parsed question): its type is
    for readers and mypy and may be imported only under TYPE_CHECKING, so that building the
    app (`crimepulse --help`) does not import the log or the analysis it names."""
    kept = {
        name: annotation
        for name, annotation in inspect.get_annotations(command).items()
        if name not in (param, "return")
    }
    # get_type_hints evaluates string annotations (PEP 563) in the command's own module.
    module = inspect.unwrap(command).__globals__
    stand_in = types.SimpleNamespace(__annotations__=kept, __globals__=module)
    return typing.get_type_hints(stand_in, include_extras=True)


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
        hints = _hints_but(command, param)
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
