"""Themes are data: a named set of crime categories and outcomes-log event types.

The set ships in `themes.json` beside this module (a press office edits words and
categories there, not code); `load(path)` reads another file with the same shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from crimepulse.errors import ThemeError as ThemeError


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    about: str  # what the theme covers, one clause
    categories: tuple[tuple[str, str], ...]  # (category for the engine, label for people)
    oplog_themes: tuple[str, ...]  # the outcomes log's `theme` values that belong here
    event_types: tuple[str, ...]  # event types reported, in this order
    next: str  # "what happens next": words, never numbers

    @property
    def lead(self) -> str:
        """The category the trend chart and the map show."""
        return self.categories[0][0]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "about": self.about,
            "categories": [{"category": c, "label": label} for c, label in self.categories],
            "oplog_themes": list(self.oplog_themes),
            "event_types": list(self.event_types),
            "next": self.next,
        }


def _parse(name: str, raw: dict[str, Any]) -> Theme:
    try:
        return Theme(
            name=name,
            title=str(raw["title"]),
            about=str(raw["about"]),
            categories=tuple((str(c["category"]), str(c["label"])) for c in raw["categories"]),
            oplog_themes=tuple(str(t) for t in raw.get("oplog_themes", ())),
            event_types=tuple(str(t) for t in raw.get("event_types", ())),
            next=str(raw.get("next", "")),
        )
    except (KeyError, TypeError) as exc:
        raise ThemeError(f"theme {name!r}: missing or malformed field {exc}") from exc


def load(path: str | Path | None = None) -> dict[str, Theme]:
    """Every theme in `path` (default: the themes shipped with crimepulse)."""
    if path is None:
        text = resources.files("crimepulse.snapshot").joinpath("themes.json").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    data = json.loads(text)
    themes = {name: _parse(name, raw) for name, raw in data.items()}
    for theme in themes.values():
        if not theme.categories:
            raise ThemeError(f"theme {theme.name!r} has no categories")
    return themes


@cache
def builtin() -> dict[str, Theme]:
    return load()


def get(name: str) -> Theme:
    """A shipped theme by name (violence, robbery, weapons, county-lines, burglary)."""
    themes = builtin()
    key = name.strip().lower()
    if key not in themes:
        raise ThemeError(f"unknown theme {name!r}: use one of {', '.join(themes)}")
    return themes[key]
