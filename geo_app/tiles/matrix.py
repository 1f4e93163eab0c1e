"""The tile matrix: WebMercatorQuad (morecantile) from zoom 0 to MAX_ZOOM, and the boxes a tile reads and draws."""

from __future__ import annotations

import morecantile
import numpy as np
import pyproj
import shapely

from geo_app import crs

TMS = morecantile.tms.get("WebMercatorQuad")
MAX_ZOOM = 22
_TO_MERCATOR = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)


def is_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def bounds(z: int, x: int, y: int) -> tuple:
    """The tile's (left, bottom, right, top) in Web Mercator metres."""
    return tuple(TMS.xy_bounds(x, y, z))


def read_box(z: int, x: int, y: int, output_crs: str, edge: float = 0) -> tuple:
    """The WGS-84 box to read: the tile (with an edge, a share of its side) in the output system, taken back to
    WGS-84."""
    west, south, east, north = TMS.bounds(x, y, z)
    dx, dy = (east - west) * edge, (north - south) * edge
    xs = np.array([west - dx, east + dx, west - dx, east + dx])
    ys = np.array([south - dy, south - dy, north + dy, north + dy])
    if output_crs != crs.WGS84:
        xs, ys = crs.convert(xs, ys, output_crs, crs.WGS84)
    return float(np.min(xs)), float(np.min(ys)), float(np.max(xs)), float(np.max(ys))


def to_mercator(geometries, output_crs: str) -> np.ndarray:
    """WGS-84 geometries at their positions in the output system (GCJ-02 for Amap), in Web Mercator metres."""
    if not len(geometries):
        return np.array([], dtype=object)
    if output_crs != crs.WGS84:
        geometries = crs.transform_geometry(geometries, crs.WGS84, output_crs)
    return shapely.transform(
        np.asarray(geometries, dtype=object), lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1]))
    )
