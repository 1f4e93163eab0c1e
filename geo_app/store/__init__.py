"""One storage interface for the whole service; the GeoPackage file is the embedded default.

Callers use only this interface, so a PostGIS backend can be added later (a class implementing the same four
methods, chosen by the STORE setting's scheme) without touching them.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import geopandas as gpd
import pandas as pd


class StoreError(RuntimeError):
    pass


class Store(ABC):
    @abstractmethod
    def exists(self) -> bool:
        """True once the store has been built."""

    @abstractmethod
    def version(self) -> str:
        """Changes whenever the content changes: the key for caches derived from the store."""

    @abstractmethod
    def tables(self) -> list[str]:
        """Names of every table: spatial layers and attribute tables."""

    @abstractmethod
    def read(self, name: str, bbox: tuple | None = None) -> gpd.GeoDataFrame | pd.DataFrame:
        """A whole table (a GeoDataFrame for layers, a DataFrame for attribute tables); bbox filters layers."""

    @abstractmethod
    def write(self, tables: dict[str, pd.DataFrame], *, fresh: bool = False) -> None:
        """Write several tables at once, all or nothing: on any error the store is as it was.
        fresh=True builds a new store holding only these tables."""


def open_store(location: str | Path) -> Store:
    """`location` is a path to a .gpkg file (the default backend)."""
    from .geopackage import GeoPackageStore

    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        raise StoreError("the PostGIS backend is not built yet; use a .gpkg path")
    return GeoPackageStore(Path(text))
