"""The store's interface: what both backends (GeoPackage, PostGIS) read and write with, and its errors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_app.errors import Unavailable

# Logical column types, the same on both backends.
COLUMN_TYPES = ("text", "integer", "real", "boolean", "blob")  # blob: bytes (photos)
BUSY_TIMEOUT_S = 60


class StoreError(Unavailable):
    """The store cannot do what was asked; the message says why."""

    def __init__(self, reason: str):
        super().__init__(None, reason)


class StoreMissing(StoreError):
    """No store has been created at the configured location yet."""


class StoreBusy(StoreError):
    """Another writer held the store longer than the busy timeout."""


def is_high_water(key: str) -> bool:
    """Bookkeeping values a restore or a copy never lowers: the version (every cache's key) and every `*_seq`
    sequence (numbers once handed out, such as case numbers, must never be handed out again on this store)."""
    return key == "version" or key.endswith("_seq")


def keep_high_water(tx: Transaction, before: dict[str, int]) -> None:
    """After a restore or a copy: each high-water mark at the larger of `before` and what the store now holds."""
    for key, value in before.items():
        tx.set_meta(key, str(max(value, _int(tx.get_meta(key)))))


def _int(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


class Reader(ABC):
    """What both a store and a transaction read with."""

    @abstractmethod
    def tables(self) -> list[str]:
        """Names of every data table (spatial layers and attribute tables), not the bookkeeping ones."""

    @abstractmethod
    def read(
        self,
        name: str,
        *,
        bbox: tuple | None = None,
        where: dict | None = None,
        columns: list[str] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        offset: int = 0,
        between: dict | None = None,
    ) -> gpd.GeoDataFrame | pd.DataFrame:
        """Rows of a table: a GeoDataFrame (WGS-84) for layers, a DataFrame for attribute tables.
        bbox (minx, miny, maxx, maxy) keeps the features that intersect it, found through the spatial index;
        where maps columns to a value or a list of values (all must match); between maps columns to (low, high):
        low <= value < high, either bound None for none (an indexed column is searched through its index);
        columns limits what is read."""

    @abstractmethod
    def records(
        self,
        name: str,
        *,
        bbox: tuple | None = None,
        where: dict | None = None,
        columns: list[str] | None = None,
        order_by: str | None = None,
        descending: bool = False,
        limit: int | None = None,
        offset: int = 0,
        between: dict | None = None,
        geometry: bool = True,
    ) -> list[dict]:
        """What read() returns, as a list of dicts (shapely geometries under "geometry", unless `geometry` is
        False: then none are read): for small reads."""

    @abstractmethod
    def count(
        self, name: str, *, bbox: tuple | None = None, where: dict | None = None, between: dict | None = None
    ) -> int:
        """How many rows read() would return without limit and offset."""

    @abstractmethod
    def table_version(self, name: str) -> int:
        """The store version at which this table last changed (0 if never)."""

    @abstractmethod
    def indexes(self, name: str) -> list:
        """The table's indexes (besides the spatial one): a column's name, or a tuple for an index over several."""

    def mvt(
        self, name: str, z: int, x: int, y: int, *, columns: list[str], edge: float, tolerance: float
    ) -> bytes | None:
        """A layer's features in one WebMercatorQuad tile as Mapbox Vector Tile bytes (the tile's layer named
        `name`), made by the backend itself: points inside the tile, lines and polygons simplified by `tolerance`
        metres and clipped `edge` (a share of the tile) beyond it. None (the default) when the backend cannot:
        the tile engine then encodes the features it reads."""
        return None


class Transaction(Reader):
    """A write transaction: reads see its own changes; everything lands on commit, nothing on an exception."""

    @abstractmethod
    def replace(self, name: str, frame: pd.DataFrame, *, indexes: tuple = ()) -> None:
        """The table becomes exactly `frame` (created, or re-created with the frame's columns)."""

    @abstractmethod
    def insert(self, name: str, frame: pd.DataFrame, *, indexes: tuple = ()) -> None:
        """Append rows (the table is created from the frame's columns if missing)."""

    @abstractmethod
    def insert_records(self, name: str, records: list[dict]) -> None:
        """Append rows given as dicts, as `records()` reads them (a WGS-84 geometry under "geometry"), to an
        existing table: for the few rows of a request, without building a frame."""

    @abstractmethod
    def create(self, name: str, columns: dict[str, str], *, geometry: bool = False, indexes: tuple = ()) -> None:
        """Create an empty table with typed columns (COLUMN_TYPES) if it does not exist (used by migrations)."""

    @abstractmethod
    def add_column(self, name: str, column: str, kind: str) -> None:
        """Add a column of a type (COLUMN_TYPES), missing in every row, to an existing table unless it has one:
        no rows are rewritten (used by migrations on big tables)."""

    @abstractmethod
    def add_index(self, name: str, columns: tuple) -> None:
        """Index columns of an existing table unless they are (used by migrations): each item a column, or a tuple
        of columns for one index over them in that order."""

    @abstractmethod
    def update(self, name: str, where: dict, values: dict) -> int:
        """Set columns on the matching rows; returns how many matched."""

    @abstractmethod
    def delete(self, name: str, where: dict) -> int:
        """Delete the matching rows; returns how many."""

    @abstractmethod
    def drop(self, name: str) -> None:
        """Remove a table if it exists."""

    @abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A value of the store's own bookkeeping (schema version and the like)."""

    @abstractmethod
    def set_meta(self, key: str, value: str) -> None:
        """Set a bookkeeping value."""


class Store(Reader):
    location: str  # what str() shows: a path or a URL without its password
    backup_suffix: str  # the file suffix of backup()'s output

    @abstractmethod
    def exists(self) -> bool:
        """True once the store has been created (its bookkeeping tables are there)."""

    @abstractmethod
    def create(self) -> None:
        """Create an empty store (bookkeeping tables only); the migrations then give it its schema."""

    @abstractmethod
    def version(self) -> int:
        """A counter bumped by every write transaction, seen by every process."""

    @abstractmethod
    def wait_for_change(self, version: int, timeout_s: float) -> int:
        """The store's version once it is no longer `version`, or after `timeout_s` (then it may be the same):
        how a process learns of other processes' writes without asking in a loop of its own."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Transaction]:
        """Begin a write transaction (waits for other writers; StoreBusy after the busy timeout)."""

    @abstractmethod
    def meta(self, key: str) -> str | None:
        """A bookkeeping value, outside any transaction."""

    @abstractmethod
    def meta_items(self) -> dict[str, str]:
        """Every bookkeeping value, outside any transaction."""

    def high_water_marks(self) -> dict[str, int]:
        """The values a restore or a copy never lowers (is_high_water), as numbers."""
        return {k: _int(v) for k, v in self.meta_items().items() if is_high_water(k)}

    @abstractmethod
    def extent(self, name: str) -> tuple | None:
        """(minx, miny, maxx, maxy) of a layer's features, None when empty or not spatial."""

    @abstractmethod
    def backup(self, path: Path) -> None:
        """Write a consistent copy of the whole store to `path` while it is in use."""

    @abstractmethod
    def close(self) -> None:
        """Let go of this process's connections (a later call opens new ones)."""

    @abstractmethod
    def restore(self, path: Path) -> None:
        """Replace the whole content with a backup made by backup(); the version moves forward and no high-water
        mark (is_high_water: the version, the `*_seq` sequences) goes below the value it had before."""

    def __str__(self) -> str:
        return self.location
