"""The CLI's one error decorator: an error of ours is a clear message on stderr and the exit
status its class names; anything else is a bug and keeps its traceback.

Every command that reaches the warehouse, the analysis, the log or the archive wears
`@reports_errors`; it replaces the three wrappers each stage had (which also caught any
ValueError, so a bug inside the statistics read as "cannot answer", exit 2). The exit
statuses live on the classes (`crimepulse.errors`): 2 for a question the data cannot
answer, a file that cannot be read or a snapshot that cannot be built; 1 for a request
the log or the archive refuses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.markup import escape

from crimepulse.cli.options import errors as stderr
from crimepulse.errors import CrimepulseError, ValidationFailed

P = ParamSpec("P")
R = TypeVar("R")


def report(exc: CrimepulseError) -> None:
    """Say what went wrong on stderr: one line, or one line per refused field."""
    if isinstance(exc, ValidationFailed):
        stderr.print("[red]invalid input, nothing stored:[/]")
        for err in exc.errors:
            stderr.print(f"  {err.field}: {err.reason}", soft_wrap=True, markup=False)
        return
    stderr.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Run the command; an error of ours is reported and exits with its class's status."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except CrimepulseError as exc:
            report(exc)
            raise typer.Exit(exc.exit_code) from exc

    return run
