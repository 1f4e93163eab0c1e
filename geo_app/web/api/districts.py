"""Per-unit statistics: /api/districts (JSON), /api/districts.csv, /api/districts/<code>."""

from __future__ import annotations

from flask import jsonify, request

from geo_app.errors import NotFound
from geo_app.features.statistics import STATS_TABLE, describe_columns, with_integer_counts
from geo_app.project.report import figures_for_unit
from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.common import csv_response, provenance, records
from geo_app.web.errors import check_params


def _stats():
    return with_integer_counts(context.store().read(STATS_TABLE))


@bp.get("/districts")
def districts():
    check_params(request.args, set())
    project = context.project()
    return jsonify(
        {
            "units": records(_stats()),
            "columns": describe_columns(project.catalog, project.standards),
            "groups": {name: spec["members"] for name, spec in project.units.groups.items()},
            **provenance(),
        }
    )


@bp.get("/districts.csv")
def districts_csv():
    check_params(request.args, set())
    return csv_response(_stats(), "district_stats.csv")


@bp.get("/districts/<name>")
def district(name: str):
    check_params(request.args, set())
    project = context.project()
    try:
        code = project.units.resolve_unit(name)
    except KeyError:
        known = ", ".join(f"{u.code} {u.name_zh}" for u in project.units.units.values())
        raise NotFound("code", f"unknown district {name!r}; known units: {known}") from None
    stats = _stats()
    row = records(stats[stats["code"] == code])[0]
    unit = project.units.units[code]
    return jsonify(
        {
            "unit": {**row, "aliases": list(unit.aliases), "note": unit.note, "groups": project.units.groups_of(code)},
            "report": figures_for_unit(project.report, project.units, code),
            "columns": describe_columns(project.catalog, project.standards),
            **provenance(),
        }
    )
