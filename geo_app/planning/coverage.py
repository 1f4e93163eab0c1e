"""Coverage for planners: which parts of each district lie beyond the service radius of every facility of a type.

Measured in EPSG:4549 metres; radii come from layers/standards.toml (a district may override the default)."""

from __future__ import annotations

import threading

import geopandas as gpd
import shapely

from geo_app import crs
from geo_app.project.standards import Standards

DISPLAY_TOLERANCE_M = 10  # uncovered outlines are simplified this much for drawing
QUAD_SEGMENTS = 64  # circle vertices per quarter: area 0.01 % under the true circle


def covered_part(facilities_m: gpd.GeoSeries, area_m, radius_m: float):
    """The part of a metric polygon within radius_m of any of the metric facilities (one may lie outside it)."""
    nearby = facilities_m[facilities_m.intersects(area_m.buffer(radius_m))]
    if nearby.empty:
        return shapely.Polygon()
    return shapely.union_all(nearby.buffer(radius_m, quad_segs=QUAD_SEGMENTS).values).intersection(area_m)


def uncovered(
    districts: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, standards: Standards, layer: str
) -> gpd.GeoDataFrame:
    """Per district: the area (WGS-84 geometry) not within the radius of an operational facility, and shares."""
    districts_m = crs.metric(districts)
    operational = facilities[facilities["status"] == "operational"] if "status" in facilities else facilities
    facilities_m = crs.metric(operational)
    rows = []
    for (_, district), geometry in zip(districts_m.iterrows(), districts_m.geometry):
        radius = standards.radius(layer, district["adcode"])
        gap = geometry.difference(covered_part(facilities_m.geometry, geometry, radius.metres))
        rows.append(
            {
                "adcode": district["adcode"],
                "radius_m": radius.metres,
                "radius_source": radius.source,
                "area_km2": round(geometry.area / 1e6, 3),
                "uncovered_km2": round(gap.area / 1e6, 3),
                "district_area_coverage_pct": round(100 * (1 - gap.area / geometry.area), 2) if geometry.area else 0.0,
                "geometry": gap.simplify(DISPLAY_TOLERANCE_M),
            }
        )
    out = gpd.GeoDataFrame(rows, crs=crs.METRIC_EPSG)
    return out.to_crs(4326)


class CoverageCache:
    """Uncovered areas per layer, computed once per store version."""

    def __init__(self):
        self._cache: dict[str, tuple[str, gpd.GeoDataFrame]] = {}
        self._lock = threading.Lock()

    def get(self, store, standards: Standards, units_layer: str, layer: str) -> gpd.GeoDataFrame:
        version = store.version()
        cached = self._cache.get(layer)
        if cached is None or cached[0] != version:
            with self._lock:
                cached = (version, uncovered(store.read(units_layer), store.read(layer), standards, layer))
                self._cache[layer] = cached
        return cached[1]
