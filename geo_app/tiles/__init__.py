"""Vector tiles (Mapbox Vector Tile 2.1 on the WebMercatorQuad grid) of any layer, for maps at city scale.

A tile is built from what the store's spatial index finds in it (the GeoPackage R-tree or the PostGIS GiST), with
the request's filters applied exactly as /api/facilities applies them, and carries only what styling, labels and
filters need; a popup fetches its feature by id. A layer whose style has `min_zoom` has empty tiles below it. Lines and polygons are clipped a little beyond the tile edge and
simplified to about half a pixel of the zoom. Point layers are clustered on the server where a tile holds more
than CLUSTER_ABOVE points (below SINGLE_FROM_ZOOM): one feature per cell with its count, at the mean position.

For the Amap basemap a tile carries GCJ-02 positions on the same grid (`crs=GCJ02`), so markers sit on Amap's
streets, as the GeoJSON endpoints do with `crs=GCJ02`.
"""
from __future__ import annotations

import mapbox_vector_tile
import morecantile
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_app import crs
from geo_app.project.catalog import LayerSpec
from geo_app.store import Reader

TMS = morecantile.tms.get("WebMercatorQuad")
EXTENT = 4096               # MVT coordinates per tile side
TILE_PX = 256               # the pixel size the tolerances below refer to
EDGE_PX = 16                # lines and polygons reach this far beyond the edge (no seams between tiles)
CLUSTER_ABOVE = 150         # more points than this in a tile are clustered...
SINGLE_FROM_ZOOM = 16       # ...below this zoom
CLUSTER_CELLS = 8           # cells per tile side (32 px at 256 px tiles)
MAX_ZOOM = 22
_TO_MERCATOR = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)


def tile_fields(spec: LayerSpec) -> list[str]:
    """What a tile carries: id, name, status, district, and every field a filter or a style reads."""
    keep = {spec.id_field, "name", "status", "adcode"}
    return [f.name for f in spec.fields.values()
            if f.name in keep or f.type in ("boolean", "integer", "number") or f.allowed]


def _mercator(geometries: np.ndarray) -> np.ndarray:
    return shapely.transform(geometries, lambda xy: np.column_stack(_TO_MERCATOR.transform(xy[:, 0], xy[:, 1])))


def _read_box(z: int, x: int, y: int, output_crs: str, edge: float) -> tuple:
    """The WGS-84 box to read: the tile (with an edge) in the output system, taken back to WGS-84."""
    west, south, east, north = TMS.bounds(x, y, z)
    dx, dy = (east - west) * edge, (north - south) * edge
    xs, ys = np.array([west - dx, east + dx, west - dx, east + dx]), np.array([south - dy, south - dy, north + dy, north + dy])
    if output_crs != crs.WGS84:
        xs, ys = crs.convert(xs, ys, output_crs, crs.WGS84)
    return float(np.min(xs)), float(np.min(ys)), float(np.max(xs)), float(np.max(ys))


def build(store: Reader, spec: LayerSpec, z: int, x: int, y: int, *, output_crs: str = crs.WGS84,
          keep=None) -> bytes:
    """The tile's bytes (possibly an empty tile); `keep(frame) -> mask` applies the request's filters."""
    if z < int(spec.style.get("min_zoom", 0)):
        return mapbox_vector_tile.encode([{"name": spec.id, "features": []}])
    edge = EDGE_PX / TILE_PX
    clustered = _clustered(store, spec, z, x, y, output_crs)
    if hasattr(store, "mvt") and keep is None and output_crs == crs.WGS84 and not clustered:
        # PostGIS makes the tile itself (ST_AsMVT): the same features as below, without moving rows to Python
        left, _, right, _ = TMS.xy_bounds(x, y, z)
        return store.mvt(spec.id, z, x, y, columns=tile_fields(spec), edge=edge,
                         tolerance=(right - left) / TILE_PX / 2)
    carried = [] if clustered and keep is None else tile_fields(spec)
    # filters may read any field (opening_hours for open_now): then read them all and keep what tiles carry
    frame = store.read(spec.id, bbox=_read_box(z, x, y, output_crs, edge), columns=None if keep else carried)
    if keep is not None:
        frame = frame[keep(frame)] if not frame.empty else frame
        frame = frame[carried + [frame.geometry.name]]
    geometries = frame.geometry.values
    if output_crs != crs.WGS84 and len(geometries):
        geometries = np.asarray(crs.transform_geometry(geometries, crs.WGS84, output_crs))
    left, bottom, right, top = TMS.xy_bounds(x, y, z)
    pixel = (right - left) / TILE_PX
    metric = _mercator(np.asarray(geometries, dtype=object)) if len(geometries) else np.array([], dtype=object)
    properties = frame.drop(columns=frame.geometry.name).to_dict("records")
    if spec.geometry_type == "Point":
        inside = shapely.contains_xy(shapely.box(left, bottom, right, top), *shapely.get_coordinates(metric).T) \
            if len(metric) else np.array([], dtype=bool)
        metric, properties = metric[inside], [p for p, i in zip(properties, inside) if i]
        if not carried or (len(metric) > CLUSTER_ABOVE and z < SINGLE_FROM_ZOOM):
            features = _clusters(metric, (left, bottom, right, top))
        else:
            features = [{"geometry": g, "properties": _clean(p)} for g, p in zip(metric, properties)]
    else:
        reach = EDGE_PX * pixel
        clipped = shapely.clip_by_rect(shapely.simplify(metric, pixel / 2, preserve_topology=True),
                                       left - reach, bottom - reach, right + reach, top + reach)
        features = [{"geometry": g, "properties": _clean(p)} for g, p in zip(clipped, properties)
                    if g is not None and not g.is_empty]
    return encode(spec.id, features, (left, bottom, right, top))


def encode(name: str, features: list[dict], bounds: tuple) -> bytes:
    """The MVT bytes of one layer. Geometries (Web Mercator metres) are brought to tile coordinates, made valid
    and oriented here for all features at once; the encoder's own per-feature steps (one Python call per
    vertex) took seconds for a tile of a few thousand grid cells. The bytes are the same."""
    geometries = _to_tile(np.array([f["geometry"] for f in features], dtype=object), bounds)
    kept = [{"geometry": g, "properties": f["properties"]} for g, f in zip(geometries, features)
            if g is not None and not g.is_empty]
    return mapbox_vector_tile.encode([{"name": name, "features": kept}],
                                     default_options={"extents": EXTENT, "check_winding_order": False})


def _to_tile(geometries: np.ndarray, bounds: tuple) -> np.ndarray:
    if not len(geometries):
        return geometries
    left, bottom, right, top = bounds
    scale = np.array([EXTENT / (right - left), EXTENT / (top - bottom)])
    tiled = shapely.transform(geometries, lambda xy: np.round((xy - (left, bottom)) * scale))
    broken = ~shapely.is_valid(tiled)
    if broken.any():        # rounding to the tile grid can fold a thin polygon (keep what is left of its area)
        # or shrink a short line to a point (nothing to draw)
        tiled[broken] = [_polygonal(g) if shapely.get_dimensions(g) == 2 else None for g in shapely.make_valid(tiled[broken])]
    # exterior rings clockwise with y up: clockwise in MVT's y-down tile space too (MVT 2.1, 4.3.4.4)
    return shapely.orient_polygons(tiled, exterior_cw=True)


def _polygonal(geometry):
    parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else None


def _clustered(store: Reader, spec: LayerSpec, z: int, x: int, y: int, output_crs: str) -> bool:
    """Whether this tile of a point layer is drawn as clusters: more points than CLUSTER_ABOVE before any
    filter (counted in SQL), so that only the positions need reading."""
    if spec.geometry_type != "Point" or z >= SINGLE_FROM_ZOOM:
        return False
    return store.count(spec.id, bbox=_read_box(z, x, y, output_crs, 0)) > CLUSTER_ABOVE


def _clusters(points: np.ndarray, bounds: tuple) -> list[dict]:
    left, bottom, right, top = bounds
    xy = shapely.get_coordinates(points)
    size = (right - left) / CLUSTER_CELLS
    cells = (np.clip(((xy[:, 0] - left) // size), 0, CLUSTER_CELLS - 1) * CLUSTER_CELLS
             + np.clip(((top - xy[:, 1]) // size), 0, CLUSTER_CELLS - 1)).astype(int)
    out = []
    for cell in np.unique(cells):
        members = xy[cells == cell]
        mean = members.mean(axis=0)
        out.append({"geometry": shapely.Point(mean), "properties": {"cluster": True, "count": int(len(members))}})
    return out


def _clean(properties: dict) -> dict:
    """MVT values: no nulls; numpy scalars as Python ones."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in properties.items() if not pd.isna(v)}
