"""Frames <-> rows for both backends: column types, Python values, geometries, and checked identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo_app.store.base import COLUMN_TYPES, StoreError

GEOMETRY = "geometry"  # the frame's geometry column; stored as "geom"
STORED_GEOMETRY = "geom"
TYPES_ATTR = "store_column_types"  # frame.attrs: the column types a frame was read with (kept for empty columns)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def checked_name(name: str, what: str = "table") -> str:
    """Table and column names become SQL identifiers: letters, digits and _ only."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise StoreError(f"{what} name {name!r}: use letters, digits and _ (at most 63)")
    return name


def index_parts(columns: str | tuple[str, ...]) -> tuple[str, str]:
    """An index of one column or, given a tuple, of several in that order (equality on the first, a range on the
    next: status then due_at): its name's suffix and its quoted column list."""
    names = [checked_name(c, "column") for c in ((columns,) if isinstance(columns, str) else columns)]
    return "_".join(names), ", ".join(f'"{n}"' for n in names)


@dataclass
class Columns:
    """A frame taken apart: typed attribute columns as Python lists, and the geometries (or None)."""

    names: list[str]
    types: list[str]
    values: list[list]
    geometries: np.ndarray | None

    @property
    def rows(self) -> int:
        if self.values:
            return len(self.values[0])
        return 0 if self.geometries is None else len(self.geometries)

    def row_tuples(self):
        return zip(*self.values) if self.values else iter([()] * self.rows)


def _logical_type(dtype) -> str | None:
    """The kind a column's dtype says, or None for object columns (their values say)."""
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "real"
    if isinstance(dtype, pd.StringDtype):
        return "text"
    return None


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _kind_of(present: list, name: str) -> str:
    """The kind of an object column's present values."""
    kinds = set(map(type, present))
    if kinds <= {bool, np.bool_}:
        return "boolean"
    if kinds <= {int, np.int64, np.int32}:
        return "integer"
    if kinds <= {int, float, np.int64, np.float64}:
        return "real"
    if kinds <= {str}:
        return "text"
    if kinds <= {bytes}:
        return "blob"
    bad = next((v for v in present if not isinstance(v, str)), None)
    if bad is not None:
        raise StoreError(
            f"column {name!r}: {type(bad).__name__} values cannot be stored (text, numbers, true/false or bytes)"
        )
    return "text"


_CONVERT = {"boolean": bool, "integer": int, "real": float}


def _object_values(values: list, name: str, declared: str | None) -> tuple[str, list]:
    """An object column's kind (from its values; the declared one when all are missing) and its values as
    Python values of that kind, None for every kind of missing: one pass over the values."""
    present = [v for v in values if not _missing(v)]
    kind = _kind_of(present, name) if present else declared or "text"
    convert = _CONVERT.get(kind)
    return kind, [None if _missing(v) else convert(v) if convert else v for v in values]


def _python_values(series: pd.Series, kind: str) -> list:
    """A typed column as Python values of its kind, None for every kind of missing (column-wise: cheap for big
    tables)."""
    missing = series.isna().to_numpy()
    if kind == "boolean":
        values = series.astype(object).tolist()
        return [None if m else bool(v) for v, m in zip(values, missing)]
    if kind == "integer":
        values = series.astype("Int64").astype(object).tolist() if missing.any() else series.astype("int64").tolist()
    elif kind == "real":
        values = series.astype("float64").tolist()
    else:
        values = series.astype(object).tolist()
    if missing.any():
        values = [None if m else v for v, m in zip(values, missing)]
    return values


def take_apart(frame: pd.DataFrame) -> Columns:
    geometries, skip = None, None
    declared = frame.attrs.get(TYPES_ATTR, {})
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        series = frame.geometry
        if series.crs is not None and series.crs.to_epsg() != 4326:
            raise StoreError(f"geometries must be WGS-84 (EPSG:4326), not {series.crs}")
        geometries = np.asarray(series.values, dtype=object)
        skip = frame.geometry.name
    names, types, values = [], [], []
    for name, series in frame.items():
        if name == skip:
            continue
        checked_name(str(name), "column")
        if str(name).lower() in ("fid", STORED_GEOMETRY):
            raise StoreError(f"column name {name!r} is reserved by the store")
        kind = _logical_type(series.dtype)
        if kind is None:
            kind, column = _object_values(series.tolist(), str(name), declared.get(str(name)))
        else:
            if kind == "real" and str(name) in declared and series.isna().all():
                kind = declared[str(name)]  # all missing: keep the type it was read with
            column = _python_values(series, kind)
        names.append(str(name))
        types.append(kind)
        values.append(column)
    return Columns(names, types, values, geometries)


def records_apart(records: list[dict], layout: tuple[list[str], list[str], bool]) -> Columns:
    """Rows given as dicts, as `records()` reads them (a WGS-84 geometry under "geometry"), taken apart like a
    frame without building one: a few rows appended by a request cost far less this way. A column whose values
    are all missing takes the table's type (`layout`)."""
    if not records:
        return Columns([], [], [], None)
    keys = list(records[0])
    if any(list(record) != keys for record in records):
        raise StoreError("every record must have the same keys, in the same order")
    declared = dict(zip(layout[0], layout[1]))
    names = [checked_name(str(k), "column") for k in keys if k != GEOMETRY]
    types, values = [], []
    for name in names:
        if name.lower() in ("fid", STORED_GEOMETRY):
            raise StoreError(f"column name {name!r} is reserved by the store")
        kind, column = _object_values([record[name] for record in records], name, declared.get(name))
        types.append(kind)
        values.append(column)
    geometries = np.array([record[GEOMETRY] for record in records], dtype=object) if GEOMETRY in keys else None
    return Columns(names, types, values, geometries)


_CRS = pyproj.CRS.from_epsg(4326)


def as_records(names: list[str], types: list[str], rows: list[tuple], geometries=None) -> list[dict]:
    """Rows read back as dicts (a geometry under "geometry"), typed as put_together types them, without building a
    frame: for the small hot reads of a request, where building a frame costs far more than the query."""
    booleans = [i for i, kind in enumerate(types) if kind == "boolean"]
    blobs = [i for i, kind in enumerate(types) if kind == "blob"]
    out = []
    for position, row in enumerate(rows):
        record = dict(zip(names, row))
        for i in booleans:
            if row[i] is not None:
                record[names[i]] = bool(row[i])
        for i in blobs:  # PostgreSQL may hand back memoryview
            if row[i] is not None:
                record[names[i]] = bytes(row[i])
        if geometries is not None:
            record["geometry"] = geometries[position]
        out.append(record)
    return out


def put_together(names: list[str], types: list[str], rows: list[tuple], geometries=None) -> pd.DataFrame:
    """A frame from rows read back: booleans as bool, integers as int64 (Int64 where some are missing), text as
    object with None. Column arrays are built directly: pandas' own conversions cost more than the query."""
    transposed = list(zip(*rows)) if rows else [()] * len(names)
    data = {}
    for name, kind, values in zip(names, types, transposed):
        complete = None not in values
        if kind == "boolean":
            column = (
                np.array(values, dtype=bool)
                if complete
                else pd.Series([None if v is None else bool(v) for v in values], dtype=object)
            )
        elif kind == "integer":
            column = np.array(values, dtype=np.int64) if complete else pd.array(values, dtype="Int64")
        elif kind == "real":
            column = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        elif kind == "blob":  # bytes (PostgreSQL may hand back memoryview)
            column = pd.Series([None if v is None else bytes(v) for v in values], dtype=object)
        else:  # text stays object with None for missing (pandas would make it str with NaN)
            column = pd.Series(values, dtype=object)
        data[name] = column
    frame = pd.DataFrame(data, columns=names, copy=False) if names else pd.DataFrame(index=range(len(rows)))
    frame.attrs[TYPES_ATTR] = dict(zip(names, types))
    if geometries is None:
        return frame
    return gpd.GeoDataFrame(
        frame, geometry=gpd.array.from_shapely(np.asarray(geometries, dtype=object), crs=_CRS), crs=_CRS
    )


def geometry_kind(geometries: np.ndarray) -> str:
    """The declared geometry type: one type when all agree, GEOMETRY otherwise."""
    kinds = set(shapely.get_type_id(geometries[~shapely.is_missing(geometries)]).tolist())
    names = {0: "POINT", 1: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT", 5: "MULTILINESTRING", 6: "MULTIPOLYGON"}
    return names.get(kinds.pop(), "GEOMETRY") if len(kinds) == 1 else "GEOMETRY"


def where_items(where: dict | None, known: list[str]) -> list[tuple[str, list]]:
    """(column, values) pairs of a where mapping, the columns checked against the table's."""
    items = []
    for column, value in (where or {}).items():
        if column not in known:
            raise StoreError(f"no column {column!r}: one of {', '.join(known)}")
        values = list(value) if isinstance(value, (list, tuple, set)) else [value]
        items.append((column, [v.item() if hasattr(v, "item") else v for v in values]))
    return items


def between_items(between: dict | None, known: list[str]) -> list[tuple[str, object, object]]:
    """(column, low, high) of a between mapping (low <= value < high; None: no bound), the columns checked."""
    items = []
    for column, (low, high) in (between or {}).items():
        if column not in known:
            raise StoreError(f"no column {column!r}: one of {', '.join(known)}")
        items.append((column, *(v.item() if hasattr(v, "item") else v for v in (low, high))))
    return items


class Appending:
    """insert and insert_records for both backends' transactions: the rows are checked against the table here,
    and each backend writes them its own way (`_write_rows`)."""

    def insert(self, name, frame, *, indexes=()) -> None:
        if name not in self.tables():
            self.replace(name, frame, indexes=indexes)
            return
        self._append(name, take_apart(frame))

    def insert_records(self, name, records) -> None:
        if name not in self.tables():
            raise StoreError(f"no table {name!r} to append records to")
        self._append(name, records_apart(records, self._layout(name)))

    def _append(self, name, parts: Columns) -> None:
        check_fits(name, parts, self._layout(name))
        self._write_rows(name, parts)
        self.changes.append(name, parts.geometries)


class Touches:
    """What a transaction changed: every touched table, and for tables that only had rows appended the box of
    those rows, so that a write of one row need not scan the whole table for its extent."""

    def __init__(self):
        self.touched: set[str] = set()
        self.appended: dict[str, tuple | None] = {}  # table -> box of appended geometries (None: none)

    def touch(self, name: str) -> None:
        self.touched.add(name)
        self.appended.pop(name, None)

    def append(self, name: str, geometries) -> None:
        if name in self.touched and name not in self.appended:
            return  # changed in another way too: its extent is measured again
        self.touched.add(name)
        box = self.appended.get(name)
        if geometries is not None and len(geometries):
            bounds = shapely.bounds(geometries)
            if not np.isnan(bounds[:, 0]).all():
                new = (
                    np.nanmin(bounds[:, 0]),
                    np.nanmin(bounds[:, 1]),
                    np.nanmax(bounds[:, 2]),
                    np.nanmax(bounds[:, 3]),
                )
                box = (
                    new
                    if box is None
                    else (min(box[0], new[0]), min(box[1], new[1]), max(box[2], new[2]), max(box[3], new[3]))
                )
        self.appended[name] = None if box is None else tuple(float(v) for v in box)


class Bookkeeping:
    """finish() for both backends' transactions, before they commit: the store's version goes up by one, every
    changed table is dated with it, and the extents of spatial tables stay right. Each backend writes its own
    bookkeeping tables (`_date_table`, `_grow_extent`, `_measure_extent`)."""

    def finish(self) -> None:
        version = int(self.get_meta("version") or 0) + 1
        self.set_meta("version", str(version))
        present = set(self.tables())
        for name in self.changes.touched:
            self._date_table(name, version)
            if name in self.changes.appended:  # rows appended only: the extent grows by their box
                box = self.changes.appended[name]
                if box is not None:
                    self._grow_extent(name, box)
            elif name in present and self._layout(name)[2]:
                self._measure_extent(name)


def check_fits(name: str, parts: Columns, layout: tuple[list[str], list[str], bool]) -> None:
    """Rows to append must use the table's columns and have geometries exactly when the table does."""
    names, _, spatial = layout
    extra = sorted(set(parts.names) - set(names))
    if extra:
        raise StoreError(f"table {name!r} has no column {extra[0]!r}")
    if (parts.geometries is not None) != spatial:
        raise StoreError(f"table {name!r} {'needs' if spatial else 'takes no'} geometries")


def box_geometry(bbox) -> shapely.Geometry:
    """The bbox as a geometry: a polygon, or a line or point when it has no width or height."""
    minx, miny, maxx, maxy = (float(v) for v in bbox)
    return shapely.envelope(shapely.multipoints([(minx, miny), (maxx, maxy)]))


def check_type(kind: str) -> str:
    if kind not in COLUMN_TYPES:
        raise StoreError(f"column type {kind!r}: one of {', '.join(COLUMN_TYPES)}")
    return kind
