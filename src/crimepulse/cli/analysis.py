"""`crimepulse compare`, `grid` and `flags`: questions to the analysis engine, as Facts.

The commands print Facts in the house style of `crimepulse.present` (the pages' and the
snapshot's): counts with separators, changes with a true minus sign, p-values rounded
the same way, "up"/"down" only for a change bigger than the series' usual variation, and
"too little history to judge" (marked ○, not as "no meaningful change") where that
variation could not be estimated (crimepulse.present.words)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from crimepulse.cli.errors import reports_errors
from crimepulse.cli.options import (
    AlphaOption,
    DbOption,
    ForceOption,
    OutputFormat,
    _open_existing,
    console,
)
from crimepulse.cli.questions import COMPARE, FLAGS, GRID, asks

# The question, the Fact and the house style are imported where a command runs, so that
# building the app (`crimepulse --help`) imports none of them.
if TYPE_CHECKING:
    from crimepulse.analysis.question import GridQuestion, Question
    from crimepulse.core.facts import Fact


def _fact_sentence(f: Fact) -> str:
    """The Fact in one line, numbers and verdict words in the house style (present/): the
    counts, the % on the test's basis, what it means against the series' usual variation
    (or why there is no verdict), and the test."""
    from crimepulse.present import numbers, words

    label = f.category.label or f.category.name
    where = words.place(f.area.as_dict())  # "London (Metropolitan Police area)"
    win = numbers.span(str(f.window.start), str(f.window.end))
    comparison = f.comparison
    if comparison is not None and comparison.kind == "baseline":
        other = f"the {len(comparison.counts or ())}-year baseline average"
    else:
        w = comparison.window if comparison is not None else None
        other = numbers.span(str(w.start), str(w.end)) if w is not None else "an earlier period"
    d = f.as_dict()
    days = words.period_days(d) if words.basis(d) == words.PER_DAY else None
    if days is not None:
        counts = (
            f"{numbers.count(f.current)} in {days[0]} days against "
            f"{numbers.mean(f.previous)} in {days[1]}"
        )
    else:
        counts = f"{numbers.count(f.current)} against {numbers.mean(f.previous)}"
    head = f"{label.capitalize()} in {where}, {win}"
    if f.verdict == words.NOT_ENOUGH_HISTORY:
        return f"{head}: {counts} for {other}, {words.judgement(d)}."
    test = f"{f.test}, {numbers.p_value(f.p_value)}"
    if words.meaningful(f.verdict):
        said = words.verdict_words(f.verdict)
        return f"{head}: {said}, {counts} for {other}, {words.judgement(d)}; {test}."
    return f"{head}: {counts} for {other}, {words.judgement(d)}: {words.NO_CHANGE} ({test})."


def _interval_end(value: float | None) -> str:
    """An interval's end: a rate ratio's (0.43, 2.03) or, against a baseline, a count's
    (2,093)."""
    from crimepulse.present import numbers

    if value is not None and abs(value) < 10:
        return numbers.ratio(value)
    return numbers.mean(value)


def _fact_rows(f: Fact) -> list[tuple[str, str]]:
    """The Fact's fields for the table under its sentence, each in the house style (a
    baseline average printed as 135.33333333333334 is a figure nobody reads); the exact
    values are in `--format json`."""
    from crimepulse.analysis.question import source_label
    from crimepulse.present import numbers

    if f.unit.startswith("share"):
        value = numbers.share(f.value)
    elif f.measure in ("rate", "trend"):
        value = numbers.rate(f.value)  # per 1,000 residents; crimes a month more or fewer
    else:
        value = numbers.mean(f.value)  # counts and harm totals
    return [
        ("value", value),
        ("unit", f.unit),
        ("current", numbers.mean(f.current)),
        ("previous", numbers.mean(f.previous)),
        ("change", numbers.signed_mean(f.change)),
        ("change_pct", numbers.pct(f.change_pct)),
        ("verdict", str(f.verdict)),
        ("p_value", numbers.probability(f.p_value)),
        ("ci_low", _interval_end(f.ci_low)),
        ("ci_high", _interval_end(f.ci_high)),
        ("test", str(f.test)),
        ("source", source_label(f.source) if f.source else "n/a"),
    ]


@reports_errors
@asks("question", COMPARE)
def compare_command(
    question: Question,
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Compare one count with the previous period, last year or a multi-year baseline.

    Says "up" or "down" only when the change is bigger than the series' usual variation
    (the same window in up to 8 earlier years), with that usual range beside it; "too
    little history to judge" when there are too few earlier years; the exact Poisson
    test as a labelled second opinion.
    """
    from crimepulse.present import numbers, words

    with _open_existing(db) as cp:
        fact = cp.analysis.compare(question)
    if format is OutputFormat.json:
        print(fact.to_json())
        return
    console.print(escape(_fact_sentence(fact)), soft_wrap=True)
    d = fact.as_dict()
    second = words.second_opinion(d)
    if second:
        console.print(f"[dim]second opinion: {escape(second)}[/]", soft_wrap=True)
    table = Table(show_header=False, box=None)
    for key, text in _fact_rows(fact):
        table.add_row(key, escape(text))
    if words.stat(d, "change_basis") is not None:
        table.add_row("change basis", escape(words.basis(d)))
    if words.stat(d, "usual_change_pct") is not None:
        table.add_row("usual change", escape(words.usual_range(d)))
    if words.stat(d, "poisson_p_value") is not None:
        table.add_row("poisson_p_value", numbers.probability(words.stat(d, "poisson_p_value")))
    table.add_row("fact id", fact.id)
    console.print(table)
    for note in fact.notes:
        console.print(f"[dim]note: {escape(note)}[/]", soft_wrap=True)


GRID_LEGEND = (
    "▲ up, ▼ down: bigger than the series' usual variation; no mark: no meaningful change; "
    "○: too little history to judge; (±) the series' usual year-to-year change."
)


def _grid_cell(f: Fact) -> str:
    """ "2,894 −13% (±47%)", its mark after it: ▲/▼ for a meaningful change, ○ where there
    was too little history to judge, nothing for no meaningful change."""
    from crimepulse.present import numbers, words

    d = f.as_dict()
    c = words.change(d)
    usual = words.stat(d, "usual_change_pct")
    spread = f" ({numbers.spread(float(usual))})" if usual is not None else ""
    judged = c.mark if (words.meaningful(f.verdict) or not words.judged(f.verdict)) else " "
    return f"{c.current} {c.pct}{spread} {judged}"


class GridFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@reports_errors
@asks("grid", GRID)
def grid_command(
    question: GridQuestion,
    db: DbOption = None,
    format: Annotated[GridFormat, typer.Option("--format", "-f")] = GridFormat.table,
) -> None:
    """The CompStat grid: areas × categories × windows, with significance marks.

    Marks: ▲ up, ▼ down (bigger than the series' usual year-to-year variation, after
    Benjamini–Hochberg control of the false discovery rate over the whole grid); no
    mark: no meaningful change; ○: too little history to judge. Each cell gives the %
    change and the series' usual range (±, the change between two ordinary years).
    """
    from crimepulse.present import words

    with _open_existing(db) as cp:
        grid = cp.analysis.grid(question)
    if format is GridFormat.json:
        print(
            json.dumps(
                {"meta": grid.meta, "facts": [f.as_dict() for f in grid.facts]},
                default=str,
                indent=2,
            )
        )
        return
    if format is GridFormat.csv:
        import pyarrow.csv as pacsv

        pacsv.write_csv(grid.to_arrow(), sys.stdout.buffer)
        return
    names = [w["name"] for w in grid.meta["windows"]]
    table = Table(
        title=f"{question.categories} by {question.areas}, {question.vs}",
        caption=f"{GRID_LEGEND} {grid.meta['fdr']}.",
    )
    table.add_column("area")
    table.add_column("category")
    for name in names:
        table.add_column(name, justify="right")
    # Two areas may share a name (ten London wards do): such a row is named with its code.
    codes: dict[str, set[str | None]] = {}
    for f in grid.facts:
        codes.setdefault(f.area.name, set()).add(f.area.code)
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for f in grid.facts:
        area = f.area.name if len(codes[f.area.name]) == 1 else f"{f.area.name} ({f.area.code})"
        if f.area.level == "force":  # "London (Metropolitan Police area)", not its slug
            area = words.place(f.area.as_dict())
        cells.setdefault((area, f.category.name), {})[f.window.name] = _grid_cell(f)
    for (area, cat), by_window in cells.items():
        table.add_row(area, cat, *(by_window.get(n, "") for n in names))
    console.print(table)
    for name, why in grid.meta["left_out"].items():
        console.print(f"left out {name}: {why}")


@reports_errors
@asks("grid", FLAGS, source="mps")
def flags_command(
    question: GridQuestion,
    db: DbOption = None,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """Series whose month ending --as-of is outside its seasonal expectation.

    Each area × category series is modelled on its previous years (month-of-year effects
    and a trend; negative binomial when the data are overdispersed); the list is ranked
    by surprise, with the false discovery rate controlled over every series tested.
    """
    from crimepulse.present import numbers, words

    with _open_existing(db) as cp:
        flags = cp.analysis.flags(question)
    if format is OutputFormat.json:
        print(json.dumps([f.as_dict() for f in flags], default=str, indent=2))
        return
    if not flags:
        console.print(
            "No series is outside its expected band after controlling the false discovery rate."
        )
        return
    table = Table(title=f"Series outside their seasonal expectation, {flags[0].window.start}")
    for name in ("area", "category", "observed", "expected", "band", "q", "verdict"):
        table.add_column(name, justify="right" if name in ("observed", "expected", "q") else "left")
    for f in flags:
        table.add_row(
            f.area.name,
            f.category.name,
            numbers.count(f.current),
            numbers.mean(f.previous),
            f"{numbers.count(f.ci_low)}..{numbers.count(f.ci_high)}",
            numbers.probability(f.q_value) if f.q_value is not None else "",
            words.verdict_words(f.verdict),
        )
    console.print(table)
    console.print(f"[dim]{escape(flags[0].notes[0])}[/]" if flags[0].notes else "")


@reports_errors
def national_command(
    category: Annotated[str, typer.Option(help="A category the national tables carry.")],
    year: Annotated[str, typer.Option(help="A financial year: 2022-23 or 2022/23.")],
    db: DbOption = None,
    force: ForceOption = None,
    alpha: AlphaOption = 0.05,
    format: Annotated[OutputFormat, typer.Option("--format", "-f")] = OutputFormat.table,
) -> None:
    """The force against the rest of England and Wales in a financial year.

    Both changes against the year before, each judged against its own usual variation
    (the rest of England and Wales: the national figure less the force's, in up to 8
    earlier financial years). Needs the England & Wales tables ingested.
    """
    with _open_existing(db, force=force) as cp:
        found = cp.national(category=category, year=year, alpha=alpha)
    if format is OutputFormat.json:
        print(json.dumps(found.as_dict(), default=str, indent=2))
        return
    for fact in found.facts:
        console.print(escape(_fact_sentence(fact)), soft_wrap=True)
        console.print(f"[dim]fact id: {fact.id}[/]")
    for note in found.rest.notes:
        console.print(f"[dim]note: {escape(note)}[/]", soft_wrap=True)
