"""What the engine makes tiles of: a catalog layer (tiles/layers.py: LayerSource), or a source that reads its
features itself and hands them to the engine (the cases: web/case_tiles.py, with tiles/points.py)."""

from __future__ import annotations

from typing import Protocol

from geo_app.store import Reader


class Source(Protocol):
    table: str  # the store table the tiles are made from: its version dates them

    def build(self, store: Reader, z: int, x: int, y: int, *, output_crs: str) -> bytes:
        """The bytes of one tile of the matrix, positions in `output_crs` (WGS-84, or GCJ-02 for Amap)."""
