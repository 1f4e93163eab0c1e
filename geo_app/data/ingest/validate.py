"""Validation of raw records against a layer's catalog schema, and conversion to lon/lat WGS-84."""

from __future__ import annotations

import math
import re
import unicodedata

import geopandas as gpd
import numpy as np
import shapely

from geo_app import crs as crs_mod
from geo_app.checks import text_problem
from geo_app.data.ingest.problems import Collector
from geo_app.data.ingest.readers import RawLayer
from geo_app.project import hours
from geo_app.project.catalog import FieldSpec, LayerSpec

TRUE_WORDS = {"true", "yes", "y", "1", "是", "有", "t"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "无", "f"}


def _is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _mis_decoded(text: str, encoding: str | None) -> str | None:
    """Why `text` looks decoded with the wrong encoding (private-use or replacement characters), or None."""
    for char in text:
        if char == "\ufffd" or unicodedata.category(char) == "Co":
            kind = "the replacement character" if char == "\ufffd" else "a private-use character"
            return (
                f"holds {kind} U+{ord(char):04X}: the text looks decoded with the wrong encoding"
                f"{f' ({encoding})' if encoding else ''}; give the file's encoding with --encoding"
                " (for example --encoding big5 for traditional-Chinese files)"
            )
    return None


def coerce(spec: FieldSpec, value):
    """The value as the field's type; ValueError with a reason a person can act on."""
    if isinstance(value, (dict, list, tuple)):
        raise ValueError(
            f"a nested value ({'an object' if isinstance(value, dict) else 'a list'}) where a single value belongs"
        )
    if spec.type == "string":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{value!r} is not a yes/no value (true/false, yes/no, 1/0, 是/否)")
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    if spec.type == "integer":
        if not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    return number


def check_value(spec: FieldSpec, value) -> str | None:
    if spec.allowed is not None and value not in spec.allowed:
        return f"{value!r} is not one of {', '.join(map(str, spec.allowed))}"
    if spec.min is not None and value < spec.min:
        return f"{value} is below the minimum {spec.min}"
    if spec.max is not None and value > spec.max:
        return f"{value} is above the maximum {spec.max}"
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        return f"{value!r} does not match the pattern {spec.pattern}"
    if spec.format == "opening_hours" and not hours.is_valid(value):
        return f"{value!r} is not an OSM opening_hours value (for example 24/7 or Mo-Su 06:00-22:00)"
    return None


def column_map(spec: LayerSpec, columns, log: Collector) -> dict[str, str]:
    """field name -> source column, matching names and aliases case-insensitively."""
    by_lower = {str(c).strip().lower(): c for c in columns}
    mapping, used = {}, set()
    for f in spec.input_fields:
        for candidate in (f.name, *f.aliases):
            if candidate.lower() in by_lower:
                mapping[f.name] = by_lower[candidate.lower()]
                used.add(by_lower[candidate.lower()])
                break
    derived = {f.name.lower() for f in spec.fields.values() if f.derived}
    ignored = [c for c in columns if c not in used and str(c).strip().lower() not in derived]
    if ignored:
        log.warn(f"columns not in the {spec.id} schema were ignored: {', '.join(map(str, ignored))}")
    return mapping


def _columns(raw: RawLayer) -> list:
    seen = {}
    for record in raw.records:
        for key in record.props:
            seen.setdefault(key, None)
    return list(seen)


def typed_properties(spec: LayerSpec, raw: RawLayer, log: Collector, fill: dict | None = None) -> list[dict]:
    """Typed rows; `fill` gives values for fields the file has no column for (the import's source label)."""
    fill = fill or {}
    mapping = column_map(spec, _columns(raw), log)
    for f in spec.input_fields:
        if f.required and f.name not in mapping and f.default is None and f.name not in fill:
            names = " / ".join((f.name, *f.aliases))
            log.add(f"required field is missing: no column named {names}", None, f.name)
        elif f.name not in mapping and f.default is not None and f.name not in fill:
            # said, not silent: a toilet file without a fee column makes every toilet free
            log.warn(f"no column for {f.name}: every row gets the catalog's default {f.default!r}")
    rows = []
    for record in raw.records:
        row = {}
        for f in spec.input_fields:
            value = record.props.get(mapping.get(f.name)) if f.name in mapping else None
            if _is_empty(value):
                if f.required and f.name in mapping and f.default is None:
                    log.add("required value is empty", record.where, f.name)
                row[f.name] = fill.get(f.name, f.default)
                continue
            try:
                value = coerce(f, value)
            except ValueError as exc:
                log.add(f"wrong type ({f.type}): {exc}", record.where, f.name)
                continue
            reason = _text_reason(value, raw.encoding) if isinstance(value, str) else None
            reason = reason or check_value(f, value)
            if reason:
                log.add(reason, record.where, f.name)
            row[f.name] = value
        rows.append(row)
    return rows


def _text_reason(text: str, encoding: str | None) -> str | None:
    return _mis_decoded(text, encoding) or text_problem(text.replace("\t", " ").replace("\r", " ").replace("\n", " "))


def check_unique_ids(spec: LayerSpec, raw: RawLayer, rows: list[dict], log: Collector) -> None:
    first_seen = {}
    for record, row in zip(raw.records, rows):
        key = row.get(spec.id_field)
        if key is None:
            continue
        if key in first_seen:
            log.add(f"duplicate id {key!r} (first at {first_seen[key]})", record.where, spec.id_field)
        else:
            first_seen[key] = record.where


def _inside(bounds, extent) -> bool:
    minx, miny, maxx, maxy = bounds
    return minx >= extent[0] and miny >= extent[1] and maxx <= extent[2] and maxy <= extent[3]


def checked_geometries(spec: LayerSpec, raw: RawLayer, extent, log: Collector) -> list:
    """Geometries in the source CRS after type, emptiness, validity and extent checks (None where refused)."""
    out = []
    repaired, flattened = [], []
    extent_in_source = None
    if extent is not None:
        x, y = crs_mod.convert(
            np.array([extent[0], extent[2]]), np.array([extent[1], extent[3]]), crs_mod.WGS84, raw.crs
        )
        extent_in_source = (x[0], y[0], x[1], y[1])
    for record in raw.records:
        geom = record.geometry
        if geom is None:
            out.append(None)
            continue
        if not np.isfinite(shapely.get_coordinates(geom, include_z=shapely.has_z(geom))).all():
            log.add("coordinates are not finite numbers (NaN or infinity)", record.where, "geometry")
            out.append(None)
            continue
        if geom.is_empty:
            log.add("empty geometry", record.where, "geometry")
            out.append(None)
            continue
        if shapely.has_z(geom):
            geom = shapely.force_2d(geom)
            flattened.append(record.where)
        if not spec.accepts(geom.geom_type):
            log.add(
                f"wrong geometry type {geom.geom_type}: layer {spec.id} takes {spec.geometry_type}",
                record.where,
                "geometry",
            )
            out.append(None)
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.make_valid(geom)
            polygons = shapely.get_parts(fixed)
            polygons = [p for p in polygons if spec.accepts(p.geom_type)]
            if not polygons:
                log.add(f"invalid geometry ({reason}) cannot be repaired", record.where, "geometry")
                out.append(None)
                continue
            geom = shapely.union_all(polygons) if len(polygons) > 1 else polygons[0]
            repaired.append(f"{record.where} ({reason})")
        if extent_in_source is not None and not _inside(geom.bounds, extent_in_source):
            swapped = shapely.transform(geom, lambda c: c[:, ::-1])
            if crs_mod.is_geographic(raw.crs) and _inside(swapped.bounds, extent_in_source):
                x, y = shapely.get_coordinates(geom)[0]
                log.add(
                    f"coordinates ({x:g}, {y:g}) look like lat/lon swapped: give longitude first",
                    record.where,
                    "geometry",
                )
            else:
                minx, miny, maxx, maxy = geom.bounds
                log.add(
                    f"coordinates ({minx:g}, {miny:g}) lie outside the city (in {raw.crs}; "
                    f"expected within {', '.join(f'{v:g}' for v in extent_in_source)})",
                    record.where,
                    "geometry",
                )
            out.append(None)
            continue
        out.append(geom)
    if flattened:
        log.warn(
            f"3-D coordinates: the height (z) was dropped from {len(flattened)} features "
            f"({', '.join(flattened[:10])}{', ...' if len(flattened) > 10 else ''})"
        )
    if repaired:
        log.warn(f"repaired {len(repaired)} invalid geometries with make_valid: {'; '.join(repaired[:10])}")
    return out


def to_frame(spec: LayerSpec, rows: list[dict], geometries: list, source_crs: str) -> gpd.GeoDataFrame:
    columns = [f.name for f in spec.input_fields]
    gdf = gpd.GeoDataFrame(rows, columns=columns, geometry=list(geometries), crs=4326)
    return crs_mod.to_wgs84(gdf, source_crs)
