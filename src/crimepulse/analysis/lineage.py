"""Series lineage in the analysis: a break in a published series is never read as a change.

The breaks are data (core/reference/series_breaks.csv: renames, splits, retirements,
re-attributions between areas, recodes). For one comparison — the category and area it
counts, the source family, and every window it reads (current, compared-with, history) —
each break the windows straddle (some window reaches before its changeover and some
window is not wholly after it) has one of three outcomes:

- like with like: a documented mapping bridges it — the category counts the old names
  before and the new names after (categories.with_lineage), or an area counts the rows
  the publisher filed apart (`borough_aliases`: Heathrow's airport row in Hillingdon) —
  and the Fact carries a note saying so;
- a caveat: the break changes only part of what is counted (fraud leaving "all crime" in
  2013; crimes with no borough being placed in boroughs from 2023), or only part of the
  break's names; the Fact says so, and the verdict stands;
- refused: the break changes the whole series and no mapping is documented (a part of a
  split, a renamed-away category, a recoded LSOA): `SeriesBreakError`, naming the break,
  its month and what to ask instead.

Why Hillingdon counts the airport row rather than refusing: the row is one ward of the
borough (Heathrow Villages) filed apart for eleven months, so adding it back gives the
borough's own series in every month (a −0.1% change where the MPS rows alone show
+6.1%), while refusing would bar every Hillingdon comparison reaching 2023-24.

`comparable_since` gives the first month from which a series is comparable (a verdict
test's history must not reach before it: only refusing breaks bound it; a partial break
inside the history inflates the variation the test measures, which errs towards "no
meaningful change"), `break_dates` the months a category's series changed (for the
flags), and `grid_notes` the breaks a grid's windows straddle. Nothing here reads files
or prints; it imports neither selection nor the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal, Protocol

from crimepulse.analysis import categories as cats
from crimepulse.analysis.categories import Category
from crimepulse.analysis.periods import Window
from crimepulse.analysis.question import BOROUGH, FORCE, LSOA
from crimepulse.core.reference import series_breaks
from crimepulse.core.reference.series_breaks import EVERY, Name, SeriesBreak
from crimepulse.errors import SeriesBreakError

Outcome = Literal["like", "caveat", "refuse"]
# source key -> the family whose breaks apply (a force's daily feed has none recorded)
FAMILIES = {"mps": "mps", "police.uk": "police.uk"}


class Place(Protocol):
    """What lineage asks of an area (selection.Area is one)."""

    @property
    def level(self) -> str: ...

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def code(self) -> str | None: ...


def breaks_of(source_key: str) -> tuple[SeriesBreak, ...]:
    """The breaks recorded for a source family, oldest first (none for the feed)."""
    family = FAMILIES.get(source_key)
    return tuple(b for b in series_breaks.breaks() if b.source == family)


def when(brk: SeriesBreak) -> str:
    """The break's month as a note names it: `2013-05`, or `2023-04 to 2023-05` (the first
    month of the changeover to the first month wholly in the new series)."""
    if brk.transition == brk.starts:
        return f"{brk.starts:%Y-%m}"
    return f"{brk.transition:%Y-%m} to {brk.starts:%Y-%m}"


def straddles(brk: SeriesBreak, windows: Sequence[Window]) -> bool:
    """Do the windows reach both sides of the break (or into its changeover)?"""
    if not windows:
        return False
    before = all(w.end < brk.transition for w in windows)
    after = all(w.start >= brk.starts for w in windows)
    return not (before or after)


def borough_aliases(source_key: str) -> dict[str, str]:
    """Borough-table rows counted as another borough in every month: the rows a documented
    mapping joins to a borough that survives it (airport row -> Hillingdon)."""
    out: dict[str, str] = {}
    for brk in breaks_of(source_key):
        if not brk.mapped or brk.of_categories:
            continue
        survivor = _survivor(brk)
        if survivor is not None:
            for n in (brk.old | brk.new) - {survivor}:
                out[n.value] = survivor.value
    return out


def check(
    source_key: str,
    category: Category | None,
    area: Place | None,
    windows: Sequence[Window],
) -> list[str]:
    """The notes a comparison over `windows` needs for the breaks it straddles; raises
    SeriesBreakError when one of them leaves it comparing unlike series."""
    notes: list[str] = []
    refused: list[tuple[SeriesBreak, str]] = []
    for brk in breaks_of(source_key):
        if not straddles(brk, windows):
            continue
        outcome = _outcome(brk, category, area)
        if outcome == "refuse":
            refused.append((brk, _what(brk, category, area)))
        elif outcome is not None:
            notes.append(_note(brk, outcome, category, area))
    if refused:
        raise SeriesBreakError(_refusal(refused, windows))
    return notes


def comparable_since(source_key: str, category: Category | None, area: Place | None) -> date | None:
    """The first day from which the series is comparable (None: no break bounds it): the
    latest start of a break that would refuse a comparison across it."""
    starts = [b.starts for b in breaks_of(source_key) if _outcome(b, category, area) == "refuse"]
    return max(starts, default=None)


def break_dates(source_key: str, category: Category | str, area: Place | None = None) -> list[date]:
    """The months in which a category's series (in `area`, if given) changed for a reason
    other than crime: the starts of the breaks that refuse or caveat it, oldest first."""
    resolved = cats.resolve(category) if isinstance(category, str) else category
    found = {
        b.starts
        for b in breaks_of(source_key)
        if _outcome(b, resolved, area) in ("refuse", "caveat")
    }
    return sorted(found)


def grid_notes(
    source_key: str, level: str, categories: str, plan: Iterable[tuple[Window, Window]]
) -> list[str]:
    """What a grid's cells must be read with: for each break some (window, compared-with)
    pair straddles, the categories (or the areas) it leaves unlike, changed in part, or
    bridges. A grid is not refused: its other cells stand, and these notes say which
    cells are a break rather than a change."""
    resolved = _grid_categories(categories, source_key)
    pairs = list(plan)
    out: list[str] = []
    for brk in breaks_of(source_key):
        if not any(straddles(brk, [current, other]) for current, other in pairs):
            continue
        by_outcome: dict[Outcome, list[str]] = {"refuse": [], "caveat": [], "like": []}
        if brk.of_categories:
            for c in resolved:
                outcome = _outcome(brk, c, None)
                if outcome is not None:
                    by_outcome[outcome].append(c.name)
        else:
            outcome = _level_outcome(brk, level)
            if outcome is not None:
                by_outcome[outcome].append(f"{level} cells")
        words = {
            "refuse": "not like with like (read as the break, not a change)",
            "caveat": "changed in part by it",
            "like": "counted like with like across it",
        }
        said = [f"{', '.join(names)}: {words[o]}" for o, names in by_outcome.items() if names]
        if said:
            out.append(f"Series break {when(brk)} ({brk.id}): {'; '.join(said)}.")
    return out


# -- what one break means for one category and area ---------------------------------------


def _expand(names: frozenset[Name]) -> frozenset[Name]:
    """MPS majors as their minor categories, so names compare in one vocabulary."""
    out: set[Name] = set()
    for n in names:
        minors = cats.minors_named(frozenset({n})) if n.dimension == "major" else set()
        out |= {Name("minor", m) for m in minors} or {n}
    return frozenset(out)


def _category_names(category: Category, family: str) -> frozenset[Name]:
    if family == "mps":
        return frozenset(Name("minor", m) for m in cats.minors_counted(category))
    return frozenset(Name("type", t) for t in category.crime_types or ())


def _area_names(brk: SeriesBreak, area: Place | None) -> frozenset[Name] | None:
    """The area as the break's names (None: the break does not concern this area: another
    level, or the force, which counts every area and so every move between them)."""
    if area is None or area.level == FORCE:
        return None
    dimensions = {n.dimension for n in brk.affects}
    if area.level == BOROUGH and "borough" in dimensions:
        return frozenset({Name("borough", area.key)})
    if area.level == LSOA and "lsoa" in dimensions:
        return frozenset({Name("lsoa", (area.code or area.key).upper())})
    return None


def _survivor(brk: SeriesBreak) -> Name | None:
    """The one area name a mapping joins the others to (Hillingdon), if it has one."""
    for side, other in ((brk.new, brk.old), (brk.old, brk.new)):
        if len(side) == 1 and side <= other:
            return next(iter(side))
    return None


def _outcome(brk: SeriesBreak, category: Category | None, area: Place | None) -> Outcome | None:
    """like, caveat, refuse, or None (the break does not touch this series)."""
    affected = _expand(brk.affects)
    if brk.of_categories:
        if category is None:
            return None
        counted = _category_names(category, brk.source)
        if brk.id in category.lineage:
            return "like"
    else:
        names = _area_names(brk, area)
        if names is None:
            return None
        counted = names
        if brk.mapped and _survivor(brk) in counted:
            return "like"
    every = Name("borough", EVERY) in affected and any(n.dimension == "borough" for n in counted)
    if not (counted & affected or every):
        return None
    if brk.moves and affected <= counted:
        return None  # crimes moved among names this series counts together
    if brk.scope == "part" or not counted <= affected:
        return "caveat"
    return "refuse"


def _level_outcome(brk: SeriesBreak, level: str) -> Outcome | None:
    """An area break's meaning for a grid's cells at `level`: a caveat for the cells it
    touches, bridged where a mapping joins rows, unlike where codes were replaced."""
    dimensions = {n.dimension for n in brk.affects}
    if level == BOROUGH and "borough" in dimensions:
        return "like" if brk.mapped and _survivor(brk) else "caveat"
    if level == LSOA and "lsoa" in dimensions:
        return "caveat" if brk.scope == "part" else "refuse"
    return None


def _what(brk: SeriesBreak, category: Category | None, area: Place | None) -> str:
    label = category.label if category is not None else "this series"
    if brk.of_categories or area is None:
        return label
    if area.level == LSOA:
        code = area.code or area.key
        place = f"LSOA {code}" + (f" ({area.name})" if area.name != code else "")
    else:
        place = area.name
    return f"{label} in {place}"


def _note(brk: SeriesBreak, outcome: Outcome, category: Category | None, area: Place | None) -> str:
    head = f"Series break {when(brk)} ({brk.id}): {brk.note}"
    if outcome == "like":
        if brk.of_categories and category is not None:
            old = ", ".join(brk.values(brk.old))
            new = ", ".join(brk.values(brk.new))
            return (
                f"{head} Counted like with like: {category.label} counts {old} before "
                f"the break and {new} after it."
            )
        where = area.name if area is not None else "the area"
        rows = ", ".join(v for v in brk.values(brk.old | brk.new) if v != where)
        return f"{head} Counted like with like: {where} includes the rows filed as {rows}."
    return f"{head} Part of this change comes from that break, not from crime."


def _refusal(refused: list[tuple[SeriesBreak, str]], windows: Sequence[Window]) -> str:
    start = min(w.start for w in windows)
    end = max(w.end for w in windows)
    parts = [
        f"{what} cannot be compared across the series break of {when(brk)} "
        f"({brk.id}; the windows asked run {start}..{end}): {brk.note} "
        f"Ask instead for {brk.instead}."
        for brk, what in refused
    ]
    return " ".join(parts)


def _grid_categories(spec: str, source_key: str) -> list[Category]:
    """The categories a grid's cells are (as selection.category_keys keys its rows)."""
    key = spec.strip().lower()
    if key == "major":
        names: Sequence[str] = cats.MPS_MAJORS if source_key == "mps" else cats.POLICE_UK_TYPES
    elif key == "types":
        names = cats.POLICE_UK_TYPES
    elif key == "minor":
        names = tuple(cats.MPS_MINORS)
    elif key == "groups":
        names = [g for g in cats.GROUPS if g not in ("all", "asb")]
    else:
        names = [s for s in spec.split(",") if s.strip() and s.strip() not in ("all", "asb")]
    return [cats.resolve(n) for n in names]
