"""The Home Office offence groups of the England & Wales recorded-crime tables, mapped onto
the categories crimepulse counts: data, in one table, so a national figure and a force's
own figure count the same offences.

A group maps when a crimepulse category (a grouping, a police.uk crime type or an MPS
category, as `analysis.categories.resolve` names it) counts exactly those offences. The
groups that do not map say why: the national "theft offences" include burglary and vehicle
offences (crimepulse's `theft` does not), the national totals leave out fraud (crimepulse's
`all` counts the MPS fraud categories), and fraud is recorded nationally by Action Fraud,
not by forces. Homicide is a group only of the force-area tables (Table P1); the national
trend table (Table A5a) carries no homicide row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class OffenceGroup:
    """One published group: the crimepulse category it counts (None: none does, `why`)."""

    key: str
    category: str | None
    why: str = ""


_THEFT = "includes burglary and vehicle offences, which crimepulse's theft does not"
_TOTAL = "leaves out fraud, which crimepulse's all recorded crime counts (MPS fraud categories)"
_FRAUD = "fraud is recorded nationally by Action Fraud, not counted by forces' own tables"
_RESIDENTIAL = (
    "no one crimepulse category counts it (the MPS splits residential burglary into "
    "several minor categories, renamed in April 2023)"
)

GROUPS: tuple[OffenceGroup, ...] = (
    OffenceGroup("violence against the person", "violence"),
    OffenceGroup("homicide", "homicide"),
    OffenceGroup("violence with injury", "VIOLENCE WITH INJURY"),
    OffenceGroup("violence without injury", "VIOLENCE WITHOUT INJURY"),
    OffenceGroup("stalking and harassment", "STALKING AND HARASSMENT"),
    OffenceGroup(
        "death or serious injury unlawful driving", "DEATH SERIOUS INJURY ILLEGAL DRIVING"
    ),
    OffenceGroup("sexual offences", "sexual"),
    OffenceGroup("robbery", "robbery"),
    OffenceGroup("burglary", "burglary"),
    OffenceGroup("residential burglary", None, _RESIDENTIAL),
    OffenceGroup("non residential burglary", "BURGLARY BUSINESS AND COMMUNITY"),
    OffenceGroup("vehicle offences", "vehicle"),
    OffenceGroup("theft from the person", "Theft from the person"),
    OffenceGroup("bicycle theft", "Bicycle theft"),
    OffenceGroup("shoplifting", "Shoplifting"),
    OffenceGroup("other theft offences", "Other theft"),
    OffenceGroup("theft offences", None, _THEFT),
    OffenceGroup("criminal damage and arson", "criminal-damage"),
    OffenceGroup("drug offences", "drugs"),
    OffenceGroup("possession of weapons offences", "weapons"),
    OffenceGroup("public order offences", "public-order"),
    OffenceGroup("miscellaneous crimes", "MISCELLANEOUS CRIMES AGAINST SOCIETY"),
    OffenceGroup("recorded crime excluding fraud", None, _TOTAL),
    OffenceGroup("recorded crime all offences excluding fraud and computer misuse", None, _TOTAL),
    OffenceGroup("recorded crime all offences including fraud and computer misuse", None, _FRAUD),
    OffenceGroup("fraud and computer misuse offences", None, _FRAUD),
)
BY_KEY: dict[str, OffenceGroup] = {g.key: g for g in GROUPS}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def key(label: str) -> str:
    """A published label as a lookup key: case, punctuation and a leading "total" ignored
    ("TOTAL ROBBERY" and "Robbery" are one group; "Non-residential" is "non residential")."""
    words = _NON_WORD.sub(" ", label.lower()).strip()
    return words.removeprefix("total ").strip()


def group(label: str) -> OffenceGroup | None:
    """The group a published label names (None: a label this table does not know)."""
    return BY_KEY.get(key(label))
