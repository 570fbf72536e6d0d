"""The CompStat grid: every area × category × window against its comparison, tested, with
the false discovery rate controlled over all the cells together.

One engine query counts every cell (a range join of the frame with all the windows);
the tests run on the small result. A grid keeps its cells; `Grid.facts` builds one Fact
per cell (each is the compare question of that cell) on first use, as most callers only
need the table.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import ibis
import pyarrow as pa

from crimepulse.analysis import categories as cats
from crimepulse.analysis import lineage, selection
from crimepulse.analysis.compare import (
    COUNTS_BASIS,
    CURRENT,
    change_basis,
    history_finding,
    history_windows,
    pct_on_basis,
)
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import GridQuestion
from crimepulse.analysis.selection import Tables
from crimepulse.core.facts import AreaRef, CategoryRef, ComparisonRef, Fact, fact_id
from crimepulse.errors import CategoryError
from crimepulse.stats import HistoryComparison, apply_fdr
from crimepulse.stats.dispersion import compare_with_history_many


@dataclass(frozen=True)
class Cell:
    """One tested cell: `area` is the area's key in the frame."""

    window: Window
    other: Window
    area: str
    category: str
    current: int
    previous: int
    test: HistoryComparison
    basis: str = COUNTS_BASIS


@dataclass(frozen=True)
class _Shared:
    """What every cell of one grid shares: the question, the source and the areas' names."""

    question: GridQuestion
    source: str
    sources: list[dict[str, Any]]
    names: dict[str, str]  # area key -> the name it is published under
    codes: dict[str, str | None]  # area key -> ONS code


class Grid:
    """A CompStat grid: one tested cell per area × category × window, FDR-controlled
    together. `to_arrow()` reads the cells directly; `facts` (one Fact per cell, with its
    full provenance) is built on first use, as most callers need only the table."""

    def __init__(self, cells: list[Cell], shared: _Shared, meta: dict[str, Any]) -> None:
        self.cells = cells
        self.shared = shared
        self.meta = meta
        self._facts: list[Fact] | None = None

    def _query(self, cell: Cell) -> dict[str, Any]:
        """The cell's own compare question (its Fact's query, so its id)."""
        s, q = self.shared, self.shared.question
        return {
            "call": "compare",
            "area": s.names[cell.area],
            "category": cell.category,
            "window": cell.window.name,
            "as_of": str(q.as_of),
            "vs": q.vs,
            "source": s.source,
            "force": q.force,
            "alpha": q.alpha,
        }

    @property
    def facts(self) -> list[Fact]:
        if self._facts is None:
            self._facts = [self._fact(cell) for cell in self.cells]
        return self._facts

    def _fact(self, cell: Cell) -> Fact:
        s, q = self.shared, self.shared.question
        return Fact.from_finding(
            history_finding(cell.test, cell.basis),
            measure="count",
            value=float(cell.current),
            unit="crimes",
            area=AreaRef(q.level, s.names[cell.area], s.codes[cell.area], q.force),
            category=CategoryRef(cell.category),
            window=cell.window.ref(),
            source=s.source,
            comparison=ComparisonRef(q.comparison, window=cell.other.ref()),
            sources=s.sources,
            query=self._query(cell),
        )

    def to_arrow(self) -> pa.Table:
        s = self.shared
        cells = self.cells
        return pa.table(
            {
                "area": [s.names[x.area] for x in cells],
                "area_code": pa.array([s.codes[x.area] for x in cells], pa.string()),
                "category": [x.category for x in cells],
                "window": [x.window.name for x in cells],
                "start": [x.window.start.isoformat() for x in cells],
                "end": [x.window.end.isoformat() for x in cells],
                "current": pa.array([x.current for x in cells], pa.int64()),
                "previous": pa.array([x.previous for x in cells], pa.int64()),
                "change": pa.array([x.test.change for x in cells], pa.int64()),
                "change_pct": pa.array(
                    [pct_on_basis(x.test.change_pct, x.test.rate_ratio, x.basis) for x in cells],
                    pa.float64(),
                ),
                "change_basis": [x.basis for x in cells],
                "p_value": pa.array([x.test.p_value for x in cells], pa.float64()),
                "q_value": pa.array([x.test.q_value for x in cells], pa.float64()),
                "verdict": [str(x.test.verdict) for x in cells],
                "poisson_p_value": pa.array([x.test.poisson_p_value for x in cells], pa.float64()),
                "usual_change_pct": pa.array(
                    [x.test.usual_change_pct for x in cells], pa.float64()
                ),
                "fact_id": [fact_id(self._query(x)) for x in cells],
            }
        )


def _comparable_since(source_key: str, category_key: str) -> date | None:
    """lineage.comparable_since for a grid's category key (a key that names no category,
    such as a crime type only the rows know, has no break to bound it)."""
    try:
        category = cats.resolve(category_key)
    except CategoryError:
        return None
    return lineage.comparable_since(source_key, category, None)


def grid(tables: Tables, question: GridQuestion) -> Grid:
    """Every area × category × window with its comparison, tested, FDR-controlled."""
    plan = question.plan
    chosen = selection.select_areas(tables, question, plan[0][0])
    all_windows: list[Window] = []
    depth: dict[str, int] = {}  # window name -> how many history years it has
    starts: dict[str, list[date]] = {}  # window name -> its history's starts, newest first
    for current, other in plan:
        chosen.coverage.check([current, other])
        history = history_windows(current, chosen.coverage)
        depth[current.name] = len(history)
        starts[current.name] = [h.start for h in history[::-1]]
        all_windows += [
            replace(current, name=f"{current.name}|{CURRENT}"),
            replace(other, name=f"{current.name}|compare"),
            *(replace(h, name=f"{current.name}|{h.name}") for h in history),
        ]
    f = chosen.rows(tables)
    expr = selection.window_totals(
        f, all_windows, ["area", "area_name", "major", "minor", "crime_type"]
    )
    rows = expr.to_pyarrow().to_pylist()
    # A category the source does not carry in every month counted (its history too) is left
    # out, and said so in the meta: never a row of zeros or of partial counts.
    counted = [m for w in all_windows for m in w.months]
    groups, left_out = selection.countable_keys(question.categories, chosen.coverage, counted)
    # per cell: [current, compare, history 1, history 2, ...] (history k = k years back)
    width = 2 + max(depth.values(), default=0)
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0] * width)
    slot = {CURRENT: 0, "compare": 1}
    spellings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unplaced = 0
    for row in rows:
        win, role = row["window"].split("|")
        if row["area"] is None:  # no LSOA or borough: counted in no area's cell
            unplaced += int(row["n"]) if role == CURRENT else 0
            continue
        index = slot[role] if role in slot else 1 + int(role.split()[-1])
        spellings[row["area"]][str(row["area_name"] or row["area"])] += int(row["n"])
        for key in groups(row):
            cells[(row["area"], key, win)][index] += int(row["n"])
    # An area's name: the spelling with the most crimes (then alphabetical), so that the
    # same question always gives the same names and Fact ids.
    names = {a: min(v, key=lambda name: (-v[name], name)) for a, v in spellings.items()}
    area_keys = sorted(names)
    codes = {a: selection.area_code(question.level, a) for a in area_keys}
    category_keys = sorted({k for (_, k, _) in cells})
    keys = [
        (current, other, a, c) for current, other in plan for a in area_keys for c in category_keys
    ]
    counts = [cells.get((a, c, current.name), [0] * width) for current, _, a, c in keys]
    # A category's history stops where its series began as it is now (a split or a rename
    # before that is a break, not variation): the cut compare makes, so a cell and its
    # compare question agree.
    since = {c: _comparable_since(chosen.source.key, c) for c in category_keys}
    years = {
        (name, c): sum(1 for start in starts[name] if start >= (since[c] or date.min))
        for name in depth
        for c in category_keys
    }
    bases = [change_basis(current, other) for current, other, _, _ in keys]
    tested = apply_fdr(
        compare_with_history_many(
            [row[0] for row in counts],
            [row[1] for row in counts],
            # oldest first, as many years as the window has
            [
                row[2 : 2 + years[(current.name, c)]][::-1]
                for (current, _, _, c), row in zip(keys, counts, strict=True)
            ],
            [exposure for _, exposure in bases],
            alpha=question.alpha,
            # the areas of one category and window judge their dispersions together
            pool=[(c, current.name) for current, _, _, c in keys],
        ),
        alpha=question.alpha,
    )
    cells_out = [
        Cell(current, other, a, c, row[0], row[1], t, basis)
        for (current, other, a, c), row, t, (basis, _) in zip(
            keys, counts, tested, bases, strict=True
        )
    ]
    shared = _Shared(question, chosen.source.key, chosen.coverage.vintages, names, codes)
    meta = {
        "areas": question.areas,
        "categories": question.categories,
        "windows": [current.as_dict() for current, _ in plan],
        "vs": question.vs,
        "source": chosen.source.key,
        "fdr": "Benjamini-Hochberg over all cells of the grid with a verdict",
        "history_years": {name: years for name, years in depth.items()},
        # categories whose history starts later (a break before it), and from when
        "history_since": {c: str(d) for c, d in since.items() if d is not None},
        "unplaced": unplaced,  # crimes in the current windows with no area to count in
        "left_out": left_out,  # category -> why the source cannot count it here
        "lineage": lineage.grid_notes(chosen.source.key, question.level, question.categories, plan),
        "sql": str(ibis.to_sql(expr)),
    }
    return Grid(cells_out, shared, meta)
