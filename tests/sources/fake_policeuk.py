"""A fake data.police.uk API for the tests: the documented endpoints, shapes and limits.

No test may reach the network, so the client is tested against this: a small FastAPI app
served by uvicorn on 127.0.0.1 (a socket bound before the server starts, so nothing waits
for it to come up), answering from fixture data generated here. It keeps the real limits
— 15 requests a second with bursts of 30 then 429 (on a clock the test controls), 503 for
a polygon holding more than `cap` crimes (10,000 on the real API; small here), 400 for a
GET URL over 4,094 characters — and can be told to stall requests (a timeout, released by
an event, never by the clock) or to fail a month. Every request is logged.
"""

from __future__ import annotations

import hashlib
import random
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from shapely.geometry import Point, Polygon

FORCE = "metropolitan"
FORCE_NAME = "Metropolitan Police Service"
MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
LAST_UPDATED = "2024-08-01T00:00:00+00:00"
MAX_GET_URL = 4094
CATEGORIES = ("burglary", "robbery", "vehicle-crime", "violent-crime", "anti-social-behaviour")
# Three neighbourhood squares making an L (the north-east quarter is not the force's).
WEST, EAST, SOUTH, NORTH = -0.2, 0.0, 51.45, 51.55
MID_X, MID_Y = -0.1, 51.5
NEIGHBOURHOODS = {
    "N1": (WEST, SOUTH, MID_X, MID_Y),
    "N2": (MID_X, SOUTH, EAST, MID_Y),
    "N3": (WEST, MID_Y, MID_X, NORTH),
}


class ManualClock:
    """Time that moves only when someone sleeps on it: the client's limiter and the fake's
    share one, so neither ever waits on the wall clock."""

    def __init__(self) -> None:
        self.t = 0.0
        self.lock = threading.Lock()

    def now(self) -> float:
        with self.lock:
            return self.t

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.t += max(0.0, seconds)


class _Bucket:
    def __init__(self, rate: float, burst: int, clock: ManualClock | None) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.stamp = clock.now() if clock else 0.0
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.clock is not None:
                now = self.clock.now()
                self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
            if self.tokens < 1 - 1e-9:  # the client's tolerance for rounding
                return False
            self.tokens -= 1
            return True


def _grid_point(rng: random.Random, box: tuple[float, float, float, float]) -> tuple[float, float]:
    """A point on a 0.025-degree grid inside (or on the edge of) `box`: many fall on the
    lines where the quadtree cuts, so merging without duplicates is exercised."""
    x0, y0, x1, y1 = box
    steps_x, steps_y = round((x1 - x0) / 0.025), round((y1 - y0) / 0.025)
    return (
        round(x0 + 0.025 * rng.randint(0, steps_x), 6),
        round(y0 + 0.025 * rng.randint(0, steps_y), 6),
    )


def make_crimes(per_month: int = 40, seed: int = 7) -> list[dict[str, Any]]:
    """Crimes as the API returns them, `per_month` a month (one in ten with no location)."""
    rng = random.Random(seed)
    crimes: list[dict[str, Any]] = []
    next_id = 100_000
    for month in MONTHS:
        for i in range(per_month):
            next_id += 1
            category = CATEGORIES[i % len(CATEGORIES)]
            persistent = (
                ""
                if category == "anti-social-behaviour"
                else hashlib.sha256(f"{month}-{i}".encode()).hexdigest()
            )
            located = i % 10 != 9
            box = NEIGHBOURHOODS[("N1", "N2", "N3")[i % 3]]
            lng, lat = _grid_point(rng, box)
            crimes.append(
                {
                    "category": category,
                    "location_type": "Force" if located else None,
                    "location": (
                        {
                            "latitude": f"{lat:.6f}",
                            "street": {"id": 900_000 + i, "name": f"On or near Street {i}"},
                            "longitude": f"{lng:.6f}",
                        }
                        if located
                        else None
                    ),
                    "context": "",
                    "outcome_status": (
                        None
                        if category == "anti-social-behaviour"
                        else {"category": "Under investigation", "date": month}
                    ),
                    "persistent_id": persistent,
                    "id": next_id,
                    "location_subtype": "",
                    "month": month,
                }
            )
    return crimes


def make_stops(per_month: int = 5) -> list[dict[str, Any]]:
    return [
        {
            "age_range": "18-24",
            "outcome": "A no further action disposal",
            "involved_person": True,
            "self_defined_ethnicity": "White - English/Welsh/Scottish/Northern Irish/British",
            "gender": "Male",
            "legislation": "Misuse of Drugs Act 1971 (section 23)",
            "outcome_linked_to_object_of_search": None,
            "datetime": f"{month}-{10 + i:02d}T12:00:00+00:00",
            "removal_of_more_than_outer_clothing": False,
            "operation": False,
            "officer_defined_ethnicity": "White",
            "type": "Person search",
            "operation_name": None,
            "object_of_search": "Controlled drugs",
            "location": {
                "latitude": "51.470000",
                "street": {"id": 1, "name": "On or near Station Road"},
                "longitude": "-0.150000",
            },
            "outcome_object": {"id": "bu-no-further-action", "name": "No further action"},
        }
        for month in MONTHS
        for i in range(per_month)
    ]


def _square(box: tuple[float, float, float, float]) -> list[dict[str, str]]:
    x0, y0, x1, y1 = box
    return [
        {"latitude": f"{lat:.6f}", "longitude": f"{lng:.6f}"}
        for lng, lat in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    ]


def _polygon(poly: str) -> Polygon:
    points = [tuple(float(v) for v in pair.split(",")) for pair in poly.split(":") if pair]
    return Polygon([(lng, lat) for lat, lng in points])


@dataclass
class FakePoliceUk:
    """The fake API's state: its data, its limits, and what tests ask it to do wrong."""

    crimes: list[dict[str, Any]] = field(default_factory=make_crimes)
    stops: list[dict[str, Any]] = field(default_factory=make_stops)
    months: tuple[str, ...] = MONTHS
    last_updated: str = LAST_UPDATED
    cap: int = 10_000  # crimes a polygon may hold before it is a 503
    rate: float = 15.0
    burst: int = 30
    clock: ManualClock | None = None  # None: no rate limit at all
    log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    fail_month: dict[str, int] = field(default_factory=dict)  # month -> status for its crimes
    flaky: int = 0  # the next `flaky` requests answer 500
    stall: int = 0  # the next `stall` requests wait for `release`
    stall_month: str | None = None  # ... and every request about this month
    release: threading.Event = field(default_factory=threading.Event)
    stalled: threading.Event = field(default_factory=threading.Event)  # set when one waits

    def __post_init__(self) -> None:
        self.bucket = _Bucket(self.rate, self.burst, self.clock)
        self.lock = threading.Lock()
        self.app = self._build()

    def requests_for(self, month: str) -> list[tuple[str, str, dict[str, str]]]:
        return [r for r in self.log if r[2].get("date") == month]

    def _build(self) -> FastAPI:
        app = FastAPI()
        fake = self

        @app.middleware("http")
        async def limits(request: Request, call_next: Any) -> Response:
            if request.method == "GET" and len(str(request.url)) > MAX_GET_URL:
                return Response("Request-URI Too Long", status_code=400)
            if fake.clock is not None and not fake.bucket.take():
                return Response("Too Many Requests", status_code=429)
            with fake.lock:
                if fake.flaky:
                    fake.flaky -= 1
                    return Response("Internal Server Error", status_code=500)
            response: Response = await call_next(request)
            return response

        def params(request: Request, body: bytes = b"") -> dict[str, str]:
            found = dict(request.query_params)
            found.update({k: v[-1] for k, v in parse_qs(body.decode()).items()})
            with fake.lock:
                fake.log.append((request.method, request.url.path, found))
                month = found.get("date")
                stalled = fake.stall > 0 or (month is not None and month == fake.stall_month)
                fake.stall -= fake.stall > 0
            if stalled:
                fake.stalled.set()
                fake.release.wait()
            return found

        def of_month(month: str | None, category: str) -> list[dict[str, Any]]:
            return [
                c
                for c in fake.crimes
                if c["month"] == month and category in ("all-crime", c["category"])
            ]

        def street(found: dict[str, str], category: str) -> Response:
            month = found.get("date")
            if month in fake.fail_month:
                return Response("failure", status_code=fake.fail_month[month])
            if "poly" not in found:
                return JSONResponse({"error": "poly is required"}, status_code=400)
            area = _polygon(found["poly"])
            inside = [
                c
                for c in of_month(month, category)
                if c["location"]
                and area.covers(
                    Point(float(c["location"]["longitude"]), float(c["location"]["latitude"]))
                )
            ]
            if len(inside) > fake.cap:
                return Response("", status_code=503)  # the real API says nothing more
            return JSONResponse(inside)

        @app.get("/crimes-street/{category}")
        def street_get(category: str, request: Request) -> Response:
            return street(params(request), category)

        @app.post("/crimes-street/{category}")
        async def street_post(category: str, request: Request) -> Response:
            body = await request.body()
            return street(params(request, body), category)

        @app.get("/crimes-no-location")
        def no_location(request: Request) -> Response:
            found = params(request)
            if found.get("force") != FORCE:
                return Response("", status_code=404)
            chosen = of_month(found.get("date"), found.get("category", "all-crime"))
            return JSONResponse([c for c in chosen if not c["location"]])

        @app.get("/crimes-street-dates")
        def dates(request: Request) -> Response:
            params(request)
            return JSONResponse(
                [{"date": m, "stop-and-search": [FORCE]} for m in sorted(fake.months)[::-1]]
            )

        @app.get("/crime-last-updated")
        def last_updated(request: Request) -> Response:
            params(request)
            return JSONResponse({"date": fake.last_updated})

        @app.get("/forces")
        def forces(request: Request) -> Response:
            params(request)
            return JSONResponse([{"id": FORCE, "name": FORCE_NAME}])

        @app.get("/forces/{force}")
        def force(force: str, request: Request) -> Response:
            params(request)
            if force != FORCE:
                return Response("", status_code=404)
            return JSONResponse(
                {
                    "description": None,
                    "url": "https://www.met.police.uk/",
                    "engagement_methods": [],
                    "telephone": "101",
                    "id": FORCE,
                    "name": FORCE_NAME,
                }
            )

        @app.get("/stops-force")
        def stops(request: Request) -> Response:
            found = params(request)
            month = found.get("date", "")
            return JSONResponse([s for s in fake.stops if s["datetime"].startswith(month)])

        @app.get("/{force}/neighbourhoods")
        def neighbourhoods(force: str, request: Request) -> Response:
            params(request)
            if force != FORCE:
                return Response("", status_code=404)
            return JSONResponse([{"id": k, "name": f"Neighbourhood {k}"} for k in NEIGHBOURHOODS])

        @app.get("/{force}/{neighbourhood}/boundary")
        def boundary(force: str, neighbourhood: str, request: Request) -> Response:
            params(request)
            if force != FORCE or neighbourhood not in NEIGHBOURHOODS:
                return Response("", status_code=404)
            return JSONResponse(_square(NEIGHBOURHOODS[neighbourhood]))

        return app


@contextmanager
def serve(fake: FakePoliceUk) -> Iterator[str]:
    """Serve the fake on 127.0.0.1 in a thread; yields its base URL. The socket listens
    before the server starts, so a request sent at once waits in the backlog."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = uvicorn.Config(fake.app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        fake.release.set()
        server.should_exit = True
        thread.join()
        sock.close()
