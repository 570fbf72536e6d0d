"""The synthetic London's records, drawn at random from the calibration.

The borough table's counts (negative binomial around the calibrated monthly means), one
record per counted crime in the detail months (placed, timed, identified, and followed
through its outcomes, so street, feed and borough views of a month agree exactly), plus
anti-social behaviour, the City of London's own small force, stop and search, borough
populations and the operational outcomes log. Everything is drawn from numpy generators
the caller seeds, in a fixed order, so the same seed gives the same records; nothing here
writes a file (`writers` does).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crimepulse.core.reference.london import BOROUGHS
from crimepulse.demo.calibration import (
    ASB,
    ASB_PER_MONTH,
    AWAITING_COURT,
    BOROUGH_PROFILE,
    CITY_MIX,
    CITY_PER_MONTH,
    COURT,
    COURT_UNAVAILABLE,
    CRIME_TYPES,
    DAYS_OF_WEEK,
    FIRST_COURT,
    HOURS,
    MINORS,
    NO_SUSPECT,
    NON_COURT,
    OPLOG_STREAMS,
    OUTCOME_INDEX,
    OUTCOMES,
    POST_WEEK,
    POST_WEEK_EVENTS,
    SEASONS,
    SHARE_GROUP,
    STATUS_UNAVAILABLE,
    STOP_AGES,
    STOP_ETHNICITIES,
    STOP_GENDERS,
    STOP_NO_LOCATION_RATE,
    STOP_OFFICER_ETHNICITIES,
    STOP_OUTCOMES,
    STOP_POWERS,
    STOP_TYPES,
    STOPS_PER_MONTH,
    SUSPECT_CHARGED,
    TYPE_INDEX,
    TYPE_PROFILE,
    UNDER_INVESTIGATION,
    covid_effect,
    month_text,
    police_type_of,
)
from crimepulse.demo.geography import Geography, met_codes, pick_in_ranges, place

# Outcome events: (crime index, detail-month index, outcome index), parallel arrays.
OutcomeEvents = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Crimes:
    """Record-level crimes of the detail months (columns as parallel numpy arrays)."""

    month: np.ndarray  # index into the detail months
    borough: np.ndarray  # index into the geography's boroughs
    minor: np.ndarray  # index into MINORS, -1 for ASB and for City crimes
    ctype: np.ndarray  # index into CRIME_TYPES
    point: np.ndarray  # snap point, -1 when the crime has no location
    minute: np.ndarray  # minutes since the start of its month (local time)
    ids: pa.Array  # 64 hex chars, null for ASB
    outcome: np.ndarray  # last outcome (index into OUTCOMES), -1 for ASB


# --- Small helpers ------------------------------------------------------------------------


def probs(weights: Sequence[float]) -> np.ndarray:
    """Weights scaled to sum to 1, as numpy's `choice` wants them."""
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def choice(rng: np.random.Generator, options: dict[str, float], n: int) -> pa.Array:
    """n draws from a {value: share} vocabulary; empty strings become blanks (nulls)."""
    values = list(options)
    picks = rng.choice(len(values), size=n, p=probs(list(options.values())))
    return take(values, picks)


def take(values: Sequence[str], index: np.ndarray) -> pa.Array:
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


# --- Time ---------------------------------------------------------------------------------


def minutes_in_month(rng: np.random.Generator, month: int, profile: np.ndarray) -> np.ndarray:
    """Minutes since the month's start, following each row's hour/day-of-week profile."""
    year, mon = divmod(month, 12)
    first_weekday, days = calendar.monthrange(year, mon + 1)
    weekday = (first_weekday + np.arange(days)) % 7
    keys = list(HOURS)
    slots = np.stack(
        [np.outer(np.asarray(DAYS_OF_WEEK[k])[weekday], np.asarray(HOURS[k])).ravel() for k in keys]
    )
    cum = np.cumsum(slots.ravel())
    width = days * 24
    lo = profile * width
    slot = pick_in_ranges(rng, cum, lo, lo + width) - lo
    return slot * 60 + rng.integers(0, 60, len(profile))


def iso_minutes(month: int, minutes: np.ndarray) -> np.ndarray:
    """Minutes since a month's start as ISO timestamps (seconds always :00)."""
    start = np.datetime64(month_text(month), "m")
    return np.datetime_as_string(start + minutes.astype("timedelta64[m]"), unit="s")


# --- Borough table ------------------------------------------------------------------------


def _monthly_means(months: np.ndarray, codes: list[str]) -> np.ndarray:
    """Expected counts [month, borough, minor]: level x trend x season x covid x share."""
    info = list(MINORS.values())
    base = np.array([m[1] for m in info], dtype=float)
    ratio = np.array([m[2] for m in info])
    covid = np.array([m[3] for m in info])
    seasons = {k: np.asarray(v) / np.mean(v) for k, v in SEASONS.items()}
    season = np.stack([seasons[m[4]] for m in info], axis=1)[months % 12]  # [month, minor]
    years = np.clip((months + 0.5) / 12 - 2019.5, -2.0, 6.0)
    trend = ratio[None, :] ** (years[:, None] / 5)
    effect = covid_effect(months)
    level = base * trend * season * (1 - covid[None, :] * effect[:, None])
    shares = np.array([BOROUGH_PROFILE[c][1:] for c in codes]) / 1000  # [borough, group]
    group = np.array([SHARE_GROUP[m[0]] for m in info])
    return level[:, None, :] * shares[:, group][None, :, :]


def borough_counts(rng: np.random.Generator, months: np.ndarray, codes: list[str]) -> np.ndarray:
    """Negative-binomial counts with a London-wide shock per month and category."""
    mean = _monthly_means(months, codes)
    shock = rng.lognormal(0, 0.04, (len(months), 1, mean.shape[2]))
    shape = 30.0
    return rng.poisson(mean * shock * rng.gamma(shape, 1 / shape, mean.shape)).astype(np.int64)


# --- Record-level crimes ------------------------------------------------------------------


def met_crimes(
    rng: np.random.Generator, geo: Geography, months: np.ndarray, counts: np.ndarray
) -> tuple[Crimes, OutcomeEvents]:
    """One record per borough-table crime of each detail month, plus police.uk ASB."""
    n_b, n_c = counts.shape[1], counts.shape[2]
    minor_type = np.array([TYPE_INDEX[police_type_of(m)] for m in MINORS])
    asb_share = probs([sum(BOROUGH_PROFILE[c][1:]) for c in met_codes()])
    asb_season = np.asarray(SEASONS["asb"]) / np.mean(SEASONS["asb"])
    parts: list[tuple[np.ndarray, ...]] = []
    for i, month in enumerate(months):
        cell = np.repeat(np.arange(n_b * n_c), counts[i].ravel())
        n_asb = rng.poisson(
            ASB_PER_MONTH * asb_season[month % 12] * (1 + 0.6 * covid_effect(np.array([month]))[0])
        )
        asb_borough = rng.choice(n_b, size=n_asb, p=asb_share)
        borough = np.concatenate([cell // n_c, asb_borough])
        minor = np.concatenate([cell % n_c, np.full(n_asb, -1)])
        ctype = np.where(minor >= 0, minor_type[minor], TYPE_INDEX[ASB])
        parts.append((np.full(len(borough), i), borough, minor, ctype))
    empty = np.zeros(0, dtype=np.int64)
    month_idx, borough, minor, ctype = (
        np.concatenate([empty, *(p[j] for p in parts)]) for j in range(4)
    )
    return _finish_crimes(rng, geo, months, month_idx, borough, minor, ctype)


def city_crimes(
    rng: np.random.Generator, geo: Geography, months: np.ndarray
) -> tuple[Crimes, OutcomeEvents]:
    """The City of London Police's own crimes: about 600 a month in its real type mix."""
    types = [TYPE_INDEX[t] for t in CITY_MIX]
    n = rng.poisson(CITY_PER_MONTH * rng.lognormal(0, 0.05, len(months)))
    month_idx = np.repeat(np.arange(len(months)), n)
    ctype = np.asarray(types)[
        rng.choice(len(types), size=len(month_idx), p=probs(list(CITY_MIX.values())))
    ]
    borough = np.zeros(len(month_idx), dtype=np.int64)
    return _finish_crimes(rng, geo, months, month_idx, borough, np.full(len(month_idx), -1), ctype)


def _finish_crimes(
    rng: np.random.Generator,
    geo: Geography,
    months: np.ndarray,
    month_idx: np.ndarray,
    borough: np.ndarray,
    minor: np.ndarray,
    ctype: np.ndarray,
) -> tuple[Crimes, OutcomeEvents]:
    """Place, time, identify and resolve crimes (all vectorised)."""
    profiles = list(HOURS)
    hot = np.array([TYPE_PROFILE[t][1] for t in CRIME_TYPES])[ctype]
    profile = np.array([profiles.index(TYPE_PROFILE[t][0]) for t in CRIME_TYPES])[ctype]
    point = place(rng, geo, borough, hot)
    minute = np.empty(len(ctype), dtype=np.int64)
    for i, month in enumerate(months):
        rows = month_idx == i
        minute[rows] = minutes_in_month(rng, int(month), profile[rows])
    ids = _hex_ids(rng, len(ctype))
    is_asb = ctype == TYPE_INDEX[ASB]
    ids = pc.if_else(pa.array(is_asb), pa.scalar(None, pa.string()), ids)
    last, *events = _last_outcomes(rng, ctype, month_idx, len(months))
    crimes = Crimes(month_idx, borough, minor, ctype, point, minute, ids, last)
    return crimes, (events[0], events[1], events[2])


def _final_outcome_table() -> np.ndarray:
    """[crime type, outcome] probabilities of where each investigation ends up."""
    table = np.zeros((len(CRIME_TYPES), len(OUTCOMES)))
    non_court = probs(list(NON_COURT.values()))
    court = probs(list(COURT.values()))
    for t, name in enumerate(CRIME_TYPES):
        _, _, suspect, to_court = TYPE_PROFILE[name]
        if name == ASB:
            continue
        table[t, OUTCOME_INDEX[NO_SUSPECT]] = 1 - suspect
        table[t, 1 : 1 + len(NON_COURT)] = suspect * (1 - to_court) * non_court
        if name == "Drugs":  # cannabis/khat warnings replace most cautions for possession
            table[t, OUTCOME_INDEX["Offender given a drugs possession warning"]] = (
                suspect * (1 - to_court) * 0.25
            )
        table[t, FIRST_COURT : FIRST_COURT + len(COURT)] = suspect * to_court * court
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
        if t != TYPE_INDEX[ASB] and len(rows):
            final[rows] = rng.choice(len(OUTCOMES), size=len(rows), p=table[t])
    decided = month_idx + rng.geometric(0.55, n) - 1  # when the investigation outcome lands
    court_at = decided + 1 + rng.geometric(0.25, n)  # court result, months after charge
    last_month = n_months - 1
    is_court = final >= FIRST_COURT
    no_event = (final < 0) | (final == OUTCOME_INDEX[STATUS_UNAVAILABLE])
    last = final.copy()
    pending = (final >= 0) & (final != OUTCOME_INDEX[STATUS_UNAVAILABLE]) & (decided > last_month)
    last[pending] = OUTCOME_INDEX[UNDER_INVESTIGATION]
    awaiting = is_court & (decided <= last_month) & (court_at > last_month)
    last[awaiting] = OUTCOME_INDEX[AWAITING_COURT]
    first_event = ~no_event & (decided <= last_month)
    first_type = np.where(is_court, OUTCOME_INDEX[SUSPECT_CHARGED], final)
    second = is_court & (court_at <= last_month) & (final != OUTCOME_INDEX[COURT_UNAVAILABLE])
    crime = np.concatenate([np.flatnonzero(first_event), np.flatnonzero(second)])
    when = np.concatenate([decided[first_event], court_at[second]])
    what = np.concatenate([first_type[first_event], final[second]])
    return last, crime, when, what


# --- Stop and search ----------------------------------------------------------------------


@dataclass(frozen=True)
class StopSearches:
    """One month of Met stop and search records, field by field (Arrow strings in the
    police.uk vocabulary; coordinates as numbers, `missing` where a record has none)."""

    kind: pa.Array
    stamps: pa.Array  # ISO times in UTC with their "+00:00"
    operation: pa.Array  # "True" / "False"
    lat: np.ndarray
    lon: np.ndarray
    missing: np.ndarray
    gender: pa.Array
    age: pa.Array
    self_defined: pa.Array
    officer_defined: pa.Array
    legislation: pa.Array
    object_of_search: pa.Array
    outcome: pa.Array
    linked: pa.Array  # outcome linked to the object of search
    removal: pa.Array  # removal of more than just outer clothing


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


def stop_searches(rng: np.random.Generator, geo: Geography, month: int) -> StopSearches:
    """One month of Met stop and search records (times in UTC, like police.uk)."""
    season = 1 + 0.08 * np.cos((month % 12 - 6) / 6 * np.pi)
    n = int(rng.poisson(STOPS_PER_MONTH * season * (1 + 0.8 * covid_effect(np.array([month]))[0])))
    kind = choice(rng, STOP_TYPES, n)
    vehicle_only = pc.equal(kind, "Vehicle search").to_numpy(zero_copy_only=False)
    minutes = minutes_in_month(rng, month, np.full(n, list(HOURS).index("night")))
    # Officers round times: many records at :00/:30, more on the five minutes.
    rounding = rng.random(n)
    minutes = np.where(
        rounding < 0.25, minutes // 30 * 30, np.where(rounding < 0.6, minutes // 5 * 5, minutes)
    )
    utc = np.sort(minutes - 60 * _is_bst(month, minutes))
    stamps = iso_minutes(month, utc)
    borough = rng.integers(0, len(geo.names), n)
    point = place(rng, geo, borough, np.ones(n, dtype=bool))
    missing = (rng.random(n) < STOP_NO_LOCATION_RATE) | (point < 0)
    safe = np.where(point < 0, 0, point)
    ethnic = list(STOP_ETHNICITIES)
    self_defined = rng.choice(
        len(ethnic), size=n, p=probs([v[0] for v in STOP_ETHNICITIES.values()])
    )
    officer_options = list(STOP_OFFICER_ETHNICITIES)
    usual = np.array([officer_options.index(v[1]) for v in STOP_ETHNICITIES.values()])[self_defined]
    random_officer = rng.choice(
        len(officer_options), size=n, p=probs(list(STOP_OFFICER_ETHNICITIES.values()))
    )
    officer = np.where(
        (usual != officer_options.index("")) & (rng.random(n) < 0.88), usual, random_officer
    )
    power = rng.choice(len(STOP_POWERS), size=n, p=probs([p[2] for p in STOP_POWERS]))
    outcome = rng.choice(len(STOP_OUTCOMES), size=n, p=probs(list(STOP_OUTCOMES.values())))
    nfa = outcome == 0
    linked = np.where(
        nfa, np.where(rng.random(n) < 0.7, -1, 1), np.where(rng.random(n) < 0.6, 0, 1)
    )
    removal = np.where(rng.random(n) < 0.55, -1, np.where(rng.random(n) < 0.01, 0, 1))
    operation = np.where(rng.random(n) < 0.01, 0, 1)
    blank_person = np.where(vehicle_only, -1, 0)
    gender = choice(rng, STOP_GENDERS, n)
    age = rng.choice(len(STOP_AGES), n, p=probs(list(STOP_AGES.values())))
    return StopSearches(
        kind=kind,
        stamps=pc.binary_join_element_wise(pa.array(stamps, type=pa.string()), "+00:00", ""),
        operation=take(["True", "False"], operation),
        lat=geo.lat[safe],
        lon=geo.lon[safe],
        missing=missing,
        gender=pc.if_else(pa.array(vehicle_only), "Other", gender),
        age=take(list(STOP_AGES), np.where(vehicle_only, -1, age)),
        self_defined=take(ethnic, np.where(blank_person < 0, -1, self_defined)),
        officer_defined=take(officer_options, np.where(blank_person < 0, -1, officer)),
        legislation=take([p[0] for p in STOP_POWERS], power),
        object_of_search=take([p[1] for p in STOP_POWERS], power),
        outcome=take(list(STOP_OUTCOMES), outcome),
        linked=take(["True", "False"], linked),
        removal=take(["True", "False"], removal),
    )


# --- Populations and the operational log ----------------------------------------------------


def populations(
    rng: np.random.Generator, first_year: int, last_year: int
) -> list[tuple[str, str, int, str, int]]:
    """Borough populations with gentle, borough-specific growth around the 2019 levels:
    (code, name, year, source, population) per borough and year."""
    growth = rng.normal(0.004, 0.002, len(BOROUGHS))
    return [
        (code, name, year, "synthetic", round(BOROUGH_PROFILE[code][0] * (1 + g) ** (year - 2019)))
        for year in range(first_year, last_year + 1)
        for (code, name), g in zip(BOROUGHS.items(), growth, strict=True)
    ]


def operational_events(
    rng: np.random.Generator, months: np.ndarray
) -> Iterator[tuple[str, str, int, str, str, str, int, str]]:
    """Daily operational outcomes at the Met's published weekly scale (firearms, lines...):
    (occurred_on, event_type, count, unit, theme, borough, crimes_solved, summary)."""
    codes = met_codes()
    share = probs([sum(BOROUGH_PROFILE[c][1:]) for c in codes])
    days = [
        np.datetime64(month_text(int(m)), "D") + offset
        for m in months
        for offset in range(calendar.monthrange(int(m) // 12, int(m) % 12 + 1)[1])
    ]
    scripted = {(row[1], row[4]) for row in POST_WEEK_EVENTS}
    year, week = (int(part) for part in POST_WEEK.split("-W"))
    monday = np.datetime64(date.fromisocalendar(year, week, 1), "D")
    for day in days:
        in_post_week = monday <= day < monday + 7
        for event, theme, unit, weekly, mean, summary in OPLOG_STREAMS:
            for _ in range(rng.poisson(weekly / 7 / mean)):
                n = 1 + int(rng.poisson(mean - 1))
                borough = BOROUGHS[codes[rng.choice(len(codes), p=share)]]
                solved = n + int(rng.poisson(0.8 * n)) if event in ("charge", "conviction") else 0
                cash = int(rng.integers(2, 120)) * 500  # no thousands commas in CSV text
                if in_post_week and (event, theme) in scripted:
                    continue  # drawn all the same, so every other day is as it always was
                what = summary.format(s="" if n == 1 else "s", cash=cash)
                text = f"{n} {what} in {borough}"
                yield (str(day), event, n, unit.format(b=borough), theme, borough, solved, text)
        for row in POST_WEEK_EVENTS:
            if row[0] == str(day):
                yield row
