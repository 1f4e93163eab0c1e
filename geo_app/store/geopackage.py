"""The embedded store: one GeoPackage file (OGC standard; opens as it is in QGIS and with ogrinfo).

Writes are atomic: the new content is written to a copy beside the file and renamed over it, so a reader never
sees a half-written store and a failed write leaves the old file byte-for-byte as it was.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import box

from . import Store, StoreError


class GeoPackageStore(Store):
    def __init__(self, path: Path):
        self.path = Path(path)
        self._cache: dict[str, tuple[str, object]] = {}
        self._tables: tuple[str, list[str]] | None = None
        self._write_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    def version(self) -> str:
        stat = self.path.stat()
        return f"{stat.st_mtime_ns}-{stat.st_size}-{stat.st_ino}"

    def exists(self) -> bool:
        return self.path.is_file()

    def tables(self) -> list[str]:
        """Table names, listed once per store version (every request asks; opening the file each time is waste)."""
        if not self.exists():
            return []
        version = self.version()
        if self._tables is None or self._tables[0] != version:
            self._tables = (version, [str(name) for name, _ in pyogrio.list_layers(self.path)])
        return list(self._tables[1])

    def read(self, name: str, bbox: tuple | None = None):
        if not self.exists():
            raise StoreError(f"the store {self.path} has not been built: run `make store`")
        if name not in self.tables():
            raise KeyError(name)
        version = self.version()
        cached = self._cache.get(name)
        if cached is None or cached[0] != version:
            frame = pyogrio.read_dataframe(self.path, layer=name)
            cached = (version, frame)
            self._cache[name] = cached
        frame = cached[1]
        if bbox is not None and isinstance(frame, gpd.GeoDataFrame):
            frame = frame.iloc[frame.sindex.query(box(*bbox), predicate="intersects")].sort_index()
        return frame.copy()

    def write(self, tables: dict[str, pd.DataFrame], *, fresh: bool = False) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._write_lock:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}-", suffix=".gpkg", dir=self.path.parent)
            os.close(fd)
            tmp_path = Path(tmp)
            try:
                if self.exists() and not fresh:
                    shutil.copyfile(self.path, tmp_path)
                else:
                    tmp_path.unlink()
                for name, frame in tables.items():
                    _write_table(tmp_path, name, frame)
                os.replace(tmp_path, self.path)
            except BaseException:
                tmp_path.unlink(missing_ok=True)
                raise
        self._cache.clear()
        self._tables = None


def _write_table(path: Path, name: str, frame: pd.DataFrame) -> None:
    try:
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    except Exception as exc:  # GDAL reports many kinds; say which table failed
        raise StoreError(f"writing table {name!r} to {path}: {exc}") from exc
