"""The server store: PostgreSQL with PostGIS, for a city's load (psycopg 3 with a connection pool per process).

The same tables and behaviour as the GeoPackage store. Layers have a `geom geometry(Geometry, 4326)` column with
a GiST index; bbox reads are `geom && envelope AND ST_Intersects` in SQL. A write transaction first locks the
store's version row, so writers queue behind each other (up to the busy timeout, then StoreBusy); readers never
wait and see the last committed state (MVCC). A table whose columns stay the same is emptied with DELETE, not
dropped, so that readers of it are never blocked by a write.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import shapely

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
    index_parts,
    put_together,
    take_apart,
    where_items,
)

_SQL_TYPES = {"text": "text", "integer": "bigint", "real": "double precision", "boolean": "boolean", "blob": "bytea"}
_LOGICAL = {
    "text": "text",
    "bigint": "integer",
    "integer": "integer",
    "smallint": "integer",
    "double precision": "real",
    "real": "real",
    "numeric": "real",
    "boolean": "boolean",
    "bytea": "blob",
}
_BOOKKEEPING = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "CREATE TABLE IF NOT EXISTS store_meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS store_tables (name text PRIMARY KEY, version bigint NOT NULL)",
    "CREATE TABLE IF NOT EXISTS store_contents (table_name text PRIMARY KEY, seq bigserial, spatial boolean NOT NULL,"
    " min_x double precision, min_y double precision, max_x double precision, max_y double precision)",
    "INSERT INTO store_meta VALUES ('version', '0'), ('schema_version', '0') ON CONFLICT DO NOTHING",
]


def _q(name: str) -> str:
    return f'"{checked_name(name)}"'


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


class _Reading:
    """Reads on one connection (the store's pooled ones, or a transaction's)."""

    def _run(self, sql: str, params=()):
        raise NotImplementedError

    def tables(self) -> list[str]:
        return [r[0] for r in self._run("SELECT table_name FROM store_contents ORDER BY seq")]

    def _layout(self, name: str) -> tuple[list[str], list[str], bool]:
        """Column names, logical types and whether the table has geometries; cached by the classes below."""
        # a table's identity (oid) and its catalogue row's version (xmin, new with every DDL on it); row writes
        # leave both alone, so a busy table keeps its cached layout
        key = (name, *self._run("SELECT oid, xmin::text FROM pg_class WHERE oid = to_regclass(%s)", (_q(name),))[0:1])
        if key not in self.layouts:
            if len(self.layouts) > 256:
                self.layouts.clear()
            self.layouts[key] = self._read_layout(name)
        return self.layouts[key]

    def _read_layout(self, name: str) -> tuple[list[str], list[str], bool]:
        # the system catalogue, not information_schema.columns (a view that costs milliseconds a call)
        rows = self._run(
            "SELECT a.attname, a.atttypid::regtype::text FROM pg_attribute a WHERE a.attrelid ="
            " to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped AND EXISTS (SELECT 1 FROM"
            " store_contents WHERE table_name = %s) ORDER BY a.attnum",
            (_q(name), name),
        )
        if not rows:
            raise KeyError(name)
        names, types, spatial = [], [], False
        for column, declared in rows:
            if column == "fid":
                continue
            if column == STORED_GEOMETRY:
                spatial = True
                continue
            names.append(column)
            types.append(_LOGICAL.get(declared, "text"))
        return names, types, spatial

    def _where(self, name, bbox, where, names, spatial, between=None) -> tuple[str, list]:
        conditions, params = [], []
        if bbox is not None and spatial:
            conditions.append(
                "geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) AND ST_Intersects(geom, ST_GeomFromWKB(%s, 4326))"
            )
            params += [float(v) for v in bbox] + [shapely.to_wkb(box_geometry(bbox))]
        for column, values in where_items(where, names):
            present = [v for v in values if v is not None]
            parts = [f'"{column}" = ANY(%s)'] if present else []
            params += [present] if present else []
            if len(present) < len(values):
                parts.append(f'"{column}" IS NULL')
            conditions.append("(" + " OR ".join(parts or ["false"]) + ")")
        for column, low, high in between_items(between, names):
            for bound, operator in ((low, ">="), (high, "<")):
                if bound is not None:
                    conditions.append(f'"{column}" {operator} %s')
                    params.append(bound)
        return (" WHERE " + " AND ".join(conditions)) if conditions else "", params

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
        return put_together(*self._select(name, bbox, where, columns, order_by, descending, limit, offset, between))

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
            *self._select(name, bbox, where, columns, order_by, descending, limit, offset, between, geometry)
        )

    def _select(self, name, bbox, where, columns, order_by, descending, limit, offset, between=None, geometry=True):
        names, types, spatial = self._layout(name)
        wanted = list(columns) if columns is not None else names
        for column in wanted + ([order_by] if order_by else []):
            if column not in names:
                raise StoreError(f"table {name!r} has no column {column!r}")
        condition, params = self._where(name, bbox, where, names, spatial, between)
        spatial = spatial and geometry
        selected = [f'"{c}"' for c in wanted] + (["ST_AsBinary(geom)"] if spatial else [])
        sql = f"SELECT {', '.join(selected) or 'fid'} FROM {_q(name)}{condition}"
        sql += f' ORDER BY "{order_by}"{" DESC" if descending else ""}, fid' if order_by else " ORDER BY fid"
        if limit is not None or offset:
            sql += " LIMIT %s OFFSET %s"
            params += [limit, int(offset)]
        rows = self._run(sql, params)
        geometries = None
        if spatial:
            geometries = shapely.from_wkb(
                np.array([None if r[-1] is None else bytes(r[-1]) for r in rows], dtype=object)
            )
        type_of = dict(zip(names, types))
        return wanted, [type_of[c] for c in wanted], rows, geometries

    def count(self, name, *, bbox=None, where=None, between=None) -> int:
        names, _, spatial = self._layout(name)
        condition, params = self._where(name, bbox, where, names, spatial, between)
        return int(self._run(f"SELECT count(*) FROM {_q(name)}{condition}", params)[0][0])

    def table_version(self, name: str) -> int:
        rows = self._run("SELECT version FROM store_tables WHERE name = %s", (name,))
        return int(rows[0][0]) if rows else 0

    def indexes(self, name: str) -> list:
        rows = self._run(
            "SELECT c.relname, a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, position) ON true"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
            " WHERE i.indrelid = to_regclass(%s) AND c.relname LIKE 'idx\\_%%' ORDER BY c.relname, k.position",
            (_q(name),),
        )
        found: dict[str, list[str]] = {}
        for index, column in rows:
            found.setdefault(index, []).append(column)
        return [columns[0] if len(columns) == 1 else tuple(columns) for columns in found.values()]


CHANGE_CHANNEL = "geo_app_store_version"  # NOTIFY-ed with the new version by every write transaction


class PostGISStore(_Reading, Store):
    backup_suffix = "dump"

    def mvt(self, name: str, z: int, x: int, y: int, *, columns: list[str], edge: float, tolerance: float) -> bytes:
        """Made by PostGIS (ST_AsMVT), without moving rows to Python."""
        names, _, spatial = self._layout(name)
        for column in columns:
            if column not in names:
                raise StoreError(f"table {name!r} has no column {column!r}")
        points = self._run(f"SELECT GeometryType(geom) FROM {_q(name)} LIMIT 1")
        is_point = bool(points) and (points[0][0] or "").upper().endswith("POINT")
        buffer = 0 if is_point else int(4096 * edge)
        selected = ", ".join(f'"{c}"' for c in columns)
        rows = self._run(
            f"WITH tile AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS box,"
            f"                     ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => %(edge)s) AS reach),"
            f" cut AS (SELECT ST_AsMVTGeom(ST_Simplify(ST_Transform(t.geom, 3857), %(tolerance)s, true), tile.box,"
            f"                             4096, %(buffer)s, true) AS mvt, {selected}"
            f"         FROM {_q(name)} AS t, tile WHERE t.geom && ST_Transform(tile.reach, 4326)"
            f"         AND ST_Intersects(ST_Transform(t.geom, 3857), {'tile.box' if is_point else 'tile.reach'}))"
            f" SELECT ST_AsMVT(cut, %(layer)s, 4096, 'mvt') FROM cut",
            {"z": z, "x": x, "y": y, "edge": edge, "tolerance": tolerance, "buffer": buffer, "layer": name},
        )
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else b""

    def __init__(self, url: str, *, busy_timeout_s: float):
        self.url = url
        self.location = _redacted(url)
        self.busy_timeout_s = busy_timeout_s
        self._pool = None
        self._pid = None
        self._lock = threading.Lock()
        self._listening = threading.Lock()
        self._listener = None  # (pid, connection) of wait_for_change

    def __repr__(self) -> str:
        return f"PostGISStore({self.location!r})"

    @property
    def pool(self):
        """One pool per process (a forked worker makes its own)."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    from psycopg_pool import ConnectionPool

                    # no server-side prepared statements: a table re-created by a write (other columns) would
                    # break a plan prepared for the old one ("cached plan must not change result type")
                    self._pool = ConnectionPool(
                        self.url,
                        min_size=1,
                        max_size=8,
                        open=True,
                        timeout=30,
                        kwargs={"autocommit": True, "prepare_threshold": None},
                    )
                    self._pid = os.getpid()
        return self._pool

    @property
    def layouts(self) -> dict:
        """Table layouts by (name, oid, catalogue row version): a table keeps its layout while both stay the same."""
        return self.__dict__.setdefault("_layouts", {})

    def _run(self, sql, params=()):
        import psycopg

        try:
            with self.pool.connection() as con:
                cursor = con.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
        except psycopg.errors.UndefinedTable as exc:
            raise StoreMissing(f"the store {self.location} has not been created: run `make postgis` ({exc})") from None
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot reach the store {self.location}: {exc}") from None

    def exists(self) -> bool:
        rows = self._run("SELECT to_regclass('store_meta') IS NOT NULL")
        return bool(rows[0][0])

    def create(self) -> None:
        with self.pool.connection() as con, con.transaction():
            for statement in _BOOKKEEPING:
                con.execute(statement)

    def meta_items(self) -> dict[str, str]:
        return dict(self._run("SELECT key, value FROM store_meta"))

    def meta(self, key: str) -> str | None:
        rows = self._run("SELECT value FROM store_meta WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    def version(self) -> int:
        return int(self.meta("version") or 0)

    def extent(self, name: str) -> tuple | None:
        rows = self._run("SELECT min_x, min_y, max_x, max_y FROM store_contents WHERE table_name = %s", (name,))
        return None if not rows or rows[0][0] is None else tuple(float(v) for v in rows[0])

    @contextmanager
    def transaction(self):
        import psycopg

        with self.pool.connection() as con:
            try:
                with con.transaction():
                    con.execute(f"SET LOCAL lock_timeout = '{int(self.busy_timeout_s * 1000)}ms'")
                    try:
                        con.execute("SELECT value FROM store_meta WHERE key = 'version' FOR UPDATE")
                    except psycopg.errors.LockNotAvailable:
                        raise StoreBusy(
                            f"the store is busy with another write for over {self.busy_timeout_s:g} s; try again"
                        ) from None
                    tx = PostGISTransaction(con, self.layouts)
                    yield tx
                    tx.finish()
                    # delivered on commit, to every process listening (wait_for_change)
                    con.execute("SELECT pg_notify(%s, %s)", (CHANGE_CHANNEL, tx.get_meta("version")))
            except psycopg.errors.LockNotAvailable:
                raise StoreBusy(
                    f"the store is busy with another write for over {self.busy_timeout_s:g} s; try again"
                ) from None

    def wait_for_change(self, version: int, timeout_s: float) -> int:
        import psycopg

        with self._listening:  # one listening connection per process, for its one waiter (the case feed)
            try:
                if self._listener is None or self._listener[0] != os.getpid() or self._listener[1].closed:
                    con = psycopg.connect(self.url, autocommit=True)
                    con.execute(f"LISTEN {CHANGE_CHANNEL}")
                    self._listener = (os.getpid(), con)
                con = self._listener[1]
                # listening before reading: a commit after this read is queued on the connection, not missed
                now = self.version()
                if now == version:
                    for _ in con.notifies(timeout=timeout_s, stop_after=1):
                        pass
                    now = self.version()
                return now
            except psycopg.OperationalError as exc:
                self._listener = None
                raise StoreError(f"cannot listen to the store {self.location}: {exc}") from None

    def close(self) -> None:
        if self._pool is not None and self._pid == os.getpid():
            self._pool.close()
        if self._listener is not None and self._listener[0] == os.getpid():
            self._listener[1].close()
        self._pool, self._pid, self._listener = None, None, None

    def _tool(self, name: str) -> str:
        found = shutil.which(name) or next(
            (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
        )
        if found is None:
            raise StoreError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
        return found

    def backup(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [self._tool("pg_dump"), "--format=custom", "--no-owner", "-f", str(path), self.url],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise StoreError(f"pg_dump failed: {done.stderr.strip()}")

    def restore(self, path: Path) -> None:
        listed = subprocess.run([self._tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
        if listed.returncode or "store_meta" not in listed.stdout:
            raise StoreError(
                f"{path} is not a store backup (pg_restore --list: {listed.stderr.strip() or 'no store_meta'})"
            )
        before = self.high_water_marks()
        # the PostGIS extension, when the database has it, stays as it is with its spatial_ref_sys: the store's
        # role seldom owns them, and --clean would try to drop the extension (and everything built on it)
        has_postgis = bool(self._run("SELECT 1 FROM pg_extension WHERE extname = 'postgis'"))
        entries = [line for line in listed.stdout.splitlines() if not (has_postgis and _of_postgis(line))]
        self.close()
        with tempfile.NamedTemporaryFile("w", suffix=".list", encoding="utf-8") as listing:
            listing.write("\n".join(entries) + "\n")
            listing.flush()
            done = subprocess.run(
                [
                    self._tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--use-list",
                    listing.name,
                    "-d",
                    self.url,
                    str(path),
                ],
                capture_output=True,
                text=True,
            )
        if done.returncode:
            raise StoreError(f"pg_restore failed: {done.stderr.strip()}")
        # caches are keyed by the version; numbers handed out after the backup (case numbers) must not come again
        with self.transaction() as tx:
            keep_high_water(tx, before)


def _of_postgis(entry: str) -> bool:
    """A `pg_restore --list` entry of the PostGIS extension itself: the extension, its comment, spatial_ref_sys."""
    words = entry.split()
    return "EXTENSION" in words or "spatial_ref_sys" in words


class PostGISTransaction(Appending, Bookkeeping, _Reading, Transaction):
    def __init__(self, con, layouts: dict):
        self.con = con
        self.changes = Touches()
        self.layouts = layouts  # the store's, shared: layouts of tables this transaction did not reshape
        self._known: dict[str, tuple] = {}  # layouts read in this transaction
        self._tables: list[str] | None = None
        self._reshaped: set[str] = set()  # created, re-created or dropped here: read afresh

    def tables(self) -> list[str]:
        if self._tables is None:
            self._tables = super().tables()
        return self._tables

    def _layout(self, name: str) -> tuple[list[str], list[str], bool]:
        if name not in self._known:
            self._known[name] = self._read_layout(name) if name in self._reshaped else super()._layout(name)
        return self._known[name]

    def _reshape(self, name: str) -> None:
        self._reshaped.add(name)
        self._known.pop(name, None)
        self._tables = None

    def _run(self, sql, params=()):
        cursor = self.con.execute(sql, params)
        return cursor.fetchall() if cursor.description else []

    def get_meta(self, key: str) -> str | None:
        rows = self._run("SELECT value FROM store_meta WHERE key = %s", (key,))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._run(
            "INSERT INTO store_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            (key, str(value)),
        )

    def _create_table(self, name, names, types, spatial: bool) -> None:
        columns = ["fid bigserial PRIMARY KEY"] + (["geom geometry(Geometry, 4326)"] if spatial else [])
        columns += [f'"{n}" {_SQL_TYPES[check_type(t)]}' for n, t in zip(names, types)]
        self._reshape(name)
        self._run(f"CREATE TABLE {_q(name)} ({', '.join(columns)})")
        if spatial:
            self._run(f'CREATE INDEX "gist_{name}_geom" ON {_q(name)} USING GIST (geom)')
        self._run("INSERT INTO store_contents (table_name, spatial) VALUES (%s, %s)", (name, spatial))

    def _index(self, name, indexes) -> None:
        for columns in indexes:
            suffix, listed = index_parts(columns)
            self._run(f'CREATE INDEX IF NOT EXISTS "idx_{name}_{suffix}" ON {_q(name)} ({listed})')

    def add_index(self, name, columns) -> None:
        self._index(name, columns)

    def add_column(self, name, column, kind) -> None:
        if column in self._layout(name)[0]:
            return
        self._reshape(name)
        self._run(
            f'ALTER TABLE {_q(name)} ADD COLUMN "{checked_name(column, "column")}" {_SQL_TYPES[check_type(kind)]}'
        )
        self.changes.touch(name)

    def create(self, name, columns, *, geometry=False, indexes=()) -> None:
        if name in self.tables():
            return
        self._create_table(name, list(columns), list(columns.values()), geometry)
        self._index(name, indexes)
        self.changes.touch(name)

    def replace(self, name, frame, *, indexes=()) -> None:
        parts = take_apart(frame)
        spatial = parts.geometries is not None
        if name in self.tables() and self._layout(name) == (parts.names, parts.types, spatial):
            self._run(f"DELETE FROM {_q(name)}")  # same columns: readers of the table are never blocked
        else:
            self.drop(name)
            self._create_table(name, parts.names, parts.types, spatial)
        self._copy(name, parts)
        self._index(name, indexes)
        self.changes.touch(name)

    def _write_rows(self, name, parts) -> None:
        self._copy(name, parts)

    def _copy(self, name, parts) -> None:
        columns = (["geom"] if parts.geometries is not None else []) + [f'"{n}"' for n in parts.names]
        if not columns or not parts.rows:
            return
        wkb = None
        if parts.geometries is not None:
            wkb = shapely.to_wkb(shapely.set_srid(parts.geometries, 4326), hex=True, include_srid=True)
        with self.con.cursor().copy(f"COPY {_q(name)} ({', '.join(columns)}) FROM STDIN") as copy:
            for i, row in enumerate(parts.row_tuples()):
                copy.write_row(((wkb[i],) if wkb is not None else ()) + tuple(row))

    def _conditions(self, name, where) -> tuple[str, list]:
        names, _, spatial = self._layout(name)
        if not where:
            raise StoreError("give at least one condition (a where that matches everything is refused)")
        return self._where(name, None, where, names, spatial)

    def update(self, name, where, values) -> int:
        names, _, spatial = self._layout(name)
        sets, params = [], []
        for column, value in values.items():
            if column == "geometry" and spatial:
                sets.append("geom = ST_GeomFromWKB(%s, 4326)")
                params.append(shapely.to_wkb(value))
                continue
            if column not in names:
                raise StoreError(f"table {name!r} has no column {column!r}")
            sets.append(f'"{column}" = %s')
            params.append(value.item() if hasattr(value, "item") else value)
        condition, where_params = self._conditions(name, where)
        cursor = self.con.execute(f"UPDATE {_q(name)} SET {', '.join(sets)}{condition}", params + where_params)
        self.changes.touch(name)
        return cursor.rowcount

    def delete(self, name, where) -> int:
        condition, params = self._conditions(name, where)
        cursor = self.con.execute(f"DELETE FROM {_q(name)}{condition}", params)
        self.changes.touch(name)
        return cursor.rowcount

    def drop(self, name) -> None:
        if name not in self.tables():
            return
        self._reshape(name)
        self._run(f"DROP TABLE {_q(name)}")
        self._run("DELETE FROM store_contents WHERE table_name = %s", (name,))
        self.changes.touch(name)

    def _date_table(self, name: str, version: int) -> None:
        self._run(
            "INSERT INTO store_tables VALUES (%s, %s) ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version",
            (name, version),
        )

    def _grow_extent(self, name: str, box: tuple) -> None:
        self._run(
            "UPDATE store_contents SET min_x = LEAST(coalesce(min_x, %s), %s), min_y = LEAST("
            "coalesce(min_y, %s), %s), max_x = GREATEST(coalesce(max_x, %s), %s), max_y = GREATEST("
            "coalesce(max_y, %s), %s) WHERE table_name = %s",
            (box[0], box[0], box[1], box[1], box[2], box[2], box[3], box[3], name),
        )

    def _measure_extent(self, name: str) -> None:
        self._run(
            f"UPDATE store_contents SET (min_x, min_y, max_x, max_y) = (SELECT ST_XMin(e), ST_YMin(e),"
            f" ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM {_q(name)}) AS x)"
            " WHERE table_name = %s",
            (name,),
        )
