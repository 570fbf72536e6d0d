"""The "How to read these figures" box: only the caveats that touch the Facts used.

Sources and their vintages come from the Facts; missing and suspect months from the
warehouse's coverage report (`cp.sources()`), kept only where they fall inside a window
a Fact counted or compared with; series breaks (the MPS change of recording system in
February 2024) only when a Fact's windows straddle them; synthetic data whenever a Fact
was counted from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from crimepulse.present import numbers
from crimepulse.store.coverage import Series
from crimepulse.store.warehouse import DATED_BY_INGEST

SOURCE_LABELS = {
    "mps": "MPS recorded crime by borough (London Datastore), published monthly",
    "police.uk": "data.police.uk street-level crime, published monthly",
    "feed": "the force's daily incident feed",
    "oplog": "the force's operational outcomes log (approved entries only)",
    "national": "Home Office police recorded crime for England and Wales, by offence group "
    "and financial year, less the force's own count",
}
# (source family, first month of the new series, what changed)
SERIES_BREAKS = (
    (
        "mps",
        date(2024, 2, 1),
        "The Met moved to a new crime recording system in February 2024, and the MPS "
        "tables changed with it; figures from before and after are not fully comparable, "
        "so treat changes across that month with care.",
    ),
)
# warehouse coverage series each source family is counted from
_COVERAGE = {
    "mps": ("counts", "mps-borough"),
    "police.uk": ("crimes", "police.uk street"),
    "feed": ("crimes", "daily incident feed"),
}


@dataclass(frozen=True)
class Span:
    start: date
    end: date


def _windows(fact: dict[str, Any]) -> list[Span]:
    out = [
        Span(date.fromisoformat(fact["window"]["start"]), date.fromisoformat(fact["window"]["end"]))
    ]
    comparison = fact.get("comparison") or {}
    others = comparison.get("windows") or (
        [comparison["window"]] if comparison.get("window") else []
    )
    for w in others:
        out.append(Span(date.fromisoformat(w["start"]), date.fromisoformat(w["end"])))
    return out


def _months_in(text: str) -> list[date]:
    """ "2024-03" or "2024-03..2024-05" -> first days of those months."""
    first, _, last = text.partition("..")
    start = date.fromisoformat(first + "-01")
    end = date.fromisoformat((last or first) + "-01")
    out, m = [], start
    while m <= end:
        out.append(m)
        m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
    return out


def _touched(month: date, windows: list[Span]) -> bool:
    return any(w.start <= month <= w.end for w in windows)


def _edition(family: str, when: str, coverage: list[Series]) -> str:
    """The edition's date as the publisher's, with the ingest time apart; or, where no
    publisher's date was given at ingest, the ingest time said to be only that."""
    dataset, fmt = _COVERAGE.get(family, ("", ""))
    held = [s for s in coverage if s.dataset == dataset and s.format == fmt and s.dated_by]
    ingested = sorted({s.latest_ingested_at[:10] for s in held if s.latest_ingested_at})
    if not held or not ingested:
        return f"edition of {when}"
    on = ", ".join(numbers.day(d) for d in ingested)
    if any(s.dated_by == DATED_BY_INGEST for s in held):
        return (
            f"ingested on {on}; no publisher's date was recorded, so this edition is dated "
            "only by its ingest time: ingest with --vintage to give it"
        )
    return f"edition of {when}, the publisher's date; ingested on {on}"


def caveats(
    facts: list[dict[str, Any]], coverage: list[Series], force: str, extra: list[str]
) -> list[str]:
    """Plain-language caveats, most important first (no numbers from Facts in them)."""
    out: list[str] = []
    families = list(dict.fromkeys(f["source"] for f in facts))
    synthetic = any(s.get("source") == "synthetic" for f in facts for s in f.get("sources", []))
    if synthetic:
        out.append(
            "These figures are synthetic: they were made up by crimepulse's demo generator to "
            "look like London, and describe no real crime."
        )
    out.extend(extra)
    for family in families:
        label = SOURCE_LABELS.get(family, family)
        vintages = sorted(
            {
                str(s.get("vintage", ""))[:10]
                for f in facts
                if f["source"] == family
                for s in f.get("sources", [])
            }
        )
        names = sorted(
            {str(s.get("source")) for f in facts if f["source"] == family for s in f["sources"]}
        )
        when = ", ".join(numbers.day(v) for v in vintages if v)
        out.append(f"Source: {label} ({', '.join(names)}; {_edition(family, when, coverage)}).")
    spans: dict[str, list[Span]] = {}
    for f in facts:
        spans.setdefault(f["source"], []).extend(_windows(f))
    for family, windows in spans.items():
        if family not in _COVERAGE:
            continue
        dataset, fmt = _COVERAGE[family]
        for s in coverage:
            if s.dataset != dataset or s.format != fmt or s.force != force:
                continue
            if family == "mps" and s.area_type not in (None, "borough"):
                continue
            gaps = [g for g in s.gaps if any(_touched(m, windows) for m in _months_in(g))]
            suspect = [
                m for m in s.suspect_months if _touched(date.fromisoformat(m + "-01"), windows)
            ]
            if gaps:
                shown = ", ".join(numbers.month(g[:7] + "-01") for g in gaps)
                out.append(
                    f"{SOURCE_LABELS[family].split(',')[0]} has no figures for {shown}; "
                    "comparisons that would need them were not made."
                )
            if suspect:
                shown = ", ".join(numbers.month(m + "-01") for m in suspect)
                out.append(
                    f"{shown} in {SOURCE_LABELS[family].split(',')[0]} looks incomplete (far "
                    "below the series' usual level), as the first month of a rolling table "
                    "often is; it was left out where a sound edition was not available."
                )
    for family, first, text in SERIES_BREAKS:
        windows = spans.get(family, [])
        if windows and min(w.start for w in windows) < first <= max(w.end for w in windows):
            out.append(text)
    if any(f.get("small_counts") for f in facts):
        out.append(
            "Some counts are small: a few more or fewer make a large percentage, and the "
            "text says so where it matters."
        )
    out.append(
        "A change is called a rise or a fall only when it is bigger than the series' usual "
        "variation: how much the same period moved between earlier years (up to 8 of them), "
        "tested at p < 0.05 (for the borough map and the headline, after controlling the "
        "false discovery rate). ± figures give that usual variation: about two ordinary "
        "years in three move by less. Other changes are described as within (or not "
        "clearly beyond) the usual variation, however large the percentage looks; where "
        "there are fewer than three earlier years there is too little history to judge, "
        "and the text says so. Where two periods differ in length they are compared per day. "
        "Each number links to the Fact it comes from: the source, the edition, the test "
        "(with the exact Poisson test as a second opinion: whether the counts differ beyond "
        "chance, a weaker claim) and the query."
    )
    return out
