"""The crime types data.police.uk publishes: the vocabulary every reader and the analysis share.

Kept as data on the ground floor so a reader validates against it and the analysis maps
categories onto it without either reaching into the other.
"""

from __future__ import annotations

# Every crime type data.police.uk has published, including the pre-2013 ones.
CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public disorder and weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
    "Violent crime",
)

ASB = "Anti-social behaviour"
# The types in use since May 2013 (the two pre-2013 ones were split into these).
CURRENT_CRIME_TYPES: tuple[str, ...] = tuple(
    t for t in CRIME_TYPES if t not in ("Public disorder and weapons", "Violent crime")
)
