"""The land mask: large open water over Suzhou (GSHHG, see layers/data/reference/README.md). Imported points on
it are refused unless the layer's catalog file says `allow_water = true` (a ferry pier, a floating toilet)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo_app.data.ingest.problems import Collector

WATER_FILE = "data/reference/water_gshhg.geojson"


@dataclass(frozen=True)
class Water:
    names: tuple[str, ...]
    polygons: tuple  # Shapely polygons, one per name, prepared for fast tests


@lru_cache(maxsize=4)
def load_water(layers_root: Path) -> Water:
    frame = gpd.read_file(Path(layers_root) / WATER_FILE)
    polygons = tuple(frame.geometry)
    for polygon in polygons:
        shapely.prepare(polygon)
    return Water(tuple(frame["name"]), polygons)


def refuse_points_on_water(geometries, water: Water, log: Collector, where: list[str]) -> None:
    """A problem for every point (WGS-84) that lies on open water, naming the water."""
    values = np.asarray(geometries, dtype=object)
    points = shapely.get_type_id(values) == 0
    found = {}
    for name, polygon in zip(water.names, water.polygons):
        for i in np.flatnonzero(points & shapely.contains(polygon, values)):
            found.setdefault(int(i), name)
    for i, name in sorted(found.items()):
        point = values[i]
        log.add(
            f"({point.x:.5f}, {point.y:.5f}) lies on open water ({name}); a layer whose features may stand on"
            " water says allow_water = true in its catalog file",
            where[i],
            "geometry",
        )
