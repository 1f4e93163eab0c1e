"""Grid-patrol areas for supervisors: the grid at a point, and one grid with what lies in it."""

from __future__ import annotations

import shapely
from flask import jsonify, request

from geo_app.errors import NotFound
from geo_app.features.query import parse_crs, record_features
from geo_app.features.statistics import GRID_STATS_TABLE
from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.facilities import service_point
from geo_app.web.errors import check_params


def _grid_spec():
    return next(spec for spec in context.project().catalog.layers.values() if spec.role == "grid")


@bp.get("/grids/at")
def grid_at():
    check_params(request.args, {"lon", "lat", "crs"})
    given_crs = parse_crs(request.args.get("crs"))
    lon, lat, x, y = service_point(given_crs)
    spec = _grid_spec()
    hit = context.store().records(spec.id, bbox=(x, y, x, y), limit=1)
    if not hit:
        raise NotFound("lon/lat", f"no grid-patrol area contains ({lon:g}, {lat:g}) in {given_crs}")
    code = hit[0][spec.id_field]
    return jsonify({"code": code, **_grid_detail(code, given_crs, hit[0])})


@bp.get("/grids/<code>")
def grid(code: str):
    check_params(request.args, {"crs"})
    return jsonify({"code": code, **_grid_detail(code, parse_crs(request.args.get("crs")))})


def _grid_detail(code: str, output_crs: str, row: dict | None = None) -> dict:
    """A grid, what lies in it and how it compares: a handful of small reads (records, not frames)."""
    spec = _grid_spec()
    store, catalog = context.store(), context.project().catalog
    if row is None:
        found = store.records(spec.id, where={spec.id_field: code}, limit=1)
        if not found:
            raise NotFound("code", f"no grid with code {code!r}")
        row = found[0]
    polygon = row["geometry"]
    shapely.prepare(polygon)
    contents = {}
    for facility in catalog.facility_layers:
        wanted = [c for c in dict.fromkeys((facility.id_field, "name", "status")) if c in facility.fields]
        nearby = store.records(facility.id, bbox=polygon.bounds, columns=wanted)
        inside = [r for r in nearby if polygon.contains(shapely.point_on_surface(r["geometry"]))]
        contents[facility.id] = {
            "title_zh": facility.title_zh,
            "title_en": facility.title_en,
            "count": len(inside),
            "features": [
                {"id": r[facility.id_field], "name": r.get("name"), "status": r.get("status")} for r in inside
            ],
        }
    mine = store.records(GRID_STATS_TABLE, where={"code": code}, limit=1)[0]
    grids_in_district = store.count(GRID_STATS_TABLE, where={"adcode": mine["adcode"]})
    comparison = {}
    for facility in catalog.facility_layers:
        count = int(mine[f"{facility.id}_count"])
        comparison[facility.id] = {
            "count": count,
            "per_km2": round(float(count / mine["area_km2"]), 2) if mine["area_km2"] else None,
            "district_grids_per_km2": float(mine[f"{facility.id}_district_per_km2"]),
            "rank_in_district": int(mine[f"{facility.id}_rank_in_district"]),
            "grids_in_district": grids_in_district,
        }
    return {
        "feature": record_features(spec, [row], output_crs)[0],
        "area_km2": float(mine["area_km2"]),
        "adcode": mine["adcode"],
        "contents": contents,
        "comparison": comparison,
    }
