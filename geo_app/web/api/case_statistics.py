"""/api/cases/statistics: case indicators per district, class, source or month, for a scope and a period, with the
report's own figures beside them when (and only when) the scope and the period are the report's, and what each
figure counts (`definitions`, both languages); /api/cases/statistics.csv and .xlsx: the same as a spreadsheet
(exports.py); /api/cases/heat: cases per 1 km cell for a heat layer (heat.py)."""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, Response, jsonify, request, url_for

from geo_app import crs, texts
from geo_app.cases import heat, statistics
from geo_app.cases.statistics import GROUPINGS, REPORT_FIGURES, REPORT_PERIOD, STEPS, Selection
from geo_app.errors import BadParameter, NotFound
from geo_app.features.query import parse_bbox, parse_crs
from geo_app.features.statistics import STATS_TABLE
from geo_app.project.case_classes import SOURCES
from geo_app.web import context, i18n
from geo_app.web.api import exports
from geo_app.web.errors import check_params

bp = Blueprint("cases_statistics", __name__)

URBAN_GROUP = "市区"
SCOPES = ("urban", "city_platform")  # named in the catalogue: case.scope.<scope>, case.scope_note.<scope>
PARAMS = {"scope", "period", "district", "grid", "class", "source", "by"}
_PERIOD = re.compile(r"^(20\d\d)(?:(H[12])|(Q[1-4])|-(0[1-9]|1[0-2]))?$")
_GRID = re.compile(r"^[0-9]{15}$")
DEMO_NOTICE = (
    "示例数据 Demo data: the cases are generated for demonstration (calibrated to the report's totals), not official."
)


def months_of(period: str) -> tuple[str, ...]:
    """'2018H1' -> ('2018-01', ..., '2018-06'); also 2018, 2018Q2, 2018-03."""
    match = _PERIOD.match(period)
    if not match:
        raise BadParameter("period", f"{period!r} is not a period such as 2018H1, 2018Q2, 2018-03 or 2018")
    year, half, quarter, month = match.groups()
    if month:
        numbers = [int(month)]
    elif half:
        numbers = list(range(1, 7)) if half == "H1" else list(range(7, 13))
    elif quarter:
        first = 3 * int(quarter[1]) - 2
        numbers = list(range(first, first + 3))
    else:
        numbers = list(range(1, 13))
    return tuple(f"{year}-{m:02d}" for m in numbers)


def parse(args) -> tuple[str, str, Selection, str]:
    """scope, period, the selection and the grouping of a request (400/404 naming the parameter)."""
    check_params(args, PARAMS)
    project, store = context.project(), context.store()
    scope = args.get("scope", "urban")
    if scope not in SCOPES:
        raise BadParameter("scope", f"{scope!r} is not one of {', '.join(SCOPES)}")
    period = args.get("period", REPORT_PERIOD)
    by = args.get("by", "district")
    if by not in (*GROUPINGS, "none"):
        raise BadParameter("by", f"{by!r} is not one of {', '.join(GROUPINGS)}, none")
    members = tuple(project.units.groups[URBAN_GROUP]["members"])
    adcodes = members
    if "district" in args:
        try:
            code = project.units.resolve_unit(args["district"])
        except KeyError:
            raise NotFound("district", f"unknown district {args['district']!r}") from None
        if code not in members:
            raise BadParameter(
                "district",
                f"{code} is not one of the {URBAN_GROUP} districts the platforms cover ({', '.join(members)})",
            )
        adcodes = (code,)
    grid = args.get("grid")
    if grid is not None:
        if not _GRID.match(grid):
            raise BadParameter("grid", f"{grid!r} is not a 15-digit grid code")
        if not store.count("grids", where={"code": grid}):
            raise NotFound("grid", f"no grid {grid!r}")
    service = args.get("class")
    if service is not None and service not in project.cases:
        raise BadParameter(
            "class",
            f"{service!r} is not a case class (see /api/cases/classes), e.g. "
            f"{', '.join(list(project.cases.classes)[:5])}",
        )
    source = args.get("source")
    if source is not None and source not in SOURCES:
        raise BadParameter("source", f"{source!r} is not one of {', '.join(SOURCES)}")
    selection = Selection(
        months=months_of(period),
        adcodes=adcodes,
        service_code=service,
        source=source,
        sources=statistics.CITY_PLATFORM_SOURCES if scope == "city_platform" else None,
        grid_code=grid,
    )
    return scope, period, selection, by


def answer(args) -> dict:
    """The statistics a request asks for (the API's answer; the pages show the same)."""
    scope, period, selection, by = parse(args)
    project, store = context.project(), context.store()
    statistics.fresh(store, project.cases)
    rows = statistics.summary_rows(store, selection, project.cases)
    total = statistics.figures(rows)
    groups = statistics.grouped(rows, by) if by != "none" else []
    if by == "district":
        _add_density(groups, store)
    _add_names(groups, by, project)
    whole_scope = not any(args.get(k) for k in ("district", "grid", "class", "source"))
    return {
        "scope": {"code": scope, **texts.both(f"case.scope.{scope}"), **texts.both(f"case.scope_note.{scope}", "note")},
        "period": period,
        "months": list(selection.months),
        "by": by,
        "filters": {k: args.get(k) for k in ("district", "grid", "class", "source") if args.get(k)},
        "total": total,
        "groups": groups,
        "report": report_beside(total, scope) if whole_scope and period == REPORT_PERIOD else [],
        "steps": {step: texts.both(f"case.step.{step}") for step in STEPS},
        "definitions": statistics.definitions(),
        "data_notice": DEMO_NOTICE if total["demo"] else None,
    }


def report_beside(total: dict, scope: str) -> list[dict]:
    """The report's figures of the scope, each with the computed one for the same scope and period."""
    report = context.project().report.set_index("id")
    computed = {"accepted": total["accepted"], "concluded": total["concluded"], "rate": total["conclusion_rate_pct"]}
    out = []
    for name, figure_id in REPORT_FIGURES[scope].items():
        row = report.loc[figure_id]
        out.append(
            {
                "id": figure_id,
                "figure": name,
                "indicator_zh": row["indicator_zh"],
                "indicator_en": row["indicator_en"],
                "report_value": float(row["value"]),
                "unit": row["base_unit"],
                "computed": computed[name],
                "scope": row["scope"],
                "period": row["period"],
                "section": row["section"],
            }
        )
    return out


def _add_density(groups: list[dict], store) -> None:
    areas = store.read(STATS_TABLE, columns=["code", "area_km2"]).set_index("code")["area_km2"]
    for group in groups:
        area = areas.get(group["key"])
        group["area_km2"] = None if area is None or area != area else float(area)
        group["reported_per_km2"] = round(group["reported"] / area, 3) if group["area_km2"] else None


def _add_names(groups: list[dict], by: str, project) -> None:
    for group in groups:
        key = group["key"]
        if by == "district" and key in project.units.units:
            unit = project.units.units[key]
            group["name_zh"], group["name_en"] = unit.name_zh, unit.name_en
        elif by == "class" and key in project.cases:
            group["name_zh"], group["name_en"] = project.cases[key].name_zh, project.cases[key].name_en
        elif by == "source" and key in project.cases.sources:
            group["name_zh"], group["name_en"] = (
                project.cases.sources[key]["name_zh"],
                project.cases.sources[key]["name_en"],
            )
        else:
            group["name_zh"] = group["name_en"] = key


@bp.get("/api/cases/statistics")
def case_statistics():
    return jsonify(answer(request.args))


@bp.get("/api/cases/statistics.csv", defaults={"fmt": "csv"})
@bp.get("/api/cases/statistics.xlsx", defaults={"fmt": "xlsx"})
def case_statistics_export(fmt: str):
    """The statistics as a spreadsheet: the groups and the total, headers in the language of `lang`, the notes
    (source, period, scope, definitions, the report's figures when beside) with them."""
    args = request.args.copy()
    lang = exports.language(args)
    args.pop("lang", None)
    scope, period, selection, by = parse(args)
    project = context.project()
    bound = {
        "district": len(selection.adcodes or ()),
        "class": len(project.cases.classes),
        "source": len(SOURCES),
        "month": len(selection.months),
        "none": 0,
    }[by]
    exports.check_rows(bound + 1, "the statistics", "by=none, district, source or month")
    found = answer(args)
    return exports.response(statistics_table(found, args, lang), fmt, lang, f"case_statistics_{period}_{by}")


def statistics_table(found: dict, args, lang: str) -> exports.Table:
    """An answer of the statistics as an export's table: a line per group and the total, with its notes."""
    by = found["by"]
    columns = [
        exports.Column("key", texts.text(f"export.column.key.{by}", lang)),
        exports.Column("name", texts.text("export.column.name", lang)),
    ]
    for code, figure in statistics.FIGURES.items():
        name = texts.text(f"case.figure.{code}", lang)
        if figure.unit == "cases":
            columns.append(exports.Column(code, name, "int"))
        elif figure.unit == "%":
            columns.append(exports.Column(code, texts.text("export.column.percent", lang, name=name), "float"))
    for step in STEPS:
        step_name = texts.text(f"case.step.{step}", lang)
        columns.append(
            exports.Column(f"median_{step}", texts.text("export.column.median", lang, step=step_name), "float")
        )
    if by == "district":
        columns.append(exports.Column("reported_per_km2", texts.text("export.column.per_km2", lang), "float"))
    scope_name = found["scope"][f"name_{lang}"]
    lines = [
        {**g, "name": g[f"name_{lang}"], **{f"median_{s}": g["median_hours"][s] for s in STEPS}}
        for g in found["groups"]
    ]
    total = found["total"]
    lines.append(
        {
            **total,
            "key": texts.text("export.total", lang),
            "name": scope_name,
            **{f"median_{s}": total["median_hours"][s] for s in STEPS},
        }
    )
    url = url_for("cases_statistics.case_statistics", **args)
    months = found["months"]
    notes = [
        (texts.text("export.meta.title", lang), texts.text("export.statistics", lang)),
        (texts.text("export.meta.source", lang), texts.text("export.meta.source_statistics", lang, url=url)),
        (
            texts.text("export.meta.period", lang),
            texts.text(
                "export.meta.period_value",
                lang,
                period=i18n.period(found["period"], lang),
                first=months[0],
                last=months[-1],
            ),
        ),
        (texts.text("export.meta.scope", lang), f"{scope_name} · {found['scope'][f'note_{lang}']}"),
        (
            texts.text("export.meta.filters", lang),
            ", ".join(f"{k}={v}" for k, v in found["filters"].items()) or texts.text("export.none", lang),
        ),
        (texts.text("export.meta.exported", lang), exports.now_beijing()),
        (texts.text("export.meta.times", lang), texts.text("export.meta.times_value", lang)),
        (
            texts.text("export.meta.working_clock", lang),
            f"{texts.text('case.time.working', lang)}; {statistics.WORKING_CALENDAR['source']}",
        ),
    ]
    if found["data_notice"]:
        notes.append((texts.text("export.meta.demo", lang), texts.text("page.districts.cases.notice", lang)))
    for figure in found["report"]:
        value = f"{figure['report_value']:,g}"
        notes.append(
            (
                texts.text("export.meta.report", lang),
                texts.text(
                    "export.meta.report_value",
                    lang,
                    indicator=figure[f"indicator_{lang}"],
                    report=value,
                    computed=f"{figure['computed']:,g}" if figure["computed"] is not None else "–",
                    section=f"{figure['id']}, {figure['section']}",
                ),
            )
        )
    definitions = found["definitions"]
    for code, figure in statistics.FIGURES.items():
        if code == "reported_per_km2" and by != "district":
            continue
        entry = definitions[code]
        text = entry[f"definition_{lang}"]
        if figure.time:
            text += f" [{texts.text('export.meta.clock', lang)}: {entry[f'time_{lang}']}]"
        notes.append((texts.text("export.meta.definition", lang, name=entry[f"name_{lang}"]), text))
    for step, entry in definitions["median_hours"]["steps"].items():
        header = next(c.header for c in columns if c.key == f"median_{step}")
        notes.append((texts.text("export.meta.definition", lang, name=header), entry[f"definition_{lang}"]))
    period = definitions["period"]
    notes.append(
        (texts.text("export.meta.definition", lang, name=period[f"name_{lang}"]), period[f"definition_{lang}"])
    )
    return exports.Table(texts.text("export.statistics_sheet", lang), columns, lines, notes)


HEAT_PARAMS = {"period", "class", "bbox", "crs"}


@bp.get("/api/cases/heat")
def case_heat():
    """Cases per 1 km cell (EPSG:4549) over a period, one class or all, as [lat, lon, count] for a heat layer."""
    args = request.args
    check_params(args, HEAT_PARAMS)
    project, store = context.project(), context.store()
    period = args.get("period", REPORT_PERIOD)
    months = months_of(period)
    service = args.get("class")
    if service is not None and service not in project.cases:
        raise BadParameter("class", f"{service!r} is not a case class (see /api/cases/classes)")
    output_crs = parse_crs(args.get("crs"))
    bbox = parse_bbox(args["bbox"]) if "bbox" in args else None
    if bbox:
        heat.check_bbox(bbox)
    statistics.fresh(store, project.cases)
    etag = f"{store.table_version(heat.CELLS)}-{hashlib.sha1(str(sorted(args.items())).encode()).hexdigest()[:16]}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        answer = heat.heat(store, months, service, bbox, output_crs)
        response = jsonify(
            {
                **answer,
                "period": period,
                "months": list(months),
                "class": service,
                "crs": output_crs,
                "cell_size_m": heat.CELL_M,
                "definition": f"cases reported per {heat.CELL_M // 1000} km × {heat.CELL_M // 1000} km "
                f"cell of EPSG:{crs.METRIC_EPSG} (cases per km²), at the cell's centre",
                "data_notice": DEMO_NOTICE if answer["demo"] else None,
            }
        )
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "no-cache"
    return response
