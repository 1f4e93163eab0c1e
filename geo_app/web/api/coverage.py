"""Service-radius coverage of a facility type per district: /api/coverage/<layer> (the planner map's data)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from geo_app import crs
from geo_app.errors import BadParameter
from geo_app.features.query import parse_crs
from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.facilities import layer_spec
from geo_app.web.errors import check_params


def coverage_frame(layer: str):
    project = context.project()
    spec = layer_spec(layer, "layer")
    if spec.id not in project.standards.layers_with_radius:
        raise BadParameter(
            "layer",
            f"{layer!r} has no service radius in layers/standards.toml; one of "
            f"{', '.join(project.standards.layers_with_radius)}",
        )
    cache = current_app.extensions["geo_app"]["coverage"]
    return spec, cache.get(context.store(), project.standards, project.catalog.units_layer.id, spec.id)


@bp.get("/coverage/<layer>")
def coverage(layer: str):
    check_params(request.args, {"crs"})
    output_crs = parse_crs(request.args.get("crs"))
    spec, frame = coverage_frame(layer)
    if output_crs != crs.WGS84:
        frame = crs.from_wgs84(frame, output_crs)
    collection = frame.__geo_interface__
    for feature in collection["features"]:
        feature["id"] = feature["properties"]["adcode"]
    return jsonify(
        {
            **collection,
            "layer": spec.id,
            "crs": output_crs,
            "measured_in": f"EPSG:{crs.METRIC_EPSG}",
            "note": "geometry: the part of each district beyond the service radius of every operational facility; "
            "district_area_coverage_pct: the share of the district's whole area within it (the "
            "siting figures measure the patrolled area instead, unless demand=area)",
        }
    )
