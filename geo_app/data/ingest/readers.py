"""Readers: one source file -> raw records (location, properties, geometry in the file's own CRS).

Formats: GeoJSON; CSV with lon/lat (or x/y, or WKT) columns; GeoPackage; zipped or plain Shapefile; and a GBFS
`station_information.json`. Text is read as UTF-8 (with or without BOM) or, failing that, GB18030 (a superset of
GBK, which Chinese office software often writes), unless the import names the encoding. Nothing here validates
fields: see validate.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import shapely
from shapely.geometry import Point, shape

from geo_app import crs as crs_mod
from geo_app.data.ingest.problems import Collector

LON_COLUMNS = ("lon", "lng", "longitude", "x", "经度")
LAT_COLUMNS = ("lat", "latitude", "y", "纬度")
WKT_COLUMNS = ("wkt", "geometry", "geom")
FORMATS = ("geojson", "csv", "gpkg", "shapefile", "gbfs")


@dataclass
class Record:
    where: str
    props: dict
    geometry: object | None  # a Shapely geometry, or None where it could not be read (a problem is logged)


@dataclass
class RawLayer:
    records: list[Record]
    crs: str  # the coordinate system the geometries are in (normalised name)
    encoding: str | None = None


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "gbfs" if path.name.startswith("station_information") else "geojson"
    return {".csv": "csv", ".txt": "csv", ".gpkg": "gpkg", ".zip": "shapefile", ".shp": "shapefile"}.get(suffix, "")


def check_encoding(name: str, log: Collector) -> str:
    """The codec name for an --encoding option (big5, gbk, utf-16, ...), or a problem naming the option."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        log.fail(f"unknown text encoding {name!r}: give one such as utf-8, gb18030, big5 or utf-16", field="encoding")


def decode(data: bytes, log: Collector, encoding: str | None = None) -> tuple[str, str]:
    for candidate in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError as exc:
            if encoding:
                log.fail(
                    f"cannot decode the text as {encoding} at byte {exc.start}: give the file's encoding"
                    " with --encoding",
                    field="encoding",
                )
    log.fail("cannot decode the text as UTF-8 or GBK/GB18030: give the file's encoding with --encoding")


def _load_json(data: bytes, log: Collector, encoding: str | None) -> tuple[object, str]:
    text, encoding = decode(data, log, encoding)
    try:
        return json.loads(text), encoding
    except json.JSONDecodeError as exc:
        log.fail(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    except RecursionError:
        log.fail("the JSON is nested too deeply to read (arrays or objects inside each other thousands of times)")


def read_geojson(data: bytes, declared_crs: str, log: Collector, text_encoding: str | None = None) -> RawLayer:
    doc, encoding = _load_json(data, log, text_encoding)
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        log.fail('not a GeoJSON FeatureCollection (expected {"type": "FeatureCollection", "features": [...]})')
    records = []
    for i, feature in enumerate(doc["features"], start=1):
        where = f"feature {i}"
        if not isinstance(feature, dict):
            log.add("not a GeoJSON Feature object", where)
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            log.add(f"properties is {_json_kind(props)}, not an object of name: value pairs", where, "properties")
            props = {}
        if "id" in feature and "id" not in props:
            props = dict(props, id=feature["id"])
        geometry = None
        if feature.get("geometry") is None:
            log.add("empty geometry (null)", where, "geometry")
        else:
            try:
                geometry = shape(feature["geometry"])
            except (
                KeyError,
                TypeError,
                ValueError,
                AttributeError,
                IndexError,
                RecursionError,
                shapely.errors.GEOSException,
            ) as exc:
                log.add(f"unreadable geometry: {exc or type(exc).__name__}", where, "geometry")
        records.append(Record(where, props, geometry))
    return RawLayer(records, declared_crs, encoding)


def _json_kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )


def _pick(header: list[str], names: tuple) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def read_csv(data: bytes, declared_crs: str, log: Collector, text_encoding: str | None = None) -> RawLayer:
    text, encoding = decode(data, log, text_encoding)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        log.fail(f"malformed CSV: {exc}")
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        log.fail("the CSV has no header row")
    header = [h.strip() for h in rows[0]]
    lon_col, lat_col, wkt_col = _pick(header, LON_COLUMNS), _pick(header, LAT_COLUMNS), _pick(header, WKT_COLUMNS)
    if not wkt_col and not (lon_col and lat_col):
        log.fail(
            f"no coordinate columns: expected lon/lat ({', '.join(LON_COLUMNS)} / {', '.join(LAT_COLUMNS)})"
            f" or a WKT column ({', '.join(WKT_COLUMNS)}); the header is {header}"
        )
    records = []
    for line_no, row in enumerate(rows[1:], start=2):
        where = f"row {line_no}"
        if len(row) != len(header):
            log.add(f"has {len(row)} cells, the header has {len(header)}", where)
            continue
        props = dict(zip(header, (cell.strip() for cell in row)))
        geometry = None
        if wkt_col:
            try:
                geometry = shapely.from_wkt(props.pop(wkt_col)) if props[wkt_col] else None
            except shapely.errors.GEOSException as exc:
                log.add(f"unreadable WKT: {exc}", where, wkt_col)
                records.append(Record(where, props, None))
                continue
            if geometry is None:
                log.add("empty geometry", where, wkt_col)
        else:
            lon_text, lat_text = props.pop(lon_col), props.pop(lat_col)
            if not lon_text or not lat_text:
                log.add("empty geometry: no coordinates", where, f"{lon_col}/{lat_col}")
            else:
                try:
                    geometry = Point(float(lon_text), float(lat_text))
                except ValueError:
                    log.add(f"coordinates {lon_text!r}, {lat_text!r} are not numbers", where, f"{lon_col}/{lat_col}")
        records.append(Record(where, props, geometry))
    return RawLayer(records, declared_crs, encoding)


def check_zip(path: Path, max_bytes: int, log: Collector) -> None:
    """Refuse a zip that unpacks to more than the import limit (a zip bomb) before GDAL opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        log.fail(f"not a readable zip file: {exc}")
    if unpacked > max_bytes:
        log.fail(
            f"the zip unpacks to {unpacked / 1e6:.1f} MB, over the import limit of {max_bytes / 1e6:.1f} MB"
            " (setting MAX_IMPORT_BYTES)"
        )


def read_ogr(path: Path, declared_crs: str, log: Collector) -> RawLayer:
    """GeoPackage or Shapefile (plain or zipped) through GDAL. The file's own CRS wins, except that a declared
    GCJ-02 / BD-09 says its lon/lat carry that offset (GDAL cannot know it)."""
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) != 1:
            log.fail(f"holds {len(layers)} layers ({', '.join(str(n) for n, _ in layers)}); give a file with one")
        gdf = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        log.fail(f"not a readable GeoPackage or Shapefile: {exc}")
    file_crs = gdf.crs.to_string() if gdf.crs is not None else None
    source_crs = declared_crs
    if file_crs and declared_crs not in (crs_mod.GCJ02, crs_mod.BD09):
        try:
            source_crs = crs_mod.normalise_crs(gdf.crs.to_string()) if gdf.crs.to_epsg() else declared_crs
        except crs_mod.UnknownCRS as exc:
            log.fail(f"the file's coordinate system: {exc}", field="crs")
        if gdf.crs.to_epsg() is None:
            log.warn(f"the file's CRS has no EPSG code; taking the declared {declared_crs}")
    props_frame = gdf.drop(columns=gdf.geometry.name)
    records = []
    for i, (props, geometry) in enumerate(zip(props_frame.to_dict("records"), gdf.geometry), start=1):
        where = f"feature {i}"
        if geometry is None:
            log.add("empty geometry (null)", where, "geometry")
        records.append(Record(where, props, geometry))
    return RawLayer(records, source_crs)


def read_gbfs_station_information(
    data: bytes, declared_crs: str, log: Collector, text_encoding: str | None = None
) -> RawLayer:
    """GBFS station_information.json (v1-v3): data.stations[] with station_id, name, lat, lon, capacity."""
    doc, encoding = _load_json(data, log, text_encoding)
    body = doc.get("data") if isinstance(doc, dict) else None
    stations = body.get("stations") if isinstance(body, dict) else None
    if not isinstance(stations, list):
        log.fail("not a GBFS station_information.json: no data.stations list")
    records = []
    for i, station in enumerate(stations, start=1):
        where = f"station {i}"
        if not isinstance(station, dict):
            log.add(f"is {_json_kind(station)}, not a station object", where)
            continue
        name = station.get("name")
        if isinstance(name, list):  # GBFS v3 localised strings: [{"text": ..., "language": ...}]
            name = next((n.get("text") for n in name if isinstance(n, dict)), None)
        props = {
            "id": station.get("station_id"),
            "name": name,
            "capacity": station.get("capacity"),
            "address": station.get("address"),
        }
        geometry = None
        try:
            geometry = Point(float(station["lon"]), float(station["lat"]))
        except (KeyError, TypeError, ValueError):
            log.add("lat/lon missing or not numbers", where, "lat/lon")
        records.append(Record(where, props, geometry))
    return RawLayer(records, declared_crs, encoding)


def read_source(
    path: Path, fmt: str, declared_crs: str, log: Collector, *, max_bytes: int, encoding: str | None = None
) -> RawLayer:
    if fmt in ("gpkg", "shapefile"):
        if zipfile.is_zipfile(path):
            check_zip(path, max_bytes, log)
        return read_ogr(path, declared_crs, log)
    data = path.read_bytes()
    reader = {"geojson": read_geojson, "csv": read_csv, "gbfs": read_gbfs_station_information}[fmt]
    return reader(data, declared_crs, log, encoding)
