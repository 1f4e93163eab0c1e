"""The result of a siting run, measured exactly after solving.

The optimisation works on a demand lattice (siting.py); the figures a planner compares are measured afterwards on
geometry, in EPSG:4549: coverage before and after is the area of (union of service circles ∩ demand area) over
the demand area, and each new site's gain is the area its circle adds to what the existing facilities and the
sites numbered before it cover. The sites are measured at the coordinates the result gives (WGS-84 rounded to 7
decimals), so that anyone can reproduce every figure from an export. Demand given as weighted points (a population
layer) is measured exactly on those points: a point counts when it lies within the radius of a facility.
"""

from __future__ import annotations

import heapq

import geopandas as gpd
import numpy as np
import shapely

from geo_app import crs
from geo_app.planning.coverage import QUAD_SEGMENTS, covered_part

METRIC = f"EPSG:{crs.METRIC_EPSG}"
DECIMALS = 7

# what a coverage figure measures, by demand: the names the API and the pages use for it
MEASURES = {
    "grids": ("patrolled_area", "share of the patrolled area (grid-patrol areas) within the service radius"),
    "area": ("district_area", "share of the district's area within the service radius"),
}
WEIGHT_MEASURE = ("demand_weight", "share of the demand weight ({demand}) within the service radius")
METHOD = (
    "sites chosen on a demand lattice (MCLP / LSCP over {spacing:g} m points); coverage and each site's "
    "gain measured exactly after solving on geometry (union of service circles ∩ demand area, EPSG:4549) "
    "at the coordinates given"
)
WEIGHT_METHOD = (
    "sites chosen by MCLP / LSCP; coverage and each site's gain measured exactly on the demand "
    "points at the coordinates given"
)


def measure_of(demand: str) -> dict:
    name, text = MEASURES.get(demand, WEIGHT_MEASURE)
    return {"measure": name, "measures": text.format(demand=demand)}


def published_sites(sites_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS-84 lon/lat as published (rounded) and the metric points they stand for: what gets measured."""
    if not len(sites_m):
        return np.array([]), np.array([]), np.empty((0, 2))
    lon, lat = crs.convert(sites_m[:, 0], sites_m[:, 1], METRIC, crs.WGS84)
    lon, lat = np.round(np.asarray(lon, dtype=float), DECIMALS), np.round(np.asarray(lat, dtype=float), DECIMALS)
    x, y = crs.convert(lon, lat, crs.WGS84, METRIC)
    return lon, lat, np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


def _lazy_greedy(pieces: list, gain_of) -> list[tuple[int, float]]:
    """Order items by what each adds to those before it (gains only shrink, so a stale best is re-checked)."""
    heap = [(-gain_of(j, []), j) for j in range(len(pieces))]
    heapq.heapify(heap)
    taken: list[int] = []
    order = []
    while heap:
        _, j = heapq.heappop(heap)
        gain = gain_of(j, taken)
        if heap and gain < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-gain, j))
            continue
        order.append((j, gain))
        taken.append(j)
    return order


def _area_measure(problem, sites_m: np.ndarray):
    """Per district: demand area, area covered before, and (greedy order) each site's exact gain, in km²."""
    existing = gpd.GeoSeries(shapely.points(problem.existing_xy)) if len(problem.existing_xy) else gpd.GeoSeries([])
    codes = list(problem.areas)
    radius = {
        code: float(problem.demand_radius[problem.demand_unit == code][0])
        if (problem.demand_unit == code).any()
        else problem.default_radius
        for code in codes
    }
    before = {code: covered_part(existing, problem.areas[code], radius[code]) for code in codes}
    pieces = []  # per site: {district: what its circle adds to the existing cover}
    for x, y in sites_m:
        own = {}
        for code in codes:
            circle = shapely.Point(x, y).buffer(radius[code], quad_segs=QUAD_SEGMENTS)
            if not circle.intersects(problem.areas[code]):
                continue
            done = shapely.clip_by_rect(before[code], *circle.bounds)
            piece = circle.intersection(problem.areas[code]).difference(done)
            if not piece.is_empty:
                own[code] = piece
        pieces.append(own)

    def gain_of(j: int, taken: list[int]) -> float:
        return sum(_unit_gain(pieces, j, code, taken) for code in pieces[j])

    order = _lazy_greedy(pieces, gain_of)
    adds_by_unit = [
        {code: _unit_gain(pieces, j, code, [i for i, _ in order[:n]]) for code in pieces[j]}
        for n, (j, _) in enumerate(order)
    ]
    demand = {code: problem.areas[code].area / 1e6 for code in codes}
    covered = {code: before[code].area / 1e6 for code in codes}
    return demand, covered, order, adds_by_unit


def _unit_gain(pieces, j: int, code: str, taken: list[int]) -> float:
    piece = pieces[j][code]
    others = [pieces[i][code] for i in taken if code in pieces[i] and pieces[i][code].intersects(piece)]
    return (piece.difference(shapely.union_all(others)) if others else piece).area / 1e6


def _point_measure(problem, sites_m: np.ndarray):
    """Per district: demand weight, weight covered before, and (greedy order) each site's exact gain."""
    reach = [
        set(np.nonzero((np.hypot(*(problem.demand_xy - site).T) <= problem.demand_radius) & ~problem.covered_before)[0])
        for site in sites_m
    ]
    w = problem.demand_weight

    def gain_of(j: int, taken: list[int]) -> float:
        done = set().union(*(reach[i] for i in taken)) if taken else set()
        return float(w[list(reach[j] - done)].sum())

    order = _lazy_greedy(reach, gain_of)
    adds_by_unit, done = [], set()
    for j, _ in order:
        new = np.array(sorted(reach[j] - done), dtype=int)
        adds_by_unit.append(
            {
                str(code): float(w[new][problem.demand_unit[new] == code].sum())
                for code in np.unique(problem.demand_unit[new])
            }
        )
        done |= reach[j]
    codes = list(dict.fromkeys(problem.demand_unit.tolist()))
    demand = {code: float(w[problem.demand_unit == code].sum()) for code in codes}
    covered = {code: float(w[(problem.demand_unit == code) & problem.covered_before].sum()) for code in codes}
    return demand, covered, order, adds_by_unit


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def report(request, problem, sites_m: np.ndarray) -> dict:
    """Sites numbered by what each adds, and coverage before and after per district, measured exactly."""
    lon, lat, published = published_sites(sites_m)
    measure = _area_measure if problem.areas is not None else _point_measure
    demand, covered, order, adds_by_unit = measure(problem, published)
    total = sum(demand.values())
    after = dict(covered)
    features = []
    for number, ((j, gain), by_unit) in enumerate(zip(order, adds_by_unit), start=1):
        for code, value in by_unit.items():
            after[code] = after.get(code, 0.0) + value
        nearest = int(np.argmin(np.hypot(*(problem.demand_xy - published[j]).T)))
        features.append(
            {
                "type": "Feature",
                "id": number,
                "geometry": {"type": "Point", "coordinates": [float(lon[j]), float(lat[j])]},
                "properties": {
                    "number": number,
                    "adcode": str(problem.demand_unit[nearest]),
                    "adds_km2_or_weight": round(gain, 4),
                    "adds_pct": _pct(gain, total),
                },
            }
        )
    districts = []
    for code in request.districts:
        mine = problem.demand_unit == code
        districts.append(
            {
                "code": code,
                "demand": round(demand.get(code, 0.0), 4),
                "before_pct": _pct(covered.get(code, 0.0), demand.get(code, 0.0)),
                "after_pct": _pct(after.get(code, 0.0), demand.get(code, 0.0)),
                "radius_m": float(problem.demand_radius[mine][0]) if mine.any() else None,
                "new_sites": sum(1 for f in features if f["properties"]["adcode"] == code),
            }
        )
    method = METHOD if problem.areas is not None else WEIGHT_METHOD
    return {
        "request": {
            "type": request.layer,
            "districts": list(request.districts),
            "k": request.k,
            "target_pct": request.target_pct,
            "radius_m": request.radius_m,
            "spacing_m": request.spacing_m,
            "demand": request.demand,
            "candidates": request.candidates,
        },
        "sites": {"type": "FeatureCollection", "features": features},
        "coverage": {
            **measure_of(request.demand),
            "before_pct": _pct(sum(covered.values()), total),
            "after_pct": _pct(sum(after.values()), total),
            "districts": districts,
            "demand_unit": "km² of patrolled area"
            if request.demand == "grids"
            else "km² of district area"
            if request.demand == "area"
            else request.demand,
        },
        "method": method.format(spacing=problem.demand_spacing_m),
    }
