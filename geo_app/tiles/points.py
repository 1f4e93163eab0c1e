"""Points in a tile, clustered on the server where the tile holds more than CLUSTER_ABOVE of them (below
SINGLE_FROM_ZOOM): one feature per cell with its count, at the mean position."""

from __future__ import annotations

import numpy as np
import shapely

from geo_app import crs
from geo_app.tiles.encoding import clean, encode
from geo_app.tiles.matrix import bounds, to_mercator

CLUSTER_ABOVE = 150  # more points than this in a tile are clustered...
SINGLE_FROM_ZOOM = 16  # ...below this zoom
CLUSTER_CELLS = 8  # cells per tile side (32 px at 256 px tiles)


def points_tile(
    name: str, geometries, properties: list[dict], z: int, x: int, y: int, *, output_crs: str = crs.WGS84
) -> bytes:
    """The tile of points a source read itself (WGS-84 geometries around the tile, one property dict each)."""
    box = bounds(z, x, y)
    return encode(name, point_features(to_mercator(geometries, output_crs), properties, box, z), box)


def point_features(
    points: np.ndarray, properties: list[dict], box: tuple, z: int, *, clustered: bool = False
) -> list[dict]:
    """The features of the points (Web Mercator) inside the tile, its west and south edges included (a point on
    an edge is in one tile): clusters when `clustered` (the points carry no properties), or when they are dense."""
    left, bottom, right, top = box
    xy = shapely.get_coordinates(points)
    inside = (xy[:, 0] >= left) & (xy[:, 0] < right) & (xy[:, 1] >= bottom) & (xy[:, 1] < top)
    points = points[inside]
    if clustered or (len(points) > CLUSTER_ABOVE and z < SINGLE_FROM_ZOOM):
        return _clusters(points, box)
    kept = [p for p, i in zip(properties, inside) if i]
    return [{"geometry": g, "properties": clean(p)} for g, p in zip(points, kept)]


def _clusters(points: np.ndarray, box: tuple) -> list[dict]:
    left, bottom, right, top = box
    xy = shapely.get_coordinates(points)
    size = (right - left) / CLUSTER_CELLS
    cells = (
        np.clip(((xy[:, 0] - left) // size), 0, CLUSTER_CELLS - 1) * CLUSTER_CELLS
        + np.clip(((top - xy[:, 1]) // size), 0, CLUSTER_CELLS - 1)
    ).astype(int)
    out = []
    for cell in np.unique(cells):
        members = xy[cells == cell]
        mean = members.mean(axis=0)
        out.append({"geometry": shapely.Point(mean), "properties": {"cluster": True, "count": int(len(members))}})
    return out
