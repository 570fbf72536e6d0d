"""Text renderers: Markdown, JSON and the social-media post. They format Facts; they
never compute. Every number in Markdown carries a footnote to its Fact (id, source,
edition, test); JSON lists every Fact with its id and the sentences that cite it.
"""

from __future__ import annotations

import json
from typing import Any

from crimepulse.core.reference.forces import FORCE_NAMES
from crimepulse.present import numbers, words
from crimepulse.snapshot.model import Block, Sentence, Snapshot

POST_LIMIT = 3000  # a LinkedIn article's post
SOCIAL_LIMIT = 280  # a short social post, its link included
SUB_KINDS = ("sub", "quote")  # points under the bullet before them
CONTEXT, UNVERIFIED = "context", "unverified text"  # free text (snapshot.editing), labelled
SOURCE_NAMES = {
    "mps": "MPS recorded crime (London Datastore)",
    "police.uk": "data.police.uk street-level crime",
    "feed": "daily incident feed",
    "oplog": "operational outcomes log",
}


def fact_label(fact: dict[str, Any]) -> str:
    category = fact["category"].get("label") or fact["category"]["name"]
    window = numbers.span(fact["window"]["start"], fact["window"]["end"])
    area = fact["area"]
    name = (
        FORCE_NAMES.get(area["name"], area["name"])
        if area.get("level") == "force"
        else area["name"]
    )
    return f"{category}, {name}, {window}"


def fact_note(fact: dict[str, Any]) -> str:
    """One line that lets a reader trust and re-run a Fact."""
    f = fact
    parts = [fact_label(f)]
    comparison = f.get("comparison") or {}
    if f["measure"] == "expected count":
        parts.append(
            f"observed {numbers.fmt(f['current'], 'count')}, expected "
            f"{numbers.fmt(f['value'], 'mean')} (95% range {numbers.fmt(f['ci_low'], 'count')}"
            f"–{numbers.fmt(f['ci_high'], 'count')}; {comparison.get('model', '')})"
        )
    elif comparison:
        if comparison.get("window"):
            w = comparison["window"]
            against = numbers.span(w["start"], w["end"])
        else:
            against = str(comparison.get("kind", "the comparison"))
        pct = numbers.fmt(f["change_pct"], "pct") + words.BASIS_SUFFIX.get(words.basis(f), "")
        parts.append(
            f"{numbers.fmt(f['current'], 'count')} against "
            f"{numbers.fmt(f['previous'], 'mean')} ({against}), {pct}"
        )
    else:
        parts.append(f"{numbers.fmt(f['current'], 'count')} {f['unit']}")
    editions = "; ".join(
        f"{s.get('source')}, edition {str(s.get('vintage', ''))[:10]}" for s in f.get("sources", [])
    )
    parts.append(f"source: {SOURCE_NAMES.get(f['source'], f['source'])} ({editions})")
    if f.get("verdict") == words.NOT_ENOUGH_HISTORY:
        parts.append(f"no verdict, {words.TOO_LITTLE_HISTORY}: {words.history_reason(f)}")
        parts += _how_we_know(f)
    elif f.get("test"):
        q = f"; q = {numbers.significant(f['q_value'])}" if f.get("q_value") is not None else ""
        parts.append(f"test: {f['test']}, {numbers.fmt(f['p_value'], 'p')}{q}: {f['verdict']}")
        parts += _how_we_know(f)
    else:
        parts.append("not tested (a total, not a comparison)")
    if f.get("small_counts"):
        parts.append(words.SMALL_COUNTS)
    return "; ".join(parts) + "."


def _how_we_know(f: dict[str, Any]) -> list[str]:
    """The test's details a reader of a Fact note wants: the days of a per-day comparison,
    the series' usual range or why there is no verdict, and the exact Poisson test as a
    labelled second opinion."""
    out = []
    per_day = words.per_day(f)
    if per_day:
        out.append(f"compared per day: {per_day}")
    if words.usual_range(f):
        n = len(words.stat(f, "history") or ())
        years = f" (from {n} earlier years)" if n else ""
        out.append(f"usual variation: {words.usual_range(f)}{years}")
    second = words.second_opinion(f)
    if second:
        out.append(f"second opinion: {second}")
    return out


def quoted(text: str) -> str:
    """An entry's own words, quoted (its count a Fact's number all the same)."""
    return f"“{text}”"


def sentence_text(snapshot: Snapshot, spans: Sentence) -> str:
    return snapshot.text(spans)


def block_spans(snapshot: Snapshot, block: Block) -> Sentence:
    if block.kind == "chart" and block.chart:
        return snapshot.chart(block.chart).alt
    return block.spans


# -- Markdown --------------------------------------------------------------------------------


def _md_sentence(snapshot: Snapshot, spans: Sentence, index: dict[str, int]) -> str:
    """Numbers with a footnote marker after the last number of each Fact in the sentence."""
    last: dict[str, int] = {}
    for n, s in enumerate(spans):
        if s.fact:
            last[s.fact] = n
    out = []
    for n, s in enumerate(spans):
        out.append(s.render(snapshot.facts))
        if s.fact and last[s.fact] == n:
            out.append(f"[^{index[s.fact]}]")
    return "".join(out)


def markdown(snapshot: Snapshot) -> str:
    index = {fact_id: n for n, fact_id in enumerate(snapshot.cited(), 1)}
    meta = snapshot.meta
    lines = [f"# {meta['title']}", "", f"*{subtitle(meta)}*", ""]
    if meta.get("correction"):
        lines += [f"> **Correction.** {meta['correction']['note']}", ""]
    for section in snapshot.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            text = _md_sentence(snapshot, block_spans(snapshot, block), index)
            if block.kind == "li" or block.kind == "note":
                lines.append(f"- {text}")
            elif block.kind in SUB_KINDS:
                lines.append(f"  - {quoted(text) if block.kind == 'quote' else text}")
            elif block.kind == "chart":
                chart = snapshot.chart(block.chart or "")
                lines += [f"**Chart: {chart.title}.** {text}", ""]
            elif block.kind == CONTEXT:  # free text a person wrote: no Fact behind it
                lines += [f"*{UNVERIFIED.capitalize()}:* {text}", ""]
            else:
                lines += [text, ""]
        lines.append("")
    lines += ["## The Facts behind the numbers", ""]
    for fact_id, n in index.items():
        lines.append(f"[^{n}]: `{fact_id}` {fact_note(snapshot.facts[fact_id])}")
    return "\n".join(lines).replace("\n\n\n", "\n\n").rstrip() + "\n"


def subtitle(meta: dict[str, Any]) -> str:
    kind = {"week": "Weekly", "month": "Monthly", "year": "Annual", "financial-year": "Annual"}
    bits = [f"{kind.get(meta['period'], '')} snapshot to {numbers.day(meta['as_of'])}"]
    if meta.get("version"):
        bits.append(f"version {meta['version']}")
    if meta.get("status"):
        bits.append(str(meta["status"]))
    if meta.get("synthetic"):
        bits.append("synthetic demo data")
    return " · ".join(bits)


# -- JSON ------------------------------------------------------------------------------------


def as_json(snapshot: Snapshot) -> dict[str, Any]:
    """{"meta", "facts", "sections"}: each Fact with its id and the sentences citing it."""
    cited_by: dict[str, list[str]] = {i: [] for i in snapshot.cited()}
    sections = []
    for section in snapshot.sections:
        items = []
        for block in section.blocks:
            spans = block_spans(snapshot, block)
            text = snapshot.text(spans)
            ids = list(dict.fromkeys(s.fact for s in spans if s.fact))
            if block.kind == "chart" and block.chart:
                ids = list(dict.fromkeys([*ids, *snapshot.chart(block.chart).facts]))
            for i in ids:
                cited_by[i].append(text)
            numbers_ = [
                {"text": s.render(snapshot.facts), "fact": s.fact, "field": s.field}
                for s in spans
                if s.fact
            ]
            item: dict[str, Any] = {"kind": block.kind, "text": text, "facts": ids}
            item["numbers"] = numbers_
            if block.chart:
                item["chart"] = block.chart
            items.append(item)
        sections.append({"key": section.key, "title": section.title, "items": items})
    facts = [{**snapshot.facts[i], "cited_by": cited_by[i]} for i in cited_by]
    return {"meta": snapshot.meta, "facts": facts, "sections": sections}


def json_text(snapshot: Snapshot) -> str:
    return json.dumps(as_json(snapshot), indent=2, default=str, ensure_ascii=False) + "\n"


# -- what people publish: the article and the short social post ------------------------------

MORE = "The full snapshot, with the source and the test behind every figure"  # then ": link"
METHOD = (
    "A change is called a rise or a fall only when it is bigger than the series' usual variation."
)
DEMO = "Demo: synthetic data, not real crime."
ARTICLE_SECTIONS = ("headline", "well", "operations", "improve", "next")
# How long a section's bullets stay when the article is over its limit (higher: longer);
# quoted entries (1) and the comparisons under an operation (2) go first, paragraphs last.
KEEP_BULLETS = {"operations": 6, "headline": 5, "well": 4, "improve": 4}


def _more(link: str | None) -> str:
    return f"{MORE}: {link}" if link else f"{MORE}, is published with this post."


def post(snapshot: Snapshot, link: str | None = None) -> str:
    """The article a Commissioner posts (LinkedIn-style, at most 3,000 characters): the
    headline, what went well, what officers did, where we must improve and what happens
    next, in plain sentences whose numbers are the Facts'; no Fact ids (they are in the
    HTML, the JSON and the PDF's sources appendix), and a link to the full snapshot.
    Over the limit, the least important lines go first: quoted entries, then the
    comparisons under each operation, then bullets from the end of each section."""
    meta = snapshot.meta
    link = link or meta.get("link")
    lines: list[tuple[int, int, str, str]] = []  # (keep, order, section title, line)
    for section in snapshot.sections:
        if section.key not in ARTICLE_SECTIONS:
            continue
        for block in section.blocks:
            if block.kind == "p" and section.key in ("headline", "operations"):
                continue  # the snapshot's own lead-ins: the title and the link say it
            text = snapshot.text(block.spans)
            keep, line = {
                "quote": (1, f"   – {quoted(text)}"),
                "sub": (2, f"   {text}"),
                "li": (KEEP_BULLETS.get(section.key, 3), f"• {text}"),
            }.get(block.kind, (9, text))
            lines.append((keep, len(lines), section.title, line))
    head = [meta["title"], subtitle(meta)]
    tail = [*([DEMO] if meta.get("synthetic") else []), METHOD, _more(link)]
    while True:
        body: list[str] = []
        for _, _, title, line in lines:
            if title not in body:
                body += ["", title]
            body.append(line)
        text = "\n".join([*head, *body, "", *tail]) + "\n"
        if len(text) <= POST_LIMIT or not lines:
            return text[:POST_LIMIT]
        least = min(lines, key=lambda item: (item[0], -item[1]))
        lines.remove(least)


def social(snapshot: Snapshot, link: str | None = None) -> str:
    """A short social post (at most 280 characters, the link included): the title, then
    what officers did, operation by operation, and the headline as far as they fit."""
    meta = snapshot.meta
    link = link or meta.get("link")
    candidates = [
        snapshot.text(block.spans)
        for key in ("operations", "headline")
        for section in snapshot.sections
        if section.key == key
        for block in section.blocks
        if block.kind == "li"
    ]
    lead = meta["title"] + (" (demo data)" if meta.get("synthetic") else "") + ":"
    end = f"More: {link}" if link else "More in the full snapshot."
    out = lead
    for sentence in candidates:
        longer = f"{out} {sentence}"
        if len(f"{longer} {end}") <= SOCIAL_LIMIT:
            out = longer
    text = f"{out} {end}"
    if len(text) > SOCIAL_LIMIT:  # a link too long for any post: the link alone
        text = link[:SOCIAL_LIMIT] if link else text[:SOCIAL_LIMIT]
    return text + "\n"
