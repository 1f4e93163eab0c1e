"""The work list page (/work, 工作台): the signed-in case worker's open cases (cases/work.py, the same filters as
/api/work, kept in the URL), bucket tabs with their counts, each line linking to the case on /grid and with the
steps the user may take done from the list (static/js/work.js posts them to /api/cases/<id>/actions); a step
that needs a reason, a note or a photo opens the case instead. The 督办 flag and a pending request are shown on
the lines, and a dispatcher sees how many reports wait for their 核实 (read only)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from geo_app.cases import lifecycle, work, workclock
from geo_app.web import context
from geo_app.web.api.work import filters

DEFAULT_LIMIT = 50


def work_page() -> str:
    f = filters(request.args, page=True)
    project = context.project()
    found = work.work(context.store(), current_user, f, project)
    catalog = project.cases
    kept = {k: v for k, v in request.args.items() if k not in ("status", "offset", "lang")}
    return render_template(
        "work.html",
        page="work",
        found=found,
        chosen=request.args.get("status"),
        kept=kept,
        args=request.args,
        classes=catalog.classes,
        sources=catalog.sources,
        demo=any(c.get("demo") for c in found["cases"]),
        next_offset=f.offset + f.limit if f.offset + f.limit < found["total"] else None,
        prev_offset=max(0, f.offset - f.limit) if f.offset else None,
        # a step that needs a reason (不予立案, 返工, 延期, ...) is never one click: it opens the case, whose panel asks
        # for one and a confirmation; so does a step that needs a photo (核实) or a note (督办)
        with_reason=set(lifecycle.REASONS),
        opens_case={*lifecycle.PHOTO_REQUIRED, *lifecycle.NOTE_REQUIRED},
        beijing=beijing,
    )


def beijing(stamp: str | None) -> str:
    """A stored UTC time as the staff read it: Beijing time to the minute."""
    if not stamp:
        return ""
    return lifecycle.parse_stamp(stamp).astimezone(workclock.BEIJING).strftime("%Y-%m-%d %H:%M")
