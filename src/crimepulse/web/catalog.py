"""What the non-grid pages show: the outcomes log's weekly figures, the snapshot archive,
and the data behind everything (coverage, vintages, gaps, caveats).

These read the log's database (cheap, and changing as units record), so unlike the grid
they are not memoised.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from crimepulse.analysis.timeseries import BREAKS
from crimepulse.oplog import OutcomesLog
from crimepulse.present import numbers, words
from crimepulse.snapshot.archive import SnapshotStore
from crimepulse.store.coverage import coverage
from crimepulse.web.routes.public_api import Readers

BY = {"event_type": "Event type", "theme": "Theme", "unit": "Unit", "borough": "Borough"}
BASELINES = {
    "previous_4_weeks": "the previous 4 weeks' average",
    "previous_13_weeks": "the previous 13 weeks' average",
    "same_week_last_year": "the same week last year",
}


def operations(log: OutcomesLog, week: str | None, by: str) -> dict[str, Any]:
    """One ISO week's approved figures per group, each compared three ways."""
    report = log.weekly(week or None, [by]).as_dict()
    rows = []
    for row in report["rows"]:
        comparisons: dict[str, dict[str, Any] | None] = {}
        for key, c in row["comparisons"].items():
            if c is None:
                comparisons[key] = None
                continue
            fact = {
                "current": row["count"],
                "previous": c["baseline_mean"],
                "change_pct": c["change_pct"],
                "verdict": c["direction"],
                "small_counts": c["small_counts"],
                "p_value": c["p_value"],
                "comparison": {"kind": BASELINES[key]},
                "stats": {
                    "change_basis": words.PER_WEEK,
                    "dispersion": c.get("dispersion"),
                    "poisson_p_value": c.get("poisson_p_value"),
                    "poisson_verdict": c.get("poisson_direction"),
                },
            }
            view = words.change(fact)
            comparisons[key] = {"view": view, "mean": numbers.mean(c["baseline_mean"])}
        name = row["group"][by] or "(none)"
        rows.append({**row, "name": words.label(name.replace("_", " ")), "cmp": comparisons})
    return {**report, "rows": rows, "weeks": recent_weeks(report)}


def recent_weeks(report: dict[str, Any], n: int = 26) -> list[str]:
    """ISO weeks to pick from: the report's week and the 25 before it."""
    end = date.fromisoformat(report["start"])
    out = []
    for i in range(n):
        year, week, _ = (end - timedelta(weeks=i)).isocalendar()
        out.append(f"{year}-W{week:02d}")
    return out


def operations_csv(report: dict[str, Any], by: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    header = [by, "week", "events", "count", "crimes_solved"]
    for key in BASELINES:
        header += [f"{key}_mean", f"{key}_change_pct", f"{key}_p_value", f"{key}_verdict"]
    writer.writerow(header)
    for row in report["rows"]:
        line = [row["group"][by], row["week"], row["events"], row["count"], row["crimes_solved"]]
        for key in BASELINES:
            c = row["comparisons"].get(key)
            line += (
                [c["baseline_mean"], c["change_pct"], c["p_value"], c["direction"]]
                if c
                else ["", "", "", "not available"]
            )
        writer.writerow(line)
    return out.getvalue()


# -- snapshots --------------------------------------------------------------------------


def archive(log: OutcomesLog, area: str | None = None) -> list[dict[str, Any]]:
    """Published snapshots, newest first, each with its versions and corrections."""
    store = SnapshotStore(log)
    items = store.archive()
    records = {r.id: r for r in store.list(status="published")}
    out = []
    for item in items:
        if area and item["area"].lower() not in ("all", area.lower()):
            continue
        same = [
            r.as_dict()
            for r in records.values()
            if r.series == item["series"] and r.as_of.isoformat() == item["as_of"]
        ]
        item["history"] = sorted(same, key=lambda r: r["version"])
        item["when"] = numbers.day(item["as_of"])
        out.append(item)
    return sorted(out, key=lambda i: (i["as_of"], i["id"]), reverse=True)


def archive_csv(items: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    fields = ["id", "series", "period", "theme", "area", "as_of", "version", "title"]
    fields += ["published_at", "correction_note", "supersedes"]
    writer = csv.DictWriter(out, fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(items)
    return out.getvalue()


# -- data -------------------------------------------------------------------------------


def data(r: Readers) -> dict[str, Any]:
    """Coverage of every series, the known breaks, and what the warehouse says about itself."""
    cur = r.cursor()
    series = [s.as_dict() for s in coverage(cur)]
    quarantined = cur.execute("SELECT count(*) FROM quarantine").fetchall()[0][0]
    synthetic = any(s["source"] == "synthetic" for s in series)
    breaks = [{"source": k, "month": numbers.month(b.isoformat()), "note": n} for k, b, n in BREAKS]
    return {
        "series": series,
        "quarantined": int(quarantined),
        "synthetic": synthetic,
        "breaks": breaks,
    }
