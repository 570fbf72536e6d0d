"""Charts drawn from Facts, server-side: Altair specs rendered by vl-convert (no browser,
no network) to SVG for HTML and PNG for PDF and social posts, each with alt text that
states the same Facts in words.

The trend chart: each month's count, the same month a year before, and the seasonal
expected band. The map: every borough coloured by the verdict of its change (a rise or
fall only when bigger than the borough's usual variation, after FDR control; an outlined
empty shape where there was too little history to judge), labelled with the change on
the tile grid.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from crimepulse.present import numbers, words
from crimepulse.snapshot.model import Chart, Sentence, Span

if TYPE_CHECKING:
    import altair as alt

WIDTH, HEIGHT = 620, 260
INK, GREY, BAND, RISE, FALL, FLAT = "#1d2b36", "#8a949c", "#dbe4ea", "#b8452f", "#2f7d6d", "#e3e6e8"
FONT = "DejaVu Sans"
NO_HISTORY = "#ffffff"  # too little history to judge: an empty tile, outlined
# The map's legend, one entry per verdict (present.words' meaning, in a legend's words).
VERDICTS = [
    "rise beyond its usual variation",
    "fall beyond its usual variation",
    "no meaningful change",
    words.TOO_LITTLE_HISTORY,
]
_LEGEND_OF = {
    words.UP: VERDICTS[0],
    words.DOWN: VERDICTS[1],
    words.NOT_ENOUGH_HISTORY: VERDICTS[3],
}


# -- alt text (words only where a Fact gives the number) -------------------------------------


def trend_alt(
    facts: dict[str, dict[str, Any]],
    counts: list[dict[str, Any]],
    expected: list[dict[str, Any]],
    label: str,
) -> Sentence:
    first = numbers.month(counts[0]["window"]["start"])
    last = counts[-1]
    latest = numbers.month(last["window"]["start"])
    spans: Sentence = [
        Span(
            f"Line chart of {label}, month by month, from {first} to {latest}. "
            f"In {latest} there were "
        ),
        Span(fact=last["id"], field="current", style="count"),
        Span(", against "),
        Span(fact=last["id"], field="previous", style="count"),
        Span(" in the same month a year before."),
    ]
    if expected and expected[-1]["window"]["start"] == last["window"]["start"]:
        e = expected[-1]
        spans += [
            Span(" The range expected for the time of year was "),
            Span(fact=e["id"], field="ci_low", style="count"),
            Span(" to "),
            Span(fact=e["id"], field="ci_high", style="count"),
            Span("."),
        ]
    outside = [e for e in expected if words.meaningful(e["verdict"])]
    for e in outside[-3:]:
        where = "above" if e["verdict"] == words.UP else "below"
        spans += [
            Span(f" {numbers.month(e['window']['start'])} was {where} its expected range ("),
            Span(fact=e["id"], field="current", style="count"),
            Span(")."),
        ]
    if not outside:
        spans.append(Span(" No month shown was outside its expected range."))
    return spans


def map_alt(
    facts: dict[str, dict[str, Any]], ids: list[str], label: str, when: str, place: str
) -> Sentence:
    spans: Sentence = [
        Span(
            f"Map of {place}'s boroughs coloured by the change in {label} in {when} against "
            "the year before."
        )
    ]
    for verdict, lead in ((words.UP, "A meaningful rise in"), (words.DOWN, "A meaningful fall in")):
        chosen = [i for i in ids if facts[i]["verdict"] == verdict and facts[i]["area"].get("code")]
        if not chosen:
            continue
        spans.append(Span(f" {lead} "))
        for n, i in enumerate(chosen):
            sep = "" if n == 0 else (" and " if n == len(chosen) - 1 else ", ")
            spans += [
                Span(f"{sep}{facts[i]['area']['name']} ("),
                Span(fact=i, field="change_pct", style="pct"),
                Span(")"),
            ]
        spans.append(Span("."))
    unjudged = [
        facts[i]["area"]["name"]
        for i in ids
        if facts[i]["verdict"] == words.NOT_ENOUGH_HISTORY and facts[i]["area"].get("code")
    ]
    if unjudged:
        spans.append(Span(f" {words.TOO_LITTLE_HISTORY.capitalize()} in {_listed(unjudged)}."))
    rest = "Elsewhere" if len(spans) > 1 else "In every borough"
    spans.append(
        Span(f" {rest} the change is not beyond the borough's usual year-to-year variation.")
    )
    return spans


def _listed(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# -- specs -----------------------------------------------------------------------------------


def _config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure(font=FONT)
        .configure_view(stroke=None)
        .configure_axis(labelColor=INK, titleColor=INK, gridColor="#eef1f3", domainColor=GREY)
    )


def trend_spec(chart: Chart, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    import altair as alt

    rows = []
    by_month: dict[str, dict[str, Any]] = {}
    for i in chart.facts:
        f = facts[i]
        row = by_month.setdefault(f["window"]["start"], {"month": f["window"]["start"]})
        if f["measure"] == "expected count":
            row.update(expected=f["value"], low=f["ci_low"], high=f["ci_high"])
        else:
            row.update(count=f["current"], last_year=f["previous"])
    rows = [by_month[k] for k in sorted(by_month)]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    )
    band = base.mark_area(color=BAND).encode(y=alt.Y("low:Q", title="crimes a month"), y2="high:Q")
    expected = base.mark_line(color=GREY, strokeDash=[4, 3]).encode(y="expected:Q")
    last_year = base.mark_line(color=GREY, strokeWidth=1.2, opacity=0.8).encode(y="last_year:Q")
    count = base.mark_line(
        color=INK, strokeWidth=2.2, point=alt.OverlayMarkDef(color=INK, size=18)
    ).encode(y="count:Q")
    title = alt.TitleParams(
        chart.title,
        subtitle=[
            "Dark line: crimes recorded. Dashed: expected for the time of year, its 95% range "
            "shaded. Grey: the same month a year before."
        ],
        anchor="start",
        color=INK,
        subtitleColor=GREY,
    )
    layered = alt.layer(band, expected, last_year, count).properties(
        width=WIDTH, height=HEIGHT, title=title
    )
    spec: dict[str, Any] = _config(layered).to_dict(validate=False)
    return spec


def map_spec(chart: Chart, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    import altair as alt

    by_code: dict[str, dict[str, Any]] = {}
    for i in chart.facts:
        f = facts[i]
        verdict = _LEGEND_OF.get(str(f["verdict"]), VERDICTS[2])
        by_code[str(f["area"]["code"])] = {
            "verdict": verdict,
            "change": numbers.fmt(f["change_pct"], "pct"),
        }
    geography = chart.extra["geography"]
    field = "properties.verdict:N" if geography["kind"] == "boundaries" else "verdict:N"
    colour = alt.Color(
        field,
        title=None,
        scale=alt.Scale(domain=VERDICTS, range=[RISE, FALL, FLAT, NO_HISTORY]),
        legend=alt.Legend(
            orient="bottom", labelColor=INK, symbolStrokeColor=GREY, symbolStrokeWidth=1
        ),
    )
    # a borough with too little history is an outlined empty shape, not a grey one
    outline = alt.condition(
        f"datum.{'properties.' if geography['kind'] == 'boundaries' else ''}verdict == "
        f"'{VERDICTS[3]}'",
        alt.value(GREY),
        alt.value("white"),
    )
    title = alt.TitleParams(chart.title, anchor="start", color=INK)
    if geography["kind"] == "boundaries":
        features = []
        for feature in geography["features"]:
            props = {**feature["properties"], **by_code.get(feature["properties"]["code"], {})}
            props.setdefault("verdict", "no figure")
            features.append({**feature, "properties": props})
        data = alt.Data(values=features)
        shapes = (
            alt.Chart(data)
            .mark_geoshape(strokeWidth=0.7)
            .encode(color=colour, stroke=outline)
            .project(type="mercator")
            .properties(width=WIDTH, height=round(WIDTH * 0.72), title=title)
        )
        spec: dict[str, Any] = _config(shapes).to_dict(validate=False)
        return spec
    rows = [
        {**t, **by_code.get(t["code"], {"verdict": "no figure", "change": ""})}
        for t in geography["tiles"]
    ]
    size = 62
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("col:O", axis=None, scale=alt.Scale(domain=list(range(8)))),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(domain=list(range(7)))),
    )
    squares = base.mark_square(size=size * size * 0.82, opacity=1, strokeWidth=1).encode(
        color=colour, stroke=outline
    )
    plain = " || ".join(f"datum.verdict == '{v}'" for v in [*VERDICTS[2:], "no figure"])
    ink = alt.condition(plain, alt.value(INK), alt.value("white"))
    short = base.mark_text(dy=-8, fontSize=12, fontWeight="bold").encode(text="short:N", color=ink)
    change = base.mark_text(dy=9, fontSize=10).encode(text="change:N", color=ink)
    layered = alt.layer(squares, short, change).properties(
        width=size * 8, height=size * 7, title=title
    )
    tile_spec: dict[str, Any] = _config(layered).to_dict(validate=False)
    return tile_spec


def spec(chart: Chart, facts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return trend_spec(chart, facts) if chart.kind == "trend" else map_spec(chart, facts)


# -- rendering -------------------------------------------------------------------------------


def svg(chart: Chart, facts: dict[str, dict[str, Any]]) -> str:
    """The chart as an SVG document (text as <text>, no external references)."""
    return _svg(_key(spec(chart, facts)))


def png(chart: Chart, facts: dict[str, dict[str, Any]], scale: float = 1.5) -> bytes:
    return _png(_key(spec(chart, facts)), scale)


def _key(s: dict[str, Any]) -> str:
    import json

    return json.dumps(s, sort_keys=True)


@lru_cache(maxsize=16)
def _svg(spec_json: str) -> str:
    import vl_convert as vlc

    out: str = vlc.vegalite_to_svg(spec_json)
    return out


@lru_cache(maxsize=16)
def _png(spec_json: str, scale: float) -> bytes:
    import vl_convert as vlc

    out: bytes = vlc.vegalite_to_png(spec_json, scale=scale)
    return out
