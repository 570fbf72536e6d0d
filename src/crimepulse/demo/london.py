"""A calibrated synthetic London, written in the real open formats, for the demo.

The project ships no real data, yet every reader, analysis and snapshot must be exercised
end to end. So `generate` writes files byte-compatible with what data.police.uk and the
London Datastore publish, plus a force's daily incident feed, borough populations and an
operational outcomes log. The work is split by concern: `calibration` holds the numbers
measured once on the real MPS tables, `geography` the boroughs, LSOAs and coordinates,
`records` draws the records, `writers` writes the formats; this module runs them in a
fixed order from one seed (same seed, same bytes). Every record-level crime is drawn from
the borough-table cell it belongs to, so street, feed and borough views of the same month
agree exactly. An empty marker file tells the ingest pipeline that everything under the
output folder is synthetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from crimepulse.core.reference.london import CITY_OF_LONDON
from crimepulse.demo.calibration import last_full_month, month_number, month_text
from crimepulse.demo.geography import build_geography, met_codes
from crimepulse.demo.records import (
    borough_counts,
    city_crimes,
    met_crimes,
    operational_events,
    populations,
    stop_searches,
)
from crimepulse.demo.writers import (
    BOROUGH_TABLE_NAME,
    CITY,
    MET,
    write_borough_table,
    write_feed,
    write_oplog,
    write_outcomes,
    write_population,
    write_stop_search,
    write_street,
)
from crimepulse.sources.files import SYNTHETIC_MARKER

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class GenerationSummary:
    """What generate() wrote: every file, and row counts per kind (for the CLI and tests)."""

    out_dir: Path
    start: str
    end: str
    detail_months: list[str]
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


# --- Entry point --------------------------------------------------------------------------


def generate(
    out_dir: Path,
    seed: int = 7,
    start: str = "2018-01",
    end: str | None = None,
    detail_months: int = 12,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write a synthetic London in the real open formats under `out_dir`.

    `end` defaults to the last full month before today. The borough table covers
    start..end; record-level files (street, outcomes, stop and search, daily feed, ops
    log) cover only the final `detail_months`, which keeps the demo quick to build while
    giving the analysis years of monthly history. Same seed, same bytes.
    """
    first = month_number(start)
    last = month_number(end or last_full_month(date.today()))
    if last < first:
        raise ValueError(f"end {end!r} is before start {start!r}")
    report = progress or (lambda stage, done, total: None)
    months = np.arange(first, last + 1)
    detail = months[max(0, len(months) - max(0, detail_months)) :]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SYNTHETIC_MARKER).touch()
    summary = GenerationSummary(
        out, month_text(first), month_text(last), [month_text(int(m)) for m in detail]
    )
    seeds = np.random.SeedSequence(seed).spawn(8)
    rngs = [np.random.default_rng(s) for s in seeds]

    def wrote(kind: str, path: Path, rows: int) -> None:
        summary.files.append(path)
        summary.rows[kind] = summary.rows.get(kind, 0) + rows

    codes = met_codes()
    report("borough table", 0, 1)
    counts = borough_counts(rngs[0], months, codes)
    table = out / "mps" / BOROUGH_TABLE_NAME
    wrote("borough-table", table, write_borough_table(table, months, codes, counts))
    report("borough table", 1, 1)

    geo = build_geography(rngs[1], codes, 1)
    city_geo = build_geography(rngs[1], [CITY_OF_LONDON], 1 + int(geo.lsoa_start[-1]))
    report("crimes", 0, 1)
    crimes, events = met_crimes(rngs[2], geo, detail, counts[len(months) - len(detail) :])
    city, _ = city_crimes(rngs[3], city_geo, detail)
    report("crimes", 1, 1)

    steps = len(detail)
    for i, month in enumerate(detail):
        text = month_text(int(month))
        folder = out / "policeuk" / text
        report("police.uk files", i, steps)
        path = folder / f"{text}-metropolitan-street.csv"
        wrote("street", path, write_street(path, crimes, geo, i, text, MET))
        path = folder / f"{text}-city-of-london-street.csv"
        wrote("city-street", path, write_street(path, city, city_geo, i, text, CITY))
        path = folder / f"{text}-metropolitan-outcomes.csv"
        wrote("outcomes", path, write_outcomes(path, crimes, geo, events, i, text))
        path = folder / f"{text}-metropolitan-stop-and-search.csv"
        wrote(
            "stop-and-search",
            path,
            write_stop_search(path, stop_searches(rngs[4], geo, int(month))),
        )
    report("police.uk files", steps, steps)

    report("feed and logs", 0, 3)
    path = out / "feed" / "incidents.csv"
    wrote("feed", path, write_feed(path, crimes, geo, detail))
    report("feed and logs", 1, 3)
    path = out / "oplog" / "operational-outcomes.csv"
    wrote("oplog", path, write_oplog(path, operational_events(rngs[5], detail)))
    report("feed and logs", 2, 3)
    path = out / "population" / "borough-population.csv"
    wrote("population", path, write_population(path, populations(rngs[6], first // 12, last // 12)))
    report("feed and logs", 3, 3)
    return summary
