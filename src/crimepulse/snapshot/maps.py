"""Geography for the borough map: the ingested boundaries, or a tile grid when none are.

Boundaries come from the warehouse's `areas` table (any GeoJSON with GSS codes, e.g. the
London Datastore borough file), simplified by rounding to about 100 m so the HTML stays
small. Without boundaries the map is a tile grid of the 33 London areas in their rough
geographic places (as in the "London Squared" layout), which reads well at any size.
The geography is stored in the snapshot, so a published snapshot re-renders the same map.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from crimepulse.core.reference import london
from crimepulse.snapshot.source import SqlSource

# code -> (column, row, three-letter label)
TILES: dict[str, tuple[int, int, str]] = {
    "E09000010": (4, 0, "Enf"),
    "E09000015": (1, 1, "Hrw"),
    "E09000003": (2, 1, "Brn"),
    "E09000014": (3, 1, "Hgy"),
    "E09000031": (4, 1, "Wth"),
    "E09000017": (0, 2, "Hdn"),
    "E09000009": (1, 2, "Elg"),
    "E09000005": (2, 2, "Brt"),
    "E09000007": (3, 2, "Cmd"),
    "E09000019": (4, 2, "Isl"),
    "E09000012": (5, 2, "Hck"),
    "E09000026": (6, 2, "Rdb"),
    "E09000016": (7, 2, "Hvg"),
    "E09000018": (0, 3, "Hns"),
    "E09000013": (1, 3, "Hms"),
    "E09000020": (2, 3, "Kns"),
    "E09000033": (3, 3, "Wst"),
    "E09000001": (4, 3, "Cty"),
    "E09000030": (5, 3, "Twr"),
    "E09000025": (6, 3, "Nwm"),
    "E09000002": (7, 3, "Bar"),
    "E09000027": (1, 4, "Rch"),
    "E09000032": (2, 4, "Wns"),
    "E09000022": (3, 4, "Lam"),
    "E09000028": (4, 4, "Sth"),
    "E09000023": (5, 4, "Lsh"),
    "E09000011": (6, 4, "Grn"),
    "E09000004": (7, 4, "Bxl"),
    "E09000021": (2, 5, "Kng"),
    "E09000024": (3, 5, "Mrt"),
    "E09000008": (4, 5, "Crd"),
    "E09000006": (5, 5, "Brm"),
    "E09000029": (3, 6, "Stn"),
}
DECIMALS = 3


def _ring(points: list[list[float]]) -> list[list[float]]:
    kept = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y, *_ in points[:1]]
    for x, y, *_ in points[1:]:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if point != kept[-1]:
            kept.append(point)
    return kept


def _area(ring: list[list[float]]) -> float:
    """Twice the signed planar area (positive: anticlockwise)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring))


def _polygon(rings: list[Any]) -> list[Any]:
    """Rounded rings (those that collapse below a triangle dropped), wound as d3-geo
    (Vega's projection) wants: the outer ring clockwise, holes anticlockwise. RFC 7946
    GeoJSON winds the other way, and d3 reads such a polygon as the whole globe."""
    out = [r for r in (_ring(ring) for ring in rings) if len(r) >= 4]
    for i, ring in enumerate(out):
        clockwise = _area(ring) < 0
        if clockwise != (i == 0):
            out[i] = ring[::-1]
    return out


def simplify(geometry: dict[str, Any]) -> dict[str, Any] | None:
    """Round a Polygon or MultiPolygon to about 100 m; None when nothing is left."""
    if geometry["type"] == "Polygon":
        rings = _polygon(geometry["coordinates"])
        return {"type": "Polygon", "coordinates": rings} if rings else None
    if geometry["type"] == "MultiPolygon":
        polygons = [p for p in (_polygon(poly) for poly in geometry["coordinates"]) if p]
        return {"type": "MultiPolygon", "coordinates": polygons} if polygons else None
    return None


def boundaries(cp: SqlSource) -> list[dict[str, Any]]:
    """Borough features from the `areas` table (simplified); [] when none are loaded."""
    try:
        rows = cp.sql(
            "SELECT area_code, area_name, geometry FROM areas WHERE area_code LIKE 'E09%'"
        ).to_pylist()
    except Exception:  # no areas table in an old warehouse: same as none loaded
        return []
    features = []
    for row in rows:
        geometry = simplify(json.loads(row["geometry"]))
        if geometry is None:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"code": row["area_code"], "name": row["area_name"]},
                "geometry": geometry,
            }
        )
    return features


def tiles() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": london.BOROUGHS[code], "col": c, "row": r, "short": short}
        for code, (c, r, short) in TILES.items()
    ]


def geography(cp: SqlSource) -> dict[str, Any]:
    """{"kind": "boundaries", "features": [...]} or {"kind": "tiles", "tiles": [...]}."""
    features = boundaries(cp)
    if features:
        return {"kind": "boundaries", "features": features}
    return {"kind": "tiles", "tiles": tiles()}
