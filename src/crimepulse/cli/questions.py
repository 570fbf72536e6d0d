"""The analysis commands' question, declared once.

`compare`, `grid` and `flags` each ask one question (`Question` or `GridQuestion`). Their
options — area, category, window, --as-of, --vs, measure, source, force, alpha — are
declared here once, and `@asks(...)` gives a command the ones it takes and hands it the
parsed question, so no command re-declares them (Typer reads a command's options from its
signature: the decorator writes that signature). A question without --as-of is refused
before any work, and a command without --force asks about the deployment's force
(`$CRIMEPULSE_FORCE`, else the default force).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from crimepulse.cli.options import (
    AlphaOption,
    AsOfOption,
    Command,
    ForceOption,
    SourceOption,
    VsOption,
    errors,
    injects,
    settings,
)

if TYPE_CHECKING:
    from crimepulse.analysis.question import GridQuestion, Question

WINDOW_HELP = "day, 7d, 28d, month, quarter, ytd, fy, year, 12m or YYYY-MM-DD..YYYY-MM-DD."

# Every question option: its annotation (Typer's Option) and its default.
OPTIONS: dict[str, tuple[Any, Any]] = {
    "area": (
        Annotated[str, typer.Option(help="all, a borough, ward or LSOA (name or code).")],
        "all",
    ),
    "category": (
        Annotated[str, typer.Option(help="A grouping, police.uk type or MPS category.")],
        "all",
    ),
    "window": (Annotated[str, typer.Option(help=WINDOW_HELP)], "ytd"),
    "areas": (Annotated[str, typer.Option(help="boroughs, wards, lsoas or force.")], "boroughs"),
    "categories": (
        Annotated[
            str, typer.Option(help="major, minor, types, groups, or a comma list of categories.")
        ],
        "major",
    ),
    "windows": (Annotated[str, typer.Option(help="Comma list of windows.")], "28d,ytd,fy"),
    "as_of": (AsOfOption, ""),
    "vs": (VsOption, "last-year"),
    "measure": (
        Annotated[str, typer.Option(help="count, rate (per 1,000 residents) or harm.")],
        "count",
    ),
    "source": (SourceOption, None),
    "force": (ForceOption, None),
    "alpha": (AlphaOption, 0.05),
}
COMPARE = ("area", "category", "window", "as_of", "vs", "measure", "source", "force", "alpha")
GRID = ("areas", "categories", "windows", "as_of", "vs", "source", "force", "alpha")
FLAGS = ("as_of", "areas", "categories", "source", "force", "alpha")


def asks(
    kind: Literal["question", "grid"],
    names: tuple[str, ...],
    **defaults: Any,
) -> Callable[[Command], Command]:
    """Give a command the question options `names` (with these `defaults`) and call it with
    `question=` the parsed question instead: a `Question` for "question", a `GridQuestion`
    for "grid" (named, not passed, so the parser is imported only when a command runs)."""

    def parse(words: dict[str, Any]) -> AbstractContextManager[Question | GridQuestion]:
        from crimepulse.analysis.question import GridQuestion, Question

        if not words["as_of"]:
            errors.print("[red]error:[/] give --as-of (YYYY-MM-DD or YYYY-MM)")
            raise typer.Exit(2)
        words["force"] = words["force"] or settings().force
        question = Question(**words) if kind == "question" else GridQuestion(**words)
        return nullcontext(question)

    chosen = {name: (OPTIONS[name][0], defaults.get(name, OPTIONS[name][1])) for name in names}
    return injects("question", chosen, parse)
