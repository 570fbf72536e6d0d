"""HTML (self-contained: inline CSS and SVG, no external requests) and PDF (WeasyPrint,
A4, paginated, fonts embedded) from one Jinja template. Each number is a link to its
Fact in the "Facts behind the numbers" list, whose entry names source, edition and test.
"""

from __future__ import annotations

import base64
from functools import cache
from html import escape
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from crimepulse.snapshot import figures
from crimepulse.snapshot.model import Sentence, Snapshot
from crimepulse.snapshot.text import block_spans, fact_note, subtitle

KICKERS = {"week": "Weekly snapshot", "month": "Monthly snapshot", "year": "Annual snapshot"}


@cache
def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("crimepulse.snapshot", "templates")
    return jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True)


@cache
def _css() -> str:
    return resources.files("crimepulse.snapshot").joinpath("templates/snapshot.css").read_text()


def spans_html(snapshot: Snapshot, spans: Sentence) -> Markup:
    out = []
    for s in spans:
        text = escape(s.render(snapshot.facts))
        if s.fact:
            out.append(f'<a class="n" href="#{s.fact}">{text}</a>')
        else:
            out.append(text)
    return Markup("".join(out))


def _picture(snapshot: Snapshot, chart_id: str, for_print: bool) -> Markup:
    chart = snapshot.chart(chart_id)
    alt = escape(snapshot.text(chart.alt), quote=True)
    if for_print:
        data = base64.b64encode(figures.png(chart, snapshot.facts)).decode()
        return Markup(f'<img src="data:image/png;base64,{data}" alt="{alt}">')
    svg = figures.svg(chart, snapshot.facts)
    svg = svg[svg.index("<svg") :]  # drop any XML prolog: inline in HTML
    return Markup(f'<div role="img" aria-label="{alt}">{svg}</div>')


def html(snapshot: Snapshot, for_print: bool = False) -> str:
    sections = []
    for section in snapshot.sections:
        blocks: list[dict[str, Any]] = []
        for block in section.blocks:
            item: dict[str, Any] = {
                "kind": block.kind,
                "html": spans_html(snapshot, block_spans(snapshot, block)),
            }
            if block.kind == "chart" and block.chart:
                item["picture"] = _picture(snapshot, block.chart, for_print)
            blocks.append(item)
        sections.append({"key": section.key, "title": section.title, "blocks": blocks})
    facts = [{"id": i, "note": fact_note(snapshot.facts[i])} for i in snapshot.cited()]
    meta = snapshot.meta
    template = _environment().get_template("snapshot.html.j2")
    return template.render(
        meta=meta,
        css=Markup(_css()),
        sections=sections,
        facts=facts,
        kicker=KICKERS.get(meta["period"], "Annual snapshot"),
        subtitle=subtitle(meta),
        print=for_print,
    )


PDF_VARIANT = "pdf/ua-1"  # tagged for screen readers: structure tree, language, alt text


def pdf(snapshot: Snapshot) -> bytes:
    """A4 PDF, tagged for accessibility (WeasyPrint's PDF/UA-1 variant: a structure tree
    from the HTML, the document's language from `lang`, each chart's alt text), the body
    first and the caveats and every Fact's note in a sources appendix after it. No base
    URL and a fetcher that refuses everything but data: URIs, so a PDF can never depend
    on the network."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    document = weasyprint.HTML(string=html(snapshot, for_print=True), url_fetcher=fetcher)
    out: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    return out
