"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2, in XML and JSON.

services (the case classes), services/{code} (a definition: the class's attributes, attributes.py), POST requests
(anonymous public reports, rate-limited; a partner system such as 12345 sends `api_key`: the API token of a user
with the role partner, whose department names its line, 12345 or 110), GET requests (service_request_id,
service_code, start_date, end_date, status; at most 90 days and 1000 requests), requests/{id}, tokens/{token}
(the receipt a public report gets from /api/cases), discovery. Errors are the specification's list of
{code, description}. Statuses: open until 结案 or 不予立案, then closed; status_notes names the status as staff say it (待核查)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from flask import Blueprint, Response, g, json, request, url_for
from werkzeug.exceptions import HTTPException

from geo_app import texts
from geo_app.auth import users
from geo_app.cases import attributes, lifecycle, service
from geo_app.cases.lifecycle import parse_time
from geo_app.cases.tables import CASES, PHOTOS
from geo_app.checks import parse_number
from geo_app.errors import BadParameter, DomainError, Forbidden, NotFound
from geo_app.web import context
from geo_app.web.api.case_params import parse_codes
from geo_app.web.auth.csrf import exempt
from geo_app.web.errors import refuse_repeats, status_of
from geo_app.web.links import public_url

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
JURISDICTION = "suzhou.gov.cn"
FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
MAX_SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
POST_FIELDS = {
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
}
STAMPS = ("reported_at", "accepted_at", "registered_at", "dispatched_at", "handled_at", "closed_at")


# ---- output ----

# characters XML 1.0 cannot carry (ElementTree writes them anyway, and the whole document is then unreadable)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _xml_value(parent, key: str, value) -> None:
    element = ElementTree.SubElement(parent, key)
    if isinstance(value, list):
        item = {"attributes": "attribute", "values": "value"}.get(key, key[:-1])
        for entry in value:
            if isinstance(entry, dict):
                _xml_object(element, item, entry)
            else:
                ElementTree.SubElement(element, item).text = _xml_text(entry)
    elif isinstance(value, dict):  # a request's attributes: <code>answer</code>, a list as <value> items
        for code, given in value.items():
            child = ElementTree.SubElement(element, code)
            for item in given if isinstance(given, list) else []:
                ElementTree.SubElement(child, "value").text = _xml_text(item)
            child.text = None if isinstance(given, list) else _xml_text(given)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _xml_text(value)


def _xml_object(parent, tag: str, record: dict) -> None:
    element = ElementTree.SubElement(parent, tag)
    for key, value in record.items():
        _xml_value(element, key, value)


def answer(root: str, item: str, records, status: int = 200, fmt: str | None = None) -> Response:
    """A list of records as the specification writes it: <root><item>…</item></root>, or a JSON array
    (a single object for a service definition: records is then a dict)."""
    fmt = fmt or g.get("open311_format", "json")
    if fmt == "json":
        body = json.dumps(records, ensure_ascii=False)
    else:
        top = ElementTree.Element(root)
        if isinstance(records, dict):
            for key, value in records.items():
                _xml_value(top, key, value)
        else:
            for record in records:
                _xml_object(top, item, record)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(top, encoding="unicode")
    return Response(body, status=status, content_type=FORMATS[fmt])


def spec_status(status: int) -> int:
    """The specification's errors are 400, 403 (api_key) and 404: a request nobody signed is 403 too and any other
    refusal 400; the server's own failures keep their status."""
    return status if status in (400, 403, 404) or status >= 500 else 403 if status == 401 else 400


@bp.errorhandler(DomainError)
def error_list(exc: DomainError):
    status = spec_status(status_of(exc))
    return answer("errors", "error", [{"code": status, "description": str(exc)}], status)


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status = exc.code or 400
    return answer("errors", "error", [{"code": status, "description": exc.description or exc.name}], status)


@bp.url_value_preprocessor
def _format(endpoint, values):
    fmt = (values or {}).pop("fmt", "json")
    g.open311_format = fmt if fmt in FORMATS else "json"
    if fmt not in FORMATS:
        raise BadParameter(None, f"format {fmt[:20]!r}: use .xml or .json")
    jurisdiction = request.values.get("jurisdiction_id")
    if jurisdiction and jurisdiction != JURISDICTION:
        raise NotFound(None, f"jurisdiction_id {jurisdiction[:60]!r} not found: this endpoint serves {JURISDICTION}")


def _allow(*names: str) -> None:
    unknown = sorted(set(request.args) - set(names) - {"jurisdiction_id", "lang"})
    if unknown:
        raise BadParameter(
            None,
            f"{unknown[0][:40]}: unknown argument; this method takes "
            f"{', '.join(sorted(set(names) | {'jurisdiction_id', 'lang'}))}",
        )


def _english() -> bool:
    return request.args.get("lang") == "en"


def _lang() -> str:
    return "en" if _english() else "zh"


# ---- services ----


def _service(case_class, catalog) -> dict:
    english, lang = _english(), _lang()
    department = catalog.departments[case_class.department]
    return {
        "service_code": case_class.code,
        "service_name": case_class.name_en if english else case_class.name_zh,
        "description": texts.text(
            "open311.service_description",
            lang,
            major=case_class.major_en if english else case_class.major_zh,
            kind=texts.text(f"case.kind.{case_class.kind}", lang),
            department=department["name_en" if english else "name_zh"],
        ),
        "metadata": bool(case_class.attributes),
        "type": "realtime",
        "keywords": ", ".join((case_class.name_zh, case_class.name_en, case_class.major_zh, case_class.major_en)),
        "group": case_class.major_en if english else case_class.major_zh,
    }


@bp.get("/services.<fmt>")
def services():
    _allow()
    catalog = context.project().cases
    return answer("services", "service", [_service(c, catalog) for c in catalog.classes.values()])


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str):
    _allow()
    catalog = context.project().cases
    if code not in catalog:
        raise NotFound(None, f"service_code {code[:40]!r} not found; GET services lists them")
    return answer(
        "service_definition",
        "",
        {
            "service_code": code,
            "attributes": [
                a.definition(order, _english()) for order, a in enumerate(catalog[code].attributes, start=1)
            ],
        },
    )


@bp.get("/discovery.<fmt>")
def discovery():
    _allow()
    changed = context.store().table_version(CASES)
    return answer(
        "discovery",
        "",
        {
            "changeset": str(changed),
            "contact": "苏州市市容市政管理局 数字城管 (Suzhou city management)",
            "key_service": "API keys for partner systems: ask the bureau for a partner account",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": url_for("open311.services", fmt="json").rsplit("/", 1)[0],
                    "changeset": str(changed),
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


# ---- requests ----


def _status(case: dict) -> str:
    return "closed" if case["status"] in lifecycle.FINAL else "open"


def _request(case: dict, catalog, media: dict) -> dict:
    english = _english()
    known = case["service_code"] in catalog
    case_class = catalog[case["service_code"]] if known else None
    department = catalog.departments.get(case["department"] or "", {})
    out = {
        "service_request_id": case["id"],
        "status": _status(case),
        "status_notes": texts.text(f"case.status.{case['status']}", _lang()),
        "service_name": (case_class.name_en if english else case_class.name_zh) if case_class else None,
        "service_code": case["service_code"],
        "description": case["description"] or None,
        "agency_responsible": department.get("name_en" if english else "name_zh"),
        "service_notice": None,
        "requested_datetime": case["reported_at"],
        "updated_datetime": max(case[s] for s in STAMPS if case.get(s)),
        "expected_datetime": case["due_at"],
        "address": case["address"],
        "address_id": None,
        "zipcode": None,
        "lat": case["lat"],
        "long": case["lon"],
        "media_url": None if case_class and attributes.private_photos(case_class.attributes) else media.get(case["id"]),
    }
    answers = attributes.public(case_class.attributes, case["attributes"]) if case_class else {}
    if answers:  # not in the specification's list: the answers to the service's attributes, when there are any
        out["attributes"] = answers
    return out


def _media(case_ids: list[str]) -> dict[str, str]:
    """The first photo's URL of each case (one read for all)."""
    if not case_ids:
        return {}
    rows = context.store().read(PHOTOS, where={"case_id": case_ids}, columns=["case_id", "photo_id"])
    out = {}
    for case_id, photo_id in zip(rows["case_id"], rows["photo_id"]):
        out.setdefault(case_id, public_url("cases.case_photo", case_id=case_id, photo_id=photo_id))
    return out


def _answer_requests(cases: list[dict]) -> Response:
    catalog = context.project().cases
    media = _media([c["id"] for c in cases])
    return answer("service_requests", "request", [_request(c, catalog, media) for c in cases])


@bp.get("/requests.<fmt>")
def get_requests():
    _allow("service_request_id", "service_code", "start_date", "end_date", "status")
    args = {k: v for k, v in request.args.items() if v.strip()}  # empty = not given (the specification)
    store = context.store()
    if "service_request_id" in args:
        ids = [i.strip() for i in args["service_request_id"].split(",") if i.strip()][:MAX_REQUESTS]
        rows = store.read(CASES, where={"id": ids}, columns=["id"])
        return _answer_requests([service.get(store, case_id) for case_id in rows["id"]])
    now = datetime.now(UTC)
    end = parse_time("end_date", args["end_date"]) if "end_date" in args else None
    start = parse_time("start_date", args["start_date"]) if "start_date" in args else None
    end_moment = lifecycle.parse_stamp(end) if end else (lifecycle.parse_stamp(start) + MAX_SPAN if start else now)
    start_moment = lifecycle.parse_stamp(start) if start else end_moment - MAX_SPAN
    if end_moment - start_moment > MAX_SPAN:
        raise BadParameter(None, "start_date and end_date may span at most 90 days")
    if end_moment < start_moment:
        raise BadParameter(None, "end_date is before start_date")
    statuses = None
    if "status" in args:
        wanted = parse_codes("status", args["status"], ("open", "closed"))
        statuses = [s for s in lifecycle.STATUSES if ("closed" if s in lifecycle.FINAL else "open") in wanted]
    codes = (
        parse_codes("service_code", args["service_code"], context.project().cases.classes)
        if "service_code" in args
        else None
    )
    cases = service.search(
        store,
        status=statuses,
        service_code=codes,
        since=lifecycle.stamp(start_moment),
        until=lifecycle.stamp(end_moment + timedelta(seconds=1)),
        limit=MAX_REQUESTS,
    )
    return _answer_requests(cases)


@bp.get("/requests/<case_id>.<fmt>")
def get_request(case_id: str):
    _allow()
    return _answer_requests([service.get(context.store(), case_id)])


@bp.get("/tokens/<token>.<fmt>")
def get_token(token: str):
    _allow()
    case_id = service.by_token(context.store(), token)
    if case_id is None:
        raise NotFound(None, "token not found")
    return answer("service_requests", "request", [{"service_request_id": case_id, "token": token}])


def _partner(api_key: str):
    user = users.by_token(context.store(), api_key)
    if user is None or not user.is_active or user.role not in ("partner", "admin"):
        raise Forbidden(
            None,
            "invalid api_key: it must be the API token of an active partner account "
            "(`flask users add NAME --role partner --department 12345`, then `flask users token NAME`)",
        )
    return user


@bp.post("/requests.<fmt>")
@exempt
def post_request():
    form = request.form
    unknown = sorted(k for k in set(form) - POST_FIELDS if not k.startswith("attribute["))
    if unknown:
        raise BadParameter(None, f"{unknown[0][:40]}: unknown argument")
    refuse_repeats(form)
    if request.files:
        raise BadParameter(None, "files are not taken here: send photos with POST /api/cases")
    code = (form.get("service_code") or "").strip()
    if not code:
        raise BadParameter(None, "service_code was not provided; GET services lists them")
    if code not in context.project().cases:
        raise NotFound(None, f"service_code {code[:40]!r} not found; GET services lists them")
    if not (form.get("lat") or "").strip() or not (form.get("long") or "").strip():
        raise BadParameter(
            None,
            "lat and long are required: every case is placed on the map "
            "(address_string and address_id alone cannot be located here)",
        )
    reporter = _partner(form["api_key"]) if form.get("api_key") else None
    source = (
        "public" if reporter is None else (reporter.department or "12345") if reporter.role == "partner" else "12345"
    )
    case = service.report(
        context.store(),
        context.project(),
        service_code=code,
        lon=parse_number("long", form["long"].strip()),
        lat=parse_number("lat", form["lat"].strip()),
        crs="WGS84",
        description=form.get("description", ""),
        address=form.get("address_string"),
        source=source,
        reporter=reporter,
        attributes=attributes.from_form(form),
    )
    notice = texts.text("open311.received", _lang())
    return answer(
        "service_requests",
        "request",
        [{"service_request_id": case["id"], "service_notice": notice, "account_id": None}],
        status=201,
    )
