"""Grid-patrol areas for supervisors: the grid at a point, and one grid with what lies in it."""
from __future__ import annotations

import geopandas as gpd
from flask import jsonify, request
from shapely.geometry import Point

from .. import context, crs
from ..errors import BadParameter, check_params
from ..features import features, parse_crs
from ..pipeline import GRID_STATS_TABLE
from . import bp
from .facilities import number


def _grid_spec():
    return next(spec for spec in context.project().catalog.layers.values() if spec.role == "grid")


@bp.get("/grids/at")
def grid_at():
    check_params(request.args, {"lon", "lat", "crs"})
    given_crs = parse_crs(request.args.get("crs"))
    lon, lat = number("lon", -180, 180), number("lat", -90, 90)
    x, y = crs.convert(lon, lat, given_crs, crs.WGS84)
    spec = _grid_spec()
    point = Point(float(x), float(y))
    hit = context.store().read(spec.id, bbox=(point.x, point.y, point.x, point.y))
    if hit.empty:
        raise BadParameter("lon/lat", f"no grid-patrol area contains ({lon:g}, {lat:g}) in {given_crs}", status=404)
    code = hit.iloc[0][spec.id_field]
    return jsonify({"code": code, **_grid_detail(code, given_crs, hit.iloc[:1])})


@bp.get("/grids/<code>")
def grid(code: str):
    check_params(request.args, {"crs"})
    return jsonify({"code": code, **_grid_detail(code, parse_crs(request.args.get("crs")))})


def _grid_detail(code: str, output_crs: str, row: gpd.GeoDataFrame | None = None) -> dict:
    spec = _grid_spec()
    store, catalog = context.store(), context.project().catalog
    row = store.read(spec.id, where={spec.id_field: code}) if row is None else row
    if row.empty:
        raise BadParameter("code", f"no grid with code {code!r}", status=404)
    polygon = row.geometry.iloc[0]
    contents = {}
    for facility in catalog.facility_layers:
        wanted = [c for c in dict.fromkeys((facility.id_field, "name", "status")) if c in facility.fields]
        frame = store.read(facility.id, bbox=polygon.bounds, columns=wanted)
        inside = frame[frame.geometry.representative_point().within(polygon)]
        contents[facility.id] = {"title_zh": facility.title_zh, "title_en": facility.title_en, "count": len(inside),
                                 "features": [{"id": r[facility.id_field], "name": r.get("name"), "status": r.get("status")}
                                              for _, r in inside.iterrows()]}
    mine = store.read(GRID_STATS_TABLE, where={"code": code}).iloc[0]
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
        "feature": features(spec, gpd.GeoDataFrame(row, crs=4326), output_crs)[0],
        "area_km2": float(mine["area_km2"]), "adcode": mine["adcode"],
        "contents": contents, "comparison": comparison,
    }
