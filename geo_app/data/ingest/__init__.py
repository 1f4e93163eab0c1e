"""Import of source files into layers: read -> validate against the catalog -> convert to WGS-84 -> derive.

`read_layer_file` either returns a whole, valid layer or raises ImportFailed listing what is wrong (file, row or
feature, field, reason). It never touches the store: writing is the store's job, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo_app import crs as crs_mod
from geo_app.data.ingest.land import Water, refuse_points_on_water
from geo_app.data.ingest.problems import Collector, ImportFailed, Problem
from geo_app.data.ingest.readers import FORMATS, check_encoding, detect_format, read_source
from geo_app.data.ingest.validate import check_unique_ids, checked_geometries, to_frame, typed_properties
from geo_app.project.catalog import LayerSpec

__all__ = ["ImportFailed", "Problem", "Imported", "read_layer_file", "derive_fields", "FORMATS"]

# Features of a layer that fall just outside the coarse district polygons (a bank, a bridge) are assigned to
# the nearest district within this distance; farther ones are refused as outside the city.
BORDER_TOLERANCE_M = 500


@dataclass
class Imported:
    layer: str
    frame: gpd.GeoDataFrame
    file: str
    format: str
    crs: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


def read_layer_file(
    spec: LayerSpec,
    path: Path | str,
    *,
    crs: str | None = None,
    fmt: str | None = None,
    max_bytes: int,
    extent=None,
    districts: gpd.GeoDataFrame | None = None,
    source_label: str | None = None,
    encoding: str | None = None,
    water: Water | None = None,
) -> Imported:
    """Read, validate and convert one source file for `spec`. `extent` (WGS-84 minx, miny, maxx, maxy) bounds
    where features may lie; `districts` (the units layer) gives the derived `adcode`; `source_label` fills the
    `source` field of features whose file has no such column; `encoding` names the text encoding (otherwise
    UTF-8 or GB18030); points on `water` are refused."""
    path = Path(path)
    log = Collector(path.name)
    try:
        declared = crs_mod.normalise_crs(crs or "WGS84")
    except crs_mod.UnknownCRS as exc:
        log.fail(str(exc), field="crs")
    if encoding:
        encoding = check_encoding(encoding, log)
    if path.is_symlink():
        # Refused before reading: an error message must not show a line of a file the link points at.
        log.fail("is a symbolic link: give the file itself")
    if not path.is_file():
        log.fail("no such file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        log.fail(f"unknown format {fmt or path.suffix!r}: give one of {', '.join(FORMATS)}")
    size = path.stat().st_size
    if size == 0:
        log.fail("the file is empty")
    if size > max_bytes:
        log.fail(
            f"the file is {size / 1e6:.1f} MB, over the import limit of {max_bytes / 1e6:.1f} MB"
            " (setting MAX_IMPORT_BYTES)"
        )
    raw = read_source(path, fmt, declared, log, max_bytes=max_bytes, encoding=encoding)
    if not raw.records:
        log.fail("the file holds no features")
    rows = typed_properties(spec, raw, log, {"source": source_label} if source_label else None)
    check_unique_ids(spec, raw, rows, log)
    geometries = checked_geometries(spec, raw, extent, log)
    log.raise_if_any()
    frame = to_frame(spec, rows, geometries, raw.crs)
    if water is not None:
        refuse_points_on_water(frame.geometry, water, log, [r.where for r in raw.records])
    frame = derive_fields(spec, frame, districts, log, [r.where for r in raw.records])
    log.raise_if_any()
    return Imported(spec.id, frame, path.name, fmt, raw.crs, raw.encoding, log.warnings)


def derive_fields(
    spec: LayerSpec, frame: gpd.GeoDataFrame, districts: gpd.GeoDataFrame | None, log: Collector, where: list[str]
) -> gpd.GeoDataFrame:
    frame = frame.copy()
    for f in spec.fields.values():
        if f.derived == "area_km2":
            frame[f.name] = (crs_mod.metric(frame).area / 1e6).round(3)
        elif f.derived == "adcode":
            frame[f.name] = _district_codes(frame, districts, log, where)
    return frame


def _district_codes(frame: gpd.GeoDataFrame, districts, log: Collector, where: list[str]) -> pd.Series:
    if districts is None or districts.empty:
        raise ValueError("the districts layer must be loaded before any layer with a derived adcode")
    anchors = gpd.GeoDataFrame(geometry=frame.geometry.representative_point(), crs=4326)
    # Where boundaries overlap (a zone such as SIP imported inside its district) the smallest one wins.
    by_size = districts.assign(_area=crs_mod.metric(districts).area).sort_values("_area")
    joined = gpd.sjoin(anchors, by_size[["adcode", "_area", "geometry"]], predicate="within", how="left")
    codes = joined.sort_values("_area", kind="stable")
    codes = codes[~codes.index.duplicated()]["adcode"].sort_index()
    missing = codes.isna()
    if missing.any():
        near = gpd.sjoin_nearest(
            crs_mod.metric(anchors[missing]),
            crs_mod.metric(districts[["adcode", "geometry"]]),
            how="left",
            max_distance=BORDER_TOLERANCE_M,
        )
        near = near[~near.index.duplicated()]["adcode"]
        codes.loc[near.index] = near
        for i in codes.index[codes.isna()]:
            log.add(
                f"lies outside every district of the city (more than {BORDER_TOLERANCE_M} m beyond the boundary)",
                where[i],
                "geometry",
            )
    return codes.astype(object)
