"""Crime categories in one place: groupings, police.uk crime types, MPS major and minor
categories, and the documented mappings between them.

A category name resolves (case-insensitively) to a `Category`: what to count in an MPS
table (major and minor categories) and in police.uk-style records (crime types). A name
is tried as a grouping, then a police.uk crime type, then an MPS major, then an MPS minor.

Mapping tables (documented, not guessed):
- MPS minor -> police.uk crime type: how the MPS categories roll up into the 14 types
  data.police.uk publishes (the same offences, grouped as the Home Office groups them).
- MPS minor -> Home Office recorded-crime subgroup: the level at which the Cambridge Crime
  Harm Index tables give weights. Minors with no subgroup (NFIB fraud, fraud and forgery)
  have no harm weight; analysis lists them instead of guessing.

Series lineage: where the lineage table (core/reference/series_breaks.csv) documents a
mapping across a break, a category that counts one whole side of it also counts the other
side (DOMESTIC BURGLARY counts the two names that replaced it in 2023; police.uk's
"Violence and sexual offences" counts the "Violent crime" it was called before May 2013),
so a count across the break is like with like; `Category.lineage` names the breaks so
bridged. Only where the two sides share no name: a name that survives a split ("Other
theft" after 2013) means less than before, and analysis/lineage.py refuses it across
the break instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache

from crimepulse.core.facts import CategoryDefinition, CategoryRef
from crimepulse.core.reference import series_breaks
from crimepulse.core.reference.crime_types import CRIME_TYPES
from crimepulse.errors import CategoryError as CategoryError

# MPS minor category -> (police.uk crime type, Home Office subgroup or None)
MPS_MINORS: dict[str, tuple[str, str | None]] = {
    "ARSON": ("Criminal damage and arson", "Arson"),
    "CRIMINAL DAMAGE": ("Criminal damage and arson", "Criminal damage"),
    "BURGLARY BUSINESS AND COMMUNITY": ("Burglary", "Non-residential burglary"),
    "DOMESTIC BURGLARY": ("Burglary", "Residential burglary"),
    "BURGLARY - RESIDENTIAL": ("Burglary", "Residential burglary"),
    "RES BURGLARY OF A HOME": ("Burglary", "Residential burglary"),
    "RES BURGLARY OF UNCONNECTED BUILDING": ("Burglary", "Residential burglary"),
    "POSSESSION OF DRUGS": ("Drugs", "Possession of drugs"),
    "TRAFFICKING OF DRUGS": ("Drugs", "Trafficking of drugs"),
    "FRAUD AND FORGERY": ("Other crime", None),
    "MISC CRIMES AGAINST SOCIETY": ("Other crime", "Miscellaneous crimes against society"),
    "NFIB": ("Other crime", None),
    "POSSESSION OF WEAPONS": ("Possession of weapons", "Possession of weapons offences"),
    "OTHER OFFENCES PUBLIC ORDER": ("Public order", "Public order offences"),
    "PUBLIC FEAR ALARM OR DISTRESS": ("Public order", "Public order offences"),
    "RACE OR RELIGIOUS AGG PUBLIC FEAR": ("Public order", "Public order offences"),
    "VIOLENT DISORDER": ("Public order", "Public order offences"),
    "ROBBERY OF BUSINESS PROPERTY": ("Robbery", "Robbery of business property"),
    "ROBBERY OF PERSONAL PROPERTY": ("Robbery", "Robbery of personal property"),
    "OTHER SEXUAL OFFENCES": ("Violence and sexual offences", "Other sexual offences"),
    "RAPE": ("Violence and sexual offences", "Rape offences"),
    "BICYCLE THEFT": ("Bicycle theft", "Bicycle theft"),
    "OTHER THEFT": ("Other theft", "Other theft offences"),
    "SHOPLIFTING": ("Shoplifting", "Shoplifting"),
    "THEFT FROM THE PERSON": ("Theft from the person", "Theft from the person"),
    "AGGRAVATED VEHICLE TAKING": ("Vehicle crime", "Vehicle offences"),
    "INTERFERING WITH A MOTOR VEHICLE": ("Vehicle crime", "Vehicle offences"),
    "THEFT FROM A VEHICLE": ("Vehicle crime", "Vehicle offences"),
    "THEFT OR UNAUTH TAKING OF A MOTOR VEH": ("Vehicle crime", "Vehicle offences"),
    "DEATH SERIOUS INJURY ILLEGAL DRIVING": (
        "Violence and sexual offences",
        "Death or serious injury - unlawful driving",
    ),
    "HOMICIDE": ("Violence and sexual offences", "Homicide"),
    "STALKING AND HARASSMENT": ("Violence and sexual offences", "Stalking and harassment"),
    "VIOLENCE WITH INJURY": ("Violence and sexual offences", "Violence with injury"),
    "VIOLENCE WITHOUT INJURY": ("Violence and sexual offences", "Violence without injury"),
}

MPS_MAJORS = (
    "ARSON AND CRIMINAL DAMAGE",
    "BURGLARY",
    "DRUG OFFENCES",
    "FRAUD AND FORGERY",
    "MISCELLANEOUS CRIMES AGAINST SOCIETY",
    "NFIB FRAUD",
    "POSSESSION OF WEAPONS",
    "PUBLIC ORDER OFFENCES",
    "ROBBERY",
    "SEXUAL OFFENCES",
    "THEFT",
    "VEHICLE OFFENCES",
    "VIOLENCE AGAINST THE PERSON",
)

# The crime types data.police.uk publishes today (its readers also accept the pre-2013
# "Violent crime" and "Public disorder and weapons").
POLICE_UK_TYPES = tuple(
    t for t in CRIME_TYPES if t not in ("Violent crime", "Public disorder and weapons")
)
_CRIME_TYPES = tuple(t for t in POLICE_UK_TYPES if t != "Anti-social behaviour")
_ACQUISITIVE_TYPES = (
    "Bicycle theft",
    "Burglary",
    "Other theft",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
)


# The two pre-May-2013 police.uk types and the current types they were split into: a
# category that counts an old type as well as all its successors counts like with like
# before and after (see `Category.needs`).
SPLIT_IN_2013: dict[str, tuple[str, ...]] = {
    "Violent crime": ("Violence and sexual offences",),
    "Public disorder and weapons": ("Public order", "Possession of weapons"),
}


@dataclass(frozen=True)
class Category:
    """What one category name counts, in each family of sources.

    `mps_majors`/`mps_minors` select rows of an MPS table (a row counts when its major is
    in `mps_majors` or its minor in `mps_minors`); `crime_types` select police.uk-style
    records. None means the family cannot count this category. `lineage`: the ids of the
    series breaks whose documented mapping added names to it (see the module docstring).
    """

    name: str
    label: str
    mps_majors: tuple[str, ...] = ()
    mps_minors: tuple[str, ...] = ()
    crime_types: tuple[str, ...] | None = None
    notes: tuple[str, ...] = field(default=())
    lineage: tuple[str, ...] = ()

    @property
    def in_mps(self) -> bool:
        return bool(self.mps_majors or self.mps_minors)

    def needs(self) -> dict[str, tuple[str, ...]]:
        """The crime types a police.uk-style source must carry to count this category,
        each with the pre-2013 types that stand in for it (a month carrying either counts
        it whole). Empty when the family cannot count the category at all."""
        counted = set(self.crime_types or ())
        stand_ins: dict[str, tuple[str, ...]] = {}
        for old, new in SPLIT_IN_2013.items():
            if old in counted and counted.issuperset(new):
                for t in new:
                    stand_ins[t] = (*stand_ins.get(t, ()), old)
        return {t: stand_ins.get(t, ()) for t in self.crime_types or () if t not in SPLIT_IN_2013}

    def ref(self) -> CategoryRef:
        """The category as a Fact names it, with what it counts."""
        counts = CategoryDefinition(self.mps_majors, self.mps_minors, self.crime_types)
        return CategoryRef(self.name, self.label, counts)


def _minors_of(*types: str) -> tuple[str, ...]:
    return tuple(m for m, (t, _) in MPS_MINORS.items() if t in types)


# Groupings: the words a press office uses. One table, here.
GROUPS: dict[str, Category] = {
    "all": Category(
        "all",
        "all recorded crime",
        mps_majors=MPS_MAJORS,
        crime_types=_CRIME_TYPES,
        notes=("police.uk counts exclude anti-social behaviour",),
    ),
    "homicide": Category(
        "homicide",
        "homicide",
        mps_minors=("HOMICIDE",),
        crime_types=None,
        notes=("police.uk publishes homicide inside 'Violence and sexual offences'",),
    ),
    "robbery": Category("robbery", "robbery", mps_majors=("ROBBERY",), crime_types=("Robbery",)),
    "burglary": Category(
        "burglary", "burglary", mps_majors=("BURGLARY",), crime_types=("Burglary",)
    ),
    "violence": Category(
        "violence",
        "violence against the person",
        mps_majors=("VIOLENCE AGAINST THE PERSON",),
        crime_types=None,
        notes=("police.uk publishes violence together with sexual offences",),
    ),
    "violence-and-sexual": Category(
        "violence-and-sexual",
        "violence and sexual offences",
        mps_majors=("VIOLENCE AGAINST THE PERSON", "SEXUAL OFFENCES"),
        crime_types=("Violence and sexual offences", "Violent crime"),
    ),
    "sexual": Category("sexual", "sexual offences", mps_majors=("SEXUAL OFFENCES",)),
    "weapons": Category(
        "weapons",
        "possession of weapons",
        mps_majors=("POSSESSION OF WEAPONS",),
        crime_types=("Possession of weapons",),
    ),
    "acquisitive": Category(
        "acquisitive",
        "acquisitive crime (burglary, robbery, theft and vehicle crime)",
        mps_majors=("BURGLARY", "ROBBERY", "THEFT", "VEHICLE OFFENCES"),
        crime_types=_ACQUISITIVE_TYPES,
    ),
    "theft": Category(
        "theft",
        "theft",
        mps_majors=("THEFT",),
        crime_types=("Bicycle theft", "Other theft", "Shoplifting", "Theft from the person"),
    ),
    "vehicle": Category(
        "vehicle", "vehicle crime", mps_majors=("VEHICLE OFFENCES",), crime_types=("Vehicle crime",)
    ),
    "drugs": Category(
        "drugs", "drug offences", mps_majors=("DRUG OFFENCES",), crime_types=("Drugs",)
    ),
    "criminal-damage": Category(
        "criminal-damage",
        "criminal damage and arson",
        mps_majors=("ARSON AND CRIMINAL DAMAGE",),
        crime_types=("Criminal damage and arson",),
    ),
    "public-order": Category(
        "public-order",
        "public order offences",
        mps_majors=("PUBLIC ORDER OFFENCES",),
        crime_types=("Public order",),
    ),
    "asb": Category("asb", "anti-social behaviour", crime_types=("Anti-social behaviour",)),
}


def resolve(name: str) -> Category:
    """The Category a name means (grouping, police.uk type, MPS major or MPS minor), with
    the names its documented lineage adds (see the module docstring)."""
    found = _resolved(name.strip().lower())
    if found is None:
        groups = ", ".join(GROUPS)
        raise CategoryError(
            f"unknown category {name!r}: use a grouping ({groups}), a police.uk crime type, "
            "or an MPS major or minor category"
        )
    return found


@cache
def _resolved(key: str) -> Category | None:
    named = _named(key)
    return None if named is None else with_lineage(named)


def minors_counted(category: Category) -> frozenset[str]:
    """Every MPS minor category a category counts, directly or through its majors."""
    majors = set(category.mps_majors)
    return frozenset(category.mps_minors) | {m for m in MPS_MINORS if _major_of(m) in majors}


def with_lineage(category: Category) -> Category:
    """The category also counting the other side of each documented mapping of which it
    counts one whole side (newest break first, so a name added by a later break can
    complete an earlier one). Mappings whose sides share a name are left alone."""
    minors = set(minors_counted(category))
    types = set(category.crime_types or ())
    added_minors: list[str] = []
    added_types: list[str] = []
    bridged: list[str] = []
    for brk in sorted(series_breaks.breaks(), key=lambda b: b.starts, reverse=True):
        if not (brk.mapped and brk.of_categories) or brk.old & brk.new:
            continue
        if brk.source == "mps":
            counted = minors
            old, new = minors_named(brk.old), minors_named(brk.new)
        elif category.crime_types is not None:
            counted = types
            old, new = {n.value for n in brk.old}, {n.value for n in brk.new}
        else:
            continue
        hit = counted & (old | new)
        add = new if hit == old else old if hit == new else set()
        if not add:
            continue
        counted |= add
        (added_minors if brk.source == "mps" else added_types).extend(sorted(add))
        bridged.append(brk.id)
    if not bridged:
        return category
    return replace(
        category,
        mps_minors=category.mps_minors + tuple(added_minors),
        crime_types=(
            None if category.crime_types is None else category.crime_types + tuple(added_types)
        ),
        lineage=tuple(bridged),
    )


def minors_named(names: frozenset[series_breaks.Name]) -> set[str]:
    """The MPS minor categories some lineage names stand for (a major: all its minors)."""
    out: set[str] = set()
    for n in names:
        if n.dimension == "major":
            out |= {m for m in MPS_MINORS if _major_of(m) == n.value}
        elif n.dimension == "minor":
            out.add(n.value)
    return out


def _named(key: str) -> Category | None:
    if key in GROUPS:
        return GROUPS[key]
    for crime_type in POLICE_UK_TYPES:
        if crime_type.lower() == key:
            return Category(
                crime_type,
                crime_type.lower(),
                mps_minors=_minors_of(crime_type),
                crime_types=(crime_type,),
            )
    for major in MPS_MAJORS:
        if major.lower() == key:
            types = {MPS_MINORS[m][0] for m in MPS_MINORS if _major_of(m) == major}
            exact = _minors_of(*types) == tuple(m for m in MPS_MINORS if _major_of(m) == major)
            return Category(
                major,
                major.lower(),
                mps_majors=(major,),
                crime_types=tuple(sorted(types)) if exact else None,
            )
    for minor, (crime_type, _) in MPS_MINORS.items():
        if minor.lower() == key:
            only = _minors_of(crime_type) == (minor,)
            return Category(
                minor,
                minor.lower(),
                mps_minors=(minor,),
                crime_types=(crime_type,) if only else None,
            )
    return None


# MPS minor -> major (as the MPS tables file them).
_MAJOR_OF: dict[str, str] = {
    "ARSON": "ARSON AND CRIMINAL DAMAGE",
    "CRIMINAL DAMAGE": "ARSON AND CRIMINAL DAMAGE",
    "BURGLARY BUSINESS AND COMMUNITY": "BURGLARY",
    "DOMESTIC BURGLARY": "BURGLARY",
    "BURGLARY - RESIDENTIAL": "BURGLARY",
    "RES BURGLARY OF A HOME": "BURGLARY",
    "RES BURGLARY OF UNCONNECTED BUILDING": "BURGLARY",
    "POSSESSION OF DRUGS": "DRUG OFFENCES",
    "TRAFFICKING OF DRUGS": "DRUG OFFENCES",
    "FRAUD AND FORGERY": "FRAUD AND FORGERY",
    "MISC CRIMES AGAINST SOCIETY": "MISCELLANEOUS CRIMES AGAINST SOCIETY",
    "NFIB": "NFIB FRAUD",
    "POSSESSION OF WEAPONS": "POSSESSION OF WEAPONS",
    "OTHER OFFENCES PUBLIC ORDER": "PUBLIC ORDER OFFENCES",
    "PUBLIC FEAR ALARM OR DISTRESS": "PUBLIC ORDER OFFENCES",
    "RACE OR RELIGIOUS AGG PUBLIC FEAR": "PUBLIC ORDER OFFENCES",
    "VIOLENT DISORDER": "PUBLIC ORDER OFFENCES",
    "ROBBERY OF BUSINESS PROPERTY": "ROBBERY",
    "ROBBERY OF PERSONAL PROPERTY": "ROBBERY",
    "OTHER SEXUAL OFFENCES": "SEXUAL OFFENCES",
    "RAPE": "SEXUAL OFFENCES",
    "BICYCLE THEFT": "THEFT",
    "OTHER THEFT": "THEFT",
    "SHOPLIFTING": "THEFT",
    "THEFT FROM THE PERSON": "THEFT",
    "AGGRAVATED VEHICLE TAKING": "VEHICLE OFFENCES",
    "INTERFERING WITH A MOTOR VEHICLE": "VEHICLE OFFENCES",
    "THEFT FROM A VEHICLE": "VEHICLE OFFENCES",
    "THEFT OR UNAUTH TAKING OF A MOTOR VEH": "VEHICLE OFFENCES",
    "DEATH SERIOUS INJURY ILLEGAL DRIVING": "VIOLENCE AGAINST THE PERSON",
    "HOMICIDE": "VIOLENCE AGAINST THE PERSON",
    "STALKING AND HARASSMENT": "VIOLENCE AGAINST THE PERSON",
    "VIOLENCE WITH INJURY": "VIOLENCE AGAINST THE PERSON",
    "VIOLENCE WITHOUT INJURY": "VIOLENCE AGAINST THE PERSON",
}


def _major_of(minor: str) -> str:
    return _MAJOR_OF[minor]


def subgroup_of(minor: str) -> str | None:
    """The Home Office subgroup of an MPS minor category (None: no harm weight exists)."""
    found = MPS_MINORS.get(minor.upper())
    return found[1] if found else None
