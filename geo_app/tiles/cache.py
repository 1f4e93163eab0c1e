"""Tiles built by this process, kept in memory."""

from __future__ import annotations

import threading
from collections import OrderedDict


class TileCache:
    """Tiles made by this process, keyed by their ETag (so a write to the table retires them), within a budget
    of bytes; the least recently used go first."""

    def __init__(self, budget_bytes: int):
        self.budget, self.used = budget_bytes, 0
        self._tiles: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            data = self._tiles.get(key)
            if data is not None:
                self._tiles.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        with self._lock:
            if key in self._tiles or len(data) > self.budget:
                return
            self._tiles[key] = data
            self.used += len(data)
            while self.used > self.budget:
                self.used -= len(self._tiles.popitem(last=False)[1])
