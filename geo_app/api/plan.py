"""Siting for planners: run (/api/plan/sites), export (format=geojson|csv|gpkg), and saved scenarios."""
from __future__ import annotations

import io
import tempfile
from collections import OrderedDict
from pathlib import Path

import geopandas as gpd
import pyogrio
from flask import Response, abort, current_app, jsonify, request
from flask_login import current_user
from shapely.geometry import shape

from .. import context, scenarios
from ..auth import requires
from ..errors import BadParameter, check_params
from ..features import parse_number, parse_whole
from ..security.text import clean_name
from ..siting import Limits, SitingError, SitingRequest, coverage, solve
from . import bp

PARAMS = {"type", "districts", "k", "target", "radius", "spacing", "demand", "candidates"}
FORMATS = ("json", "geojson", "csv", "gpkg")
_CACHE_SIZE = 16


def _number(name: str, low: float, high: float, integer: bool = False):
    text = request.values.get(name)
    if text in (None, ""):
        return None
    if integer:
        return parse_whole(name, text, low, high)
    value = parse_number(name, text)
    if not low <= value <= high:
        raise BadParameter(name, f"{value:g} is outside {low:g}..{high:g}")
    return value


def parse_request(need_size: bool = True) -> SitingRequest:
    project = context.project()
    layer = request.values.get("type", "")
    types = [lid for lid in project.standards.layers_with_radius if lid in project.catalog]
    if layer not in types:
        raise BadParameter("type", f"{layer!r} is not one of {', '.join(types)}")
    codes = []
    boundaries = set(context.store().read(project.catalog.units_layer.id)["adcode"])
    for name in (request.values.get("districts") or "").split(","):
        if not name.strip():
            continue
        try:
            code = project.units.resolve_unit(name.strip())
        except KeyError:
            raise BadParameter("districts", f"{name!r} is not a district code, name or alias") from None
        if code not in boundaries:
            raise BadParameter("districts", f"{name!r} has no boundary loaded: it cannot be planned on the map")
        codes.append(code)
    if not codes:
        raise BadParameter("districts", "give one or more districts, e.g. districts=320508")
    k = _number("k", 1, 1000, integer=True)
    target = _number("target", 1, 100)
    if need_size and (k is None) == (target is None):
        raise BadParameter("k", "give either k (new sites, MCLP) or target (coverage %, 100 = LSCP), not both")
    demand = request.values.get("demand") or "grids"
    if demand not in ("grids", "area") and ":" not in demand:
        raise BadParameter("demand", f"{demand!r}: give grids, area or <layer>:<numeric column>")
    candidates = request.values.get("candidates") or "lattice"
    if candidates != "lattice" and candidates not in project.catalog:
        raise BadParameter("candidates", f"{candidates!r}: give lattice or a layer id")
    return SitingRequest(layer=layer, districts=tuple(codes), k=k, target_pct=target,
                         radius_m=_number("radius", 10, 5000), spacing_m=_number("spacing", 25, 2000) or 100.0,
                         demand=demand, candidates=candidates)


def limits() -> Limits:
    config = current_app.config
    return Limits(max_demand=int(config["SITING_MAX_DEMAND"]), max_candidates=int(config["SITING_MAX_CANDIDATES"]),
                  time_limit_s=float(config["SOLVER_TIME_LIMIT_S"]), demand_spacing_m=float(config["SITING_DEMAND_SPACING_M"]))


def _layers(siting: SitingRequest) -> dict:
    project, store = context.project(), context.store()
    needed = {project.catalog.units_layer.id, siting.layer, "grids"} | {siting.demand.split(":")[0], siting.candidates}
    return {lid: store.read(lid) for lid in needed if lid in store.tables()}


def run(siting: SitingRequest) -> dict:
    """The solution, from a small cache keyed by the request and the store's version (exports and saving reuse it)."""
    cache: OrderedDict = current_app.extensions["geo_app"].setdefault("siting_cache", OrderedDict())
    store = context.store()
    key = (siting, store.version())
    if key not in cache:
        try:
            cache[key] = solve(siting, _layers(siting), context.project().standards, limits())
        except SitingError as exc:
            raise BadParameter("problem", str(exc), status=422) from None
        while len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
    return cache[key]


def _export(result: dict, fmt: str, name: str):
    features = result["sites"]["features"]
    frame = gpd.GeoDataFrame([dict(f["properties"], geometry=shape(f["geometry"])) for f in features],
                             columns=["number", "adcode", "adds_km2_or_weight", "adds_pct", "geometry"],
                             geometry="geometry", crs=4326)
    if fmt == "geojson":
        return Response(frame.to_json(drop_id=True, ensure_ascii=False), mimetype="application/geo+json",
                        headers={"Content-Disposition": f"attachment; filename={name}.geojson"})
    if fmt == "csv":
        table = frame.assign(lon=frame.geometry.x.round(7), lat=frame.geometry.y.round(7)).drop(columns="geometry")
        buffer = io.StringIO()
        table.to_csv(buffer, index=False)
        return Response("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f"attachment; filename={name}.csv"})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.gpkg"
        pyogrio.write_dataframe(frame, path, layer="proposed_sites", driver="GPKG")
        data = path.read_bytes()
    return Response(data, mimetype="application/geopackage+sqlite3",
                    headers={"Content-Disposition": f"attachment; filename={name}.gpkg"})


def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in FORMATS:
        raise BadParameter("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    return fmt


@bp.get("/plan/sites")
def plan_sites():
    check_params(request.args, PARAMS | {"format"})
    fmt = _format()
    result = run(parse_request())
    if fmt == "json":
        return jsonify(result)
    return _export(result, fmt, f"sites-{result['request']['type']}")


@bp.get("/plan/coverage")
def plan_coverage():
    """Demand-weighted coverage of the chosen districts by the existing facilities (no new sites)."""
    check_params(request.args, PARAMS - {"k", "target", "spacing", "candidates"})
    siting = parse_request(need_size=False)
    try:
        return jsonify(coverage(siting, _layers(siting), context.project().standards, limits()))
    except SitingError as exc:
        raise BadParameter("problem", str(exc), status=422) from None


@bp.get("/plan/scenarios")
def scenario_list():
    check_params(request.args, set())
    return jsonify({"scenarios": scenarios.listing(context.store())})


@bp.post("/plan/scenarios")
@requires("planner")
def scenario_save():
    check_params(request.args, set())
    unknown = sorted(set(request.form) - PARAMS - {"name"})
    if unknown:
        raise BadParameter(unknown[0], f"unknown field; give name and {', '.join(sorted(PARAMS))}")
    name = clean_name("name", request.form.get("name"))
    result = run(parse_request())
    scenario_id = scenarios.save(context.store(), name, result, owner=current_user.name)
    return jsonify({"id": scenario_id, "name": name}), 201


@bp.get("/plan/scenarios/<scenario_id>")
def scenario_get(scenario_id: str):
    check_params(request.args, {"format"})
    fmt = _format()
    found = scenarios.get(context.store(), scenario_id)
    if found is None:
        raise BadParameter("id", f"no saved scenario {scenario_id!r}", status=404)
    if fmt == "json":
        return jsonify(found)
    return _export(found["result"], fmt, scenario_id)


@bp.delete("/plan/scenarios/<scenario_id>")
@requires("planner")
def scenario_delete(scenario_id: str):
    """Its owner or an admin only."""
    found = scenarios.get(context.store(), scenario_id)
    if found is None:
        raise BadParameter("id", f"no saved scenario {scenario_id!r}", status=404)
    if current_user.role != "admin" and found["owner"] != current_user.name:
        abort(403, f"only its owner ({found['owner'] or 'unknown'}) or an admin may delete scenario {scenario_id!r}")
    if not scenarios.delete(context.store(), scenario_id):
        raise BadParameter("id", f"no saved scenario {scenario_id!r}", status=404)
    return jsonify({"deleted": scenario_id})
