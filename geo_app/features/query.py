"""Querying a layer: filters on catalog fields, bbox, output coordinate system, GeoJSON.

One filter language serves the maps' data requests, /api/facilities and OGC API - Features items:
  <field>=a,b          string or boolean fields: equal to any of the values (allowed values are checked)
  min_<field>=n        number fields: at least n;  max_<field>=n: at most n
  open_now=true        layers with opening hours: open at the request time (or at `at`, ISO 8601)
  q=text               name contains text (case-insensitive)
"""

from __future__ import annotations

import math
from datetime import datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

from geo_app import crs as crs_mod
from geo_app.checks import parse_number
from geo_app.errors import BadParameter
from geo_app.project import hours
from geo_app.project.catalog import LayerSpec

TRUE = {"true", "1", "yes"}
FALSE = {"false", "0", "no"}


def filter_parameters(spec: LayerSpec) -> set[str]:
    names = set()
    for f in spec.fields.values():
        if f.type in ("string", "boolean"):
            names.add(f.name)
        else:
            names |= {f"min_{f.name}", f"max_{f.name}"}
    if any(f.format == "opening_hours" for f in spec.fields.values()):
        names |= {"open_now", "at"}
    if "name" in spec.fields:
        names.add("q")
    return names


def _boolean(parameter: str, text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE:
        return True
    if word in FALSE:
        return False
    raise BadParameter(parameter, f"{text!r} is not true or false")


def split_filters(spec: LayerSpec, args) -> tuple[dict, dict, dict]:
    """The filters in `args` as the store's `where` and `between` (the same rules as filter_mask: a missing yes/no
    counts as no, a missing number passes no bound), and the rest (open_now, at, q), which only filter_mask applies.
    BadParameter names a bad one."""
    where, between, rest = {}, {}, {}
    for name, text in args.items():
        field = spec.fields.get(name)
        if field is not None and field.type == "boolean":
            where[name] = [True] if _boolean(name, text) else [False, None]
        elif field is not None and field.type == "string":
            values = [v.strip() for v in text.split(",") if v.strip()]
            unknown = [v for v in values if field.allowed is not None and v not in field.allowed]
            if unknown:
                raise BadParameter(name, f"{unknown[0]!r} is not one of {', '.join(field.allowed)}")
            where[name] = values
        elif (
            name.startswith(("min_", "max_"))
            and name[4:] in spec.fields
            and spec.fields[name[4:]].type in ("integer", "number")
        ):
            bound = parse_number(name, text)
            low, high = between.get(name[4:], (None, None))
            # the store's upper bound is exclusive: just above the number keeps max_ inclusive
            between[name[4:]] = (bound, high) if name.startswith("min_") else (low, math.nextafter(bound, math.inf))
        else:
            rest[name] = text
    return where, between, rest


def query(store, spec: LayerSpec, args, *, bbox=None, limit: int | None = None, offset: int = 0) -> tuple[int, list]:
    """How many features of the layer pass the filters in `args`, and the records of one page of them (in the
    store's order). Field filters run in the store, through its indexes; open_now and q (opening hours and names
    need Python) read only the id, name and opening hours of the rows the others let through."""
    where, between, rest = split_filters(spec, args)
    where, between = where or None, between or None
    if not rest:
        return (
            store.count(spec.id, bbox=bbox, where=where, between=between),
            store.records(spec.id, bbox=bbox, where=where, between=between, limit=limit, offset=offset),
        )
    needed = list(
        dict.fromkeys(
            [spec.id_field] + [f.name for f in spec.fields.values() if f.name == "name" or f.format == "opening_hours"]
        )
    )
    candidates = pd.DataFrame(
        store.records(spec.id, bbox=bbox, where=where, between=between, columns=needed, geometry=False), columns=needed
    )
    ids = candidates[spec.id_field][filter_mask(spec, candidates, rest)].tolist()
    page = ids[offset:] if limit is None else ids[offset : offset + limit]
    return len(ids), store.records(spec.id, where={spec.id_field: page}) if page else []


def filter_mask(spec: LayerSpec, frame: gpd.GeoDataFrame, args) -> np.ndarray:
    """A boolean array: which rows of `frame` pass every filter in `args`."""
    mask = np.ones(len(frame), dtype=bool)
    for name, text in args.items():
        if name in spec.fields and spec.fields[name].type in ("string", "boolean"):
            f = spec.fields[name]
            if f.type == "boolean":
                mask &= frame[name].fillna(False).to_numpy(dtype=bool) == _boolean(name, text)
                continue
            values = [v.strip() for v in text.split(",") if v.strip()]
            if f.allowed is not None:
                unknown = [v for v in values if v not in f.allowed]
                if unknown:
                    raise BadParameter(name, f"{unknown[0]!r} is not one of {', '.join(f.allowed)}")
            mask &= frame[name].isin(values).to_numpy()
        elif (
            name.startswith(("min_", "max_"))
            and name[4:] in spec.fields
            and spec.fields[name[4:]].type in ("integer", "number")
        ):
            bound = parse_number(name, text)
            column = pd.to_numeric(frame[name[4:]], errors="coerce")
            mask &= ((column >= bound) if name.startswith("min_") else (column <= bound)).to_numpy()
        elif name == "open_now" and "open_now" in filter_parameters(spec):
            if _boolean(name, text):
                at = _moment(args.get("at"))
                field = next(f.name for f in spec.fields.values() if f.format == "opening_hours")
                # few distinct opening_hours values: evaluate each once, then match the column against them
                open_values = [v for v in frame[field].dropna().unique() if hours.is_open(v, at)]
                mask &= frame[field].isin(open_values).to_numpy()
        elif name == "q" and "name" in spec.fields:
            mask &= frame["name"].fillna("").str.contains(text.strip(), case=False, regex=False).to_numpy()
    return mask


def _moment(text: str | None) -> datetime:
    if not text:
        return hours.now()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadParameter("at", f"{text!r} is not an ISO 8601 date-time such as 2026-11-28T21:30") from None
    if not 1900 <= moment.year <= 2100:  # opening hours mean nothing far away, and year 1 or 9999 overflows
        raise BadParameter("at", f"{text!r}: give a date-time between the years 1900 and 2100")
    return moment if moment.tzinfo else moment.replace(tzinfo=hours.CITY_TZ)


def parse_bbox(text: str, parameter: str = "bbox") -> tuple[float, float, float, float]:
    parts = text.split(",")
    if len(parts) != 4:
        raise BadParameter(parameter, f"{text!r} must be four numbers: min lon, min lat, max lon, max lat")
    minx, miny, maxx, maxy = (parse_number(parameter, p.strip()) for p in parts)
    if minx > maxx or miny > maxy:
        raise BadParameter(parameter, f"{text!r}: the minimum must not exceed the maximum")
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise BadParameter(parameter, f"{text!r} lies outside lon -180..180, lat -90..90")
    return minx, miny, maxx, maxy


def parse_crs(text: str | None, parameter: str = "crs") -> str:
    try:
        name = crs_mod.normalise_crs(text or "WGS84")
    except crs_mod.UnknownCRS as exc:
        raise BadParameter(parameter, str(exc)) from None
    if name not in (crs_mod.WGS84, crs_mod.GCJ02, crs_mod.BD09):
        raise BadParameter(parameter, f"{text!r}: lon/lat output is WGS84, GCJ02 or BD09")
    return name


def features(spec: LayerSpec, frame: gpd.GeoDataFrame, output_crs: str = crs_mod.WGS84) -> list[dict]:
    """GeoJSON features with the layer's id field as the feature id, coordinates in `output_crs`."""
    if frame.empty:
        return []
    # column by column: much cheaper than dropping the geometry and converting the frame row by row
    columns = {name: frame[name].tolist() for name in frame.columns if name != frame.geometry.name}
    return _features(spec, frame.geometry.values, columns, output_crs)


def record_features(spec: LayerSpec, records: list[dict], output_crs: str = crs_mod.WGS84) -> list[dict]:
    """The same features from the store's records (small reads, no frame)."""
    if not records:
        return []
    columns = {name: [r[name] for r in records] for name in records[0] if name != "geometry"}
    return _features(spec, np.array([r["geometry"] for r in records], dtype=object), columns, output_crs)


def _features(spec: LayerSpec, geometries, columns: dict[str, list], output_crs: str) -> list[dict]:
    if output_crs != crs_mod.WGS84:
        geometries = crs_mod.transform_geometry(geometries, crs_mod.WGS84, output_crs)
    names = list(columns)
    ids = columns[spec.id_field]
    rows = zip(*(_json_values(values) for values in columns.values()))
    return [
        {"type": "Feature", "id": ids[i], "geometry": shape, "properties": dict(zip(names, row))}
        for i, (shape, row) in enumerate(zip(_geojson_geometries(geometries), rows))
    ]


def _geojson_geometries(geometries) -> list[dict]:
    """GeoJSON geometry objects; points (most layers) in bulk rather than one mapping() each."""
    geometries = np.asarray(geometries, dtype=object)
    if len(geometries) and (shapely.get_type_id(geometries) == 0).all():
        return [{"type": "Point", "coordinates": xy} for xy in shapely.get_coordinates(geometries).tolist()]
    return [mapping(g) for g in geometries]


def _json_values(values: list) -> list:
    """None for every kind of missing value (JSON has no NaN)."""
    return [None if v is None or v is pd.NA or (type(v) is float and math.isnan(v)) else v for v in values]
