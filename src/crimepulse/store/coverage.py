"""What the warehouse holds: per source × dataset × force (× area type), which months,
how many rows, how many quarantined, how many editions, and where the gaps are.

A gap is a month missing between a series' first and last month. A suspect month is one
whose total is far below the series' usual level (see warehouse.SUSPECT_SHARE); when a
sound edition of the month exists, the current view uses that one instead.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import duckdb

YEARLY = {"population", "national_counts"}  # datasets published per year, not per month


@dataclass
class MonthCoverage:
    month: str
    rows: int
    total: int
    editions: int
    suspect: bool
    batch_id: int


@dataclass
class Series:
    dataset: str
    source: str
    format: str
    force: str | None
    area_type: str | None
    first_month: str | None
    last_month: str | None
    months: int
    rows: int
    quarantined: int
    editions: int  # most editions (vintages) held for any one month
    latest_vintage: str
    gaps: list[str] = field(default_factory=list)  # "YYYY-MM" or "YYYY-MM..YYYY-MM"
    suspect_months: list[str] = field(default_factory=list)  # in the current view
    replaced_suspect_months: list[str] = field(default_factory=list)  # a sound edition used
    detail: list[MonthCoverage] = field(default_factory=list)
    # When the latest edition was ingested, and how its vintage was known: "given" (the
    # publisher's date, from --vintage) or "ingest time" (none given); "" when unrecorded.
    latest_ingested_at: str = ""
    dated_by: str = ""

    def as_dict(self, detail: bool = False) -> dict[str, object]:
        out = asdict(self)
        if not detail:
            out.pop("detail")
        return out


def _ym(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _next_month(d: date) -> date:
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def _ranges(months: list[date]) -> list[str]:
    """Collapse sorted consecutive months into "YYYY-MM..YYYY-MM" ranges."""
    out: list[str] = []
    start = prev = None
    for m in months:
        if start is None:
            start = prev = m
        elif prev is not None and m == _next_month(prev):
            prev = m
        else:
            out.append(_ym(start) if start == prev else f"{_ym(start)}..{_ym(prev)}")  # type: ignore[arg-type]
            start = prev = m
    if start is not None and prev is not None:
        out.append(_ym(start) if start == prev else f"{_ym(start)}..{_ym(prev)}")
    return out


def _gaps(months: list[date]) -> list[date]:
    if not months:
        return []
    have = set(months)
    out, m = [], months[0]
    while m <= months[-1]:
        if m not in have:
            out.append(m)
        m = _next_month(m)
    return out


def coverage(con: duckdb.DuckDBPyConnection) -> list[Series]:
    """Coverage of every series in the warehouse (a connection to it), in a stable order."""
    rows = con.execute(
        """
        WITH editions AS (
            SELECT dataset, source, format, force, area_type, month, count(*) AS editions,
                   bool_or(suspect) AS any_suspect
            FROM slice_status GROUP BY ALL
        )
        SELECT c.dataset, c.source, c.format, c.force, c.area_type, c.month, c.rows, c.total,
               e.editions, c.suspect, e.any_suspect, c.batch_id
        FROM current_slices c JOIN editions e
          ON c.dataset = e.dataset AND c.source = e.source AND c.format = e.format
         AND c.force IS NOT DISTINCT FROM e.force
         AND c.area_type IS NOT DISTINCT FROM e.area_type
         AND c.month IS NOT DISTINCT FROM e.month
        ORDER BY c.dataset, c.source, c.format, c.force, c.area_type, c.month NULLS FIRST
        """
    ).fetchall()
    dated = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'batch_dating'"
    ).fetchone()
    dating_table = (  # a warehouse of schema 3, opened read-only, has none: unrecorded
        "batch_dating"
        if dated and dated[0]
        else "(SELECT NULL::INTEGER AS batch_id, NULL::VARCHAR AS dated_by)"
    )
    per_batch = con.execute(
        "SELECT dataset, source, format, force, area_type, sum(rows_quarantined), max(vintage), "
        "arg_max(ingested_at, vintage), arg_max(coalesce(d.dated_by, ''), vintage) "
        f"FROM batches LEFT JOIN {dating_table} d USING (batch_id) GROUP BY ALL"
    ).fetchall()
    quarantined = {tuple(r[:5]): (int(r[5]), r[6]) for r in per_batch}
    dating = {
        tuple(r[:5]): (r[7].isoformat(timespec="seconds") if r[7] else "", str(r[8]))
        for r in per_batch
    }
    series: dict[tuple[object, ...], Series] = {}
    for (
        dataset,
        source,
        fmt,
        force,
        area_type,
        month,
        n,
        total,
        editions,
        suspect,
        any_s,
        bid,
    ) in rows:
        key = (dataset, source, fmt, force, area_type)
        s = series.get(key)
        if s is None:
            q, vintage = quarantined.get(key, (0, None))
            s = series[key] = Series(
                dataset, source, fmt, force, area_type, None, None, 0, 0, q, 0, str(vintage)
            )
            s.latest_ingested_at, s.dated_by = dating.get(key, ("", ""))
        s.rows += int(n)
        s.editions = max(s.editions, int(editions))
        if month is None:
            continue
        s.detail.append(MonthCoverage(_ym(month), int(n), int(total), int(editions), suspect, bid))
        if suspect:
            s.suspect_months.append(_ym(month))
        elif any_s:
            s.replaced_suspect_months.append(_ym(month))
    for s in series.values():
        months = [date.fromisoformat(d.month + "-01") for d in s.detail]
        s.months = len(months)
        if months:
            s.first_month, s.last_month = _ym(months[0]), _ym(months[-1])
        if s.dataset in YEARLY:
            years = sorted({m.year for m in months})
            s.gaps = (
                [str(y) for y in range(years[0], years[-1] + 1) if y not in years] if years else []
            )
        else:
            s.gaps = _ranges(_gaps(months))
    return list(series.values())


def quarantine_sample(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict[str, object]]:
    """The first quarantined rows, for showing what went wrong and where."""
    cursor = con.execute(
        "SELECT path, line, field, reason, raw FROM quarantine ORDER BY batch_id, line LIMIT ?",
        [limit],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


SYNTHETIC_SOURCE = "synthetic"  # the source of every batch read from `demo-data`'s folder


def synthetic(con: duckdb.DuckDBPyConnection) -> str | None:
    """Whether the warehouse holds the demo's synthetic data: "all" when every ingested
    batch is synthetic, "some" when only part is, None for real data only. Read from the
    batches' source (a reader marks a file synthetic when `demo-data`'s marker file sits
    beside it), so a demo deployment can say so on every page."""
    fake, every = con.execute(
        "SELECT count(*) FILTER (WHERE source = ?), count(*) FROM batches", [SYNTHETIC_SOURCE]
    ).fetchall()[0]
    if not fake:
        return None
    return "all" if fake == every else "some"
