"""Where the synthetic London's crimes happen: boroughs, LSOAs, snap points, coordinates.

Each borough gets synthetic LSOAs (codes starting ``X01``, which can never collide with
real ONS GSS codes; names numbered north to south like the real ones) scattered around a
few hotspots inside the borough's real extent, and each LSOA a few anonymised map points,
as police.uk snaps every crime to one. `place` puts a crime on such a point (or nowhere,
as a small share of real records are).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from crimepulse.core.reference.london import BOROUGHS, CITY_OF_LONDON
from crimepulse.demo.calibration import BOROUGH_PROFILE, NO_LOCATION_RATE

BOUNDS = (-0.52, 51.28, 0.34, 51.70)  # lon_min, lat_min, lon_max, lat_max
# GSS code -> (centroid lon, lat, bbox half-width lon, half-height lat).
BOROUGH_SHAPES: dict[str, tuple[float, float, float, float]] = {
    "E09000001": (-0.092, 51.515, 0.021, 0.008),
    "E09000002": (0.134, 51.545, 0.062, 0.044),
    "E09000003": (-0.210, 51.616, 0.088, 0.057),
    "E09000004": (0.140, 51.459, 0.071, 0.052),
    "E09000005": (-0.268, 51.559, 0.072, 0.036),
    "E09000006": (0.052, 51.372, 0.122, 0.077),
    "E09000007": (-0.157, 51.546, 0.054, 0.030),
    "E09000008": (-0.087, 51.355, 0.083, 0.068),
    "E09000009": (-0.331, 51.522, 0.087, 0.035),
    "E09000010": (-0.087, 51.651, 0.088, 0.043),
    "E09000011": (0.056, 51.473, 0.075, 0.044),
    "E09000012": (-0.063, 51.552, 0.044, 0.029),
    "E09000013": (-0.221, 51.496, 0.038, 0.034),
    "E09000014": (-0.107, 51.590, 0.065, 0.023),
    "E09000015": (-0.341, 51.598, 0.068, 0.044),
    "E09000016": (0.221, 51.564, 0.098, 0.072),
    "E09000017": (-0.446, 51.542, 0.067, 0.089),
    "E09000018": (-0.367, 51.468, 0.109, 0.041),
    "E09000019": (-0.110, 51.548, 0.033, 0.028),
    "E09000020": (-0.193, 51.502, 0.039, 0.026),
    "E09000021": (-0.287, 51.388, 0.046, 0.055),
    "E09000022": (-0.118, 51.453, 0.036, 0.049),
    "E09000023": (-0.020, 51.448, 0.057, 0.040),
    "E09000024": (-0.197, 51.410, 0.065, 0.031),
    "E09000025": (0.036, 51.528, 0.059, 0.033),
    "E09000026": (0.076, 51.586, 0.070, 0.043),
    "E09000027": (-0.313, 51.442, 0.085, 0.049),
    "E09000028": (-0.075, 51.473, 0.040, 0.044),
    "E09000029": (-0.178, 51.362, 0.064, 0.036),
    "E09000030": (-0.036, 51.517, 0.044, 0.029),
    "E09000031": (-0.013, 51.594, 0.044, 0.048),
    "E09000032": (-0.186, 51.451, 0.066, 0.034),
    "E09000033": (-0.161, 51.514, 0.052, 0.027),
}

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
class Geography:
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


def _street_names(rng: np.random.Generator, n: int) -> list[str]:
    words = rng.integers(0, len(_STREET_WORDS), n)
    suffixes = rng.integers(0, len(_STREET_SUFFIXES), n)
    places = rng.integers(0, len(_PLACES), n)
    is_place = rng.random(n) < 0.1
    return [
        "On or near " + (_PLACES[p] if q else f"{_STREET_WORDS[w]} {_STREET_SUFFIXES[s]}")
        for w, s, p, q in zip(words, suffixes, places, is_place, strict=True)
    ]


def build_geography(rng: np.random.Generator, codes: list[str], first_code: int) -> Geography:
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
        cx, cy, hx, hy = BOROUGH_SHAPES[code]
        population = BOROUGH_PROFILE[code][0]
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
    return Geography(
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


def pick_in_ranges(
    rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """For each row, an index in [lo, hi) drawn in proportion to the weights behind `cum`."""
    before = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
    target = before + rng.random(len(lo)) * (cum[hi - 1] - before)
    return np.clip(np.searchsorted(cum, target, side="right"), lo, hi - 1)


def place(
    rng: np.random.Generator, geo: Geography, borough: np.ndarray, hotspot: np.ndarray
) -> np.ndarray:
    """A snap point for each crime: an LSOA of its borough, then a point of that LSOA."""
    lo, hi = geo.lsoa_start[borough], geo.lsoa_start[borough + 1]
    lsoa = np.empty(len(borough), dtype=np.int64)
    for flag in (True, False):
        rows = hotspot == flag
        lsoa[rows] = pick_in_ranges(rng, geo.lsoa_cum[flag], lo[rows], hi[rows])
    k = _POINTS_PER_LSOA
    point = pick_in_ranges(rng, geo.point_cum, lsoa * k, lsoa * k + k)
    return np.where(rng.random(len(borough)) < NO_LOCATION_RATE, -1, point)


def met_codes() -> list[str]:
    """The Metropolitan Police's 32 boroughs (every London borough but the City)."""
    return [c for c in BOROUGHS if c != CITY_OF_LONDON]
