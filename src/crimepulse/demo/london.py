"""A calibrated synthetic London, written in the real open formats, for the demo.

The project ships no real data, yet every reader, analysis and snapshot must be exercised
end to end. So this module writes files byte-compatible with what data.police.uk and the
London Datastore publish (same headers, vocabularies, ID shapes and blank conventions),
plus a force's daily incident feed, borough populations and an operational outcomes log.

Levels, borough shares and seasonality were derived once from the real MPS borough tables
(2019 monthly means, 2019-2024 growth, 2011-2019 seasonal indices, borough shares by crime
group) and embedded below as rounded constants: nothing here reads real data at run time.
Every record-level crime is drawn from the borough-table cell it belongs to, so street,
feed and borough views of the same month agree exactly. LSOA codes start with ``X01`` and
can never collide with real ONS GSS codes. An empty marker file tells the ingest pipeline
that everything under the output folder is synthetic.
"""

from __future__ import annotations

import calendar
import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crimepulse.sources.files import SYNTHETIC_MARKER
from crimepulse.core.reference.london import BOROUGHS, CITY_OF_LONDON

Progress = Callable[[str, int, int], None]

MET = "Metropolitan Police Service"
CITY = "City of London Police"
BOUNDS = (-0.52, 51.28, 0.34, 51.70)  # lon_min, lat_min, lon_max, lat_max

STREET_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
OUTCOMES_HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Outcome type",
]  # fmt: skip
STOP_SEARCH_HEADER = [
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude",
    "Longitude", "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity",
    "Legislation", "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
]  # fmt: skip
# The documented feed columns plus the optional `force`, so the demo feed needs no --force.
FEED_HEADER = [
    "crime_id", "occurred_at", "category", "subcategory", "borough", "lsoa_code", "latitude",
    "longitude", "outcome", "force",
]  # fmt: skip
POPULATION_HEADER = ["Code", "Name", "Year", "Source", "Population"]
OPLOG_HEADER = [
    "occurred_on", "event_type", "count", "unit", "theme", "borough", "crimes_solved", "summary",
]  # fmt: skip
BOROUGH_TABLE_NAME = "MPS Borough Level Crime (synthetic).csv"

ASB = "Anti-social behaviour"
CRIME_TYPES = [
    ASB, "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
]  # fmt: skip
_T = {name: i for i, name in enumerate(CRIME_TYPES)}

# --- Calibration (from the real MPS borough tables, computed once) ------------------------
_MAJORS = {  # short key -> MPS major category, and the police.uk type it maps to
    "CD": ("ARSON AND CRIMINAL DAMAGE", "Criminal damage and arson"),
    "BU": ("BURGLARY", "Burglary"),
    "DR": ("DRUG OFFENCES", "Drugs"),
    "FF": ("FRAUD AND FORGERY", "Other crime"),
    "MI": ("MISCELLANEOUS CRIMES AGAINST SOCIETY", "Other crime"),
    "PW": ("POSSESSION OF WEAPONS", "Possession of weapons"),
    "PO": ("PUBLIC ORDER OFFENCES", "Public order"),
    "RO": ("ROBBERY", "Robbery"),
    "SX": ("SEXUAL OFFENCES", "Violence and sexual offences"),
    "TH": ("THEFT", ""),  # each theft minor is its own police.uk type ("Bicycle theft", ...)
    "VE": ("VEHICLE OFFENCES", "Vehicle crime"),
    "VA": ("VIOLENCE AGAINST THE PERSON", "Violence and sexual offences"),
}
# MPS minor -> (major key, 2019 London monthly mean, 2024/2019 ratio (extremes capped),
#   covid sensitivity (share lost at the deepest lockdown; negative = rose), season).
# Burglary's 2019 level is split between the two residential minors as in 2024.
_MINORS: dict[str, tuple[str, int, float, float, str]] = {
    "ARSON": ("CD", 166, 1.19, 0.1, "flat"),
    "CRIMINAL DAMAGE": ("CD", 4461, 1.01, 0.2, "flat"),
    "BURGLARY BUSINESS AND COMMUNITY": ("BU", 1743, 0.87, 0.4, "winter"),
    "RES BURGLARY OF A HOME": ("BU", 3604, 0.59, 0.45, "winter"),
    "RES BURGLARY OF UNCONNECTED BUILDING": ("BU", 1351, 0.59, 0.45, "winter"),
    "POSSESSION OF DRUGS": ("DR", 3684, 0.57, -0.3, "flat"),
    "TRAFFICKING OF DRUGS": ("DR", 272, 2.5, -0.5, "flat"),
    "FRAUD AND FORGERY": ("FF", 11, 1.0, 0.0, "flat"),
    "MISC CRIMES AGAINST SOCIETY": ("MI", 930, 0.93, 0.05, "flat"),
    "POSSESSION OF WEAPONS": ("PW", 605, 0.75, 0.15, "summer"),
    "OTHER OFFENCES PUBLIC ORDER": ("PO", 479, 1.25, 0.1, "summer"),
    "PUBLIC FEAR ALARM OR DISTRESS": ("PO", 2810, 1.04, 0.1, "summer"),
    "RACE OR RELIGIOUS AGG PUBLIC FEAR": ("PO", 859, 1.26, 0.1, "summer"),
    "VIOLENT DISORDER": ("PO", 6, 0.96, 0.0, "summer"),
    "ROBBERY OF BUSINESS PROPERTY": ("RO", 238, 2.0, 0.45, "winter"),
    "ROBBERY OF PERSONAL PROPERTY": ("RO", 3023, 0.76, 0.68, "winter"),
    "OTHER SEXUAL OFFENCES": ("SX", 944, 1.42, 0.3, "summer"),
    "RAPE": ("SX", 566, 1.25, 0.25, "summer"),
    "BICYCLE THEFT": ("TH", 1641, 0.8, -0.3, "cycling"),
    "OTHER THEFT": ("TH", 10800, 0.87, 0.6, "flat"),
    "SHOPLIFTING": ("TH", 3795, 1.88, 0.5, "flat"),
    "THEFT FROM THE PERSON": ("TH", 4397, 1.88, 0.85, "winter"),
    "AGGRAVATED VEHICLE TAKING": ("VE", 88, 0.54, 0.3, "flat"),
    "INTERFERING WITH A MOTOR VEHICLE": ("VE", 1376, 0.69, 0.2, "flat"),
    "THEFT FROM A VEHICLE": ("VE", 6513, 0.71, 0.3, "flat"),
    "THEFT OR UNAUTH TAKING OF A MOTOR VEH": ("VE", 2503, 1.1, 0.3, "flat"),
    "DEATH SERIOUS INJURY ILLEGAL DRIVING": ("VA", 6, 1.5, 0.0, "flat"),
    "HOMICIDE": ("VA", 13, 0.69, 0.0, "summer"),
    "STALKING AND HARASSMENT": ("VA", 4479, 1.0, -0.15, "flat"),
    "VIOLENCE WITH INJURY": ("VA", 6354, 0.87, 0.25, "summer"),
    "VIOLENCE WITHOUT INJURY": ("VA", 7302, 1.28, 0.05, "summer"),
}
# Which borough-share column of _GEO (violence, theft, property, other) each major follows.
_SHARE_GROUP = {"VA": 0, "SX": 0, "PO": 0, "PW": 0, "TH": 1, "RO": 1, "BU": 2, "VE": 2, "CD": 2,
                "DR": 3, "MI": 3, "FF": 3}  # fmt: skip


def _major(minor: str) -> str:
    return _MAJORS[_MINORS[minor][0]][0]


def _police_type(minor: str) -> str:
    return _MAJORS[_MINORS[minor][0]][1] or minor.capitalize()


# Seasonal indices Jan..Dec (day counts included), normalised to mean 1 at run time.
_SEASONS = {
    "summer": (0.88, 0.85, 0.97, 0.95, 1.05, 1.07, 1.14, 1.05, 1.01, 1.05, 1.02, 0.96),
    "winter": (1.10, 0.98, 1.02, 0.93, 0.95, 0.91, 0.94, 0.94, 0.94, 1.05, 1.13, 1.11),
    "flat": (0.94, 0.91, 1.02, 0.97, 1.04, 1.02, 1.06, 1.01, 0.96, 1.05, 1.03, 0.99),
    "cycling": (0.70, 0.68, 0.85, 0.95, 1.15, 1.25, 1.35, 1.30, 1.25, 1.10, 0.85, 0.67),
    "asb": (0.85, 0.82, 0.95, 1.02, 1.10, 1.12, 1.15, 1.10, 1.00, 1.00, 0.95, 0.90),
}
# Share of the deepest covid effect by month from April 2020 (lockdowns, reopening, winter).
_COVID_PROFILE = (
    1.0,
    0.85,
    0.65,
    0.45,
    0.35,
    0.35,
    0.45,
    0.65,
    0.65,
    0.9,
    0.9,
    0.7,
    0.45,
    0.3,
    0.15,
)
_COVID_START = 2020 * 12 + 3  # April 2020 as a month number (year * 12 + month - 1)

# GSS code -> (centroid lon, lat, bbox half-width lon, half-height lat, 2019 population,
#              per-mille share of London's violence, theft, property, drugs/other crime).
_GEO: dict[str, tuple[float, float, float, float, int, float, float, float, float]] = {
    "E09000001": (-0.092, 51.515, 0.021, 0.008, 8000, 0, 0, 0, 0),
    "E09000002": (0.134, 51.545, 0.062, 0.044, 214900, 27.5, 16.0, 22.6, 27.9),
    "E09000003": (-0.210, 51.616, 0.088, 0.057, 402400, 32.4, 24.6, 43.4, 26.6),
    "E09000004": (0.140, 51.459, 0.071, 0.052, 252900, 22.9, 11.2, 23.6, 18.3),
    "E09000005": (-0.268, 51.559, 0.072, 0.036, 340700, 39.2, 27.4, 36.7, 39.6),
    "E09000006": (0.052, 51.372, 0.122, 0.077, 334300, 29.0, 19.7, 33.4, 25.4),
    "E09000007": (-0.157, 51.546, 0.054, 0.030, 255500, 32.8, 66.9, 33.9, 34.6),
    "E09000008": (-0.087, 51.355, 0.083, 0.068, 396500, 45.2, 26.2, 40.1, 47.4),
    "E09000009": (-0.331, 51.522, 0.087, 0.035, 354200, 39.6, 25.3, 40.6, 33.6),
    "E09000010": (-0.087, 51.651, 0.088, 0.043, 339500, 35.5, 22.7, 43.1, 31.5),
    "E09000011": (0.056, 51.473, 0.075, 0.044, 289600, 36.8, 22.5, 32.9, 35.1),
    "E09000012": (-0.063, 51.552, 0.044, 0.029, 286400, 35.7, 40.9, 32.4, 33.5),
    "E09000013": (-0.221, 51.496, 0.038, 0.034, 186100, 25.0, 23.5, 24.6, 24.9),
    "E09000014": (-0.107, 51.590, 0.065, 0.023, 285900, 32.9, 30.3, 36.4, 36.2),
    "E09000015": (-0.341, 51.598, 0.068, 0.044, 258900, 19.6, 13.7, 21.9, 16.7),
    "E09000016": (0.221, 51.564, 0.098, 0.072, 258700, 25.5, 16.2, 25.4, 23.8),
    "E09000017": (-0.446, 51.542, 0.067, 0.089, 312600, 33.0, 22.8, 35.3, 42.9),
    "E09000018": (-0.367, 51.468, 0.109, 0.041, 281300, 34.8, 21.7, 33.3, 30.9),
    "E09000019": (-0.110, 51.548, 0.033, 0.028, 241600, 30.0, 39.5, 27.6, 29.4),
    "E09000020": (-0.193, 51.502, 0.039, 0.026, 160500, 19.9, 32.2, 26.1, 22.3),
    "E09000021": (-0.287, 51.388, 0.046, 0.055, 180600, 14.1, 12.1, 12.7, 16.8),
    "E09000022": (-0.118, 51.453, 0.036, 0.049, 338000, 41.0, 43.1, 35.2, 39.9),
    "E09000023": (-0.020, 51.448, 0.057, 0.040, 314000, 38.8, 24.5, 34.7, 34.9),
    "E09000024": (-0.197, 51.410, 0.065, 0.031, 210500, 17.8, 12.2, 17.4, 14.8),
    "E09000025": (0.036, 51.528, 0.059, 0.033, 359500, 41.2, 43.0, 38.2, 53.9),
    "E09000026": (0.076, 51.586, 0.070, 0.043, 307700, 29.9, 19.7, 31.3, 26.3),
    "E09000027": (-0.313, 51.442, 0.085, 0.049, 200700, 13.2, 10.9, 18.8, 10.2),
    "E09000028": (-0.075, 51.473, 0.040, 0.044, 327300, 37.9, 53.5, 34.9, 42.3),
    "E09000029": (-0.178, 51.362, 0.064, 0.036, 209700, 18.5, 9.7, 16.9, 13.0),
    "E09000030": (-0.036, 51.517, 0.044, 0.029, 323700, 41.4, 37.4, 36.4, 50.9),
    "E09000031": (-0.013, 51.594, 0.044, 0.048, 286800, 26.8, 21.6, 31.3, 33.4),
    "E09000032": (-0.186, 51.451, 0.066, 0.034, 328800, 30.5, 25.1, 33.4, 23.4),
    "E09000033": (-0.161, 51.514, 0.052, 0.027, 258500, 51.6, 184.0, 45.5, 59.5),
}
_ASB_PER_MONTH = 20000  # Met anti-social behaviour incidents on police.uk
# City of London Police street file: crime type mix (per mille) from its real files.
_CITY_PER_MONTH = 600
_CITY_MIX = {
    "Other theft": 190, "Violence and sexual offences": 168, "Shoplifting": 167,
    "Theft from the person": 147, "Public order": 71, "Drugs": 56, ASB: 48,
    "Criminal damage and arson": 44, "Burglary": 33, "Bicycle theft": 25, "Robbery": 17,
    "Other crime": 16, "Vehicle crime": 14, "Possession of weapons": 7,
}  # fmt: skip
_NO_LOCATION_RATE = 0.007

# --- Where and when crimes happen ---------------------------------------------------------
# Hour-of-day and day-of-week (Mon..Sun) profiles: night-time economy, daytime footfall,
# homes and cars. Each police.uk type follows one profile and one place weighting.
_HOURS = {
    "night": (5, 4, 3, 2, 1, 1, 1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8, 8, 7),
    "day": (1, 1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 6, 7, 8, 9, 9, 9, 9, 9, 8, 7, 5, 4, 3, 2, 1),
    "home": (4, 3, 3, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 6, 7, 7, 6, 6, 5, 5),
}
_DOW = {
    "night": (0.9, 0.85, 0.9, 0.95, 1.15, 1.3, 1.2),
    "day": (1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 0.85),
    "home": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}
# type -> (time profile, placed at town-centre hotspots?, share with a suspect identified,
#          share of suspect outcomes that go to court)
_TYPE_PROFILE: dict[str, tuple[str, bool, float, float]] = {
    ASB: ("night", True, 0.0, 0.0),
    "Bicycle theft": ("day", True, 0.05, 0.25),
    "Burglary": ("home", False, 0.12, 0.35),
    "Criminal damage and arson": ("night", False, 0.2, 0.2),
    "Drugs": ("night", True, 0.95, 0.3),
    "Other crime": ("day", False, 0.5, 0.3),
    "Other theft": ("day", True, 0.1, 0.15),
    "Possession of weapons": ("night", True, 0.9, 0.55),
    "Public order": ("night", True, 0.4, 0.2),
    "Robbery": ("night", True, 0.2, 0.45),
    "Shoplifting": ("day", True, 0.45, 0.4),
    "Theft from the person": ("day", True, 0.05, 0.3),
    "Vehicle crime": ("home", False, 0.06, 0.3),
    "Violence and sexual offences": ("night", False, 0.6, 0.2),
}

# --- Outcomes (the police.uk vocabulary) --------------------------------------------------
UNDER_INVESTIGATION = "Under investigation"
AWAITING_COURT = "Awaiting court outcome"
SUSPECT_CHARGED = "Suspect charged"
NO_SUSPECT = "Investigation complete; no suspect identified"
STATUS_UNAVAILABLE = "Status update unavailable"
COURT_UNAVAILABLE = "Court result unavailable"
_NON_COURT = {  # outcome -> share of the suspect-identified, not-charged path
    "Unable to prosecute suspect": 0.58,
    "Offender given a caution": 0.1,
    "Local resolution": 0.1,
    "Offender given penalty notice": 0.04,
    "Offender given a drugs possession warning": 0.0,  # Drugs only (set below)
    "Formal action is not in the public interest": 0.04,
    "Further investigation is not in the public interest": 0.03,
    "Action to be taken by another organisation": 0.03,
    STATUS_UNAVAILABLE: 0.08,
}
_COURT = {  # court results of charged suspects
    "Offender sent to prison": 0.22,
    "Offender given suspended prison sentence": 0.12,
    "Offender fined": 0.15,
    "Offender given community sentence": 0.12,
    "Offender given conditional discharge": 0.05,
    "Defendant found not guilty": 0.08,
    "Court case unable to proceed": 0.06,
    "Offender otherwise dealt with": 0.04,
    COURT_UNAVAILABLE: 0.16,
}
OUTCOMES = [NO_SUSPECT, *_NON_COURT, *_COURT, UNDER_INVESTIGATION, AWAITING_COURT, SUSPECT_CHARGED]
_O = {name: i for i, name in enumerate(OUTCOMES)}
_FIRST_COURT = _O["Offender sent to prison"]

# --- Stop and search vocabulary (shares from real Met files) -------------------------------
_SS_TYPE = {"Person search": 0.81, "Person and Vehicle search": 0.178, "Vehicle search": 0.012}
_SS_GENDER = {"Male": 0.846, "Female": 0.08, "Other": 0.068, "": 0.006}
_SS_AGE = {"18-24": 0.268, "over 34": 0.225, "25-34": 0.203, "": 0.154, "10-17": 0.149,
           "under 10": 0.001}  # fmt: skip
# self-defined ethnicity -> (share, the officer-defined ethnicity it usually goes with)
_BLACK = "Black/African/Caribbean/Black British - "
_MIXED = "Mixed/Multiple ethnic groups - "
_SS_ETHNICITY = {
    "Other ethnic group - Not stated": (0.326, ""),
    "White - English/Welsh/Scottish/Northern Irish/British": (0.161, "White"),
    f"{_BLACK}Any other Black/African/Caribbean background": (0.13, "Black"),
    "White - Any other White background": (0.083, "White"),
    f"{_BLACK}African": (0.07, "Black"),
    f"{_BLACK}Caribbean": (0.049, "Black"),
    "Asian/Asian British - Any other Asian background": (0.047, "Asian"),
    "Other ethnic group - Any other ethnic group": (0.029, "Other"),
    "Asian/Asian British - Bangladeshi": (0.021, "Asian"),
    f"{_MIXED}Any other Mixed/Multiple ethnic background": (0.019, "Black"),
    "Asian/Asian British - Indian": (0.012, "Asian"),
    "Asian/Asian British - Pakistani": (0.012, "Asian"),
    f"{_MIXED}White and Black Caribbean": (0.011, "Black"),
    "": (0.01, ""),
    "White - Irish": (0.008, "White"),
    f"{_MIXED}White and Black African": (0.005, "Black"),
    "Other ethnic group - Arab": (0.004, "Other"),
    f"{_MIXED}White and Asian": (0.002, "White"),
    "Asian/Asian British - Chinese": (0.0013, "Asian"),
    "White - Gypsy or Irish Traveller": (0.0002, "White"),
}
_SS_OFFICER = {"Black": 0.44, "White": 0.35, "Asian": 0.13, "Other": 0.05, "": 0.03}
# (legislation, object of search, share)
_SS_POWERS = [
    ("Misuse of Drugs Act 1971 (section 23)", "Controlled drugs", 0.536),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Stolen goods", 0.179),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Offensive weapons", 0.159),
    (
        "Criminal Justice and Public Order Act 1994 (section 60)",
        "Anything to threaten or harm anyone",
        0.073,
    ),
    (
        "Police and Criminal Evidence Act 1984 (section 1)",
        "Evidence of offences under the Act",
        0.04,
    ),
    ("Firearms Act 1968 (section 47)", "Firearms", 0.0055),
    (
        "Police and Criminal Evidence Act 1984 (section 1)",
        "Articles for use in criminal damage",
        0.0037,
    ),
    ("Police and Criminal Evidence Act 1984 (section 1)", "Fireworks", 0.0012),
    ("Police and Criminal Evidence Act 1984 (section 1)", "", 0.0025),
]
_SS_OUTCOME = {
    "A no further action disposal": 0.697,
    "Arrest": 0.162,
    "Community resolution": 0.097,
    "Penalty Notice for Disorder": 0.027,
    "Summons / charged by post": 0.012,
    "Caution (simple or conditional)": 0.006,
}
_SS_PER_MONTH = 13500
_SS_NO_LOCATION_RATE = 0.088

# --- Street names for "On or near ..." ----------------------------------------------------
_STREET_WORDS = (
    "Acacia", "Albany", "Albert", "Alexandra", "Alma", "Arthur", "Ash", "Aspen", "Beech",
    "Belmont", "Birch", "Blenheim", "Boundary", "Bridge", "Brook", "Cambridge", "Canal", "Carlton",
    "Cedar", "Chapel", "Chestnut", "Church", "Clarence", "Cromwell", "Dale", "Denmark",
    "Devonshire", "Dover", "Elm", "Fairfield", "Farm", "Ferndale", "Gladstone", "Glebe", "Grange",
    "Granville", "Green", "Grove", "Hamilton", "Hawthorn", "Hazel", "Heath", "High", "Highfield",
    "Hill", "Holly", "Kings", "Lansdowne", "Laurel", "Lime", "Linden", "Lodge", "Manor", "Maple",
    "Market", "Marlborough", "Meadow", "Mill", "Milton", "Nelson", "Norfolk", "North", "Oak",
    "Orchard", "Osborne", "Palmerston", "Park", "Princes", "Priory", "Queens", "Railway",
    "Rectory", "Regent", "Richmond", "Riverside", "Rose", "Russell", "St John's", "St Mary's",
    "School", "Spring", "Springfield", "Stanley", "Station", "Sussex", "Thames", "Tower", "Union",
    "Vicarage", "Victoria", "Walnut", "Warwick", "Waterloo", "Wellington", "West", "Westfield",
    "Willow", "Windsor", "Woodland", "York",
)  # fmt: skip
_STREET_SUFFIXES = (
    "Road", "Street", "Avenue", "Close", "Lane", "Gardens", "Way", "Grove", "Place", "Crescent",
    "Drive", "Terrace", "Mews", "Square", "Hill", "Rise", "Walk", "Court", "Row", "Parade",
)  # fmt: skip
_PLACES = (
    "Supermarket",
    "Shopping Area",
    "Parking Area",
    "Petrol Station",
    "Nightclub",
    "Sports/Recreation Area",
    "Further/Higher Educational Building",
    "Hospital",
    "Police Station",
    "Theatre/Concert Hall",
    "Bus/Coach Station",
    "Pedestrian Subway",
    "Conference/Exhibition Centre",
)
_LSOA_PER_PERSON = 1 / 1900  # London has ~4,900 LSOAs for ~9.1M residents
_POINTS_PER_LSOA = 6  # police.uk snaps each crime to one of a few anonymised map points


@dataclass(frozen=True)
class GenerationSummary:
    """What generate() wrote: every file, and row counts per kind (for the CLI and tests)."""

    out_dir: Path
    start: str
    end: str
    detail_months: list[str]
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Geography:
    """Synthetic LSOAs and snap points for a set of boroughs, ordered by borough."""

    names: list[str]
    lsoa_start: np.ndarray  # first LSOA of each borough (len = boroughs + 1)
    lsoa_cum: dict[bool, np.ndarray]  # cumulative LSOA weights: hotspot-led or residential
    point_cum: np.ndarray  # cumulative point weights (points of LSOA i are i*K .. i*K+K-1)
    point_lsoa: np.ndarray
    lon: np.ndarray  # per point
    lat: np.ndarray
    location: pa.Array  # "On or near ..." per point
    lsoa_code: pa.Array  # per LSOA
    lsoa_name: pa.Array


# Outcome events: (crime index, detail-month index, outcome index), parallel arrays.
_Events = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class _Crimes:
    """Record-level crimes of the detail months (columns as parallel numpy arrays)."""

    month: np.ndarray  # index into the detail months
    borough: np.ndarray  # index into the geography's boroughs
    minor: np.ndarray  # index into _MINORS, -1 for ASB and for City crimes
    ctype: np.ndarray  # index into CRIME_TYPES
    point: np.ndarray  # snap point, -1 when the crime has no location
    minute: np.ndarray  # minutes since the start of its month (local time)
    ids: pa.Array  # 64 hex chars, null for ASB
    outcome: np.ndarray  # last outcome (index into OUTCOMES), -1 for ASB


# --- Small helpers ------------------------------------------------------------------------


def _month_number(text: str) -> int:
    year, month = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"not a month: {text!r} (expected YYYY-MM)")
    return year * 12 + month - 1


def _month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def _last_full_month(today: date) -> str:
    return _month_text(today.year * 12 + today.month - 2)


def _probs(weights: Sequence[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> pa.Array:
    """n draws from a {value: share} vocabulary; empty strings become blanks (nulls)."""
    values = list(options)
    picks = rng.choice(len(values), size=n, p=_probs(list(options.values())))
    return _take(values, picks)


def _take(values: Sequence[str], index: np.ndarray) -> pa.Array:
    """values[index] as an Arrow string array; index -1 or an empty value gives a blank."""
    table = pa.array([v if v else None for v in values], type=pa.string())
    return table.take(pa.array(index, mask=index < 0))


def _hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """64-hex-character IDs shaped like police.uk Crime IDs, built without a Python loop."""
    raw = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 64), dtype=np.uint8)
    chars[:, 0::2] = digits[raw >> 4]
    chars[:, 1::2] = digits[raw & 15]
    offsets = np.arange(0, 64 * n + 1, 64, dtype=np.int64)
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes())]
    ).cast(pa.string())


def _fixed6(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    """Coordinates with exactly six decimals (as police.uk writes them); blank where missing."""
    micro = np.rint(values * 1e6).astype(np.int64)
    magnitude = np.abs(micro)
    whole = pc.cast(pa.array(magnitude // 1_000_000), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(magnitude % 1_000_000), pa.string()), 6, "0")
    sign = pc.if_else(pa.array(micro < 0), "-", "")
    text = pc.binary_join_element_wise(pc.binary_join_element_wise(sign, whole, ""), frac, ".")
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _write_csv(path: Path, header: list[str], columns: list[pa.Array]) -> int:
    """Unquoted CSV with LF line ends and blanks for nulls, as data.police.uk publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [f"c{i}" for i in range(len(header))]
    table = pa.table(columns, names=names)
    with path.open("wb") as fh:
        fh.write((",".join(header) + "\n").encode())
        if table.num_rows:
            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            pacsv.write_csv(table, fh, options)
    return table.num_rows


# --- Geography ----------------------------------------------------------------------------


def _street_names(rng: np.random.Generator, n: int) -> list[str]:
    words = rng.integers(0, len(_STREET_WORDS), n)
    suffixes = rng.integers(0, len(_STREET_SUFFIXES), n)
    places = rng.integers(0, len(_PLACES), n)
    is_place = rng.random(n) < 0.1
    return [
        "On or near " + (_PLACES[p] if q else f"{_STREET_WORDS[w]} {_STREET_SUFFIXES[s]}")
        for w, s, p, q in zip(words, suffixes, places, is_place, strict=True)
    ]


def _build_geography(rng: np.random.Generator, codes: list[str], first_code: int) -> _Geography:
    """LSOA centroids scattered around a few hotspots per borough, each with map points.

    Hotspots make crime cluster the way it does (town centres, stations); LSOAs take
    MSOA-style names numbered north to south like the real ones, and X01 codes.
    """
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    hot: list[np.ndarray] = []
    names: list[str] = []
    lsoa_codes: list[str] = []
    starts = [0]
    for code in codes:
        cx, cy, hx, hy, population, *_ = _GEO[code]
        n = max(6, round(population * _LSOA_PER_PERSON))
        n_hot = 2 if code == CITY_OF_LONDON else 4
        hot_x = cx + rng.normal(0, hx * 0.3, n_hot)
        hot_y = cy + rng.normal(0, hy * 0.3, n_hot)
        around = rng.integers(0, n_hot, n)
        near = rng.random(n) < 0.5
        x = np.where(
            near, hot_x[around] + rng.normal(0, hx * 0.2, n), cx + rng.normal(0, hx * 0.5, n)
        )
        y = np.where(
            near, hot_y[around] + rng.normal(0, hy * 0.2, n), cy + rng.normal(0, hy * 0.5, n)
        )
        x = np.clip(x, max(cx - hx, BOUNDS[0] + 0.01), min(cx + hx, BOUNDS[2] - 0.01))
        y = np.clip(y, max(cy - hy, BOUNDS[1] + 0.01), min(cy + hy, BOUNDS[3] - 0.01))
        order = np.argsort(-y, kind="stable")  # MSOA numbers run north to south
        x, y = x[order], y[order]
        dist2 = ((x[:, None] - hot_x) / hx) ** 2 + ((y[:, None] - hot_y) / hy) ** 2
        hot.append(1 + 4 * np.exp(-dist2.min(axis=1) / 0.02))
        lons.append(x)
        lats.append(y)
        name = BOROUGHS[code]
        names += [f"{name} {i // 5 + 1:03d}{'ABCDE'[i % 5]}" for i in range(n)]
        lsoa_codes += [f"X01{first_code + starts[-1] + i:06d}" for i in range(n)]
        starts.append(starts[-1] + n)
    lsoa_lon, lsoa_lat, hotness = np.concatenate(lons), np.concatenate(lats), np.concatenate(hot)
    n_lsoa = len(lsoa_lon)
    base = rng.lognormal(0, 0.5, n_lsoa)
    k = _POINTS_PER_LSOA
    point_lsoa = np.repeat(np.arange(n_lsoa), k)
    lon = np.clip(lsoa_lon[point_lsoa] + rng.normal(0, 0.002, n_lsoa * k), BOUNDS[0], BOUNDS[2])
    lat = np.clip(lsoa_lat[point_lsoa] + rng.normal(0, 0.0013, n_lsoa * k), BOUNDS[1], BOUNDS[3])
    return _Geography(
        names=[BOROUGHS[c] for c in codes],
        lsoa_start=np.array(starts),
        lsoa_cum={True: np.cumsum(base * hotness**2), False: np.cumsum(base * hotness)},
        point_cum=np.cumsum(rng.lognormal(0, 0.8, n_lsoa * k)),
        point_lsoa=point_lsoa,
        lon=np.round(lon, 6),
        lat=np.round(lat, 6),
        location=pa.array(_street_names(rng, n_lsoa * k), type=pa.string()),
        lsoa_code=pa.array(lsoa_codes, type=pa.string()),
        lsoa_name=pa.array(names, type=pa.string()),
    )


def _pick_in_ranges(
    rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """For each row, an index in [lo, hi) drawn in proportion to the weights behind `cum`."""
    before = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    target = before + rng.random(len(lo)) * (cum[hi - 1] - before)
    return np.clip(np.searchsorted(cum, target, side="right"), lo, hi - 1)


def _place(
    rng: np.random.Generator, geo: _Geography, borough: np.ndarray, hotspot: np.ndarray
) -> np.ndarray:
    """A snap point for each crime: an LSOA of its borough, then a point of that LSOA."""
    lo, hi = geo.lsoa_start[borough], geo.lsoa_start[borough + 1]
    lsoa = np.empty(len(borough), dtype=np.int64)
    for flag in (True, False):
        rows = hotspot == flag
        lsoa[rows] = _pick_in_ranges(rng, geo.lsoa_cum[flag], lo[rows], hi[rows])
    k = _POINTS_PER_LSOA
    point = _pick_in_ranges(rng, geo.point_cum, lsoa * k, lsoa * k + k)
    return np.where(rng.random(len(borough)) < _NO_LOCATION_RATE, -1, point)


# --- Time ---------------------------------------------------------------------------------


def _minutes(rng: np.random.Generator, month: int, profile: np.ndarray) -> np.ndarray:
    """Minutes since the month's start, following each row's hour/day-of-week profile."""
    year, mon = divmod(month, 12)
    first_weekday, days = calendar.monthrange(year, mon + 1)
    weekday = (first_weekday + np.arange(days)) % 7
    keys = list(_HOURS)
    slots = np.stack(
        [np.outer(np.asarray(_DOW[k])[weekday], np.asarray(_HOURS[k])).ravel() for k in keys]
    )
    cum = np.cumsum(slots.ravel())
    width = days * 24
    lo = profile * width
    slot = _pick_in_ranges(rng, cum, lo, lo + width) - lo
    return slot * 60 + rng.integers(0, 60, len(profile))


def _iso_minutes(month: int, minutes: np.ndarray) -> np.ndarray:
    start = np.datetime64(_month_text(month), "m")
    return np.datetime_as_string(start + minutes.astype("timedelta64[m]"), unit="s")


# --- Borough table ------------------------------------------------------------------------


def _monthly_means(months: np.ndarray, codes: list[str]) -> np.ndarray:
    """Expected counts [month, borough, minor]: level x trend x season x covid x share."""
    info = list(_MINORS.values())
    base = np.array([m[1] for m in info], dtype=float)
    ratio = np.array([m[2] for m in info])
    covid = np.array([m[3] for m in info])
    seasons = {k: np.asarray(v) / np.mean(v) for k, v in _SEASONS.items()}
    season = np.stack([seasons[m[4]] for m in info], axis=1)[months % 12]  # [month, minor]
    years = np.clip((months + 0.5) / 12 - 2019.5, -2.0, 6.0)
    trend = ratio[None, :] ** (years[:, None] / 5)
    effect = _covid_profile(months)
    level = base * trend * season * (1 - covid[None, :] * effect[:, None])
    shares = np.array([_GEO[c][5:] for c in codes]) / 1000  # [borough, group]
    group = np.array([_SHARE_GROUP[m[0]] for m in info])
    return level[:, None, :] * shares[:, group][None, :, :]


def _covid_profile(months: np.ndarray) -> np.ndarray:
    offset = months - _COVID_START
    inside = (offset >= 0) & (offset < len(_COVID_PROFILE))
    return np.where(
        inside, np.asarray(_COVID_PROFILE)[np.clip(offset, 0, len(_COVID_PROFILE) - 1)], 0.0
    )


def _borough_counts(rng: np.random.Generator, months: np.ndarray, codes: list[str]) -> np.ndarray:
    """Negative-binomial counts with a London-wide shock per month and category."""
    mean = _monthly_means(months, codes)
    shock = rng.lognormal(0, 0.04, (len(months), 1, mean.shape[2]))
    shape = 30.0
    return rng.poisson(mean * shock * rng.gamma(shape, 1 / shape, mean.shape)).astype(np.int64)


def _write_borough_table(
    path: Path, months: np.ndarray, codes: list[str], counts: np.ndarray
) -> int:
    order = sorted(range(len(codes)), key=lambda b: BOROUGHS[codes[b]])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(
            ["MajorText", "MinorText", "BoroughName"]
            + [_month_text(m).replace("-", "") for m in months]
        )
        rows = 0
        for c, minor in enumerate(_MINORS):
            for b in order:
                writer.writerow(
                    [_major(minor), minor, BOROUGHS[codes[b]], *counts[:, b, c].tolist()]
                )
                rows += 1
    return rows


# --- Record-level crimes ------------------------------------------------------------------


def _met_crimes(
    rng: np.random.Generator, geo: _Geography, months: np.ndarray, counts: np.ndarray
) -> tuple[_Crimes, _Events]:
    """One record per borough-table crime of each detail month, plus police.uk ASB."""
    n_b, n_c = counts.shape[1], counts.shape[2]
    minor_type = np.array([_T[_police_type(m)] for m in _MINORS])
    asb_share = _probs([sum(_GEO[c][5:]) for c in _met_codes()])
    asb_season = np.asarray(_SEASONS["asb"]) / np.mean(_SEASONS["asb"])
    parts: list[tuple[np.ndarray, ...]] = []
    for i, month in enumerate(months):
        cell = np.repeat(np.arange(n_b * n_c), counts[i].ravel())
        n_asb = rng.poisson(
            _ASB_PER_MONTH
            * asb_season[month % 12]
            * (1 + 0.6 * _covid_profile(np.array([month]))[0])
        )
        asb_borough = rng.choice(n_b, size=n_asb, p=asb_share)
        borough = np.concatenate([cell // n_c, asb_borough])
        minor = np.concatenate([cell % n_c, np.full(n_asb, -1)])
        ctype = np.where(minor >= 0, minor_type[minor], _T[ASB])
        parts.append((np.full(len(borough), i), borough, minor, ctype))
    empty = np.zeros(0, dtype=np.int64)
    month_idx, borough, minor, ctype = (
        np.concatenate([empty, *(p[j] for p in parts)]) for j in range(4)
    )
    return _finish_crimes(rng, geo, months, month_idx, borough, minor, ctype)


def _city_crimes(
    rng: np.random.Generator, geo: _Geography, months: np.ndarray
) -> tuple[_Crimes, _Events]:
    types = [_T[t] for t in _CITY_MIX]
    n = rng.poisson(_CITY_PER_MONTH * rng.lognormal(0, 0.05, len(months)))
    month_idx = np.repeat(np.arange(len(months)), n)
    ctype = np.asarray(types)[
        rng.choice(len(types), size=len(month_idx), p=_probs(list(_CITY_MIX.values())))
    ]
    borough = np.zeros(len(month_idx), dtype=np.int64)
    return _finish_crimes(rng, geo, months, month_idx, borough, np.full(len(month_idx), -1), ctype)


def _finish_crimes(
    rng: np.random.Generator,
    geo: _Geography,
    months: np.ndarray,
    month_idx: np.ndarray,
    borough: np.ndarray,
    minor: np.ndarray,
    ctype: np.ndarray,
) -> tuple[_Crimes, _Events]:
    """Place, time, identify and resolve crimes (all vectorised)."""
    profiles = list(_HOURS)
    hot = np.array([_TYPE_PROFILE[t][1] for t in CRIME_TYPES])[ctype]
    profile = np.array([profiles.index(_TYPE_PROFILE[t][0]) for t in CRIME_TYPES])[ctype]
    point = _place(rng, geo, borough, hot)
    minute = np.empty(len(ctype), dtype=np.int64)
    for i, month in enumerate(months):
        rows = month_idx == i
        minute[rows] = _minutes(rng, int(month), profile[rows])
    ids = _hex_ids(rng, len(ctype))
    is_asb = ctype == _T[ASB]
    ids = pc.if_else(pa.array(is_asb), pa.scalar(None, pa.string()), ids)
    last, *events = _last_outcomes(rng, ctype, month_idx, len(months))
    crimes = _Crimes(month_idx, borough, minor, ctype, point, minute, ids, last)
    return crimes, (events[0], events[1], events[2])


def _final_outcome_table() -> np.ndarray:
    """[crime type, outcome] probabilities of where each investigation ends up."""
    table = np.zeros((len(CRIME_TYPES), len(OUTCOMES)))
    non_court = _probs(list(_NON_COURT.values()))
    court = _probs(list(_COURT.values()))
    for t, name in enumerate(CRIME_TYPES):
        _, _, suspect, to_court = _TYPE_PROFILE[name]
        if name == ASB:
            continue
        table[t, _O[NO_SUSPECT]] = 1 - suspect
        table[t, 1 : 1 + len(_NON_COURT)] = suspect * (1 - to_court) * non_court
        if name == "Drugs":  # cannabis/khat warnings replace most cautions for possession
            table[t, _O["Offender given a drugs possession warning"]] = (
                suspect * (1 - to_court) * 0.25
            )
        table[t, _FIRST_COURT : _FIRST_COURT + len(_COURT)] = suspect * to_court * court
    return table / np.maximum(table.sum(axis=1, keepdims=True), 1e-12)


def _last_outcomes(
    rng: np.random.Generator, ctype: np.ndarray, month_idx: np.ndarray, n_months: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each crime's last outcome as of the final month, and the outcome events behind it.

    Returns (last outcome per crime, event crime index, event month index, event outcome).
    Investigations take months: a recent crime is often still "Under investigation", and
    a charged suspect is "Awaiting court outcome" until the court result arrives.
    """
    n = len(ctype)
    table = _final_outcome_table()
    final = np.full(n, -1, dtype=np.int64)
    for t in range(len(CRIME_TYPES)):
        rows = np.flatnonzero(ctype == t)
        if t != _T[ASB] and len(rows):
            final[rows] = rng.choice(len(OUTCOMES), size=len(rows), p=table[t])
    decided = month_idx + rng.geometric(0.55, n) - 1  # when the investigation outcome lands
    court_at = decided + 1 + rng.geometric(0.25, n)  # court result, months after charge
    last_month = n_months - 1
    is_court = final >= _FIRST_COURT
    no_event = (final < 0) | (final == _O[STATUS_UNAVAILABLE])
    last = final.copy()
    pending = (final >= 0) & (final != _O[STATUS_UNAVAILABLE]) & (decided > last_month)
    last[pending] = _O[UNDER_INVESTIGATION]
    awaiting = is_court & (decided <= last_month) & (court_at > last_month)
    last[awaiting] = _O[AWAITING_COURT]
    first_event = ~no_event & (decided <= last_month)
    first_type = np.where(is_court, _O[SUSPECT_CHARGED], final)
    second = is_court & (court_at <= last_month) & (final != _O[COURT_UNAVAILABLE])
    crime = np.concatenate([np.flatnonzero(first_event), np.flatnonzero(second)])
    when = np.concatenate([decided[first_event], court_at[second]])
    what = np.concatenate([first_type[first_event], final[second]])
    return last, crime, when, what


def _met_codes() -> list[str]:
    return [c for c in BOROUGHS if c != CITY_OF_LONDON]


# --- Writers ------------------------------------------------------------------------------


def _location_columns(geo: _Geography, point: np.ndarray) -> list[pa.Array]:
    """Longitude, Latitude, Location, LSOA code, LSOA name (police.uk's blank rules)."""
    missing = point < 0
    safe = np.where(missing, 0, point)
    lsoa = np.where(missing, -1, geo.point_lsoa[safe])
    location = pc.if_else(pa.array(missing), "No Location", geo.location.take(pa.array(safe)))
    lsoa_index = pa.array(lsoa, mask=missing)
    return [
        _fixed6(geo.lon[safe], missing),
        _fixed6(geo.lat[safe], missing),
        location,
        geo.lsoa_code.take(lsoa_index),
        geo.lsoa_name.take(lsoa_index),
    ]


def _street_rows(
    crimes: _Crimes, geo: _Geography, month_index: int, month: str, force: str
) -> tuple[list[pa.Array], np.ndarray]:
    rows = np.flatnonzero(crimes.month == month_index)
    # Real files list crimes by place: LSOA/point order, unlocated ones last.
    point = crimes.point[rows]
    rows = rows[np.argsort(np.where(point < 0, np.iinfo(np.int64).max, point), kind="stable")]
    n = len(rows)
    const = pa.array(np.full(n, force), type=pa.string()) if n else pa.array([], pa.string())
    columns = [
        crimes.ids.take(pa.array(rows)),
        pa.array(np.full(n, month), type=pa.string()) if n else pa.array([], pa.string()),
        const,
        const,
        *_location_columns(geo, crimes.point[rows]),
        _take(CRIME_TYPES, crimes.ctype[rows]),
        _take(OUTCOMES, crimes.outcome[rows]),
        pa.nulls(n, pa.string()),
    ]
    return columns, rows


def _write_street(
    path: Path, crimes: _Crimes, geo: _Geography, month_index: int, month: str, force: str
) -> int:
    columns, _ = _street_rows(crimes, geo, month_index, month, force)
    return _write_csv(path, STREET_HEADER, columns)


def _write_outcomes(
    path: Path, crimes: _Crimes, geo: _Geography, events: _Events, month_index: int, month: str
) -> int:
    crime, when, what = events
    pick = np.flatnonzero(when == month_index)
    pick = pick[np.argsort(crime[pick], kind="stable")]
    rows, types = crime[pick], what[pick]
    n = len(rows)
    const = pa.array([MET] * n, type=pa.string())
    columns = [
        crimes.ids.take(pa.array(rows)),
        pa.array([month] * n, type=pa.string()),
        const,
        const,
        *_location_columns(geo, crimes.point[rows]),
        _take(OUTCOMES, types),
    ]
    return _write_csv(path, OUTCOMES_HEADER, columns)


def _write_feed(path: Path, crimes: _Crimes, geo: _Geography, months: np.ndarray) -> int:
    """The force's own daily export: every non-ASB crime, in time order, exact timestamps."""
    rows = np.flatnonzero(crimes.ctype != _T[ASB])
    starts = np.array([np.datetime64(_month_text(int(m)), "m").astype(np.int64) for m in months])
    stamp = starts[crimes.month[rows]] + crimes.minute[rows]
    rows = rows[np.argsort(stamp, kind="stable")]
    stamp = np.sort(stamp, kind="stable")
    occurred = np.datetime_as_string(stamp.astype("datetime64[m]"), unit="s")
    point = crimes.point[rows]
    missing = point < 0
    safe = np.where(missing, 0, point)
    minor_names = list(_MINORS)
    columns = [
        crimes.ids.take(pa.array(rows)),
        pa.array(occurred, type=pa.string()),
        _take(CRIME_TYPES, crimes.ctype[rows]),
        _take(minor_names, crimes.minor[rows]),
        _take(geo.names, crimes.borough[rows]),
        geo.lsoa_code.take(pa.array(geo.point_lsoa[safe], mask=missing)),
        _fixed6(geo.lat[safe], missing),
        _fixed6(geo.lon[safe], missing),
        _take(OUTCOMES, crimes.outcome[rows]),
        pa.array(np.full(len(rows), "metropolitan"), type=pa.string()),
    ]
    return _write_csv(path, FEED_HEADER, columns)


def _write_stop_search(path: Path, rng: np.random.Generator, geo: _Geography, month: int) -> int:
    """One month of Met stop and search records (times in UTC, like police.uk)."""
    season = 1 + 0.08 * np.cos((month % 12 - 6) / 6 * np.pi)
    n = int(rng.poisson(_SS_PER_MONTH * season * (1 + 0.8 * _covid_profile(np.array([month]))[0])))
    kind = _choice(rng, _SS_TYPE, n)
    vehicle_only = pc.equal(kind, "Vehicle search").to_numpy(zero_copy_only=False)
    minutes = _minutes(rng, month, np.full(n, list(_HOURS).index("night")))
    # Officers round times: many records at :00/:30, more on the five minutes.
    rounding = rng.random(n)
    minutes = np.where(
        rounding < 0.25, minutes // 30 * 30, np.where(rounding < 0.6, minutes // 5 * 5, minutes)
    )
    utc = np.sort(minutes - 60 * _is_bst(month, minutes))
    stamps = _iso_minutes(month, utc)
    borough = rng.integers(0, len(geo.names), n)
    point = _place(rng, geo, borough, np.ones(n, dtype=bool))
    missing = (rng.random(n) < _SS_NO_LOCATION_RATE) | (point < 0)
    safe = np.where(point < 0, 0, point)
    ethnic = list(_SS_ETHNICITY)
    self_defined = rng.choice(len(ethnic), size=n, p=_probs([v[0] for v in _SS_ETHNICITY.values()]))
    officer_options = list(_SS_OFFICER)
    usual = np.array([officer_options.index(v[1]) for v in _SS_ETHNICITY.values()])[self_defined]
    random_officer = rng.choice(len(officer_options), size=n, p=_probs(list(_SS_OFFICER.values())))
    officer = np.where(
        (usual != officer_options.index("")) & (rng.random(n) < 0.88), usual, random_officer
    )
    power = rng.choice(len(_SS_POWERS), size=n, p=_probs([p[2] for p in _SS_POWERS]))
    outcome = rng.choice(len(_SS_OUTCOME), size=n, p=_probs(list(_SS_OUTCOME.values())))
    nfa = outcome == 0
    linked = np.where(
        nfa, np.where(rng.random(n) < 0.7, -1, 1), np.where(rng.random(n) < 0.6, 0, 1)
    )
    removal = np.where(rng.random(n) < 0.55, -1, np.where(rng.random(n) < 0.01, 0, 1))
    operation = np.where(rng.random(n) < 0.01, 0, 1)
    blank_person = np.where(vehicle_only, -1, 0)
    gender = _choice(rng, _SS_GENDER, n)
    return _write_csv(
        path,
        STOP_SEARCH_HEADER,
        [
            kind,
            pc.binary_join_element_wise(pa.array(stamps, type=pa.string()), "+00:00", ""),
            _take(["True", "False"], operation),
            pa.nulls(n, pa.string()),
            _fixed6(geo.lat[safe], missing),
            _fixed6(geo.lon[safe], missing),
            pc.if_else(pa.array(vehicle_only), "Other", gender),
            _take(
                list(_SS_AGE),
                np.where(
                    vehicle_only, -1, rng.choice(len(_SS_AGE), n, p=_probs(list(_SS_AGE.values())))
                ),
            ),
            _take(ethnic, np.where(blank_person < 0, -1, self_defined)),
            _take(officer_options, np.where(blank_person < 0, -1, officer)),
            _take([p[0] for p in _SS_POWERS], power),
            _take([p[1] for p in _SS_POWERS], power),
            _take(list(_SS_OUTCOME), outcome),
            _take(["True", "False"], linked),
            _take(["True", "False"], removal),
        ],
    )


def _is_bst(month: int, minutes: np.ndarray) -> np.ndarray:
    """1 where a local time falls in British Summer Time (last Sunday of March to October)."""
    year, mon = divmod(month, 12)
    if 3 < mon + 1 < 10:
        return np.ones(len(minutes), dtype=np.int64)
    if mon + 1 not in (3, 10):
        return np.zeros(len(minutes), dtype=np.int64)
    days = calendar.monthrange(year, mon + 1)[1]
    last_sunday = max(
        d for d in range(days - 6, days + 1) if calendar.weekday(year, mon + 1, d) == 6
    )
    switch = ((last_sunday - 1) * 24 + 1) * 60
    after = minutes >= switch
    return (after if mon + 1 == 3 else ~after).astype(np.int64)


def _write_population(path: Path, rng: np.random.Generator, first_year: int, last_year: int) -> int:
    """Borough populations with gentle, borough-specific growth around the 2019 levels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    growth = rng.normal(0.004, 0.002, len(BOROUGHS))
    rows = 0
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(POPULATION_HEADER)
        for year in range(first_year, last_year + 1):
            for (code, name), g in zip(BOROUGHS.items(), growth, strict=True):
                population = round(_GEO[code][4] * (1 + g) ** (year - 2019))
                writer.writerow([code, name, year, "synthetic", population])
                rows += 1
    return rows


_SCC, _VCT, _FLYING, _ROBBERY_TEAM = (
    "Specialist Crime Command", "Violent Crime Taskforce", "Flying Squad", "{b} robbery team"
)  # fmt: skip
_VAWG = "violence against women and girls"
# (event type, theme, unit, events per week, mean count per row, summary after the count)
_OPLOG_STREAMS = [
    ("arrest", "robbery", _ROBBERY_TEAM, 110, 2.0, "arrest{s} for robbery"),
    ("arrest", "robbery", _FLYING, 20, 2.5, "arrest{s} for armed robbery"),
    ("arrest", "gangs", _VCT, 60, 2.0, "arrest{s} of gang members"),
    ("arrest", "knife crime", _VCT, 50, 1.5, "arrest{s} for knife offences"),
    ("arrest", "county lines", _SCC, 40, 3.0, "arrest{s} in a county lines operation"),
    ("arrest", _VAWG, _SCC, 45, 1.5, "arrest{s} for offences against women and girls"),
    ("charge", "robbery", _ROBBERY_TEAM, 50, 1.5, "suspect{s} charged with robbery"),
    ("charge", "county lines", _SCC, 25, 2.0, "suspect{s} charged with drug supply"),
    ("charge", _VAWG, _SCC, 35, 1.2, "suspect{s} charged with offences against women"),
    ("charge", "gangs", _VCT, 20, 1.5, "suspect{s} charged after gang violence"),
    ("conviction", "organised crime", _SCC, 15, 1.5, "organised crime conviction{s}"),
    ("conviction", "robbery", _FLYING, 20, 1.5, "robber{s} convicted"),
    ("conviction", "firearms", _SCC, 3, 1.2, "conviction{s} for firearms offences"),
    ("firearm_recovered", "firearms", _SCC, 4, 1.1, "firearm{s} recovered"),
    ("firearm_recovered", "firearms", _FLYING, 1, 1.0, "firearm{s} recovered after a robbery"),
    ("weapon_recovered", "knife crime", _VCT, 80, 1.5, "weapon{s} recovered"),
    ("drugs_seized", "county lines", _SCC, 30, 1.0, "drugs seizure{s}"),
    ("county_line_closed", "county lines", _SCC, 13, 1.0, "county line{s} closed"),
    ("warrant_executed", "organised crime", _SCC, 25, 1.3, "warrant{s} executed"),
    ("cash_seized", "organised crime", _SCC, 6, 1.0, "cash seizure{s} totalling £{cash}"),
]


def _write_oplog(path: Path, rng: np.random.Generator, months: np.ndarray) -> int:
    """Daily operational outcomes at the Met's published weekly scale (firearms, lines...)."""
    codes = _met_codes()
    share = _probs([sum(_GEO[c][5:]) for c in codes])
    days = [
        np.datetime64(_month_text(int(m)), "D") + offset
        for m in months
        for offset in range(calendar.monthrange(int(m) // 12, int(m) % 12 + 1)[1])
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(OPLOG_HEADER)
        for day in days:
            for event, theme, unit, weekly, mean, summary in _OPLOG_STREAMS:
                for _ in range(rng.poisson(weekly / 7 / mean)):
                    n = 1 + int(rng.poisson(mean - 1))
                    borough = BOROUGHS[codes[rng.choice(len(codes), p=share)]]
                    solved = (
                        n + int(rng.poisson(0.8 * n)) if event in ("charge", "conviction") else 0
                    )
                    cash = int(rng.integers(2, 120)) * 500  # no thousands commas in CSV text
                    what = summary.format(s="" if n == 1 else "s", cash=cash)
                    text = f"{n} {what} in {borough}"
                    writer.writerow(
                        [str(day), event, n, unit.format(b=borough), theme, borough, solved, text]
                    )
                    rows += 1
    return rows


# --- Entry point --------------------------------------------------------------------------


def generate(
    out_dir: Path,
    seed: int = 7,
    start: str = "2018-01",
    end: str | None = None,
    detail_months: int = 12,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Write a synthetic London in the real open formats under `out_dir`.

    `end` defaults to the last full month before today. The borough table covers
    start..end; record-level files (street, outcomes, stop and search, daily feed, ops
    log) cover only the final `detail_months`, which keeps the demo quick to build while
    giving the analysis years of monthly history. Same seed, same bytes.
    """
    first = _month_number(start)
    last = _month_number(end or _last_full_month(date.today()))
    if last < first:
        raise ValueError(f"end {end!r} is before start {start!r}")
    report = progress or (lambda stage, done, total: None)
    months = np.arange(first, last + 1)
    detail = months[max(0, len(months) - max(0, detail_months)) :]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SYNTHETIC_MARKER).touch()
    summary = GenerationSummary(
        out, _month_text(first), _month_text(last), [_month_text(int(m)) for m in detail]
    )
    seeds = np.random.SeedSequence(seed).spawn(8)
    rngs = [np.random.default_rng(s) for s in seeds]

    def wrote(kind: str, path: Path, rows: int) -> None:
        summary.files.append(path)
        summary.rows[kind] = summary.rows.get(kind, 0) + rows

    codes = _met_codes()
    report("borough table", 0, 1)
    counts = _borough_counts(rngs[0], months, codes)
    table = out / "mps" / BOROUGH_TABLE_NAME
    wrote("borough-table", table, _write_borough_table(table, months, codes, counts))
    report("borough table", 1, 1)

    geo = _build_geography(rngs[1], codes, 1)
    city_geo = _build_geography(rngs[1], [CITY_OF_LONDON], 1 + int(geo.lsoa_start[-1]))
    report("crimes", 0, 1)
    crimes, events = _met_crimes(rngs[2], geo, detail, counts[len(months) - len(detail) :])
    city, _ = _city_crimes(rngs[3], city_geo, detail)
    report("crimes", 1, 1)

    steps = len(detail)
    for i, month in enumerate(detail):
        text = _month_text(int(month))
        folder = out / "policeuk" / text
        report("police.uk files", i, steps)
        path = folder / f"{text}-metropolitan-street.csv"
        wrote("street", path, _write_street(path, crimes, geo, i, text, MET))
        path = folder / f"{text}-city-of-london-street.csv"
        wrote("city-street", path, _write_street(path, city, city_geo, i, text, CITY))
        path = folder / f"{text}-metropolitan-outcomes.csv"
        wrote("outcomes", path, _write_outcomes(path, crimes, geo, events, i, text))
        path = folder / f"{text}-metropolitan-stop-and-search.csv"
        wrote("stop-and-search", path, _write_stop_search(path, rngs[4], geo, int(month)))
    report("police.uk files", steps, steps)

    report("feed and logs", 0, 3)
    path = out / "feed" / "incidents.csv"
    wrote("feed", path, _write_feed(path, crimes, geo, detail))
    report("feed and logs", 1, 3)
    path = out / "oplog" / "operational-outcomes.csv"
    wrote("oplog", path, _write_oplog(path, rngs[5], detail))
    report("feed and logs", 2, 3)
    path = out / "population" / "borough-population.csv"
    wrote("population", path, _write_population(path, rngs[6], first // 12, last // 12))
    report("feed and logs", 3, 3)
    return summary
