"""The layer catalog with provenance and feature counts: /api/layers."""

from __future__ import annotations

from flask import jsonify, request

from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.common import provenance
from geo_app.web.errors import check_params


@bp.get("/layers")
def layers():
    check_params(request.args, set())
    project = context.project()
    prov = provenance()
    by_layer = {row["layer"]: row for row in prov["sources"]}
    return jsonify(
        {
            "layers": [{**spec.summary(), "store": by_layer.get(spec.id)} for spec in project.catalog.layers.values()],
            "data_notice": prov["data_notice"],
        }
    )
