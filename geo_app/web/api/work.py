"""The work list API (/api/work): the signed-in case worker's open cases by role, soonest deadline first, with
the bucket (status) and clock counts, each line's clock light and point, and the steps the user may take on it
(cases/work.py, cases/clocks.py); the escalation table of overdue and due-soon cases per department and step
(/api/work/escalation, admin); bulk 受理 and 派遣 (/api/work/bulk, cases/bulk.py) with each case's outcome."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask import Blueprint, jsonify, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from geo_app.cases import bulk, clocks, work
from geo_app.checks import check_text, parse_number, parse_whole, shown
from geo_app.errors import BadParameter
from geo_app.web import context
from geo_app.web.api.case_params import parse_codes
from geo_app.web.auth import requires
from geo_app.web.errors import check_params, status_of

bp = Blueprint("work", __name__, url_prefix="/api")
log = logging.getLogger("geo_app.work")
PARAMS = {
    "district",
    "grid",
    "class",
    "source",
    "department",
    "status",
    "clock",
    "overdue",
    "supervised",
    "due_within_h",
    "q",
    "limit",
    "offset",
}
BULK_FIELDS = {"action", "cases"}
MAX_HOURS = 2000  # a year of working hours
MAX_Q = 100


def digit_codes(name: str, text: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or len(values) > 50 or any(not (v.isascii() and v.isdigit() and len(v) <= 20) for v in values):
        raise BadParameter(name, f"give 1 to 50 codes of ASCII digits, comma-separated, not {shown(text)}")
    return values


def filters(args, page: bool = False) -> work.Filters:
    """The /api/work filters of a request (the page's URL has the same ones, and the page's language), checked. An
    empty value is no filter: the page's 筛选 form sends every field, filled in or not."""
    pairs = args.items(multi=True) if isinstance(args, MultiDict) else args.items()
    args = MultiDict([(k, v) for k, v in pairs if v.strip()])
    check_params(args, PARAMS | {"lang"} if page else PARAMS)
    catalog = context.project().cases
    f = work.Filters()
    if "district" in args:
        f.district = digit_codes("district", args["district"])
    if "grid" in args:
        f.grid = digit_codes("grid", args["grid"])
    if "class" in args:
        f.service_code = parse_codes("class", args["class"], catalog.classes)
    if "source" in args:
        f.source = parse_codes("source", args["source"], catalog.sources)
    if "department" in args:
        f.department = parse_codes("department", args["department"], catalog.departments)
    if "status" in args:
        f.status = parse_codes("status", args["status"], work.lifecycle.OPEN)
    if "clock" in args:
        f.clock = list(dict.fromkeys(parse_codes("clock", args["clock"], clocks.LEVELS)))  # each light once
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


@bp.get("/work/escalation")
@requires("admin")
def escalation():
    """The overdue and due-soon open cases per department and step: count queries only (cases/clocks.py)."""
    check_params(request.args, {"district"})
    where = {"adcode": digit_codes("district", request.args["district"])} if "district" in request.args else None
    now = datetime.now(UTC).replace(microsecond=0)
    return jsonify(clocks.escalation(context.store(), context.project().cases, now, where))


@bp.post("/work/bulk")
@requires("dispatcher")
def bulk_step():
    """Accept or dispatch many cases: each through service.act in its own transaction, each with its outcome."""
    try:
        body = request.get_json(silent=True) if request.is_json else None
    except RecursionError:  # nested deeper than the JSON decoder goes: not a bulk request
        body = None
    if not isinstance(body, dict):
        raise BadParameter(None, 'send JSON: {"action": "accept" or "dispatch", "cases": [{"id": …, "version": …}]}')
    check_params(body, BULK_FIELDS)
    items = bulk.check_request(current_user, body.get("action"), body.get("cases"))
    outcomes = bulk.act_each(context.store(), context.project(), current_user, body["action"], items)
    results = []
    for outcome in outcomes:
        line = {"index": outcome.index, "id": outcome.id, "ok": outcome.error is None}
        if outcome.error is None:
            line.update(status=outcome.case["status"], version=outcome.case["version"])
            line["department"] = outcome.case.get("department")
        else:
            error = {"status": status_of(outcome.error), "message": str(outcome.error)}
            if outcome.error.parameter is not None:
                error["parameter"] = outcome.error.parameter
            if getattr(outcome.error, "allowed", None) is not None:
                error["allowed_actions"] = outcome.error.allowed
            line["error"] = error
        results.append(line)
    done = sum(r["ok"] for r in results)
    log.info("bulk %s by %s: %d done, %d refused", body["action"], current_user.name, done, len(results) - done)
    return jsonify({"action": body["action"], "done": done, "refused": len(results) - done, "results": results})
