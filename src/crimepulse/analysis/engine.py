"""The analysis engine: compare, grid and flags, each returning Facts.

It holds Ibis tables (not a connection), so the same questions run on DuckDB (the
default) or on any Ibis backend holding the canonical tables. Counting happens in one
engine query per question; the statistics run on the small result.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from crimepulse.analysis import categories as cats
from crimepulse.analysis import periods, selection
from crimepulse.analysis.categories import Category
from crimepulse.analysis.periods import DAY, QuestionError, Window, WindowError
from crimepulse.analysis.selection import BOROUGH, FORCE, LSOA, SOURCES, WARD, Area, Source
from crimepulse.core.facts import Fact, fact_id, plain
from crimepulse.core.reference import london
from crimepulse.stats import (
    Comparison,
    apply_fdr,
    compare_counts,
    compare_counts_many,
    compare_to_baseline,
    flag_series,
    weighted_comparison,
)

TABLES = ("counts", "crimes", "current_slices", "population", "harm_weights", "outcomes", "stops")
CURRENT = "current"


@dataclass(frozen=True)
class _Cell:
    window: Window
    other: Window
    area: str  # the area's key
    category: str
    current: int
    previous: int
    test: Comparison


class Grid:
    """A CompStat grid: one tested cell per area × category × window, FDR-controlled
    together. `to_arrow()` reads the cells directly; `facts` (one Fact per cell, with its
    full provenance) is built on first use, as most callers need only the table."""

    def __init__(self, cells: list[_Cell], context: dict[str, Any], meta: dict[str, Any]) -> None:
        self.cells = cells
        self.context = context
        self.meta = meta
        self._facts: list[Fact] | None = None

    def _query(self, cell: _Cell) -> dict[str, Any]:
        c = self.context
        return {
            "call": "compare",
            "area": c["names"][cell.area],
            "category": cell.category,
            "window": cell.window.name,
            "as_of": c["as_of"],
            "vs": c["vs"],
            "source": c["source"],
            "force": c["force"],
            "alpha": c["alpha"],
        }

    @property
    def facts(self) -> list[Fact]:
        if self._facts is None:
            self._facts = [self._fact(cell) for cell in self.cells]
        return self._facts

    def _fact(self, cell: _Cell) -> Fact:
        c = self.context
        d = cell.test.as_dict()
        return Fact(
            measure="count",
            value=float(cell.current),
            unit="crimes",
            area={
                "level": c["level"],
                "code": c["codes"][cell.area],
                "name": c["names"][cell.area],
                "force": c["force"],
            },
            category={"name": cell.category},
            window=cell.window.as_dict(),
            source=c["source"],
            comparison={"kind": c["kind"], "window": cell.other.as_dict()},
            current=cell.current,
            previous=cell.previous,
            change=d["change"],
            change_pct=d["change_pct"],
            test=d["test"],
            p_value=d["p_value"],
            q_value=d.get("q_value"),
            ci_low=d["ci_low"],
            ci_high=d["ci_high"],
            verdict=d["verdict"],
            small_counts=bool(d["small_counts"]),
            stats=d,
            sources=c["sources"],
            query=self._query(cell),
        )

    def to_arrow(self) -> pa.Table:
        c = self.context
        cells = self.cells
        return pa.table(
            {
                "area": [c["names"][x.area] for x in cells],
                "area_code": pa.array([c["codes"][x.area] for x in cells], pa.string()),
                "category": [x.category for x in cells],
                "window": [x.window.name for x in cells],
                "start": [x.window.start.isoformat() for x in cells],
                "end": [x.window.end.isoformat() for x in cells],
                "current": pa.array([x.current for x in cells], pa.int64()),
                "previous": pa.array([x.previous for x in cells], pa.int64()),
                "change": pa.array([x.test.change for x in cells], pa.int64()),
                "change_pct": pa.array([x.test.change_pct for x in cells], pa.float64()),
                "p_value": pa.array([x.test.p_value for x in cells], pa.float64()),
                "q_value": pa.array([x.test.q_value for x in cells], pa.float64()),
                "verdict": [str(x.test.verdict) for x in cells],
                "fact_id": [fact_id(self._query(x)) for x in cells],
            }
        )


class Analysis:
    """Questions about one warehouse (or any backend holding the canonical tables)."""

    def __init__(self, tables: dict[str, ir.Table], backend: Any = None) -> None:
        self.tables = tables
        self.backend = backend  # for questions about earlier vintages (`as_of`)

    @classmethod
    def from_duckdb(cls, con: Any) -> Analysis:
        backend = ibis.duckdb.from_connection(con)
        return cls({name: backend.table(name) for name in TABLES}, backend)

    def as_of(self, vintage: str) -> Analysis:
        """The same questions over what had been published at `vintage` (the warehouse's
        `<table>_as_of` views of earlier editions)."""
        if self.backend is None:
            raise ValueError("earlier vintages need the warehouse's DuckDB backend")
        literal = vintage.replace("'", "''")
        suffix = hashlib.sha256(vintage.encode()).hexdigest()[:10]
        tables = {}
        for name in TABLES:
            source = "slices_as_of" if name == "current_slices" else f"{name}_as_of"
            view = f"{name}_at_{suffix}"
            # A temporary view per table (not `backend.sql`, which ibis 12 cannot run on
            # DuckDB 2.0): the same Ibis questions then run over the earlier edition.
            self.backend.con.execute(
                f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {source}('{literal}')"
            )
            tables[name] = self.backend.table(view)
        return Analysis(tables, self.backend)

    # -- choosing what to count ------------------------------------------------------

    def _source(self, key: str | None, category: Category, window: Window, force: str) -> Source:
        if key:
            if key not in SOURCES:
                raise QuestionError(f"unknown source {key!r}: use {', '.join(SOURCES)}")
            return SOURCES[key]
        if not window.month_aligned:
            crimes = self.tables["crimes"]
            daily = crimes.filter(crimes.force == force, crimes.format == "daily incident feed")
            if not daily.limit(1).count().to_pyarrow().as_py():
                raise WindowError(
                    f"{window.label} ({window.start}..{window.end}) needs day-level data, and "
                    f"the warehouse has none for {force}: the MPS tables and data.police.uk "
                    "are published by month. Use a month-based window (month, quarter, ytd, "
                    "fy, year, 12m) ending on a month's last day, or ingest a daily feed"
                )
            return SOURCES["feed"]
        counts = self.tables["counts"]
        has_mps = counts.filter(counts.force == force).limit(1).count().to_pyarrow().as_py()
        if category.in_mps and has_mps:
            return SOURCES["mps"]
        return SOURCES["police.uk"]

    def _windows(self, window: str, as_of: str | date, vs: str) -> tuple[Window, str, list[Window]]:
        end = as_of if isinstance(as_of, date) else periods.parse_as_of(as_of)
        current = periods.window(window, end)
        kind, years = periods.parse_comparison(vs)
        if kind == "previous":
            others = [periods.previous(current)]
        elif kind == "last-year":
            others = [periods.last_year(current)]
        else:
            assert years is not None
            others = periods.baseline(current, *years)
        return current, kind, others

    # -- compare ---------------------------------------------------------------------

    def compare(
        self,
        area: str = "all",
        category: str = "all",
        window: str = "ytd",
        as_of: str | date = "",
        vs: str = "last-year",
        *,
        source: str | None = None,
        force: str = "metropolitan",
        measure: str = "count",
        alpha: float = 0.05,
        source_name: str | None = None,
    ) -> Fact:
        """One count (or rate, or harm total) against its comparison, with the test."""
        query = {
            "call": "compare",
            "area": area,
            "category": category,
            "window": window,
            "as_of": str(as_of),
            "vs": vs,
            "source": source,
            "force": force,
            "measure": measure,
            "alpha": alpha,
        }
        current, kind, others = self._windows(window, as_of, vs)
        cat = cats.resolve(category)
        where = selection.resolve_area(area, force, self.tables)
        src = self._source(source, cat, current, where.force)
        f = self._frame(src, where, source_name)
        f = f.filter(selection.category_filter(f, src, cat))  # can this source count it at all?
        cov = selection.coverage(self.tables, src, where.level, where.force)
        cov.check([current, *others])
        if where.level != FORCE:
            f = f.filter(f.area == where.key)
        roles = _with_roles(current, others)
        by = ["minor", "crime_type"] if measure == "harm" else []
        expr = selection.window_totals(f, list(roles.values()), by)
        rows = expr.to_pyarrow().to_pylist()
        query["sql"] = str(ibis.to_sql(expr))
        base = {
            "area": where.as_dict(),
            "category": cat.as_dict(),
            "window": current.as_dict(),
            "source": src.key,
            "sources": cov.vintages,
            "query": query,
            "notes": list(cat.notes) if src.key != "mps" else [],
        }
        if measure == "harm":
            return self._harm_fact(rows, roles, kind, base, src, alpha)
        totals: dict[str, int] = defaultdict(int)
        for row in rows:
            totals[row["window"]] += int(row["n"] or 0)
        return self._count_fact(totals, roles, kind, base, where, measure, alpha)

    def _frame(self, src: Source, where: Area, source_name: str | None) -> ir.Table:
        return selection.frame(self.tables, src, where.level, where.force, source_name)

    def _count_fact(
        self,
        totals: dict[str, int],
        roles: dict[str, Window],
        kind: str,
        base: dict[str, Any],
        where: Area,
        measure: str,
        alpha: float,
    ) -> Fact:
        current = roles[CURRENT]
        n = totals.get(CURRENT, 0)
        comparison_windows = [w for role, w in roles.items() if role != CURRENT]
        value: float = float(n)
        unit = "crimes"
        exposure = [float(w.days) for w in comparison_windows]
        cur_exposure = float(current.days)
        if measure == "rate":
            people = self._population(where, current.end.year)
            value = n / people * 1000
            unit = "crimes per 1,000 residents"
            cur_exposure *= people
            exposure = [
                e * self._population(where, w.end.year)
                for e, w in zip(exposure, comparison_windows, strict=True)
            ]
            base["notes"].append(f"population {people:,.0f} ({current.end.year})")
        elif measure != "count":
            raise QuestionError(f"unknown measure {measure!r}: use count, rate or harm")
        if kind == "baseline":
            counts = [totals.get(role, 0) for role in roles if role != CURRENT]
            stats = compare_to_baseline(n, counts, alpha=alpha)
            d = stats.as_dict()
            comparison: dict[str, Any] = {
                "kind": "baseline",
                "windows": [w.as_dict() for w in comparison_windows],
                "counts": counts,
            }
            return Fact(
                measure=measure,
                value=plain(value),
                unit=unit,
                comparison=comparison,
                current=n,
                previous=d.get("mean"),
                change=d.get("change"),
                change_pct=d.get("change_pct"),
                test=d.get("test") or d.get("method"),
                p_value=d.get("p_value"),
                ci_low=d.get("expected_low"),
                ci_high=d.get("expected_high"),
                verdict=d.get("verdict"),
                small_counts=bool(d.get("small_counts", False)),
                stats=d,
                **base,
            )
        other = comparison_windows[0]
        prev = totals.get("compare", 0)
        stats_c = compare_counts(n, prev, exposure_ratio=cur_exposure / exposure[0], alpha=alpha)
        d = stats_c.as_dict()
        comparison = {"kind": kind, "window": other.as_dict()}
        return Fact(
            measure=measure,
            value=plain(value),
            unit=unit,
            comparison=comparison,
            current=n,
            previous=prev,
            change=d["change"],
            change_pct=d["change_pct"],
            test=d["test"],
            p_value=d["p_value"],
            ci_low=d["ci_low"],
            ci_high=d["ci_high"],
            verdict=d["verdict"],
            small_counts=bool(d["small_counts"]),
            stats=d,
            **base,
        )

    def _population(self, where: Area, year: int) -> float:
        pop = self.tables["population"]
        if where.level == FORCE:
            codes = (
                [london.CITY_OF_LONDON]
                if where.force == "city-of-london"
                else [c for c in london.BOROUGHS if c != london.CITY_OF_LONDON]
            )
        elif where.level == BOROUGH and where.code:
            codes = [where.code]
        else:
            raise WindowError(f"no population for {where.level} areas: rates are by borough")
        rows = (
            pop.filter(pop.area_code.isin(codes), pop.year == year)
            .group_by("area_code")
            .aggregate(p=pop.population.max())
            .to_pyarrow()
            .to_pylist()
        )
        if len(rows) != len(codes):
            have = {r["area_code"] for r in rows}
            missing = [london.BOROUGHS.get(c, c) for c in codes if c not in have]
            raise WindowError(
                f"no population for {', '.join(missing[:5])} in {year}: "
                "ingest a population table covering that year"
            )
        return float(sum(r["p"] for r in rows))

    def _harm_fact(
        self,
        rows: list[dict[str, Any]],
        roles: dict[str, Window],
        kind: str,
        base: dict[str, Any],
        src: Source,
        alpha: float,
    ) -> Fact:
        weights, index_name = self._harm_weights(src)
        totals: dict[str, list[tuple[float, int]]] = defaultdict(list)
        unweighted: set[str] = set()
        for row in rows:
            key = row["minor"] if src.key == "mps" else row["crime_type"]
            lookup = cats.subgroup_of(key or "") if src.key == "mps" else key
            weight = weights.get(lookup or "")
            if weight is None:
                unweighted.add(str(key))
                continue
            totals[row["window"]].append((weight, int(row["n"] or 0)))
        if kind == "baseline":
            raise WindowError("harm-weighted totals compare with previous or last-year only")
        stats = weighted_comparison(totals.get(CURRENT, []), totals.get("compare", []), alpha)
        d = stats.as_dict()
        notes = base.pop("notes")
        if unweighted:
            notes.append("no harm weight (left out): " + ", ".join(sorted(unweighted)))
        other = next(w for role, w in roles.items() if role != CURRENT)
        return Fact(
            measure="harm",
            value=d["current"],
            unit=f"harm ({index_name})",
            comparison={"kind": kind, "window": other.as_dict()},
            current=d["current"],
            previous=d["previous"],
            change=d["change"],
            change_pct=d["change_pct"],
            test=d["test"],
            p_value=d["p_value"],
            ci_low=d.get("ci_low"),
            ci_high=d.get("ci_high"),
            verdict=d["verdict"],
            stats=d,
            notes=notes,
            **base,
        )

    def _harm_weights(self, src: Source) -> tuple[dict[str, float], str]:
        hw = self.tables["harm_weights"]
        rows = hw.to_pyarrow().to_pylist()
        if not rows:
            raise WindowError("no harm weights in the warehouse: ingest a harm-weight table")
        index_name = str(rows[0]["index_name"])
        rows = [r for r in rows if r["index_name"] == index_name]
        if src.key == "mps":
            weights = {r["subgroup"]: float(r["weight"]) for r in rows if r["subgroup"]}
        else:
            weights = {r["category"]: float(r["weight"]) for r in rows if not r["subgroup"]}
        if not weights:
            level = "Home Office subgroup" if src.key == "mps" else "police.uk crime type"
            raise WindowError(f"the harm index {index_name!r} has no weights per {level}")
        return weights, index_name

    # -- grid ------------------------------------------------------------------------

    def grid(
        self,
        areas: str = "boroughs",
        categories: str = "major",
        windows: str = "28d,ytd,fy",
        as_of: str | date = "",
        vs: str = "last-year",
        *,
        source: str | None = None,
        force: str = "metropolitan",
        alpha: float = 0.05,
        source_name: str | None = None,
    ) -> Grid:
        """Every area × category × window with its comparison, tested, FDR-controlled."""
        level = {"boroughs": BOROUGH, "wards": WARD, "lsoas": LSOA, "force": FORCE, "all": FORCE}
        if areas not in level:
            raise QuestionError(f"unknown areas {areas!r}: use {', '.join(level)}")
        lvl = level[areas]
        specs = [s.strip() for s in windows.split(",") if s.strip()]
        plan = [self._windows(spec, as_of, vs) for spec in specs]
        kind = plan[0][1]
        if kind == "baseline":
            raise WindowError("the grid compares with previous or last-year")
        probe = cats.GROUPS["all"]
        src = self._source(source, probe, plan[0][0], force)
        cov = selection.coverage(self.tables, src, lvl, force)
        all_windows: list[Window] = []
        for current, _, others in plan:
            cov.check([current, *others])
            all_windows += [
                _named(current, f"{current.name}|{CURRENT}"),
                _named(others[0], f"{current.name}|compare"),
            ]
        f = selection.frame(self.tables, src, lvl, force, source_name)
        expr = selection.window_totals(
            f, all_windows, ["area", "area_name", "major", "minor", "crime_type"]
        )
        rows = expr.to_pyarrow().to_pylist()
        groups = _category_keys(categories, src)
        cells: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
        spellings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        unplaced = 0
        for row in rows:
            if row["area"] is None:  # no LSOA or borough: counted in no area's cell
                unplaced += int(row["n"]) if row["window"].endswith(CURRENT) else 0
                continue
            win, role = row["window"].split("|")
            spellings[row["area"]][str(row["area_name"] or row["area"])] += int(row["n"])
            for key in groups(row):
                cells[(row["area"], key, win)][0 if role == CURRENT else 1] += int(row["n"])
        # An area's name: the spelling with the most crimes (then alphabetical), so that the
        # same question always gives the same names and Fact ids.
        names = {a: min(v, key=lambda name: (-v[name], name)) for a, v in spellings.items()}
        area_keys = sorted(names)
        codes = {a: _code(lvl, a) for a in area_keys}
        category_keys = sorted({k for (_, k, _) in cells})
        keys = [
            (current, others[0], a, c)
            for current, _, others in plan
            for a in area_keys
            for c in category_keys
        ]
        counts = [cells.get((a, c, current.name), [0, 0]) for current, _, a, c in keys]
        tested = apply_fdr(
            compare_counts_many(
                [n for n, _ in counts],
                [p for _, p in counts],
                [current.days / other.days for current, other, _, _ in keys],
                alpha=alpha,
            ),
            alpha=alpha,
        )
        cells_out = [
            _Cell(current, other, a, c, n, prev, t)
            for (current, other, a, c), (n, prev), t in zip(keys, counts, tested, strict=True)
        ]
        context = {
            "level": lvl,
            "force": force,
            "kind": kind,
            "source": src.key,
            "sources": cov.vintages,
            "as_of": str(as_of),
            "vs": vs,
            "alpha": alpha,
            "names": names,
            "codes": codes,
        }
        meta = {
            "areas": areas,
            "categories": categories,
            "windows": [p[0].as_dict() for p in plan],
            "vs": vs,
            "source": src.key,
            "fdr": "Benjamini-Hochberg over all cells of the grid",
            "unplaced": unplaced,  # crimes in the current windows with no area to count in
            "sql": str(ibis.to_sql(expr)),
        }
        return Grid(cells_out, context, meta)

    # -- flags -----------------------------------------------------------------------

    def flags(
        self,
        as_of: str | date = "",
        *,
        areas: str = "boroughs",
        categories: str = "major",
        source: str = "mps",
        force: str = "metropolitan",
        alpha: float = 0.05,
        years: int = 5,
    ) -> list[Fact]:
        """Series whose latest month is outside its seasonal expectation, most surprising
        first, with the false discovery rate controlled over every series tested."""
        level = {"boroughs": BOROUGH, "force": FORCE, "wards": WARD}[areas]
        src = SOURCES[source]
        end = as_of if isinstance(as_of, date) else periods.parse_as_of(as_of)
        target = periods.window("month", end)
        cov = selection.coverage(self.tables, src, level, force)
        cov.check([target])
        start = date(target.start.year - years, target.start.month, 1)
        span = Window("history", "history", start, target.end)
        f = selection.frame(self.tables, src, level, force)
        expr = selection.window_totals(
            f.mutate(month=f.period.truncate("M").cast("date")),
            [span],
            ["area", "area_name", "major", "minor", "crime_type", "month"],
        )
        rows = expr.to_pyarrow().to_pylist()
        groups = _category_keys(categories, src)
        by_series: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
        names: dict[str, str] = {}
        for row in rows:
            names[str(row["area"])] = str(row["area_name"] or row["area"])
            for key in groups(row):
                by_series[(str(row["area"]), key)][row["month"]] += int(row["n"])
        published = sorted(m for m in cov.months if start <= m <= target.start)
        inputs = []
        for (a, c), months in by_series.items():
            history = [(m.year, m.month, months.get(m, 0)) for m in published if m < target.start]
            inputs.append(((a, c), history, months.get(target.start, 0)))
        report = flag_series(inputs, target.start.year, target.start.month, alpha=alpha)
        facts = []
        for item in report.flags:
            a, c = item.key
            d = item.expectation.as_dict()
            facts.append(
                Fact(
                    measure="count",
                    value=float(d["observed"]),
                    unit="crimes",
                    area={
                        "level": level,
                        "code": _code(level, a),
                        "name": names.get(a, a),
                        "force": force,
                    },
                    category={"name": c},
                    window=target.as_dict(),
                    source=src.key,
                    comparison={
                        "kind": "seasonal expectation",
                        "model": d.get("model"),
                        "history_months": len(published) - 1,
                    },
                    current=d["observed"],
                    previous=d["expected"],
                    change=d.get("change"),
                    change_pct=d.get("change_pct"),
                    test=d.get("test"),
                    p_value=d.get("p_value"),
                    q_value=d.get("q_value"),
                    ci_low=d.get("low"),
                    ci_high=d.get("high"),
                    verdict=d.get("verdict"),
                    stats=d,
                    sources=cov.vintages,
                    query={
                        "call": "flags",
                        "as_of": str(as_of),
                        "areas": areas,
                        "categories": categories,
                        "source": source,
                        "force": force,
                        "series": [a, c],
                    },
                    notes=[f"{report.n_tested} series tested; {report.fdr}"],
                )
            )
        return facts


def _named(w: Window, name: str) -> Window:
    return Window(name, w.label, w.start, w.end, w.by_month)


def _with_roles(current: Window, others: list[Window]) -> dict[str, Window]:
    roles = {CURRENT: _named(current, CURRENT)}
    if len(others) == 1:
        roles["compare"] = _named(others[0], "compare")
    else:
        for w in others:
            roles[f"baseline {w.name}"] = _named(w, f"baseline {w.name}")
    return roles


def _code(level: str, key: str) -> str | None:
    if level == BOROUGH:
        return london.borough_code(key)
    return None if level == FORCE else key


def _category_keys(spec: str, src: Source) -> Any:
    """row -> the grid's category keys it counts towards."""
    key = spec.strip().lower()
    if key in ("major", "types"):
        if src.key == "mps" and key == "major":
            return lambda row: [row["major"]] if row["major"] else []
        if src.key == "mps":
            return lambda row: [cats.MPS_MINORS.get(row["minor"] or "", ("Other crime",))[0]]
        return lambda row: [row["crime_type"]] if row["crime_type"] else []
    if key == "minor":
        if src.key != "mps":
            raise cats.CategoryError(f"{src.label} has no minor categories; use major")
        return lambda row: [row["minor"]] if row["minor"] else []
    names = list(cats.GROUPS) if key == "groups" else [s for s in spec.split(",") if s.strip()]
    resolved = [cats.resolve(n) for n in names if n not in ("all", "asb")]

    def keys(row: dict[str, Any]) -> list[str]:
        out = []
        for c in resolved:
            if src.key == "mps":
                major, minor = (row["major"] or "").upper(), (row["minor"] or "").upper()
                if major in c.mps_majors or minor in c.mps_minors:
                    out.append(c.name)
            elif c.crime_types and row["crime_type"] in c.crime_types:
                out.append(c.name)
        return out

    return keys


__all__ = ["DAY", "Analysis", "Grid"]
