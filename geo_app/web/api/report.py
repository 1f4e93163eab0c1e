"""The report indicators: /api/report (JSON) and /api/report.csv, with filters."""

from __future__ import annotations

from flask import jsonify, request

from geo_app.errors import BadParameter
from geo_app.project.report import KINDS, PERIODS
from geo_app.web import context
from geo_app.web.api import bp
from geo_app.web.api.common import csv_response, records
from geo_app.web.errors import check_params

FILTERS = {"kind", "topic", "period", "section", "scope", "unit"}
SOURCE = {
    "title": "苏州市市容市政管理局2018年上半年工作总结和下半年工作计划",
    "publisher": "苏州市市容市政管理局",
    "published": "2018-07-20",
    "note": "Figures as published; value_text and unit_text as written, value in base_unit normalised.",
}


def _filtered():
    check_params(request.args, FILTERS)
    project = context.project()
    frame = project.report
    args = request.args
    if "kind" in args:
        if args["kind"] not in KINDS:
            raise BadParameter("kind", f"{args['kind']!r} is not one of {', '.join(KINDS)}")
        frame = frame[frame["kind"] == args["kind"]]
    if "period" in args:
        if args["period"] not in PERIODS:
            raise BadParameter("period", f"{args['period']!r} is not one of {', '.join(PERIODS)}")
        frame = frame[frame["period"] == args["period"]]
    if "topic" in args:
        topics = sorted(project.report["topic"].unique())
        if args["topic"] not in topics:
            raise BadParameter("topic", f"{args['topic']!r} is not one of {', '.join(topics)}")
        frame = frame[frame["topic"] == args["topic"]]
    if "section" in args:
        frame = frame[frame["section"].str.startswith(args["section"])]
    if "scope" in args:
        try:
            scope = project.units.scope(args["scope"])
        except KeyError:
            raise BadParameter("scope", f"{args['scope']!r} is not a unit, alias or group") from None
        frame = frame[frame["scope_units"] == ",".join(scope.codes)]
    if "unit" in args:
        try:
            code = project.units.resolve_unit(args["unit"])
        except KeyError:
            raise BadParameter("unit", f"{args['unit']!r} is not a unit code, name or alias") from None
        frame = frame[frame["scope_units"].str.split(",").apply(lambda codes: code in codes)]
    return frame


@bp.get("/report")
def report():
    frame = _filtered()
    return jsonify({"source": SOURCE, "kinds": KINDS, "count": len(frame), "indicators": records(frame)})


@bp.get("/report.csv")
def report_csv():
    return csv_response(_filtered(), "report_indicators.csv")
