"""Police forces as records: the slug the data uses, the name a reader sees, the place it serves.

A `Force` is what makes "any force, London first" true: sentences say "the Metropolitan
Police" and "London" from the record, never from a literal in the analysis or the
snapshot. `DEFAULT_FORCE` is the force a question means when it names none (a deployment
chooses another with `Settings.force`); the other constants name forces whose data a
reader or a rule knows by nature (the MPS tables are the Met's; the City is its own force).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Force:
    slug: str  # as data.police.uk spells it: "metropolitan", "city-of-london"
    name: str  # "Metropolitan Police"
    place: str  # "London": what "the force area" is called in a sentence
    # The year the force leads its public figures with: "calendar" (the Met's "in 2022
    # murders fell") or "financial" (April to March, as most forces and the Home Office report).
    reports_year: str = "financial"


METROPOLITAN_FORCE = "metropolitan"
CITY_OF_LONDON_FORCE = "city-of-london"
DEFAULT_FORCE = METROPOLITAN_FORCE
FORCES: dict[str, Force] = {
    f.slug: f
    for f in (
        Force(METROPOLITAN_FORCE, "Metropolitan Police", "London", reports_year="calendar"),
        Force(CITY_OF_LONDON_FORCE, "City of London Police", "the City of London"),
    )
}
FORCE_NAMES: dict[str, str] = {slug: f.name for slug, f in FORCES.items()}


def force(slug: str) -> Force:
    """The record for `slug`; a force we hold no record of reads as its own slug."""
    known = FORCES.get(slug)
    if known is not None:
        return known
    pretty = slug.replace("-", " ").title()
    return Force(slug, f"{pretty} Police", pretty)
