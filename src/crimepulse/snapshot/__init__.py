"""The snapshot: a weekly, monthly or annual public briefing built only from Facts.

    from crimepulse import snapshot
    snap = snapshot.build(cp, "week", "2026-10-25", "violence", log=log)
    snapshot.render(snap, "html")       # md | html | pdf | json | post | social

`build` asks a `FactSource` (`snapshot.source`: the facade `crimepulse.Crimepulse`, or
any object with the same few methods) and the outcomes log for Facts and lays them out
as sentences whose numbers point at those Facts; `render` only formats. The workflow
store (draft -> approved -> published, corrections as new versions) is
`snapshot.archive`.
"""

from __future__ import annotations

from crimepulse.errors import SnapshotError, ThemeError
from crimepulse.snapshot.builder import PERIODS, build
from crimepulse.snapshot.model import Snapshot
from crimepulse.snapshot.source import FactSource
from crimepulse.snapshot.themes import Theme

FORMATS = ("md", "html", "pdf", "json", "post", "social")


def render(snapshot: Snapshot, fmt: str, link: str | None = None) -> str | bytes:
    """The snapshot as md, html, json, post (the article) or social text, or pdf bytes;
    `link` is where the full snapshot is published (the post and the social post cite it)."""
    from crimepulse.snapshot import html, text

    if fmt == "md":
        return text.markdown(snapshot)
    if fmt == "json":
        return text.json_text(snapshot)
    if fmt == "post":
        return text.post(snapshot, link)
    if fmt == "social":
        return text.social(snapshot, link)
    if fmt == "html":
        return html.html(snapshot)
    if fmt == "pdf":
        return html.pdf(snapshot)
    raise SnapshotError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "PERIODS",
    "FactSource",
    "Snapshot",
    "SnapshotError",
    "Theme",
    "ThemeError",
    "build",
    "render",
]
