"""Features of any layer with filters (/api/facilities/<layer>) and the nearest ones (/api/nearest)."""

from __future__ import annotations

import numpy as np
from flask import current_app, jsonify, request

from geo_app import crs
from geo_app.checks import parse_number, parse_whole
from geo_app.data.pipeline import city_extent
from geo_app.errors import BadParameter, NotFound
from geo_app.features.nearest import nearest as find_nearest
from geo_app.features.query import filter_mask, filter_parameters, parse_bbox, parse_crs, query, record_features
from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.common import provenance
from geo_app.web.errors import check_params

MAX_NEAREST = 50
DEFAULT_LIMIT, MAX_LIMIT = 1000, 10_000  # features a request answers (the OGC items' maximum)


def layer_spec(layer: str, parameter: str = "type"):
    catalog = context.project().catalog
    if layer not in catalog:
        raise NotFound(parameter, f"unknown layer {layer!r}; one of {', '.join(catalog.layers)}")
    return catalog[layer]


def number(parameter: str, low: float, high: float) -> float:
    text = request.args.get(parameter)
    if text is None:
        raise BadParameter(parameter, "is required")
    value = parse_number(parameter, text)
    if not low <= value <= high:
        raise BadParameter(parameter, f"{value:g} is outside {low:g}..{high:g}")
    return value


def service_extent() -> tuple[float, float, float, float]:
    """WGS-84 bounds of the service area: the districts with the import margin (cached per store version)."""
    store = context.store()
    cache = current_app.extensions["geo_app"].setdefault("service_extent", {})
    version = store.version()
    if version not in cache:
        cache.clear()
        cache[version] = tuple(float(v) for v in city_extent(store.read(context.project().catalog.units_layer.id)))
    return cache[version]


def service_point(given_crs: str) -> tuple[float, float, float, float]:
    """The request's lon/lat (as given, in `given_crs`) and the same point in WGS-84; 400 if it lies outside
    the service area (an answer about a point in the Atlantic would be thousands of kilometres long)."""
    lon, lat = number("lon", -180, 180), number("lat", -90, 90)
    x, y = (float(v) for v in crs.convert(lon, lat, given_crs, crs.WGS84))
    minx, miny, maxx, maxy = service_extent()
    if not (minx <= x <= maxx and miny <= y <= maxy):
        raise BadParameter(
            "lon/lat",
            f"({lon:g}, {lat:g}) lies outside the service area (WGS-84 lon "
            f"{minx:.2f}..{maxx:.2f}, lat {miny:.2f}..{maxy:.2f})",
        )
    return lon, lat, x, y


def integer(parameter: str, default: int, low: int, high: int) -> int:
    text = request.args.get(parameter)
    return default if text is None else parse_whole(parameter, text, low, high)


@bp.get("/facilities/<layer>")
def facilities(layer: str):
    spec = layer_spec(layer, "layer")
    own = {"bbox", "crs", "limit", "offset"}
    check_params(request.args, own | filter_parameters(spec))
    output_crs = parse_crs(request.args.get("crs"))
    limit = integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = integer("offset", 0, 0, 10**9)
    bbox = parse_bbox(request.args["bbox"]) if "bbox" in request.args else None
    if bbox is not None and output_crs != crs.WGS84:
        xs, ys = crs.convert(np.array(bbox[0::2]), np.array(bbox[1::2]), output_crs, crs.WGS84)
        bbox = (float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]))
    filters = {k: v for k, v in request.args.items() if k not in own}
    matched, records = query(context.store(), spec, filters, bbox=bbox, limit=limit, offset=offset)
    prov = provenance()
    return jsonify(
        {
            "type": "FeatureCollection",
            "layer": layer,
            "title_zh": spec.title_zh,
            "title_en": spec.title_en,
            "crs": output_crs,
            "numberMatched": matched,
            "numberReturned": len(records),
            "limit": limit,
            "offset": offset,
            "data_notice": prov["data_notice"] if spec.id in prov["demo_layers"] else None,
            "features": record_features(spec, records, output_crs),
        }
    )


@bp.get("/nearest")
def nearest():
    spec = layer_spec(request.args.get("type", ""))
    own = {"lon", "lat", "type", "n", "crs", "out_crs"}
    check_params(request.args, own | filter_parameters(spec))
    given_crs = parse_crs(request.args.get("crs"))
    output_crs = parse_crs(request.args.get("out_crs", given_crs), "out_crs")
    n = integer("n", 5, 1, MAX_NEAREST)
    lon, lat, wgs_lon, wgs_lat = service_point(given_crs)
    out_lon, out_lat = crs.convert(lon, lat, given_crs, output_crs)
    filters = {k: v for k, v in request.args.items() if k not in own}
    keep = (lambda frame: filter_mask(spec, frame, filters)) if filters else None
    found = find_nearest(context.store(), spec.id, wgs_lon, wgs_lat, n, keep)
    results = [
        {"distance_m": round(d, 1), "feature": f}
        for (_, d), f in zip(found, record_features(spec, [r for r, _ in found], output_crs))
    ]
    return jsonify(
        {
            "type": spec.id,
            "from": {
                "lon": lon,
                "lat": lat,
                "crs": given_crs,
                "out_lon": float(out_lon),
                "out_lat": float(out_lat),
                "out_crs": output_crs,
            },
            "measured_in": f"EPSG:{crs.METRIC_EPSG}",
            "results": results,
        }
    )
