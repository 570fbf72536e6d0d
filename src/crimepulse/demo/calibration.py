"""How much crime the synthetic London has, of what kind, where and when: the calibration.

Levels, borough shares and seasonality were derived once from the real MPS borough tables
(2019 monthly means, 2019-2024 growth, 2011-2019 seasonal indices, borough shares by crime
group), the stop-and-search and outcome shares from real Met files, and the operational
log's scale from the Met's published weekly figures; they are embedded here as rounded
constants, in the police.uk and MPS vocabularies they were measured in. Nothing here
reads real data at run time, draws a random number or writes a file: `records` draws from
these numbers, `writers` writes what it drew. Months are numbered `year * 12 + month - 1`
throughout the generator.
"""

from __future__ import annotations

from datetime import date

import numpy as np

ASB = "Anti-social behaviour"
CRIME_TYPES = [
    ASB, "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting",
    "Theft from the person", "Vehicle crime", "Violence and sexual offences",
]  # fmt: skip
TYPE_INDEX = {name: i for i, name in enumerate(CRIME_TYPES)}

# --- Levels and mix (from the real MPS borough tables, computed once) ---------------------
MAJORS = {  # short key -> MPS major category, and the police.uk type it maps to
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
MINORS: dict[str, tuple[str, int, float, float, str]] = {
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
# Which borough-share column of BOROUGH_PROFILE (violence, theft, property, other) each
# major follows.
SHARE_GROUP = {"VA": 0, "SX": 0, "PO": 0, "PW": 0, "TH": 1, "RO": 1, "BU": 2, "VE": 2, "CD": 2,
                "DR": 3, "MI": 3, "FF": 3}  # fmt: skip


def major_of(minor: str) -> str:
    return MAJORS[MINORS[minor][0]][0]


def police_type_of(minor: str) -> str:
    return MAJORS[MINORS[minor][0]][1] or minor.capitalize()


# Seasonal indices Jan..Dec (day counts included), normalised to mean 1 at run time.
SEASONS = {
    "summer": (0.88, 0.85, 0.97, 0.95, 1.05, 1.07, 1.14, 1.05, 1.01, 1.05, 1.02, 0.96),
    "winter": (1.10, 0.98, 1.02, 0.93, 0.95, 0.91, 0.94, 0.94, 0.94, 1.05, 1.13, 1.11),
    "flat": (0.94, 0.91, 1.02, 0.97, 1.04, 1.02, 1.06, 1.01, 0.96, 1.05, 1.03, 0.99),
    "cycling": (0.70, 0.68, 0.85, 0.95, 1.15, 1.25, 1.35, 1.30, 1.25, 1.10, 0.85, 0.67),
    "asb": (0.85, 0.82, 0.95, 1.02, 1.10, 1.12, 1.15, 1.10, 1.00, 1.00, 0.95, 0.90),
}
# Share of the deepest covid effect by month from April 2020 (lockdowns, reopening, winter).
COVID_PROFILE = (
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
COVID_START = 2020 * 12 + 3  # April 2020 as a month number (year * 12 + month - 1)

# GSS code -> (2019 population, per-mille share of London's violence, theft, property,
#              drugs/other crime).
BOROUGH_PROFILE: dict[str, tuple[int, float, float, float, float]] = {
    "E09000001": (8000, 0, 0, 0, 0),
    "E09000002": (214900, 27.5, 16.0, 22.6, 27.9),
    "E09000003": (402400, 32.4, 24.6, 43.4, 26.6),
    "E09000004": (252900, 22.9, 11.2, 23.6, 18.3),
    "E09000005": (340700, 39.2, 27.4, 36.7, 39.6),
    "E09000006": (334300, 29.0, 19.7, 33.4, 25.4),
    "E09000007": (255500, 32.8, 66.9, 33.9, 34.6),
    "E09000008": (396500, 45.2, 26.2, 40.1, 47.4),
    "E09000009": (354200, 39.6, 25.3, 40.6, 33.6),
    "E09000010": (339500, 35.5, 22.7, 43.1, 31.5),
    "E09000011": (289600, 36.8, 22.5, 32.9, 35.1),
    "E09000012": (286400, 35.7, 40.9, 32.4, 33.5),
    "E09000013": (186100, 25.0, 23.5, 24.6, 24.9),
    "E09000014": (285900, 32.9, 30.3, 36.4, 36.2),
    "E09000015": (258900, 19.6, 13.7, 21.9, 16.7),
    "E09000016": (258700, 25.5, 16.2, 25.4, 23.8),
    "E09000017": (312600, 33.0, 22.8, 35.3, 42.9),
    "E09000018": (281300, 34.8, 21.7, 33.3, 30.9),
    "E09000019": (241600, 30.0, 39.5, 27.6, 29.4),
    "E09000020": (160500, 19.9, 32.2, 26.1, 22.3),
    "E09000021": (180600, 14.1, 12.1, 12.7, 16.8),
    "E09000022": (338000, 41.0, 43.1, 35.2, 39.9),
    "E09000023": (314000, 38.8, 24.5, 34.7, 34.9),
    "E09000024": (210500, 17.8, 12.2, 17.4, 14.8),
    "E09000025": (359500, 41.2, 43.0, 38.2, 53.9),
    "E09000026": (307700, 29.9, 19.7, 31.3, 26.3),
    "E09000027": (200700, 13.2, 10.9, 18.8, 10.2),
    "E09000028": (327300, 37.9, 53.5, 34.9, 42.3),
    "E09000029": (209700, 18.5, 9.7, 16.9, 13.0),
    "E09000030": (323700, 41.4, 37.4, 36.4, 50.9),
    "E09000031": (286800, 26.8, 21.6, 31.3, 33.4),
    "E09000032": (328800, 30.5, 25.1, 33.4, 23.4),
    "E09000033": (258500, 51.6, 184.0, 45.5, 59.5),
}
ASB_PER_MONTH = 20000  # Met anti-social behaviour incidents on police.uk
# City of London Police street file: crime type mix (per mille) from its real files.
CITY_PER_MONTH = 600
CITY_MIX = {
    "Other theft": 190, "Violence and sexual offences": 168, "Shoplifting": 167,
    "Theft from the person": 147, "Public order": 71, "Drugs": 56, ASB: 48,
    "Criminal damage and arson": 44, "Burglary": 33, "Bicycle theft": 25, "Robbery": 17,
    "Other crime": 16, "Vehicle crime": 14, "Possession of weapons": 7,
}  # fmt: skip
NO_LOCATION_RATE = 0.007

# --- Where and when crimes happen ---------------------------------------------------------
# Hour-of-day and day-of-week (Mon..Sun) profiles: night-time economy, daytime footfall,
# homes and cars. Each police.uk type follows one profile and one place weighting.
HOURS = {
    "night": (5, 4, 3, 2, 1, 1, 1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 7, 8, 8, 8, 8, 7),
    "day": (1, 1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 6, 7, 8, 9, 9, 9, 9, 9, 8, 7, 5, 4, 3, 2, 1),
    "home": (4, 3, 3, 2, 2, 2, 2, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 6, 7, 7, 6, 6, 5, 5),
}
DAYS_OF_WEEK = {
    "night": (0.9, 0.85, 0.9, 0.95, 1.15, 1.3, 1.2),
    "day": (1.0, 1.0, 1.0, 1.0, 1.05, 1.1, 0.85),
    "home": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}
# type -> (time profile, placed at town-centre hotspots?, share with a suspect identified,
#          share of suspect outcomes that go to court)
TYPE_PROFILE: dict[str, tuple[str, bool, float, float]] = {
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
NON_COURT = {  # outcome -> share of the suspect-identified, not-charged path
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
COURT = {  # court results of charged suspects
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
OUTCOMES = [NO_SUSPECT, *NON_COURT, *COURT, UNDER_INVESTIGATION, AWAITING_COURT, SUSPECT_CHARGED]
OUTCOME_INDEX = {name: i for i, name in enumerate(OUTCOMES)}
FIRST_COURT = OUTCOME_INDEX["Offender sent to prison"]

# --- Stop and search vocabulary (shares from real Met files) -------------------------------
STOP_TYPES = {"Person search": 0.81, "Person and Vehicle search": 0.178, "Vehicle search": 0.012}
STOP_GENDERS = {"Male": 0.846, "Female": 0.08, "Other": 0.068, "": 0.006}
STOP_AGES = {"18-24": 0.268, "over 34": 0.225, "25-34": 0.203, "": 0.154, "10-17": 0.149,
           "under 10": 0.001}  # fmt: skip
# self-defined ethnicity -> (share, the officer-defined ethnicity it usually goes with)
_BLACK = "Black/African/Caribbean/Black British - "
_MIXED = "Mixed/Multiple ethnic groups - "
STOP_ETHNICITIES = {
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
STOP_OFFICER_ETHNICITIES = {"Black": 0.44, "White": 0.35, "Asian": 0.13, "Other": 0.05, "": 0.03}
# (legislation, object of search, share)
STOP_POWERS = [
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
STOP_OUTCOMES = {
    "A no further action disposal": 0.697,
    "Arrest": 0.162,
    "Community resolution": 0.097,
    "Penalty Notice for Disorder": 0.027,
    "Summons / charged by post": 0.012,
    "Caution (simple or conditional)": 0.006,
}
STOPS_PER_MONTH = 13500
STOP_NO_LOCATION_RATE = 0.088

# --- The operational outcomes log (the Met's published weekly scale) ----------------------
_SCC, _VCT, _FLYING, _ROBBERY_TEAM = (
    "Specialist Crime Command", "Violent Crime Taskforce", "Flying Squad", "{b} robbery team"
)  # fmt: skip
_VAWG = "violence against women and girls"
# (event type, theme, unit, events per week, mean count per row, summary after the count)
OPLOG_STREAMS = [
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

# One week written as the Met described it in a Commissioner's post of February 2023, so a
# demo covering that week shows what such a post is built from: (day, event type, count,
# unit, theme, borough, crimes solved, summary). In that week these rows replace the
# random streams of the same (event type, theme); every other stream and week is as drawn.
POST_WEEK = "2023-W07"  # Monday 13 to Sunday 19 February 2023
POST_WEEK_EVENTS = [
    ("2023-02-13", "firearm_recovered", 3, _SCC, "firearms", "Lambeth", 0,
     "three firearms recovered in a search of a flat in Brixton"),
    ("2023-02-16", "firearm_recovered", 2, _SCC, "firearms", "Newham", 0,
     "two handguns recovered from a car stopped in Stratford"),
    ("2023-02-15", "conviction", 6, _SCC, "firearms", "Southwark", 6,
     "six defendants linked to three firearms recovered in south London brought to justice"),
    ("2023-02-17", "charge", 7, _SCC, "firearms", "Croydon", 7,
     "seven more people charged with firearms offences"),
    ("2023-02-14", "hostage_recovered", 1, _SCC, "organised crime", "Barnet", 0,
     "a kidnap hostage recovered unharmed"),
    ("2023-02-18", "arrest", 18, _SCC, "organised crime", "Havering", 0,
     "18 people arrested in an organised crime investigation into £1.5 million of stolen "
     "vehicles"),
    ("2023-02-13", "county_line_closed", 5, _SCC, "county lines", "Lewisham", 0,
     "five county lines run from Lewisham into Kent closed"),
    ("2023-02-15", "county_line_closed", 4, _SCC, "county lines", "Enfield", 0,
     "four county lines closed in a week of action"),
    ("2023-02-17", "county_line_closed", 4, _SCC, "county lines", "Hackney", 0,
     "four county lines closed"),
    ("2023-02-17", "charge", 14, _SCC, "county lines", "Enfield", 14,
     "14 offenders charged with drug supply after lines were closed"),
    ("2023-02-16", "conviction", 2, _FLYING, "robbery", "Westminster", 0,
     "two convictions for weapon-enabled robbery of commercial premises"),
    ("2023-02-13", "arrest", 38, "Westminster robbery team", "robbery", "Westminster", 0,
     "38 arrests for robbery in the West End"),
    ("2023-02-15", "arrest", 52, _FLYING, "robbery", "Lambeth", 0,
     "52 arrests for robbery across south London"),
    ("2023-02-18", "arrest", 40, "Newham robbery team", "robbery", "Newham", 0,
     "40 arrests for robbery in east London"),
    ("2023-02-19", "charge", 13, _FLYING, "robbery", "Lambeth", 28,
     "13 of those arrested for robbery charged immediately (28 crimes solved)"),
]  # fmt: skip


# --- Months (numbered year * 12 + month - 1) ---------------------------------------------


def month_number(text: str) -> int:
    year, month = (int(part) for part in text.split("-"))
    if not 1 <= month <= 12:
        raise ValueError(f"not a month: {text!r} (expected YYYY-MM)")
    return year * 12 + month - 1


def month_text(number: int) -> str:
    return f"{number // 12:04d}-{number % 12 + 1:02d}"


def last_full_month(today: date) -> str:
    return month_text(today.year * 12 + today.month - 2)


def covid_effect(months: np.ndarray) -> np.ndarray:
    """Share of the deepest covid effect in each month (0 outside the covid months)."""
    offset = months - COVID_START
    inside = (offset >= 0) & (offset < len(COVID_PROFILE))
    return np.where(
        inside, np.asarray(COVID_PROFILE)[np.clip(offset, 0, len(COVID_PROFILE) - 1)], 0.0
    )
