"""Coordinate systems: WGS-84 <-> GCJ-02 <-> BD-09, and projections for measuring.

GCJ-02 (Amap, Tencent) and BD-09 (Baidu) are not geodetic datums, so pyproj does not know them: they are
WGS-84 plus a published, deliberately non-linear offset. The forward formulas are public; the inverses here
iterate on the forward formula until it reproduces the input within INVERSE_TOLERANCE_M.

Everything works on numpy arrays (any shape) and, through `transform_geometry` / `to_wgs84`, on whole
Shapely geometries and GeoDataFrames. Inside the service every coordinate is WGS-84 lon/lat (EPSG:4326);
measure in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E, valid 118.5-121.5 E: all of Suzhou).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj
import shapely

WGS84 = "WGS84"
GCJ02 = "GCJ02"
BD09 = "BD09"
METRIC_EPSG = 4549

# Krasovsky 1940 ellipsoid, as the GCJ-02 formula uses it.
_A = 6378245.0
_EE = 0.00669342162296594323
_BD_PI = np.pi * 3000.0 / 180.0
INVERSE_TOLERANCE_M = 0.01
_TOLERANCE_DEG = INVERSE_TOLERANCE_M / 111_000.0 / 10  # a tenth of the tolerance, in degrees of latitude
_MAX_ITERATIONS = 30

# Names accepted wherever a user declares a coordinate system (CLI, API); anything else must be "EPSG:<code>".
ALIASES = {
    "WGS84": WGS84,
    "WGS-84": WGS84,
    "EPSG:4326": WGS84,
    "4326": WGS84,
    "CRS84": WGS84,
    "GCJ02": GCJ02,
    "GCJ-02": GCJ02,
    "AMAP": GCJ02,
    "GAODE": GCJ02,
    "BD09": BD09,
    "BD-09": BD09,
    "BAIDU": BD09,
    # CGCS2000 equals WGS-84 at map accuracy (centimetres).
    "CGCS2000": WGS84,
    "EPSG:4490": WGS84,
    "4490": WGS84,
}


class UnknownCRS(ValueError):
    """A declared coordinate system that is neither an alias above nor an EPSG code pyproj knows."""


def normalise_crs(name: str) -> str:
    """'gcj-02' -> 'GCJ02', 'EPSG:4549' -> 'EPSG:4549'; raise UnknownCRS with the accepted names otherwise."""
    key = str(name).strip().upper().replace(" ", "")
    if key in ALIASES:
        return ALIASES[key]
    code = key[5:]
    if key.startswith("EPSG:") and code.isascii() and code.isdigit() and len(code) <= 6:
        _check_epsg(int(code))
        return key
    raise UnknownCRS(f"unknown coordinate system {name!r}: use WGS84, GCJ02, BD09, CGCS2000 or EPSG:<code>")


@lru_cache(maxsize=64)
def _check_epsg(code: int) -> None:
    """UnknownCRS unless EPSG `code` is a horizontal system; remembered (pyproj takes milliseconds to build one)."""
    try:
        system = pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError as exc:
        raise UnknownCRS(f"unknown EPSG code {code}: {exc}") from None
    if not (system.is_geographic or system.is_projected):
        kind = system.type_name.lower().removesuffix(" crs")  # geocentric, vertical, engineering...
        raise UnknownCRS(
            f"EPSG:{code} ({system.name}) is not a horizontal coordinate system but {kind}: "
            "give a lon/lat or projected x/y one, such as WGS84 or EPSG:4549"
        )


@lru_cache(maxsize=64)
def is_geographic(name: str) -> bool:
    """True for lon/lat systems (WGS-84, GCJ-02, BD-09, geographic EPSG codes), False for projected ones."""
    name = normalise_crs(name)
    return name in (WGS84, GCJ02, BD09) or pyproj.CRS.from_user_input(name).is_geographic


def _out_of_china(lon, lat):
    # The offset applies only inside China's rough bounding box; outside it GCJ-02 == WGS-84.
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lon, lat):
    """GCJ-02 minus WGS-84 in degrees (dlon, dlat) at a WGS-84 position."""
    x, y = lon - 105.0, lat - 35.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_bd09(lon, lat):
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _BD_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _invert(forward, lon, lat):
    """Solve forward(x) == (lon, lat) by fixed-point iteration; converges in a few steps (offsets are smooth)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lon.copy(), lat.copy()
    for _ in range(_MAX_ITERATIONS):
        fx, fy = forward(x, y)
        ex, ey = fx - lon, fy - lat
        x, y = x - ex, y - ey
        if np.all(np.abs(ex) < _TOLERANCE_DEG) and np.all(np.abs(ey) < _TOLERANCE_DEG):
            break
    return x, y


def gcj02_to_wgs84(lon, lat):
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_gcj02(lon, lat):
    return _invert(gcj02_to_bd09, lon, lat)


def wgs84_to_bd09(lon, lat):
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon, lat):
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_LONLAT = {
    (GCJ02, WGS84): gcj02_to_wgs84,
    (BD09, WGS84): bd09_to_wgs84,
    (WGS84, GCJ02): wgs84_to_gcj02,
    (WGS84, BD09): wgs84_to_bd09,
    (GCJ02, BD09): gcj02_to_bd09,
    (BD09, GCJ02): bd09_to_gcj02,
}


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def convert(x, y, src: str, dst: str = WGS84):
    """Convert coordinate arrays between any two declared systems (aliases or EPSG codes)."""
    src, dst = normalise_crs(src), normalise_crs(dst)
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if (src, dst) in _LONLAT:
        return _LONLAT[(src, dst)](x, y)
    # An EPSG system on one side: go through WGS-84 (pyproj) and apply the offset on the other side.
    if src not in (WGS84, GCJ02, BD09):
        x, y = _transformer(src, "EPSG:4326").transform(np.asarray(x, float), np.asarray(y, float))
        return convert(x, y, WGS84, dst)
    x, y = convert(x, y, src, WGS84)
    return _transformer("EPSG:4326", dst).transform(x, y)


def transform_geometry(geometry, src: str, dst: str = WGS84):
    """The same geometry (or array of geometries) with every vertex converted."""

    def move(coords):
        x, y = convert(coords[:, 0], coords[:, 1], src, dst)
        return np.column_stack([x, y])

    return shapely.transform(geometry, move)


def to_wgs84(gdf, src: str):
    """A GeoDataFrame in the declared system `src` as lon/lat WGS-84 (EPSG:4326)."""
    out = gdf.copy()
    out["geometry"] = transform_geometry(gdf.geometry.values, src, WGS84)
    return out.set_geometry("geometry").set_crs(4326, allow_override=True)


def from_wgs84(gdf, dst: str):
    """A WGS-84 GeoDataFrame converted for output to `dst` (for example GCJ02 for an Amap basemap)."""
    out = gdf.copy()
    out["geometry"] = transform_geometry(gdf.geometry.values, WGS84, dst)
    return out


def metric(gdf):
    """The GeoDataFrame projected to EPSG:4549 metres, for areas, buffers and distances."""
    return gdf.to_crs(METRIC_EPSG)
