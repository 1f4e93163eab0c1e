"""Nearest facilities, found through the store's spatial index: a box around the point grows until it holds
enough features that pass the filters, then exact distances in EPSG:4549 metres rank them.

A feature is a candidate once its envelope meets the box; the n nearest are certain when the n-th distance is
within the box's half-width (nothing outside the box can be nearer). Lines (on-street parking) are measured to
the line itself. Nothing of a whole layer is held in memory.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo_app import crs
from geo_app.store import Reader

FIRST_REACH_M = 250  # dense centres answer from the first box; sparse areas take a few more
MAX_REACH_M = 60_000  # farther than any two points of the city: the search stops there


def nearest(store: Reader, layer: str, lon: float, lat: float, n: int, keep=None) -> list[tuple[dict, float]]:
    """[(record, metres)] of the n nearest features of `layer` to lon/lat (WGS-84), nearest first;
    `keep(frame) -> boolean mask` applies the request's filters (a frame is built only then)."""
    x, y = crs.convert(lon, lat, crs.WGS84, f"EPSG:{crs.METRIC_EPSG}")
    point = shapely.Point(float(x), float(y))
    reach = FIRST_REACH_M
    while True:
        records = store.records(layer, bbox=_box_around(float(x), float(y), reach))
        if keep is not None and records:
            mask = keep(gpd.GeoDataFrame(records, geometry="geometry", crs=crs.WGS84))
            records = [r for r, kept in zip(records, mask) if kept]
        geometries = np.array([r["geometry"] for r in records], dtype=object)
        metric = crs.transform_geometry(geometries, crs.WGS84, f"EPSG:{crs.METRIC_EPSG}") if records else geometries
        distances = shapely.distance(metric, point) if records else np.array([])
        order = np.argsort(distances, kind="stable")[:n]
        settled = len(order) == n and distances[order[-1]] <= reach
        if settled or reach >= MAX_REACH_M:
            return [(records[i], float(distances[i])) for i in order]
        reach *= 3


def _box_around(x: float, y: float, reach: float) -> tuple:
    """A WGS-84 box holding every point within `reach` metres of the metric point (x, y)."""
    ring = shapely.Point(x, y).buffer(reach * 1.01, quad_segs=4)
    back = crs.transform_geometry(ring, f"EPSG:{crs.METRIC_EPSG}", crs.WGS84)
    return tuple(float(v) for v in gpd.GeoSeries([back]).total_bounds)
