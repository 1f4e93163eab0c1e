"""The tiles of a catalog layer, built from what the store's spatial index finds in them (the GeoPackage R-tree or
the PostGIS GiST), with the request's filters applied exactly as /api/facilities applies them. A tile carries only
what styling, labels and filters need; a popup fetches its feature by id. A layer whose style has `min_zoom` has
empty tiles below it. Lines and polygons are clipped a little beyond the tile edge and simplified to about half a
pixel of the zoom; point layers are clustered (tiles/points.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mapbox_vector_tile
import shapely

from geo_app import crs
from geo_app.project.catalog import LayerSpec
from geo_app.store import Reader
from geo_app.tiles.encoding import clean, encode
from geo_app.tiles.matrix import bounds, read_box, to_mercator
from geo_app.tiles.points import CLUSTER_ABOVE, SINGLE_FROM_ZOOM, point_features

TILE_PX = 256  # the pixel size the tolerances below refer to
EDGE_PX = 16  # lines and polygons reach this far beyond the edge (no seams between tiles)


def tile_fields(spec: LayerSpec) -> list[str]:
    """What a tile carries: id, name, status, district, and every field a filter or a style reads."""
    keep = {spec.id_field, "name", "status", "adcode"}
    return [
        f.name
        for f in spec.fields.values()
        if f.name in keep or f.type in ("boolean", "integer", "number") or f.allowed
    ]


@dataclass(frozen=True)
class LayerSource:
    """A layer's tiles as a tile source; `keep(frame) -> mask` applies a request's filters."""

    spec: LayerSpec
    keep: Callable | None = None

    @property
    def table(self) -> str:
        return self.spec.id

    def build(self, store: Reader, z: int, x: int, y: int, *, output_crs: str = crs.WGS84) -> bytes:
        return build(store, self.spec, z, x, y, output_crs=output_crs, keep=self.keep)


def build(store: Reader, spec: LayerSpec, z: int, x: int, y: int, *, output_crs: str = crs.WGS84, keep=None) -> bytes:
    """The tile's bytes (possibly an empty tile); `keep(frame) -> mask` applies the request's filters."""
    if z < int(spec.style.get("min_zoom", 0)):
        return mapbox_vector_tile.encode([{"name": spec.id, "features": []}])
    edge = EDGE_PX / TILE_PX
    box = bounds(z, x, y)
    pixel = (box[2] - box[0]) / TILE_PX
    clustered = _clustered(store, spec, z, x, y, output_crs)
    if keep is None and output_crs == crs.WGS84 and not clustered:
        # a backend that makes the tile itself (PostGIS: ST_AsMVT) makes the same features, without moving rows
        data = store.mvt(spec.id, z, x, y, columns=tile_fields(spec), edge=edge, tolerance=pixel / 2)
        if data is not None:
            return data
    carried = [] if clustered and keep is None else tile_fields(spec)
    # filters may read any field (opening_hours for open_now): then read them all and keep what tiles carry
    frame = store.read(spec.id, bbox=read_box(z, x, y, output_crs, edge), columns=None if keep else carried)
    if keep is not None:
        frame = frame[keep(frame)] if not frame.empty else frame
        frame = frame[carried + [frame.geometry.name]]
    metric = to_mercator(frame.geometry.values, output_crs)
    properties = frame.drop(columns=frame.geometry.name).to_dict("records")
    if spec.geometry_type == "Point":
        features = point_features(metric, properties, box, z, clustered=not carried)
    else:
        left, bottom, right, top = box
        reach = EDGE_PX * pixel
        clipped = shapely.clip_by_rect(
            shapely.simplify(metric, pixel / 2, preserve_topology=True),
            left - reach,
            bottom - reach,
            right + reach,
            top + reach,
        )
        features = [
            {"geometry": g, "properties": clean(p)}
            for g, p in zip(clipped, properties)
            if g is not None and not g.is_empty
        ]
    return encode(spec.id, features, box)


def _clustered(store: Reader, spec: LayerSpec, z: int, x: int, y: int, output_crs: str) -> bool:
    """Whether this tile of a point layer is drawn as clusters: more points than CLUSTER_ABOVE before any
    filter (counted in SQL), so that only the positions need reading."""
    if spec.geometry_type != "Point" or z >= SINGLE_FROM_ZOOM:
        return False
    return store.count(spec.id, bbox=read_box(z, x, y, output_crs)) > CLUSTER_ABOVE
