"""The cases API (/api/cases): classes, search, report (anonymous public reports allowed, rate-limited), one case,
its steps, its photos, and a grid's queue. Reading is public, but who reported, who acted and the steps' notes are
shown to logged-in users only."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_login import current_user

from geo_app import crs, texts
from geo_app.auth import users
from geo_app.cases import attributes, lifecycle, photos, service, workclock
from geo_app.cases.lifecycle import parse_time
from geo_app.checks import parse_number, parse_whole
from geo_app.errors import BadParameter, Forbidden, NotFound
from geo_app.features.query import parse_bbox, parse_crs
from geo_app.web import context
from geo_app.web.api.case_params import parse_codes, parse_coordinate
from geo_app.web.auth import requires
from geo_app.web.errors import check_params, error_body, refuse_repeats

bp = Blueprint("cases", __name__, url_prefix="/api")
SEARCH_PARAMS = {"bbox", "status", "service_code", "grid_code", "adcode", "since", "until", "limit", "offset"}
REPORT_FIELDS = {"service_code", "lon", "lat", "crs", "description", "address", "source", "csrf_token"}
ACTION_FIELDS = {"action", "note", "reason", "version", "department", "hours", "csrf_token"}
MAX_REPORT_BYTES = photos.MAX_PER_CASE * photos.MAX_BYTES + 64 * 1024  # a report's, or a step's (核实) photos


def _user():
    return current_user if current_user.is_authenticated else None


# the bureau's own case workers: they see who reported and acted, the steps' notes and private answers
CASE_STAFF = ("admin", "dispatcher", "handler", "supervisor")


def is_case_staff() -> bool:
    user = _user()
    return user is not None and user.role in CASE_STAFF


def _photos_private(service_code: str) -> bool:
    catalog = context.project().cases
    return service_code in catalog and attributes.private_photos(catalog[service_code].attributes)


def shown(case: dict) -> dict:
    """A case as this request may see it: photo URLs added; reporter, actors, the steps' notes (a note may name
    people or addresses) and private attributes (a plate number) only for the bureau's case staff, not for the
    public, planners or partner systems (12345, 110)."""
    for picture in case.get("photos", []):
        picture["url"] = url_for("cases.case_photo", case_id=case["id"], photo_id=picture["photo_id"])
    if not is_case_staff() and _photos_private(case["service_code"]):
        case["photos"] = []
    if not is_case_staff():
        case.pop("reporter", None)
        catalog = context.project().cases
        if case.get("attributes") and case["service_code"] in catalog:
            case["attributes"] = attributes.public(catalog[case["service_code"]].attributes, case["attributes"])
        for event in case.get("history", []):
            event["actor"] = event["note"] = None
        for part in ("pending_request", "supervision"):  # who asked or flagged, and their words: staff only
            if case.get(part):
                case[part] = {**case[part], "actor": None, "note": None}
    return case


@bp.get("/cases/classes")
def classes():
    check_params(request.args, set())
    catalog = context.project().cases
    return jsonify(
        {
            "classes": [c.as_dict() for c in catalog.classes.values()],
            "departments": catalog.departments,
            "sources": catalog.sources,
            "statuses": [
                {"code": s, **texts.both(f"case.status.{s}"), "final": s in lifecycle.FINAL} for s in lifecycle.STATUSES
            ],
            "actions": [
                {"action": a.name, "from": source, "to": target, "role": a.role, "when": a.when}
                for a in lifecycle.ACTIONS.values()
                for source, target in a.moves.items()
            ]
            + [
                {"action": name, "from": source, "to": target, "role": lifecycle.ACTIONS[name].role, "when": when}
                for name, source, target, when in lifecycle.CONDITIONAL_MOVES
            ],
            "to_confirm": list(lifecycle.TO_CONFIRM),
            "requests": list(lifecycle.REQUESTS),
            "note_required": list(lifecycle.NOTE_REQUIRED),
            "photo_required": list(lifecycle.PHOTO_REQUIRED),
            "hours": list(lifecycle.HOURS),
            "reasons": {
                action: [{"code": code, **texts.both(f"case.reason.{action}.{code}")} for code in codes]
                for action, codes in lifecycle.REASONS.items()
            },
            "dispatch_h": catalog.dispatch_h,
            "dispatch_source": catalog.dispatch_source,
            "confirm_h": catalog.confirm_h,
            "confirm_source": catalog.confirm_source,
            "extension_max_h": catalog.extension_max_h,
            "about": catalog.about,
            "working_calendar": workclock.WORKING_CALENDAR,
        }
    )


def search_filters(args) -> dict:
    """The /api/cases filters of a request, checked."""
    catalog = context.project().cases
    filters = {}
    if "bbox" in args:
        filters["bbox"] = parse_bbox(args["bbox"])
    if "status" in args:
        filters["status"] = parse_codes("status", args["status"], lifecycle.STATUSES)
    if "service_code" in args:
        filters["service_code"] = parse_codes("service_code", args["service_code"], catalog.classes)
    for name in ("grid_code", "adcode"):
        if name in args:
            values = [v.strip() for v in args[name].split(",") if v.strip()]
            if not values or any(not (v.isascii() and v.isdigit() and len(v) <= 20) for v in values):
                raise BadParameter(name, f"give codes of ASCII digits, comma-separated, not {args[name][:40]!r}")
            filters[name] = values
    for name in ("since", "until"):
        if name in args:
            filters[name] = parse_time(name, args[name])
    filters["limit"] = parse_whole("limit", args["limit"], 1, service.MAX_LIMIT) if "limit" in args else 100
    filters["offset"] = parse_whole("offset", args["offset"], 0, 10_000_000) if "offset" in args else 0
    return filters


@bp.get("/cases")
def search():
    check_params(request.args, SEARCH_PARAMS)
    filters = search_filters(request.args)
    found = service.search(context.store(), project=context.project(), **filters)
    return jsonify(
        {
            "cases": [shown(c) for c in found],
            "count": len(found),
            "limit": filters["limit"],
            "offset": filters["offset"],
        }
    )


def default_source(user) -> str:
    """patrol for supervisors, a partner's own line (its department: 12345 or 110), public for everyone else."""
    role = getattr(user, "role", None)
    return "patrol" if role == "supervisor" else (user.department or "12345") if role == "partner" else "public"


@bp.post("/cases")
def report():
    if (request.content_length or 0) > MAX_REPORT_BYTES:
        return error_body(
            413,
            f"the report has {request.content_length:,} bytes, more than the {MAX_REPORT_BYTES:,}"
            f" a report with {photos.MAX_PER_CASE} photos may have",
        )
    check_params([k for k in request.form if not k.startswith("attribute[")], REPORT_FIELDS)
    refuse_repeats(request.form)
    unknown_files = sorted(set(request.files) - {"photo"})
    if unknown_files:
        raise BadParameter(unknown_files[0], "unknown file field; photos are sent as `photo`")
    pictures = [
        (repr(f.filename or "photo")[:80], f.read(photos.MAX_BYTES + 1)) for f in request.files.getlist("photo")
    ]
    form = request.form
    case = service.report(
        context.store(),
        context.project(),
        service_code=(form.get("service_code") or "").strip(),
        lon=parse_coordinate("lon", form.get("lon")),
        lat=parse_coordinate("lat", form.get("lat")),
        crs=form.get("crs") or "WGS84",
        description=form.get("description", ""),
        address=form.get("address"),
        source=form.get("source") or default_source(_user()),
        reporter=_user(),
        photos=pictures,
        attributes=attributes.from_form(form),
    )
    token = service.token_of(context.store(), case["id"])
    response = jsonify({**shown(case), "token": token})
    response.status_code = 201
    response.headers["Location"] = url_for("cases.one_case", case_id=case["id"])
    return response


@bp.get("/cases/<case_id>")
def one_case(case_id: str):
    """One case; with `crs` (WGS84, GCJ02, BD09: a map's basemap) also its `position` in that system."""
    check_params(request.args, {"crs"})
    case = shown(service.get(context.store(), case_id, context.project()))
    if "crs" in request.args:
        output_crs = parse_crs(request.args["crs"])
        lon, lat = crs.convert(case["lon"], case["lat"], crs.WGS84, output_crs)
        case["position"] = {"crs": output_crs, "lon": float(lon), "lat": float(lat)}
    return jsonify(case)


@bp.get("/cases/phrases")
def reply_phrases():
    """The reply phrases (惯用语) of a class (`service_code`) and a step (`action`), both languages."""
    check_params(request.args, {"service_code", "action"})
    found = service.phrases(
        context.project(),
        service_code=(request.args.get("service_code") or "").strip() or None,
        action=(request.args.get("action") or "").strip() or None,
    )
    return jsonify({"phrases": found, "count": len(found)})


@bp.post("/cases/<case_id>/actions")
@requires("dispatcher", "handler", "supervisor")
def case_action(case_id: str):
    if (request.content_length or 0) > MAX_REPORT_BYTES:
        return error_body(
            413,
            f"the step has {request.content_length:,} bytes, more than the {MAX_REPORT_BYTES:,}"
            f" a step with {photos.MAX_PER_CASE} photos may have",
        )
    check_params(request.form, ACTION_FIELDS)
    unknown_files = sorted(set(request.files) - {"photo"})
    if unknown_files:
        raise BadParameter(unknown_files[0], "unknown file field; photos are sent as `photo`")
    pictures = [
        (repr(f.filename or "photo")[:80], f.read(photos.MAX_BYTES + 1)) for f in request.files.getlist("photo")
    ]
    form = request.form
    if not (form.get("version") or "").strip():
        raise BadParameter(
            "version",
            f"is required: send the case's `version` as you last read it "
            f"(GET {url_for('cases.one_case', case_id=case_id)}); a step on a version "
            f"you did not see is refused with 409",
        )
    version = parse_whole("version", form["version"].strip(), 1, 10**9)
    case = service.act(
        context.store(),
        context.project(),
        case_id,
        (form.get("action") or "").strip(),
        user=current_user,
        note=form.get("note", ""),
        version=version,
        department=form.get("department") or None,
        reason=form.get("reason") or None,
        hours=parse_number("hours", form["hours"].strip()) if (form.get("hours") or "").strip() else None,
        photos=pictures,
    )
    return jsonify(shown(case))


@bp.get("/cases/<case_id>/photos/<photo_id>")
def case_photo(case_id: str, photo_id: str):
    check_params(request.args, set())
    store = context.store()
    picture = service.photo(store, case_id, photo_id)
    code = store.records(service.CASES, where={"id": case_id}, columns=["service_code"], geometry=False)
    if not is_case_staff() and code and _photos_private(code[0]["service_code"]):
        raise Forbidden("photo", "this class's photos may show a plate number: the bureau's case staff only")
    return Response(
        picture["data"],
        content_type=picture["content_type"],
        headers={"Cache-Control": "private, max-age=86400", "Content-Disposition": "inline"},
    )


@bp.get("/grids/<code>/queue")
def grid_queue(code: str):
    check_params(request.args, {"limit"})
    limit = parse_whole("limit", request.args["limit"], 1, service.MAX_LIMIT) if "limit" in request.args else 100
    store = context.store()
    if not store.count(service.GRIDS_LAYER, where={"code": code}):
        raise NotFound("code", f"no grid with code {code[:40]!r}")
    cases, count, overdue = service.queue(store, code, context.project(), limit=limit)
    return jsonify(
        {"grid": code, "count": count, "overdue": overdue, "returned": len(cases), "cases": [shown(c) for c in cases]}
    )


def limit_partner_writes(app, endpoint: str) -> None:
    """Reports sent with an `api_key` (Open311: a partner's token, not a login) count against that user's
    RATE_LIMIT_WRITES, as the same user's reports to /api/cases do: a leaked key cannot flood the queue."""
    limiter = next(iter(app.extensions["limiter"]))

    def key() -> str:
        user = users.by_token(context.store(), request.form.get("api_key", ""))
        return f"user:{user.name}" if user is not None else "api_key:unknown"

    app.view_functions[endpoint] = limiter.shared_limit(
        lambda: str(current_app.config["RATE_LIMIT_WRITES"]),
        scope="writes",
        key_func=key,
        methods=["POST"],
        exempt_when=lambda: not request.form.get("api_key"),
    )(app.view_functions[endpoint])


def limit_reports(app, endpoint: str, exempt_when) -> None:
    """Reports count against RATE_LIMIT_REPORTS per client address (besides the general limits), unless
    `exempt_when()` says the request is made by a known user. One budget for every endpoint that takes reports
    (a shared limit): a client cannot double it by posting half to /api/cases and half to Open311."""
    limiter = next(iter(app.extensions["limiter"]))
    app.view_functions[endpoint] = limiter.shared_limit(
        lambda: str(current_app.config["RATE_LIMIT_REPORTS"]),
        scope="reports",
        methods=["POST"],
        exempt_when=exempt_when,
    )(app.view_functions[endpoint])
