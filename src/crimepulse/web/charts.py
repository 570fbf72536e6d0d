"""The pages' charts, drawn by the snapshot's chart functions (`snapshot.figures`).

One charting layer for the whole project: this module only adapts what a page has (a
monthly series, a grid of boroughs) into the Fact dictionaries the snapshot's Altair specs
read, adds what a page needs on top of them (series breaks and flagged months; a value
scale; a link, a label and keyboard focus on each borough), and renders with the same
cached vl-convert call. SVG comes back inline, with no reference to anything outside it.
"""

from __future__ import annotations

import re
from typing import Any

from crimepulse.present import numbers, words
from crimepulse.snapshot import figures
from crimepulse.snapshot.model import Chart
from crimepulse.web.urls import urls

SERIES_WIDTH = 640


def _render(spec: dict[str, Any]) -> str:
    out = figures._svg(figures._key(spec))
    return out[out.index("<svg") :]


# -- the series chart ---------------------------------------------------------------------


def series_facts(points: list[dict[str, Any]]) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Fact-shaped dictionaries for `figures.trend_spec`: each month's count (with the same
    month a year before) and, where the series has one, its expected band."""
    by_period = {p["period"]: p["count"] for p in points}
    ids: list[str] = []
    facts: dict[str, dict[str, Any]] = {}
    for p in points:
        start = p["period"]
        year_before = f"{int(start[:4]) - 1}{start[4:]}"
        count_id = f"c-{start}"
        facts[count_id] = {
            "id": count_id,
            "measure": "count",
            "window": {"start": start},
            "current": p["count"],
            "previous": by_period.get(year_before),
        }
        ids.append(count_id)
        if p.get("expected") is not None:
            above = p["count"] > p["high"]
            verdict = (words.UP if above else words.DOWN) if p.get("outside") else words.NO_CHANGE
            band_id = f"e-{start}"
            facts[band_id] = {
                "id": band_id,
                "measure": "expected count",
                "window": {"start": start},
                "value": p["expected"],
                "ci_low": p["low"],
                "ci_high": p["high"],
                "current": p["count"],
                "verdict": verdict,
            }
            ids.append(band_id)
    return ids, facts


def series_svg(title: str, points: list[dict[str, Any]], breaks: list[dict[str, str]]) -> str:
    """The snapshot's trend chart over the whole series, with flagged months ringed in red
    and each break in the series drawn as a labelled vertical rule."""
    ids, facts = series_facts(points)
    spec = figures.trend_spec(Chart("series", "trend", title, ids, []), facts)
    spec["width"] = SERIES_WIDTH
    flagged = [
        {"month": p["period"], "count": p["count"]} for p in points if p.get("outside") is True
    ]
    x = {"field": "month", "type": "temporal"}
    if flagged:
        spec["layer"].append(
            {
                "data": {"values": flagged},
                "mark": {"type": "point", "shape": "circle", "size": 110, "strokeWidth": 2.5},
                "encoding": {
                    "x": x,
                    "y": {"field": "count", "type": "quantitative"},
                    "color": {"value": figures.RISE},
                },
            }
        )
    if breaks:
        rows = [{"month": b["period"], "label": "break in series"} for b in breaks]
        spec["layer"] += [
            {
                "data": {"values": rows},
                "mark": {"type": "rule", "strokeDash": [2, 2], "color": figures.INK},
                "encoding": {"x": x},
            },
            {
                "data": {"values": rows},
                "mark": {"type": "text", "align": "left", "dx": 4, "dy": -6, "fontSize": 11},
                "encoding": {"x": x, "y": {"value": 0}, "text": {"field": "label"}},
            },
        ]
    return _render(spec)


def series_alt(label: str, points: list[dict[str, Any]], breaks: list[dict[str, str]]) -> str:
    """The chart in words (the snapshot's `trend_alt`, with the breaks added)."""
    ids, facts = series_facts(points)
    counts = [facts[i] for i in ids if facts[i]["measure"] == "count"]
    expected = [facts[i] for i in ids if facts[i]["measure"] == "expected count"]
    if not counts:
        return f"No published months of {label}."
    spans = figures.trend_alt(facts, counts, expected, label)
    text = "".join(s.render(facts) for s in spans)
    for b in breaks:
        text += f" From {numbers.month(b['period'])}: {b['note']}"
    return text


# -- the map ------------------------------------------------------------------------------

# The verdict colours of the pages' map: a rise dark, a fall light, so the two differ in
# lightness as well as hue (relative-luminance contrast 3.1:1 or more after simulated
# protanopia or deuteranopia; the snapshot's red and green differ by 1.1-1.5:1). Labels on
# a dark tile are white, on every other tile ink.
MAP_RISE, MAP_FALL = "#9c2f1b", "#7cc4b2"
MAP_VERDICT_COLOURS = [MAP_RISE, MAP_FALL, figures.FLAT, figures.NO_HISTORY]

MEASURES = {
    "change": "change against the same period last year",
    "count": "crimes recorded",
    "rate": "crimes per 1,000 residents",
}


def map_svg(
    rows: list[dict[str, Any]],
    geography: dict[str, Any],
    title: str,
    measure: str,
    here: str | None = None,
) -> str:
    """The snapshot's borough map (tile grid, or boundaries when loaded), coloured by the
    verdict of the change or, for a count or a rate, by the value; every borough a link to
    its area page whose label and tooltip give its figures, so hover and keyboard focus
    both tell the reader what the colour means. `here` outlines one borough."""
    facts = {r["code"]: {"area": {"code": r["code"]}, **r} for r in rows}
    chart = Chart("map", "map", title, list(facts), [], {"geography": geography})
    spec = figures.map_spec(chart, facts)
    tiles = geography["kind"] == "tiles"
    prefix = "" if tiles else "properties."
    extra = {r["code"]: r for r in rows}
    values = spec["data"]["values"]
    for item in values:
        target = item if tiles else item["properties"]
        row = extra.get(target["code"])
        target["url"] = urls.area(target["code"])
        target["label"] = row["label"] if row else f"{target['name']}: no figure"
        target["value"] = row.get("value") if row else None
        target["figure"] = row.get("figure", "") if row else ""
    shapes = spec["layer"][0] if tiles else spec
    encoding = shapes["encoding"]
    encoding["href"] = {"field": f"{prefix}url", "type": "nominal"}
    encoding["description"] = {"field": f"{prefix}label", "type": "nominal"}
    if measure == "change":
        encoding["color"]["scale"]["range"] = MAP_VERDICT_COLOURS
    else:
        encoding["stroke"] = {"value": "white"}  # the outline marks a verdict, not a value
        encoding["color"] = {
            "field": f"{prefix}value",
            "type": "quantitative",
            "title": MEASURES[measure],
            "scale": {"range": ["#eef3f7", "#1d4f73"]},
            "legend": {"orient": "bottom", "labelColor": figures.INK, "gradientLength": 240},
        }
    if tiles:
        top = max((r.get("value") or 0 for r in rows), default=0)
        dark = (
            f"datum.verdict == '{figures.VERDICTS[0]}'"
            if measure == "change"
            else f"datum.value > {top * 0.55}"
        )
        for layer in spec["layer"][1:]:
            layer["mark"]["aria"] = False
            layer["encoding"]["color"] = {
                "condition": {"test": dark, "value": "white"},
                "value": figures.INK,
            }
        spec["layer"][2]["encoding"]["text"] = {"field": "figure", "type": "nominal"}
    return _focusable(_render(spec), here)


_LINK = re.compile(
    r'<a xlink:href="[^"]*?(/area/(E\d{8}))"><path aria-label="([^"]*)" '
    r'role="graphics-symbol" aria-roledescription="[^"]*"'
)


def _focusable(svg: str, here: str | None) -> str:
    """Each borough's <a> gets a local href, its label (read on focus), a <title> (shown on
    hover) and a class for the focus style; the SVG itself becomes one labelled group."""

    def link(m: re.Match[str]) -> str:
        url, code, label = m.group(1), m.group(2), m.group(3)
        mark = " here" if code == here else ""
        return (
            f'<a href="{url}" class="borough{mark}" aria-label="{label}" data-code="{code}">'
            f'<title>{label}</title><path aria-hidden="true"'
        )

    svg = _LINK.sub(link, svg)
    return svg.replace("<svg ", '<svg role="group" focusable="false" ', 1)


def borough_label(name: str, row: dict[str, Any], measure: str) -> str:
    """What a reader hears or sees for one borough: its figure, both counts, the verdict
    and the borough's usual range (or why there is no verdict)."""
    c = words.change(row)
    if c.verdict == words.NOT_ENOUGH_HISTORY:
        verdict = f"{words.TOO_LITTLE_HISTORY} ({words.history_reason(row)})"
    else:
        verdict = f"{c.words}, {c.variation}" + (f" ({c.usual})" if c.usual else "")
    parts = [f"{name}: {c.current} crimes against {c.previous} ({c.pct}), {verdict}"]
    if measure == "rate" and row.get("rate_per_1000") is not None:
        parts.insert(1, f"{numbers.rate(row['rate_per_1000'])} per 1,000 residents")
    return "; ".join(parts)  # Vega escapes it when it writes the SVG
