"""The vector tile engine (Mapbox Vector Tile 2.1 on the WebMercatorQuad grid), for maps at city scale; no HTTP.

- matrix.py: the tile matrix (zoom 0..MAX_ZOOM), the WGS-84 box a tile reads, positions in Web Mercator;
- encoding.py: features to MVT bytes;
- points.py: the points of a tile, clustered on the server where it holds more than CLUSTER_ABOVE (below
  SINGLE_FROM_ZOOM);
- layers.py: the tiles of a catalog layer (LayerSource), made by the store itself where it can (Store.mvt);
- source.py: what tiles are made of (a layer, or a source that reads its own features, such as the cases);
- cache.py: the tiles a process has built, by ETag.

For the Amap basemap a tile carries GCJ-02 positions on the same grid (`crs=GCJ02`), so markers sit on Amap's
streets, as the GeoJSON endpoints do with `crs=GCJ02`.
"""

from __future__ import annotations

from geo_app.tiles.cache import TileCache
from geo_app.tiles.encoding import EXTENT, encode
from geo_app.tiles.layers import LayerSource, build, tile_fields
from geo_app.tiles.matrix import MAX_ZOOM, TMS, is_tile, read_box
from geo_app.tiles.points import CLUSTER_ABOVE, SINGLE_FROM_ZOOM, points_tile
from geo_app.tiles.source import Source

__all__ = [
    "CLUSTER_ABOVE",
    "EXTENT",
    "MAX_ZOOM",
    "SINGLE_FROM_ZOOM",
    "TMS",
    "LayerSource",
    "Source",
    "TileCache",
    "build",
    "encode",
    "is_tile",
    "points_tile",
    "read_box",
    "tile_fields",
]
