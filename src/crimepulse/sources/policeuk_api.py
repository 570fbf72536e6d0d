"""data.police.uk's HTTP API as a source: polite requests, whole months, police.uk CSV rows.

The API has limits users trip on: 15 requests a second with bursts of 30 (then 429), a
polygon holding more than 10,000 crimes is a 503, and a GET longer than 4,094 characters
is a 400. So requests go through a token bucket (its clock injectable, so tests never
wait on the wall clock), are retried with a bounded backoff on 429, 5xx and timeouts,
long polygons are POSTed, and a 503 cell is split in four (a quadtree over the force's
boundary, the union of its neighbourhoods) until each piece answers; pieces are merged on
the API's crime id, so a crime on a shared edge is counted once. Months come from
`crimes-street-dates` and the edition's publication date from `crime-last-updated`.

What the API returns is turned into the rows of data.police.uk's archive CSV, so the
normal readers validate it. Like every reader here it never writes a file or a database:
the caller decides where the text goes.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from crimepulse.config import POLICE_UK_ALL_CRIME, POLICE_UK_API_URL
from crimepulse.errors import SourceUnavailable
from crimepulse.sources.policeuk import force_id

API_URL = POLICE_UK_API_URL
RATE = 15.0  # requests a second the API allows ...
BURST = 30  # ... with bursts of this many
MAX_GET_URL = 4094  # characters: a longer GET is a 400, so such a request is POSTed
MAX_SPLIT_DEPTH = 10  # quadtree levels: 4**10 cells of a force is far past any real need
RETRIES = 5
BACKOFF = 1.0  # seconds before the first retry; doubled each time, capped at 30
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})

# The API's category ids and the crime types of the archive CSVs.
CATEGORY_NAMES: dict[str, str] = {
    "anti-social-behaviour": "Anti-social behaviour",
    "bicycle-theft": "Bicycle theft",
    "burglary": "Burglary",
    "criminal-damage-arson": "Criminal damage and arson",
    "drugs": "Drugs",
    "other-crime": "Other crime",
    "other-theft": "Other theft",
    "possession-of-weapons": "Possession of weapons",
    "public-disorder-weapons": "Public disorder and weapons",
    "public-order": "Public order",
    "robbery": "Robbery",
    "shoplifting": "Shoplifting",
    "theft-from-the-person": "Theft from the person",
    "vehicle-crime": "Vehicle crime",
    "violent-crime": "Violence and sexual offences",
}
ALL_CRIME = POLICE_UK_ALL_CRIME

STREET_HEADER = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]


class Clock(Protocol):
    """What the rate limiter and the backoff need of time: tests hand in a fake one."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock (monotonic)."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class TokenBucket:
    """At most `rate` requests a second on average and `burst` at once: a request takes a
    token, waiting (on the clock) for one when the bucket is empty."""

    def __init__(self, rate: float = RATE, burst: int = BURST, clock: Clock | None = None) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"a token bucket needs rate > 0 and burst >= 1, got {rate}, {burst}")
        self.rate, self.burst = rate, burst
        self.clock = clock or SystemClock()
        self.tokens = float(burst)
        self.stamp = self.clock.now()

    def _refill(self) -> None:
        now = self.clock.now()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def acquire(self) -> None:
        self._refill()
        while self.tokens < 1 - 1e-9:  # (a rounding error must not wait forever)
            self.clock.sleep((1 - self.tokens) / self.rate)
            self._refill()
        self.tokens -= 1


@dataclass
class RequestStats:
    """What the client sent and how the API answered, for reports and tests."""

    requests: int = 0
    posts: int = 0
    retries: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    timeouts: int = 0
    splits: int = 0
    duplicates: int = 0  # crimes two cells both returned (on a shared edge), kept once


def _poly(polygon: Polygon) -> str:
    """A polygon as the API's `poly`: lat,lng pairs joined by colons (exterior ring)."""
    points = list(polygon.exterior.coords)[:-1]
    return ":".join(f"{lat:.6f},{lng:.6f}" for lng, lat in points)


def _parts(geometry: BaseGeometry) -> list[Polygon]:
    """The polygons of a geometry (an intersection may be several, or lines and points)."""
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty and geometry.area > 0 else []
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if p.area > 0]
    if hasattr(geometry, "geoms"):
        return [p for g in geometry.geoms for p in _parts(g)]
    return []


def quadrants(polygon: Polygon) -> list[Polygon]:
    """A polygon cut by the four quarters of its bounding box (empty pieces left out)."""
    x0, y0, x1, y1 = polygon.bounds
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    cells = [box(x0, y0, xm, ym), box(xm, y0, x1, ym), box(x0, ym, xm, y1), box(xm, ym, x1, y1)]
    return [p for cell in cells for p in _parts(polygon.intersection(cell))]


class PoliceUkApi:
    """A client of data.police.uk's API (`base_url` is how tests point it at a fake)."""

    def __init__(
        self,
        base_url: str = API_URL,
        *,
        rate: float = RATE,
        burst: int = BURST,
        retries: int = RETRIES,
        backoff: float = BACKOFF,
        timeout: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.clock = clock or SystemClock()
        self.bucket = TokenBucket(rate, burst, self.clock)
        self.retries, self.backoff = retries, backoff
        self.http = httpx.Client(timeout=timeout, headers={"User-Agent": "crimepulse"})
        self.stats = RequestStats()

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> PoliceUkApi:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport --------------------------------------------------------------------

    def _send(self, path: str, params: dict[str, str], *, cap_503: bool = False) -> httpx.Response:
        """One request (GET, or POST when the GET would be too long), retried with backoff
        on 429, 5xx and timeouts; after `retries` retries the last answer is returned (a
        timeout raises SourceUnavailable). With `cap_503` a 503 is returned at once: for a
        polygon it means "more than 10,000 crimes", which asking again will not change."""
        url = f"{self.base_url}/{path}"
        post = len(f"{url}?{urlencode(params)}") > MAX_GET_URL
        for attempt in range(self.retries + 1):
            self.bucket.acquire()
            self.stats.requests += 1
            self.stats.posts += post
            try:
                response = (
                    self.http.post(url, data=params) if post else self.http.get(url, params=params)
                )
            except httpx.TimeoutException as exc:
                self.stats.timeouts += 1
                if attempt == self.retries:
                    raise SourceUnavailable(
                        f"{url}: no answer after {self.retries + 1} tries (timed out)"
                    ) from exc
            else:
                code = response.status_code
                self.stats.statuses[code] = self.stats.statuses.get(code, 0) + 1
                if code not in RETRIED_STATUSES or attempt == self.retries:
                    return response
                if code == 503 and cap_503:
                    return response
            self.stats.retries += 1
            self.clock.sleep(min(30.0, self.backoff * 2**attempt))
        raise AssertionError("unreachable")  # the loop returns or raises

    def _json(self, path: str, params: dict[str, str] | None = None) -> Any:
        response = self._send(path, params or {})
        if response.status_code != 200:
            raise SourceUnavailable(
                f"{self.base_url}/{path}: HTTP {response.status_code} "
                f"({response.text[:200].strip() or response.reason_phrase})"
            )
        return response.json()

    # -- endpoints --------------------------------------------------------------------

    def last_updated(self) -> datetime:
        """When the crime data was last updated (the edition's vintage), naive UTC."""
        text = str(self._json("crime-last-updated")["date"])
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp

    def months(self) -> list[str]:
        """Months with street crime published (YYYY-MM), oldest first."""
        found = self._json("crimes-street-dates")
        return sorted(str(m["date"]) for m in found)

    def stop_months(self, force: str) -> list[str]:
        """Months in which `force` has published stop and search."""
        found = self._json("crimes-street-dates")
        return sorted(str(m["date"]) for m in found if force in m.get("stop-and-search", []))

    def forces(self) -> list[dict[str, str]]:
        return list(self._json("forces"))

    def force(self, force: str) -> dict[str, Any]:
        return dict(self._json(f"forces/{force}"))

    def neighbourhoods(self, force: str) -> list[dict[str, str]]:
        return list(self._json(f"{force}/neighbourhoods"))

    def boundary(self, force: str, neighbourhood: str) -> Polygon:
        points = self._json(f"{force}/{neighbourhood}/boundary")
        return Polygon([(float(p["longitude"]), float(p["latitude"])) for p in points])

    def force_boundary(self, force: str) -> list[Polygon]:
        """The force's area: the union of its neighbourhoods' boundaries, as polygons."""
        shapes = [self.boundary(force, n["id"]) for n in self.neighbourhoods(force)]
        return _parts(unary_union([s.buffer(0) for s in shapes]))

    def street_crimes(
        self, polygon: Polygon, month: str, category: str = ALL_CRIME, depth: int = 0
    ) -> list[dict[str, Any]]:
        """Crimes in `polygon` in `month`; a polygon over the API's cap is split in four."""
        params = {"poly": _poly(polygon), "date": month}
        response = self._send(f"crimes-street/{category}", params, cap_503=True)
        if response.status_code == 503:
            if depth >= MAX_SPLIT_DEPTH:
                raise SourceUnavailable(
                    f"crimes-street/{category} {month}: still over the API's cap after "
                    f"{depth} splits of the force's area"
                )
            self.stats.splits += 1
            return [
                crime
                for part in quadrants(polygon)
                for crime in self.street_crimes(part, month, category, depth + 1)
            ]
        if response.status_code != 200:
            raise SourceUnavailable(
                f"{self.base_url}/crimes-street/{category} {month}: HTTP {response.status_code} "
                f"({response.text[:200].strip() or response.reason_phrase})"
            )
        return list(response.json())

    def no_location(self, force: str, month: str, category: str = ALL_CRIME) -> list[Any]:
        return list(
            self._json("crimes-no-location", {"category": category, "force": force, "date": month})
        )

    def stops(self, force: str, month: str) -> list[Any]:
        return list(self._json("stops-force", {"force": force, "date": month}))

    def month_of_crimes(
        self, force: str, month: str, area: list[Polygon], category: str = ALL_CRIME
    ) -> list[dict[str, Any]]:
        """Every crime of `force` in `month`: street crimes over its area and those with no
        location, once each (by the API's id)."""
        seen: dict[object, dict[str, Any]] = {}
        found = [c for polygon in area for c in self.street_crimes(polygon, month, category)]
        for crime in [*found, *self.no_location(force, month, category)]:
            key = crime.get("id") or crime.get("persistent_id")
            self.stats.duplicates += key in seen
            seen.setdefault(key, crime)
        return list(seen.values())


def street_csv(crimes: Iterable[dict[str, Any]], force_name: str) -> str:
    """The API's crimes as a data.police.uk street CSV (the archive's 12 columns).

    The API gives no LSOA, so those columns are empty; a crime the archive would have
    without an id (anti-social behaviour) has an empty Crime ID here too.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STREET_HEADER)
    for crime in sorted(crimes, key=_sort_key):
        location = crime.get("location") or {}
        street = location.get("street") or {}
        outcome = crime.get("outcome_status") or {}
        category = str(crime.get("category", ""))
        writer.writerow(
            [
                crime.get("persistent_id") or "",
                crime.get("month", ""),
                force_name,
                force_name,
                location.get("longitude") or "",
                location.get("latitude") or "",
                street.get("name") or ("No location" if not location else ""),
                "",
                "",
                CATEGORY_NAMES.get(category, category),
                outcome.get("category") or "",
                crime.get("context") or "",
            ]
        )
    return out.getvalue()


def _sort_key(crime: dict[str, Any]) -> tuple[str, str]:
    return (str(crime.get("month", "")), str(crime.get("id", "")))


def force_name_of(api: PoliceUkApi, force: str) -> str:
    """The force's name as its archive files spell it ("Metropolitan Police Service")."""
    name = str(api.force(force).get("name") or force)
    if force_id(name) != force:
        raise SourceUnavailable(f"forces/{force} answered for {name!r}, not {force!r}")
    return name
