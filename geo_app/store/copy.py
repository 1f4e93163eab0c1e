"""Copy a whole store to another (GeoPackage <-> PostGIS, either way), in one transaction on the target."""

from __future__ import annotations

from geo_app.store import Store, StoreError
from geo_app.store.base import keep_high_water


def copy_store(source: Store, target: Store, *, force: bool = False) -> dict[str, int]:
    """Every data table with its rows and indexes, and the schema version; returns rows per table."""
    if not source.exists():
        raise StoreError(f"there is no store at {source}")
    if not target.exists():
        target.create()
    copied = {}
    with target.transaction() as tx:
        clash = sorted(set(source.tables()) & set(tx.tables()))
        if clash and not force:
            raise StoreError(f"{target} already has {', '.join(clash)}: give --force to overwrite them")
        for name in source.tables():
            frame = source.read(name)
            tx.replace(name, frame, indexes=tuple(source.indexes(name)))
            copied[name] = len(frame)
        tx.set_meta("schema_version", source.meta("schema_version") or "0")
        # the target's caches must not mistake the copy for an older state of its own, and no number either store
        # has handed out (the `*_seq` sequences: case numbers) may come again
        keep_high_water(tx, source.high_water_marks())
    return copied
