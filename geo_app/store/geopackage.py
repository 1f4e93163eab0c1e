"""The embedded store: one GeoPackage file (OGC GeoPackage 1.3; opens as it is in QGIS, GDAL and ogrinfo).

GeoPackage is SQLite, so the store writes rows inside SQL transactions: WAL journal (readers never wait for the
writer and see the last committed state), `BEGIN IMMEDIATE` (writers from any process queue behind each other up
to the busy timeout), synchronous=FULL (a committed write survives a crash). The R-tree of every layer, its
`gpkg_contents` extent and the store version change in the same transaction as the rows. The file is written in
place, so its mode and owner stay as they are.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import shapely

from geo_app.store import gpkg_geometry as gg
from geo_app.store.base import Store, StoreBusy, StoreError, StoreMissing, Transaction, keep_high_water
from geo_app.store.frames import (
    STORED_GEOMETRY,
    Appending,
    Bookkeeping,
    Touches,
    as_records,
    between_items,
    box_geometry,
    check_type,
    checked_name,
    geometry_kind,
    index_parts,
    put_together,
    take_apart,
    where_items,
)

_SQL_TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "DOUBLE", "boolean": "BOOLEAN", "blob": "BLOB"}
_LOGICAL = {
    "TEXT": "text",
    "INTEGER": "integer",
    "INT": "integer",
    "MEDIUMINT": "integer",
    "SMALLINT": "integer",
    "TINYINT": "integer",
    "DOUBLE": "real",
    "REAL": "real",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "text",
    "DATETIME": "text",
    "BLOB": "blob",
}
_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS store_tables (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT OR IGNORE INTO store_meta VALUES ('version', '0'), ('schema_version', '0');
"""
# The GeoPackage core tables (clause 1.1) and the three coordinate systems every GeoPackage must define.
_GEOPACKAGE = """
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
 ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
 ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
 ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""
# The R-tree triggers of the GeoPackage spec (F.3), so that any editor (QGIS, GDAL) keeps the index right.
_RTREE_TRIGGERS = """
CREATE TRIGGER "rtree_{t}_geom_insert" AFTER INSERT ON "{t}" WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update1" AFTER UPDATE OF geom ON "{t}" WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update2" AFTER UPDATE OF geom ON "{t}" WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD.fid; END;
CREATE TRIGGER "rtree_{t}_geom_update3" AFTER UPDATE ON "{t}" WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD.fid; INSERT OR REPLACE INTO "rtree_{t}_geom" VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
CREATE TRIGGER "rtree_{t}_geom_update4" AFTER UPDATE ON "{t}" WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id IN (OLD.fid, NEW.fid); END;
CREATE TRIGGER "rtree_{t}_geom_delete" AFTER DELETE ON "{t}" WHEN old.geom NOT NULL
BEGIN DELETE FROM "rtree_{t}_geom" WHERE id = OLD.fid; END;
"""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _q(name: str) -> str:
    return f'"{checked_name(name)}"'


class _Reading:
    """Reads on one connection: shared by the store (autocommit reads) and its transactions."""

    con: sqlite3.Connection

    def tables(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]

    def _layout(self, name: str) -> tuple[list[str], list[str], bool]:
        """Attribute column names and logical types, and whether the table has a geometry; kept while SQLite's
        schema_version (changed by every CREATE, ALTER and DROP, on any connection) stays the same."""
        key = (self.con.execute("PRAGMA schema_version").fetchone()[0], name)
        layouts = self.__dict__.setdefault("_layouts", {})
        if key not in layouts:
            if len(layouts) > 256:
                layouts.clear()
            layouts[key] = self._read_layout(name)
        return layouts[key]

    def _read_layout(self, name: str) -> tuple[list[str], list[str], bool]:
        if name not in self.tables():
            raise KeyError(name)
        names, types, spatial = [], [], False
        for _, column, declared, *_ in self.con.execute(f"PRAGMA table_info({_q(name)})"):
            if column.lower() == "fid":
                continue
            if column == STORED_GEOMETRY:
                spatial = True
                continue
            names.append(column)
            types.append(_LOGICAL.get(declared.upper().split("(")[0], "text"))
        return names, types, spatial

    def _select(
        self,
        name,
        bbox,
        where,
        columns,
        order_by=None,
        descending=False,
        limit=None,
        offset=0,
        count=False,
        between=None,
        geometry=True,
    ):
        names, types, spatial = self._layout(name)
        wanted = list(columns) if columns is not None else names
        for column in wanted + ([order_by] if order_by else []):
            if column not in names:
                raise StoreError(f"table {name!r} has no column {column!r}")
        conditions, params = [], []
        if bbox is not None and spatial:
            minx, miny, maxx, maxy = (float(v) for v in bbox)
            conditions.append(
                f'fid IN (SELECT id FROM "rtree_{name}_geom" WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?)'
            )
            params += [maxx, minx, maxy, miny]
        for column, values in where_items(where, names):
            present = [v for v in values if v is not None]
            parts = [f'"{column}" IN ({",".join("?" * len(present))})'] if present else []
            if len(present) < len(values):
                parts.append(f'"{column}" IS NULL')
            conditions.append("(" + " OR ".join(parts or ["0"]) + ")")
            params += present
        for column, low, high in between_items(between, names):
            for bound, operator in ((low, ">="), (high, "<")):
                if bound is not None:
                    conditions.append(f'"{column}" {operator} ?')
                    params.append(bound)
        exact = bbox is not None and spatial
        selected = [f'"{c}"' for c in wanted] + (["geom"] if spatial and (exact or geometry and not count) else [])
        sql = f"SELECT {', '.join(selected) or 'fid'} FROM {_q(name)}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        if count and not exact:
            return self.con.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]
        sql += f' ORDER BY "{order_by}"{" DESC" if descending else ""}, fid' if order_by else " ORDER BY fid"
        if not exact and (limit is not None or offset):
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else int(limit), int(offset)]
        if exact:  # the R-tree compares envelopes: keep what really intersects the box
            rows, geometries = self._exact(sql, params, bbox, None if count or limit is None else offset + limit)
            if count:
                return len(rows)
            end = None if limit is None else offset + limit
            rows, geometries = rows[offset:end], geometries[offset:end] if geometry else None
        else:
            rows = self.con.execute(sql, params).fetchall()
            geometries = gg.decode([r[-1] for r in rows]) if spatial and selected and selected[-1] == "geom" else None
        type_of = dict(zip(names, types))
        return wanted, [type_of[c] for c in wanted], rows, geometries

    _EXACT_CHUNK = 2000

    def _exact(self, sql: str, params: list, bbox, enough: int | None):
        """The rows of `sql` (the R-tree's candidates, geometry last) whose geometry intersects the box, in their
        order; with `enough`, read a chunk at a time and stop once that many are found, so that a page of a
        big box costs the page, not the box."""
        box = box_geometry(bbox)
        rows, geometries, start = [], [], 0
        while True:
            chunk = self.con.execute(
                sql if enough is None else sql + " LIMIT ? OFFSET ?",
                params if enough is None else params + [max(self._EXACT_CHUNK, enough), start],
            ).fetchall()
            decoded = gg.decode([r[-1] for r in chunk])
            keep = shapely.intersects(decoded, box)
            rows += [r for r, k in zip(chunk, keep) if k]
            geometries.append(decoded[keep])
            start += len(chunk)
            if enough is None or len(rows) >= enough or len(chunk) < max(self._EXACT_CHUNK, enough):
                return rows, np.concatenate(geometries) if geometries else np.array([], dtype=object)

    def read(
        self,
        name,
        *,
        bbox=None,
        where=None,
        columns=None,
        order_by=None,
        descending=False,
        limit=None,
        offset=0,
        between=None,
    ):
        return put_together(
            *self._select(name, bbox, where, columns, order_by, descending, limit, offset, between=between)
        )

    def records(
        self,
        name,
        *,
        bbox=None,
        where=None,
        columns=None,
        order_by=None,
        descending=False,
        limit=None,
        offset=0,
        between=None,
        geometry=True,
    ):
        return as_records(
            *self._select(
                name, bbox, where, columns, order_by, descending, limit, offset, between=between, geometry=geometry
            )
        )

    def count(self, name, *, bbox=None, where=None, between=None) -> int:
        return self._select(name, bbox, where, [], count=True, between=between)

    def table_version(self, name: str) -> int:
        row = self.con.execute("SELECT version FROM store_tables WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def indexes(self, name: str) -> list:
        out = []
        for _, index, *_ in self.con.execute(f"PRAGMA index_list({_q(name)})"):
            columns = [r[2] for r in sorted(self.con.execute(f'PRAGMA index_info("{index}")'))]
            if index.startswith("idx_"):
                out.append(columns[0] if len(columns) == 1 else tuple(columns))
        return out


CHANGE_POLL_S = 0.25


class GeoPackageStore(_Reading, Store):
    backup_suffix = "gpkg"

    def __init__(self, path: Path, *, busy_timeout_s: float):
        self.path = Path(path)
        self.location = str(self.path)
        self.busy_timeout_s = busy_timeout_s
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"GeoPackageStore({self.location!r})"

    @property
    def con(self) -> sqlite3.Connection:
        """One connection per thread and process (a forked worker opens its own)."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            if not self.exists_file():
                raise StoreMissing(f"there is no store at {self.path}: run `make store` (or `flask store-init`)")
            local.con, local.pid = self._open(), os.getpid()
        return local.con

    def _open(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False)
        con.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
        con.execute("PRAGMA synchronous = FULL")
        gg.register_functions(con)
        return con

    def exists_file(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def exists(self) -> bool:
        if not self.exists_file():
            return False
        return self.con.execute("SELECT 1 FROM sqlite_master WHERE name = 'store_meta'").fetchone() is not None

    def create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.path, isolation_level=None)
        try:
            con.execute("PRAGMA journal_mode = WAL")
            con.executescript("BEGIN;" + _GEOPACKAGE + _BOOKKEEPING + "COMMIT;")
        finally:
            con.close()
        self._local = threading.local()

    def meta_items(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM store_meta").fetchall())

    def meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def version(self) -> int:
        return int(self.meta("version") or 0)

    def wait_for_change(self, version: int, timeout_s: float) -> int:
        # SQLite tells no other process of a commit: the file's version is read every CHANGE_POLL_S
        deadline = time.monotonic() + timeout_s
        while (now := self.version()) == version and time.monotonic() < deadline:
            time.sleep(min(CHANGE_POLL_S, max(0.0, deadline - time.monotonic())))
        return now

    def extent(self, name: str) -> tuple | None:
        row = self.con.execute(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?", (name,)
        ).fetchone()
        return None if row is None or row[0] is None else tuple(float(v) for v in row)

    @contextmanager
    def transaction(self):
        con = self.con
        if con.in_transaction:
            raise StoreError("a write transaction is already open in this thread")
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreBusy(
                f"the store is busy with another write for over {self.busy_timeout_s:g} s ({exc}); try again"
            ) from None
        tx = GeoPackageTransaction(con)
        try:
            yield tx
            tx.finish()
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise

    def close(self) -> None:
        """Close this thread's connection; the last one to close folds the WAL back into the file."""
        con = getattr(self._local, "con", None)
        if con is not None and self._local.pid == os.getpid():
            con.close()
        self._local = threading.local()

    def backup(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(path)
        try:
            self.con.backup(target)
        finally:
            target.close()

    def restore(self, path: Path) -> None:
        source = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
        try:
            marked = source.execute("SELECT value FROM store_meta WHERE key = 'version'").fetchone()
        except sqlite3.DatabaseError as exc:
            source.close()
            raise StoreError(f"{path} is not a store backup: {exc}") from None
        if marked is None:
            source.close()
            raise StoreError(f"{path} is not a store backup: it has no version")
        before = self.high_water_marks()
        try:
            source.backup(self.con)
        finally:
            source.close()
        # caches are keyed by the version: it must move past every value it had before; numbers handed out
        # after the backup was made (case numbers) must not come again
        with self.transaction() as tx:
            keep_high_water(tx, before)


class GeoPackageTransaction(Appending, Bookkeeping, _Reading, Transaction):
    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self.changes = Touches()

    def get_meta(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", (key, str(value)))

    def _create_table(self, name: str, names: list[str], types: list[str], spatial: str | None) -> None:
        columns = ["fid INTEGER PRIMARY KEY AUTOINCREMENT"] + (["geom GEOMETRY"] if spatial else [])
        columns += [f'"{n}" {_SQL_TYPES[check_type(t)]}' for n, t in zip(names, types)]
        self.con.execute(f"CREATE TABLE {_q(name)} ({', '.join(columns)})")
        self.con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change, srs_id) VALUES (?, ?, ?, ?, ?)",
            (name, "features" if spatial else "attributes", name, _now(), gg.SRS_ID if spatial else None),
        )
        if spatial:
            self.con.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)", (name, spatial, gg.SRS_ID)
            )
            self.con.execute(f'CREATE VIRTUAL TABLE "rtree_{name}_geom" USING rtree(id, minx, maxx, miny, maxy)')
            self.con.execute(
                "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index',"
                " 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                (name,),
            )

    def _add_triggers(self, name: str) -> None:
        # one statement at a time: executescript() would commit the open transaction first
        for statement in _RTREE_TRIGGERS.format(t=name).strip().split("END;"):
            if statement.strip():
                self.con.execute(statement + "END;")

    def _index(self, name: str, indexes) -> None:
        for columns in indexes:
            suffix, listed = index_parts(columns)
            self.con.execute(f'CREATE INDEX IF NOT EXISTS "idx_{name}_{suffix}" ON {_q(name)} ({listed})')

    def add_index(self, name, columns) -> None:
        self._index(name, columns)

    def add_column(self, name, column, kind) -> None:
        if column in self._layout(name)[0]:
            return
        self.con.execute(
            f'ALTER TABLE {_q(name)} ADD COLUMN "{checked_name(column, "column")}" {_SQL_TYPES[check_type(kind)]}'
        )
        self.changes.touch(name)

    def create(self, name, columns, *, geometry=False, indexes=()) -> None:
        if name in self.tables():
            return
        self._create_table(name, list(columns), list(columns.values()), "GEOMETRY" if geometry else None)
        if geometry:
            self._add_triggers(name)
        self._index(name, indexes)
        self.changes.touch(name)

    def replace(self, name, frame, *, indexes=()) -> None:
        parts = take_apart(frame)
        self.drop(name)
        spatial = geometry_kind(parts.geometries) if parts.geometries is not None else None
        self._create_table(name, parts.names, parts.types, spatial)
        self._insert_rows(name, parts, with_fid=True)
        if spatial:
            # bulk: fill the index directly, then add the triggers that keep it right from here on
            boxes = shapely.bounds(parts.geometries)
            filled = ~np.isnan(boxes[:, 0])
            fids = np.flatnonzero(filled) + 1
            self.con.executemany(
                f'INSERT INTO "rtree_{name}_geom" VALUES (?, ?, ?, ?, ?)',
                zip(
                    fids.tolist(),
                    boxes[filled, 0].tolist(),
                    boxes[filled, 2].tolist(),
                    boxes[filled, 1].tolist(),
                    boxes[filled, 3].tolist(),
                ),
            )
            self._add_triggers(name)
        self._index(name, indexes)
        self.changes.touch(name)

    def _write_rows(self, name, parts) -> None:
        self._insert_rows(name, parts, with_fid=False)

    def _insert_rows(self, name: str, parts, *, with_fid: bool) -> None:
        columns = (["fid"] if with_fid else []) + (["geom"] if parts.geometries is not None else [])
        columns += [f'"{n}"' for n in parts.names]
        blobs = gg.encode(parts.geometries) if parts.geometries is not None else None
        rows = (
            ((i + 1,) if with_fid else ()) + ((blobs[i],) if blobs is not None else ()) + tuple(row)
            for i, row in enumerate(parts.row_tuples())
        )
        self.con.executemany(
            f"INSERT INTO {_q(name)} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
        )

    def _conditions(self, name: str, where: dict) -> tuple[str, list]:
        names, _, _ = self._layout(name)
        parts, params = [], []
        for column, values in where_items(where, names):
            parts.append(f'"{column}" IN ({",".join("?" * len(values))})')
            params += values
        if not parts:
            raise StoreError("give at least one condition (a where that matches everything is refused)")
        return " AND ".join(parts), params

    def update(self, name, where, values) -> int:
        names, types, spatial = self._layout(name)
        sets, params = [], []
        for column, value in values.items():
            if column == "geometry" and spatial:
                sets.append("geom = ?")
                params.append(gg.encode(np.array([value], dtype=object))[0])
                continue
            if column not in names:
                raise StoreError(f"table {name!r} has no column {column!r}")
            sets.append(f'"{column}" = ?')
            params.append(value.item() if hasattr(value, "item") else value)
        condition, where_params = self._conditions(name, where)
        changed = self.con.execute(
            f"UPDATE {_q(name)} SET {', '.join(sets)} WHERE {condition}", params + where_params
        ).rowcount
        self.changes.touch(name)
        return changed

    def delete(self, name, where) -> int:
        condition, params = self._conditions(name, where)
        deleted = self.con.execute(f"DELETE FROM {_q(name)} WHERE {condition}", params).rowcount
        self.changes.touch(name)
        return deleted

    def drop(self, name) -> None:
        if name not in self.tables():
            return
        self.con.execute(f'DROP TABLE IF EXISTS "rtree_{checked_name(name)}_geom"')
        self.con.execute(f"DROP TABLE {_q(name)}")
        for table in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"):
            self.con.execute(f"DELETE FROM {table} WHERE table_name = ?", (name,))
        if self.con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone():
            self.con.execute("DELETE FROM gpkg_ogr_contents WHERE table_name = ?", (name,))
        self.changes.touch(name)

    def _date_table(self, name: str, version: int) -> None:
        self.con.execute("INSERT OR REPLACE INTO store_tables VALUES (?, ?)", (name, version))

    def _grow_extent(self, name: str, box: tuple) -> None:
        self.con.execute(
            "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?), ?), min_y = min(coalesce(min_y, ?), ?),"
            " max_x = max(coalesce(max_x, ?), ?), max_y = max(coalesce(max_y, ?), ?), last_change = ?"
            " WHERE table_name = ?",
            (box[0], box[0], box[1], box[1], box[2], box[2], box[3], box[3], _now(), name),
        )

    def _measure_extent(self, name: str) -> None:
        self.con.execute(
            f"UPDATE gpkg_contents SET (min_x, max_x, min_y, max_y) = (SELECT min(minx), max(maxx), min(miny),"
            f' max(maxy) FROM "rtree_{name}_geom"), last_change = ? WHERE table_name = ?',
            (_now(), name),
        )
