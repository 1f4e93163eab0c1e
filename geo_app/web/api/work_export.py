"""The work list as a spreadsheet: /api/work.csv and /api/work.xlsx take the filters of /api/work (work.py) and give
every line of the signed-in case worker's list (at most exports.MAX_ROWS, refused with 422 before it is read), with
headers in the language of `lang`, times in Beijing time and the notes (who, when, which filters, what the hours
count) beside it (exports.py)."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, request, url_for
from flask_login import current_user

from geo_app import texts
from geo_app.cases import work
from geo_app.errors import BadParameter
from geo_app.web import context
from geo_app.web.api import exports
from geo_app.web.api.work import filters
from geo_app.web.auth import requires

bp = Blueprint("work_export", __name__, url_prefix="/api")
COLUMNS = [  # (key of a line, kind); the headers are export.column.<key>
    ("id", "text"),
    ("status", "text"),
    ("service_code", "text"),
    ("service_name", "text"),
    ("source", "text"),
    ("adcode", "text"),
    ("district", "text"),
    ("grid_code", "text"),
    ("department", "text"),
    ("description", "text"),
    ("address", "text"),
    ("reported_at", "time"),
    ("due_at", "time"),
    ("hours_left", "float"),
    ("overdue", "text"),
    ("clock", "text"),
    ("rework_count", "int"),
]


@bp.get("/work.csv", defaults={"fmt": "csv"})
@bp.get("/work.xlsx", defaults={"fmt": "xlsx"})
@requires("dispatcher", "handler", "supervisor")
def work_export(fmt: str):
    args = request.args.copy()
    lang = exports.language(args)
    args.pop("lang", None)
    for name in ("limit", "offset"):
        if name in args:
            raise BadParameter(name, f"an export has every line of the list (at most {exports.MAX_ROWS:,}): no {name}")
    f = filters(args)
    store, project = context.store(), context.project()
    counted = work.work(store, current_user, replace(f, limit=1, offset=0), project)  # the counts, one line read
    exports.check_rows(counted["total"], "the work list", "district, grid, class, source, status or overdue")
    found = work.work(store, current_user, replace(f, limit=max(1, counted["total"]), offset=0), project)
    return exports.response(table(found, args, lang), fmt, lang, "work_list")


def table(found: dict, args, lang: str) -> exports.Table:
    project = context.project()
    units, sources, departments = project.units.units, project.cases.sources, project.cases.departments
    lines = []
    for case in found["cases"]:
        unit = units.get(case.get("adcode"))
        source = sources.get(case.get("source"))
        lines.append(
            {
                **case,
                "status": texts.text(f"case.status.{case['status']}", lang),
                "service_name": case.get(f"service_name_{lang}"),
                "source": source[f"name_{lang}"] if source else case.get("source"),
                "district": (unit.name_en if lang == "en" else unit.name_zh) if unit else None,
                "overdue": texts.text("export.yes" if case.get("overdue") else "export.no", lang),
                "department": departments[case["department"]][f"name_{lang}"]
                if case.get("department") in departments
                else case.get("department"),
                "clock": texts.text(f"page.work.clock.{case['clock']}", lang) if case.get("clock") else None,
            }
        )
    columns = [exports.Column(key, texts.text(f"export.column.{key}", lang), kind) for key, kind in COLUMNS]
    shown = {k: v for k, v in args.items()}
    notes = [
        (texts.text("export.meta.title", lang), texts.text("export.work", lang)),
        (
            texts.text("export.meta.user", lang),
            f"{current_user.name} · {texts.text(f'auth.role.{current_user.role}', lang)}",
        ),
        (
            texts.text("export.meta.source", lang),
            texts.text("export.meta.source_work", lang, url=url_for("work.work_list", **shown)),
        ),
        (texts.text("export.meta.period", lang), texts.text("export.meta.as_of", lang)),
        (
            texts.text("export.meta.filters", lang),
            ", ".join(f"{k}={v}" for k, v in shown.items()) or texts.text("export.none", lang),
        ),
        (texts.text("export.meta.rows", lang), f"{len(lines):,}"),
        (texts.text("export.meta.exported", lang), exports.now_beijing()),
        (texts.text("export.meta.times", lang), texts.text("export.meta.times_value", lang)),
        (
            texts.text("export.meta.definition", lang, name=texts.text("export.column.hours_left", lang)),
            texts.text("case.time.working", lang),
        ),
    ]
    if any(case.get("demo") for case in found["cases"]):
        notes.append((texts.text("export.meta.demo", lang), texts.text("page.districts.cases.notice", lang)))
    return exports.Table(texts.text("export.work", lang), columns, lines, notes)
