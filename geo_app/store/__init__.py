"""The store: the service's system of record, behind one interface with two backends.

- GeoPackage (a SQLite file; the embedded default): `STORE=/path/suzhou.gpkg`.
- PostGIS (a PostgreSQL server; for a city's load): `STORE=postgresql://user@host/db`.

Reads take a bbox (answered through the spatial index: the GeoPackage R-tree, PostGIS GiST), equality filters on
columns, a column list, order and paging. Writes happen only inside `store.transaction()`: every table change in
it lands together or not at all, concurrent writers from any number of processes wait for each other (or get
StoreBusy after the busy timeout), and readers see the old or the new state, never a mix. Every transaction bumps
the store's version, a counter every process sees: the key of every cache derived from the store.
"""

from __future__ import annotations

from pathlib import Path

from geo_app.store.base import (
    BUSY_TIMEOUT_S,
    COLUMN_TYPES,
    Reader,
    Store,
    StoreBusy,
    StoreError,
    StoreMissing,
    Transaction,
)

__all__ = [
    "BUSY_TIMEOUT_S",
    "COLUMN_TYPES",
    "Reader",
    "Store",
    "StoreBusy",
    "StoreError",
    "StoreMissing",
    "Transaction",
    "open_store",
]


def open_store(location: str | Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Store:
    """A GeoPackage path or a postgresql:// URL."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from geo_app.store.postgis import PostGISStore

        return PostGISStore(text, busy_timeout_s=busy_timeout_s)
    from geo_app.store.geopackage import GeoPackageStore

    return GeoPackageStore(Path(text), busy_timeout_s=busy_timeout_s)
