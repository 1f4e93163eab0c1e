"""The work list page (/work, 工作台): the signed-in case worker's open cases (cases/work.py, the same filters as
/api/work, kept in the URL), bucket tabs and clock chips (超期, 即将超期, 正常) with their counts, each line with its
clock light and text, linking to the case on /grid and with the steps the user may take done from the list
(static/js/work.js posts them to /api/cases/<id>/actions); a step that needs a reason opens the case instead.
A dispatcher selects lines and accepts or dispatches them at once (/api/work/bulk, static/js/work_bulk.js), and
a map beside the list shows the page's cases coloured by clock (static/js/work_map.js). An admin has a second
view, the escalation table (view=escalation: overdue and due-soon cases per department and step).
A step that needs a note or a photo opens the case too; the 督办 flag and a pending request are shown on the lines,
and a dispatcher sees how many reports wait for their 核实 (read only)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request, url_for
from flask_login import current_user

from geo_app import crs
from geo_app.cases import bulk, clocks, lifecycle, work, workclock
from geo_app.errors import BadParameter, Forbidden
from geo_app.web import context, i18n
from geo_app.web.api.work import digit_codes, filters
from geo_app.web.pages.assets import PREFIX
from geo_app.web.pages.page import SUZHOU_CENTRE, chosen_basemap
from geo_app.web.pages.page import _has_demo as has_demo

DEFAULT_LIMIT = 50
VIEWS = ("list", "escalation")
FILTERS = {
    "q",
    "district",
    "grid",
    "class",
    "source",
    "department",
    "overdue",
    "supervised",
    "due_within_h",
}  # the form's
# what the page's scripts say, in the page's language
SCRIPT_TEXTS = (
    "page.work.clock.overdue",
    "page.work.clock.soon",
    "page.work.clock.on_time",
    "page.work.bulk.done_line",
    "page.work.bulk.refused_line",
    "page.work.bulk.summary",
    "page.work.bulk.refused_all",
    "case.refusal.400",
    "case.refusal.401",
    "case.refusal.403",
    "case.refusal.404",
    "case.refusal.409",
    "case.refusal.429",
    "case.refusal.other",
    "case.status.accepted",
    "case.status.dispatched",
)


def work_page() -> str:
    view = request.args.get("view", "list")
    if view not in VIEWS:
        raise BadParameter("view", f"{view!r} is not one of {', '.join(VIEWS)}")
    if view == "escalation" and current_user.role != "admin":
        raise Forbidden("view", f"the escalation table is the admin's; {current_user.name} is {current_user.role}")
    if view == "escalation":
        return escalation_page()
    args = {k: v for k, v in request.args.items() if k not in ("view", "basemap")}
    f = filters(args, page=True)
    basemap = chosen_basemap()
    project = context.project()
    found = work.work(context.store(), current_user, f, project)
    catalog = project.cases
    kept = {k: v for k, v in request.args.items() if k not in ("status", "offset", "lang")}
    kept_clock = {k: v for k, v in request.args.items() if k not in ("clock", "overdue", "offset", "lang")}
    # the bar is there for whoever may take the steps, also over an empty list that a live update fills
    bulk_actions = list(bulk.ACTIONS) if current_user.role in ("admin", "dispatcher") else []
    return render_template(
        "work.html",
        page="work",
        found=found,
        chosen=request.args.get("status"),
        chosen_clock=request.args.get("clock"),
        kept=kept,
        kept_clock=kept_clock,
        kept_api={k: v for k, v in args.items() if k != "lang"},
        filtered=any(args.get(name, "").strip() for name in FILTERS),
        page_view="list",
        args=request.args,
        classes=catalog.classes,
        sources=catalog.sources,
        departments=catalog.departments,
        demo=any(c.get("demo") for c in found["cases"]),
        next_offset=f.offset + f.limit if f.offset + f.limit < found["total"] else None,
        prev_offset=max(0, f.offset - f.limit) if f.offset else None,
        # a step that needs a reason (不予立案, 返工, 延期, ...) is never one click: it opens the case, whose panel asks
        # for one and a confirmation; so does a step that needs a photo (核实) or a note (督办)
        with_reason=set(lifecycle.REASONS),
        bulk_actions=bulk_actions,
        # 核查通过,结案 is final: the supervisor closes a case from its panel, with the handler's photos in view
        opens_case={*lifecycle.PHOTO_REQUIRED, *lifecycle.NOTE_REQUIRED, "verify"},
        beijing=beijing,
        map_config=_map_config(found["cases"], basemap),
        leaflet_js=f"{PREFIX}/leaflet/leaflet.js",
        leaflet_css=f"{PREFIX}/leaflet/leaflet.css",
    )


def _map_config(cases: list[dict], basemap) -> dict:
    """What static/js/work_map.js draws: the basemap's tiles and the page's cases in the basemap's system."""
    points = []
    for case in cases:
        if case["lon"] is None:
            continue
        lon, lat = case["lon"], case["lat"]
        if basemap.crs != crs.WGS84:
            x, y = crs.convert(lon, lat, crs.WGS84, basemap.crs)
            lon, lat = float(x), float(y)
        points.append({"id": case["id"], "lon": lon, "lat": lat, "clock": case["clock"]})
    return {
        "centre": list(SUZHOU_CENTRE),
        "tiles": [{"url": url, "attribution": attribution, **options} for url, attribution, options in basemap.tiles],
        "points": points,
        "strings": {key: i18n.t(key) for key in SCRIPT_TEXTS},
        "bulkUrl": url_for("work.bulk_step"),
    }


def escalation_page() -> str:
    """The admin's escalation table: rows departments, columns steps, overdue and due-soon counts linking to the
    filtered list."""
    args = request.args
    unknown = sorted(set(args) - {"view", "lang", "district"})
    if unknown:
        raise BadParameter(unknown[0], "unknown parameter; the escalation view takes district and lang")
    where = {"adcode": digit_codes("district", args["district"])} if "district" in args else None
    now = datetime.now(UTC).replace(microsecond=0)
    table = clocks.escalation(context.store(), context.project().cases, now, where)
    return render_template(
        "work_escalation.html",
        page="work",
        table=table,
        page_view="escalation",
        district=args.get("district"),
        as_of=beijing(table["as_of"]),
        demo=has_demo(),
    )


def beijing(stamp: str | None) -> str:
    """A stored UTC time as the staff read it: Beijing time to the minute."""
    if not stamp:
        return ""
    return lifecycle.parse_stamp(stamp).astimezone(workclock.BEIJING).strftime("%Y-%m-%d %H:%M")
