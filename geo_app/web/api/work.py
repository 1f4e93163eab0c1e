"""The work list API (/api/work): the signed-in case worker's open cases by role, soonest deadline first, with
the bucket (status) counts and the steps the user may take on each line (cases/work.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from geo_app.cases import work
from geo_app.checks import check_text, parse_number, parse_whole, shown
from geo_app.errors import BadParameter
from geo_app.web import context
from geo_app.web.api.case_params import parse_codes
from geo_app.web.auth import requires
from geo_app.web.errors import check_params

bp = Blueprint("work", __name__, url_prefix="/api")
PARAMS = {
    "district",
    "grid",
    "class",
    "source",
    "status",
    "overdue",
    "supervised",
    "due_within_h",
    "q",
    "limit",
    "offset",
}
MAX_HOURS = 2000  # a year of working hours
MAX_Q = 100


def _digit_codes(name: str, text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or len(values) > 50 or any(not (v.isascii() and v.isdigit() and len(v) <= 20) for v in values):
        raise BadParameter(name, f"give 1 to 50 codes of ASCII digits, comma-separated, not {shown(text)}")
    return values


def filters(args, page: bool = False) -> work.Filters:
    """The /api/work filters of a request (the page's URL has the same ones, and the page's language), checked."""
    check_params(args, PARAMS | {"lang"} if page else PARAMS)
    catalog = context.project().cases
    f = work.Filters()
    if "district" in args:
        f.district = _digit_codes("district", args["district"])
    if "grid" in args:
        f.grid = _digit_codes("grid", args["grid"])
    if "class" in args:
        f.service_code = parse_codes("class", args["class"], catalog.classes)
    if "source" in args:
        f.source = parse_codes("source", args["source"], catalog.sources)
    if "status" in args:
        f.status = parse_codes("status", args["status"], work.lifecycle.OPEN)
    for name in ("overdue", "supervised"):
        if name in args:
            if args[name] not in ("true", "false"):
                raise BadParameter(name, f"{shown(args[name])} is not true or false")
            setattr(f, name, args[name] == "true")
    if "due_within_h" in args:
        hours = parse_number("due_within_h", args["due_within_h"].strip())
        if not 0 <= hours <= MAX_HOURS:
            raise BadParameter("due_within_h", f"{hours:g} is outside 0..{MAX_HOURS} working hours")
        f.due_within_h = hours
    if "q" in args:
        f.q = check_text("q", args["q"], MAX_Q, lines=False) or None
    if "limit" in args:
        f.limit = parse_whole("limit", args["limit"], 1, work.MAX_LIMIT)
    if "offset" in args:
        f.offset = parse_whole("offset", args["offset"], 0, work.MAX_OFFSET)
    return f


@bp.get("/work")
@requires("dispatcher", "handler", "supervisor")
def work_list():
    found = work.work(context.store(), current_user, filters(request.args), context.project())
    return jsonify({"user": current_user.name, "role": current_user.role, **found})
