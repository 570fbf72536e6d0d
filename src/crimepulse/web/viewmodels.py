"""What the data pages show, gathered from the analysis engine as Facts.

Pages format; they never test or count. A grid or the seasonal flags take from half a
second to several seconds on a city's warehouse, and the answer only changes when a file
is ingested, so results are memoised per data version in the process's one cache
(`Readers.memo`, web.cache), beside the API's rendered responses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from crimepulse.analysis import measures, selection
from crimepulse.analysis.periods import add_months, month_end
from crimepulse.analysis.question import BOROUGH, FORCE, WARD, GridQuestion, Question
from crimepulse.errors import QuestionError
from crimepulse.oplog import OutcomesLog
from crimepulse.present import numbers, words
from crimepulse.store import clock
from crimepulse.store.coverage import Series, coverage
from crimepulse.web.deps import Readers
from crimepulse.web.urls import urls

T = TypeVar("T")

WINDOWS = {
    "month,ytd,fy": "Month, year to date, financial year to date",
    "quarter,12m": "Quarter, last 12 months",
    "year": "Calendar year",
    "28d,7d": "28 days, 7 days (needs a daily feed)",
}
LEVELS = {"force": "Whole force", "boroughs": "Boroughs", "wards": "Wards"}
CATEGORY_LEVELS = {
    "groups": "Crime groups (robbery, burglary, violence...)",
    "major": "MPS major categories",
    "minor": "MPS minor categories",
    "types": "police.uk crime types",
}
COMPARISONS = {"last-year": "the same period last year", "previous": "the period before"}
SOURCES = {"": "Best available", "mps": "MPS tables", "police.uk": "police.uk", "feed": "Feed"}


# -- dates ----------------------------------------------------------------------------------


def months_published(r: Readers) -> list[date]:
    """Month ends a reader can pick as the as-of date, newest first: from the one clock's
    latest month (store/clock.py) back to the first month of the lead monthly series."""

    def compute() -> list[date]:
        series = coverage(r.cursor())
        last = clock.latest_month(series)
        if last is None:
            return []
        lead: list[Series] = []
        for dataset in clock.LEAD_DATASETS:
            lead = lead or [s for s in series if s.dataset == dataset and s.first_month]
        firsts = [date.fromisoformat(f"{s.first_month}-01") for s in lead]
        first = min(firsts) if firsts else last.replace(day=1)
        out, m = [], last.replace(day=1)
        while m >= first:
            out.append(month_end(m))
            m = add_months(m, -1)
        return out

    return r.memo("months", compute)


def default_as_of(r: Readers) -> str:
    months = months_published(r)
    return months[0].isoformat() if months else date.today().isoformat()


def the_clock(r: Readers, log: OutcomesLog) -> clock.Clock:
    """What "latest" means on every page: the latest month and week the data answers."""
    return clock.clock(coverage(r.cursor()), log.today(), log.last_day())


def snapshot_clock(meta: dict[str, Any], as_of: str) -> str:
    """Where a snapshot's monthly figures end against the month the page shows: one
    sentence, so the two never seem to disagree about "the latest month"."""
    end = meta.get("month_end")
    if not end:
        return ""
    shown = numbers.month(as_of)
    theirs = numbers.month(str(end))
    if theirs == shown:
        return f"Its monthly figures are for {theirs}, the month shown below."
    week = meta.get("week")
    when = f"the week of {numbers.week(week)}" if week else numbers.day(str(meta["as_of"]))
    return (
        f"It was written for {when}, so its monthly figures are for {theirs}; the table "
        f"below is for {shown}."
    )


# -- the grid -------------------------------------------------------------------------------


@dataclass
class Row:
    area: str  # the area as it can be asked for: "Abbey (Merton)" where a name is shared
    area_code: str | None
    category: str
    cells: dict[str, words.Change] = field(default_factory=dict)
    raw: dict[str, dict[str, Any]] = field(default_factory=dict)
    series_url: str = ""
    # Where the area's own figures are: a borough's page; for a ward, this grid narrowed
    # to that ward (every category); "" for the force and LSOAs.
    area_url: str = ""


@dataclass
class GridView:
    windows: list[dict[str, str]]
    rows: list[Row]
    meta: dict[str, Any]
    areas: list[str]


def grid(
    r: Readers,
    as_of: str,
    areas: str = "boroughs",
    categories: str = "groups",
    windows: str = "month,ytd,fy",
    vs: str = "last-year",
    source: str | None = None,
) -> GridView:
    """The CompStat grid, one row per area × category, one cell group per window."""
    key = f"grid|{as_of}|{areas}|{categories}|{windows}|{vs}|{source}"

    def compute() -> GridView:
        question = GridQuestion(
            force=r.force,
            areas=areas,
            categories=categories,
            windows=windows,
            as_of=as_of,
            vs=vs,
            source=source,
        )
        a = r.analysis()
        g = a.grid(question)
        # Ten London ward names are shared by two boroughs: a ward is named (and linked)
        # in words that ask for it and no other.
        specs = selection.ward_specs(a.tables, r.force) if question.level == WARD else {}
        rows: dict[tuple[str, str], Row] = {}
        for f in g.facts:
            d = f.as_dict()
            name = specs.get(f.area.code or "", f.area.name)
            if f.area.level == FORCE:  # "London (Metropolitan Police area)"
                name = words.place(d["area"])
            k = (name, f.category.name)
            row = rows.get(k)
            if row is None:
                area = "all" if f.area.level == FORCE else name
                row = rows[k] = Row(name, f.area.code, f.category.name)
                row.series_url = series_url(area, f.category.name, g.meta["source"])
                if f.area.level == BOROUGH and f.area.code:
                    row.area_url = urls.area(f.area.code)
                elif f.area.level == WARD:
                    row.area_url = urls.page(
                        "/grid",
                        as_of=as_of,
                        areas=areas,
                        categories=categories,
                        windows=windows,
                        vs=vs,
                        source=source,
                        area=name,
                    )
            row.cells[f.window.name] = words.change(d)
            row.raw[f.window.name] = d
        spans = [
            {
                "name": w["name"],
                "label": w["label"] if "label" in w else w["name"],
                "span": _span(w),
            }
            for w in g.meta["windows"]
        ]
        names = sorted({row.area for row in rows.values()})
        return GridView(spans, list(rows.values()), g.meta, names)

    return r.memo(key, compute)


PAGE_ROWS = 150  # rows of a grid page: ~2.5 KB of HTML each at three periods, < 500 KB


@dataclass(frozen=True)
class Pager:
    """Which slice of a long table a page shows, and the links to the others."""

    page: int
    pages: int
    first: int  # 1-based number of the first row shown (0 when there are none)
    last: int
    total: int
    links: dict[str, str]  # "first", "previous", "next", "last" -> URL, where they exist

    @property
    def cue(self) -> str:
        """ "Rows 201–400 of 8,827 (page 2 of 45)"."""
        from crimepulse.present import numbers

        shown = f"Rows {numbers.count(self.first)}–{numbers.count(self.last)}"
        return f"{shown} of {numbers.count(self.total)} (page {self.page} of {self.pages})"


def paginate(
    rows: list[T], page: int, url: Callable[[int], str], size: int | None = None
) -> tuple[list[T], Pager]:
    """One page of `rows` (`PAGE_ROWS` unless `size`; a page past the end shows the last)
    and its pager; `url(n)` is the link to page n."""
    size = size or PAGE_ROWS
    pages = max(1, -(-len(rows) // size))
    page = min(max(1, page), pages)
    start = (page - 1) * size
    shown = rows[start : start + size]
    links = {}
    if page > 1:
        links["first"], links["previous"] = url(1), url(page - 1)
    if page < pages:
        links["next"], links["last"] = url(page + 1), url(pages)
    first = start + 1 if shown else 0
    return shown, Pager(page, pages, first, start + len(shown), len(rows), links)


def sort_rows(view: GridView, sort: str, descending: bool) -> list[Row]:
    """Rows ordered by `area`, `category`, or `<window>:<current|change|change_pct|p_value>`."""
    if sort in ("area", "category"):
        return sorted(view.rows, key=lambda row: getattr(row, sort).lower(), reverse=descending)
    window, _, fld = sort.partition(":")
    if fld not in ("current", "change", "change_pct", "p_value"):
        return view.rows

    def value(row: Row) -> tuple[bool, float]:
        got = row.raw.get(window, {}).get(fld)
        return (got is None, -float(got) if (descending and got is not None) else float(got or 0))

    return sorted(view.rows, key=value)


def series_url(area: str, category: str, source: str | None = None) -> str:
    return urls.series(area=area, category=category, source=source)


def _span(window: dict[str, Any]) -> str:
    from crimepulse.present import numbers

    return numbers.span(str(window["start"]), str(window["end"]))


# -- series and map -------------------------------------------------------------------------


def series(r: Readers, area: str, category: str, source: str | None) -> dict[str, Any]:
    """One area × category month by month, with its chart, alt text and table rows."""
    from crimepulse.web import charts

    def compute() -> dict[str, Any]:
        question = Question(force=r.force, area=area, category=category, source=source or None)
        a = r.analysis()
        s = a.series(question).as_dict()
        where = words.place(s["area"])  # "London (Metropolitan Police area)", not the force
        if s["area"]["level"] == WARD:  # "Abbey (Merton)" where two boroughs have an Abbey
            where = selection.ward_specs(a.tables, r.force).get(s["area"]["code"], where)
        what = str(s["category"].get("label") or category).replace("-", " ").lower()
        title = f"{words.label(what)} in {where}"
        points = s["points"]
        return {
            **s,
            "title": title,
            "svg": charts.series_svg(title, points, s["breaks"]) if len(points) > 1 else "",
            "alt": charts.series_alt(f"{what} in {where}", points, s["breaks"]),
            "flagged": [p for p in points if p.get("outside")],
        }

    return r.memo(f"series|{area}|{category}|{source}", compute)


def map_view(
    r: Readers, as_of: str, category: str, window: str, measure: str, here: str | None = None
) -> dict[str, Any]:
    """Per-borough figures for the map and its table: count, change and (for the rate
    measure) crimes per 1,000 residents, with a label that gives the figures in words."""
    from crimepulse.present import numbers
    from crimepulse.snapshot import maps
    from crimepulse.web import charts

    def compute() -> dict[str, Any]:
        a = r.analysis()
        g = a.grid(
            GridQuestion(
                force=r.force, areas="boroughs", categories=category, windows=window, as_of=as_of
            )
        )
        rates = measures.rates_per_1000(a, g.facts) if measure == "rate" else {}
        rows = []
        for f in g.facts:
            if not f.area.code:
                continue  # "Unknown" and the airports have no place on a map
            row: dict[str, Any] = {"name": f.area.name, "code": f.area.code, **f.as_dict()}
            if measure == "rate":
                rate = rates[f.area.code]
                row["rate_per_1000"] = rate
                row["value"], row["figure"] = rate, numbers.rate(rate)
            elif measure == "count":
                row["value"], row["figure"] = f.current, numbers.count(f.current)
            else:
                row["value"], row["figure"] = f.change_pct, numbers.pct(f.change_pct)
            row["label"] = charts.borough_label(f.area.name, row, measure)
            row["change_view"] = words.change(row)
            rows.append(row)
        window_d = g.meta["windows"][0]
        geography = maps.geography(_Sql(r))
        title = f"{words.label(category)}, {numbers.span(window_d['start'], window_d['end'])}"
        return {"rows": rows, "geography": geography, "title": title, "window": window_d}

    found = r.memo(f"map|{as_of}|{category}|{window}|{measure}", compute)
    svg = r.memo(
        f"mapsvg|{as_of}|{category}|{window}|{measure}|{here}",
        lambda: charts.map_svg(found["rows"], found["geography"], found["title"], measure, here),
    )
    return {**found, "svg": svg}


class _Sql:
    """The one method `snapshot.maps` asks for (its `SqlSource`), on this thread's cursor
    (a DuckDB connection is not shared between threads)."""

    def __init__(self, r: Readers) -> None:
        self.r = r

    def sql(self, query: str) -> Any:
        return self.r.cursor().sql(query).to_arrow_table()


def flags(r: Readers, as_of: str, borough: str | None = None) -> dict[str, Any]:
    """Borough series outside their seasonal expectation in the as-of month (FDR-controlled
    over every borough and category), most surprising first; `note` says why there are
    none when the data cannot answer."""

    def compute() -> dict[str, Any]:
        try:
            found = r.analysis().flags(GridQuestion(force=r.force, as_of=as_of, source="mps"))
        except QuestionError as exc:
            return {"items": [], "note": str(exc)}
        items = []
        for f in found:
            d = f.as_dict()
            items.append(
                {
                    **d,
                    "view": words.change(d),
                    "series_url": series_url(f.area.name, f.category.name, "mps"),
                }
            )
        return {"items": items, "note": None}

    everything = r.memo(f"flags|{as_of}", compute)
    if borough is None:
        return everything
    mine = [i for i in everything["items"] if i["area"]["name"] == borough]
    return {**everything, "items": mine}
