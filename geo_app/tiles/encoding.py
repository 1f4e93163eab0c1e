"""Encoding: features in Web Mercator metres to the bytes of a Mapbox Vector Tile 2.1 layer."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pandas as pd
import shapely

EXTENT = 4096  # MVT coordinates per tile side


def encode(name: str, features: list[dict], bounds: tuple) -> bytes:
    """The MVT bytes of one layer. Geometries (Web Mercator metres) are brought to tile coordinates, made valid
    and oriented here for all features at once; the encoder's own per-feature steps (one Python call per
    vertex) took seconds for a tile of a few thousand grid cells. The bytes are the same."""
    geometries = _to_tile(np.array([f["geometry"] for f in features], dtype=object), bounds)
    kept = [
        {"geometry": g, "properties": f["properties"]}
        for g, f in zip(geometries, features)
        if g is not None and not g.is_empty
    ]
    return mapbox_vector_tile.encode(
        [{"name": name, "features": kept}], default_options={"extents": EXTENT, "check_winding_order": False}
    )


def clean(properties: dict) -> dict:
    """MVT values: no nulls; numpy scalars as Python ones."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in properties.items() if not pd.isna(v)}


def _to_tile(geometries: np.ndarray, bounds: tuple) -> np.ndarray:
    if not len(geometries):
        return geometries
    left, bottom, right, top = bounds
    scale = np.array([EXTENT / (right - left), EXTENT / (top - bottom)])
    tiled = shapely.transform(geometries, lambda xy: np.round((xy - (left, bottom)) * scale))
    broken = ~shapely.is_valid(tiled)
    if broken.any():  # rounding to the tile grid can fold a thin polygon (keep what is left of its area)
        # or shrink a short line to a point (nothing to draw)
        tiled[broken] = [
            _polygonal(g) if shapely.get_dimensions(g) == 2 else None for g in shapely.make_valid(tiled[broken])
        ]
    # exterior rings clockwise with y up: clockwise in MVT's y-down tile space too (MVT 2.1, 4.3.4.4)
    return shapely.orient_polygons(tiled, exterior_cw=True)


def _polygonal(geometry):
    parts = [p for p in shapely.get_parts(geometry) if shapely.get_type_id(p) in (3, 6)]
    return shapely.union_all(parts) if parts else None
