"""London's 33 local-authority areas and the spellings different publishers use for them.

Codes are ONS GSS codes (public identifiers). The MPS tables name boroughs without codes,
the homicide tables write "&" for "and", and data.police.uk LSOA names start with the
borough name ("Camden 001A"): all resolve here, in one place.
"""

from __future__ import annotations

import re

BOROUGHS: dict[str, str] = {
    "E09000001": "City of London",
    "E09000002": "Barking and Dagenham",
    "E09000003": "Barnet",
    "E09000004": "Bexley",
    "E09000005": "Brent",
    "E09000006": "Bromley",
    "E09000007": "Camden",
    "E09000008": "Croydon",
    "E09000009": "Ealing",
    "E09000010": "Enfield",
    "E09000011": "Greenwich",
    "E09000012": "Hackney",
    "E09000013": "Hammersmith and Fulham",
    "E09000014": "Haringey",
    "E09000015": "Harrow",
    "E09000016": "Havering",
    "E09000017": "Hillingdon",
    "E09000018": "Hounslow",
    "E09000019": "Islington",
    "E09000020": "Kensington and Chelsea",
    "E09000021": "Kingston upon Thames",
    "E09000022": "Lambeth",
    "E09000023": "Lewisham",
    "E09000024": "Merton",
    "E09000025": "Newham",
    "E09000026": "Redbridge",
    "E09000027": "Richmond upon Thames",
    "E09000028": "Southwark",
    "E09000029": "Sutton",
    "E09000030": "Tower Hamlets",
    "E09000031": "Waltham Forest",
    "E09000032": "Wandsworth",
    "E09000033": "Westminster",
}

CITY_OF_LONDON = "E09000001"


def _key(name: str) -> str:
    text = name.strip().lower().replace("&", " and ")
    return re.sub(r"[^a-z]+", " ", text).strip()


_BY_KEY = {_key(name): code for code, name in BOROUGHS.items()}


def borough_code(name: str | None) -> str | None:
    """GSS code for a borough name in any publisher's spelling; None when not a borough."""
    if not name:
        return None
    if name.strip().upper() in BOROUGHS:
        return name.strip().upper()
    return _BY_KEY.get(_key(name))


def borough_name(name_or_code: str | None) -> str | None:
    """The canonical borough name (as in BOROUGHS), or None when not a London borough."""
    code = borough_code(name_or_code)
    return BOROUGHS[code] if code else None
