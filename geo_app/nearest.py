"""Nearest facilities, answered from a k-d tree over EPSG:4549 metres (built once per layer and store version).

Lines (on-street parking) are indexed by their vertices; the distance reported is to the geometry itself.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from . import crs


@dataclass
class LayerIndex:
    frame: gpd.GeoDataFrame          # the layer as stored (WGS-84)
    metric: np.ndarray               # geometries in EPSG:4549
    tree: cKDTree                    # over vertex coordinates
    owner: np.ndarray                # vertex -> row position

    @classmethod
    def build(cls, frame: gpd.GeoDataFrame) -> "LayerIndex":
        metric = crs.metric(frame).geometry.values
        coords, owner = shapely.get_coordinates(metric, return_index=True)
        return cls(frame.reset_index(drop=True), np.asarray(metric), cKDTree(coords), owner)

    def nearest(self, x: float, y: float, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row position, metres) of the n nearest rows, among `allowed` (a boolean mask) if given."""
        total = len(self.owner)
        if total == 0:
            return []
        wanted = n if allowed is None else min(n, int(allowed.sum()))
        k = min(total, max(8, 4 * n))
        while True:
            _, vertices = self.tree.query([x, y], k=k)
            rows = list(dict.fromkeys(self.owner[np.atleast_1d(vertices)]))
            if allowed is not None:
                rows = [r for r in rows if allowed[r]]
            if len(rows) >= wanted or k >= total:
                break
            k = min(total, k * 4)
        point = shapely.Point(x, y)
        found = sorted((float(shapely.distance(self.metric[r], point)), r) for r in rows)
        # a row whose nearest vertex was not among the first k can still be nearer than the last found one
        # (long lines): rows are ranked on exact distances among the candidates, which suffices for points and
        # for segments much shorter than the distances asked about.
        return [(r, d) for d, r in found[:wanted]]


class NearestService:
    def __init__(self):
        self._cache: dict[str, tuple[str, LayerIndex]] = {}
        self._lock = threading.Lock()

    def index(self, store, layer: str) -> LayerIndex:
        version = store.version()
        cached = self._cache.get(layer)
        if cached is None or cached[0] != version:
            with self._lock:
                cached = (version, LayerIndex.build(store.read(layer)))
                self._cache[layer] = cached
        return cached[1]
