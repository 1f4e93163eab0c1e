"""Cases: report, act (the lifecycle's steps), get, search, queue. What the HTTP API, Open311, the pages and the
demo generator call.

Every change is one store transaction: the case row, its history row (`case_events`, append-only) and its photos
land together or not at all. Writers queue behind each other, and an update names the version it saw, so of two
dispatchers acting on the same case one wins and the other gets a Conflict. Errors are geo_app.errors' causes:
bad input, no user (NotSignedIn), wrong role, grid or department (Forbidden), unknown case (NotFound), a step the
case's status does not allow or a stale version (Conflict, naming the allowed steps)."""

from __future__ import annotations

import json
import math
import secrets
from datetime import UTC, datetime

from shapely.geometry import Point

from geo_app import crs as crs_mod
from geo_app.cases import attributes as attr_mod
from geo_app.cases import lifecycle, statistics, workclock
from geo_app.cases import photos as photo_mod
from geo_app.cases.tables import CASES, EVENT_SEQ, EVENTS, PHOTO_METADATA, PHOTOS, STEP_COLUMNS
from geo_app.checks import check_text
from geo_app.errors import BadParameter, Conflict, Forbidden, NotFound, NotSignedIn
from geo_app.project import Project
from geo_app.project.case_classes import CaseCatalogError
from geo_app.project.case_phrases import FILE as PHRASES_FILE
from geo_app.store import Reader, Store

MAX_DESCRIPTION = 4000  # as Open311 GeoReport v2 allows
MAX_ADDRESS = 200
MAX_NOTE = 1000
MAX_LIMIT = 1000
GRIDS_LAYER = "grids"
REPORTING = {  # source -> roles that may report from it (admin always)
    "patrol": ("supervisor",),
    "public": None,  # anyone, logged in or not
    "12345": ("partner",),
    "110": ("partner",),
}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _role(user) -> str | None:
    return getattr(user, "role", None)


def _name(user) -> str | None:
    return user if isinstance(user, str) or user is None else user.name


def locate(store: Reader, project: Project, lon, lat, crs: str = "EPSG:4326") -> tuple[Point, str, str | None]:
    """The WGS-84 point of lon/lat given in `crs`, its district (adcode) and grid code (None outside every grid);
    BadParameter outside every district of Suzhou."""
    try:
        given = crs_mod.normalise_crs(crs or "EPSG:4326")
    except crs_mod.UnknownCRS as exc:
        raise BadParameter("crs", str(exc)) from None
    for name, value in (("lon", lon), ("lat", lat)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadParameter(name, f"{value!r} is not a finite number")
    x, y = (float(v) for v in crs_mod.convert(lon, lat, given, crs_mod.WGS84))
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        raise BadParameter("lon/lat", f"({lon:g}, {lat:g}) in {given} is not a place on Earth")
    point = Point(x, y)
    units = project.catalog.units_layer
    district = store.records(units.id, bbox=(x, y, x, y), columns=[units.id_field])
    if not district:
        raise BadParameter(
            "lon/lat",
            f"({lon:g}, {lat:g}) in {given} is WGS-84 ({x:.6f}, {y:.6f}), outside every "
            "district of Suzhou: the service takes cases in Suzhou only",
        )
    grid = store.records(GRIDS_LAYER, bbox=(x, y, x, y), columns=["code"]) if GRIDS_LAYER in store.tables() else []
    return point, str(district[0][units.id_field]), str(grid[0]["code"]) if grid else None


def _check_reporter(source: str, reporter, grid_code: str | None) -> None:
    if source not in REPORTING:
        raise BadParameter("source", f"{source!r} is not one of {', '.join(REPORTING)}")
    if reporter is None or isinstance(reporter, str):
        if reporter is None and source != "public":
            raise NotSignedIn("source", f"a {source} report needs a user (log in or send an API token)")
        return  # a plain name: an internal caller (the demo generator), trusted
    roles, role = REPORTING[source], _role(reporter)
    if roles is not None and role != "admin" and role not in roles:
        raise Forbidden(
            "source", f"a {source} report needs the role {' or '.join(roles + ('admin',))}; {reporter.name} is {role}"
        )
    if role == "partner" and source != reporter.department:
        line = reporter.department or "(none: set the partner's department to 12345 or 110)"
        raise Forbidden("source", f"{reporter.name} reports as source {line}, not {source}")
    if source == "patrol" and role == "supervisor" and grid_code not in reporter.grids:
        raise Forbidden(
            "lon/lat", f"the place lies in grid {grid_code or '(none)'}, not in a grid assigned to {reporter.name}"
        )


def _next_id(tx, now: datetime) -> str:
    """SZ + the report's date in Beijing time + a sequence number the store keeps. Writers are serialised, and
    `case_seq` is a high-water mark (a `_seq` meta key) that a restore or a copy never lowers, so a number once
    handed out is never handed out again on this store, not even after a restore of an older backup."""
    number = int(tx.get_meta("case_seq") or 0)
    day = now.astimezone(workclock.BEIJING)
    while True:
        number += 1
        case_id = f"SZ{day:%Y%m%d}{number:07d}"
        if not tx.count(CASES, where={"id": case_id}):
            tx.set_meta("case_seq", str(number))
            return case_id


def report(
    store: Store,
    project: Project,
    *,
    service_code: str,
    lon,
    lat,
    crs: str = "EPSG:4326",
    description: str = "",
    source: str,
    reporter=None,
    address: str | None = None,
    photos=(),
    attributes: dict[str, list[str]] | None = None,
    demo: bool = False,
) -> dict:
    """A new case in `reported`. `reporter`: the User reporting (checked: a supervisor reports `patrol` on their
    grids, a partner `12345`/`110`, anyone `public`), None for an anonymous public report, or a plain name
    (trusted: internal callers). `photos`: bytes (or (name, bytes)) each; checked and re-encoded. `attributes`:
    the class's Open311 attributes as sent (code -> values, attributes.from_form), checked."""
    catalog = project.cases
    if service_code not in catalog:
        raise BadParameter("service_code", f"{service_code!r} is not a case class; see /api/cases/classes")
    case_class = catalog[service_code]
    answers = attr_mod.check(case_class.attributes, attributes or {}, service_code)
    description = check_text("description", description, MAX_DESCRIPTION, lines=True)
    address = check_text("address", address, MAX_ADDRESS, lines=False) or None
    cleaned = _cleaned(photos, "a report")
    point, adcode, grid_code = locate(store, project, lon, lat, crs)
    _check_reporter(source, reporter, grid_code)
    now = _now()
    status = lifecycle.first_status(source)  # a public, 12345 or 110 report is confirmed on site (核实) first
    row = {
        "id": None,
        "service_code": service_code,
        "kind": case_class.kind,
        "source": source,
        "status": status,
        "description": description,
        "address": address,
        "adcode": adcode,
        "grid_code": grid_code,
        "department": case_class.department,
        "reporter": _name(reporter),
        "reported_at": lifecycle.stamp(now),
        "accepted_at": None,
        "registered_at": None,
        "dispatched_at": None,
        "handled_at": None,
        "closed_at": None,
        "due_at": None,
        "rework_count": 0,
        "version": 1,
        "token": secrets.token_urlsafe(12),
        "demo": bool(demo),
        "attributes": attr_mod.stored(answers),
        **dict.fromkeys(STEP_COLUMNS[CASES]),
    }
    row["due_at"] = lifecycle.due(status, case_class, catalog, row, now)
    with store.transaction() as tx:
        row["id"] = _next_id(tx, now)
        tx.insert_records(CASES, [{**row, "geometry": point}])
        statistics.record(tx, catalog, None, {**row, "geometry": point})  # the point: its heat cell
        event = _append_event(tx, row["id"], 1, "report", None, status, reporter, row["reported_at"], "")
        pictures = _store_photos(tx, row["id"], cleaned, row["reported_at"], "report")
    # what get() would read back, without reading it
    return _assemble({**row, "lon": round(point.x, 7), "lat": round(point.y, 7)}, [event], pictures, project)


def _cleaned(photos, what: str) -> list[photo_mod.Photo]:
    """Photos (bytes, or (name, bytes)) checked and re-encoded (photos.clean); BadParameter `photo` otherwise."""
    photos = list(photos)
    if len(photos) > photo_mod.MAX_PER_CASE:
        raise BadParameter("photo", f"{len(photos)} photos: {what} takes at most {photo_mod.MAX_PER_CASE}")
    cleaned = []
    for number, item in enumerate(photos, start=1):
        name, data = item if isinstance(item, tuple) else (f"photo {number}", item)
        try:
            cleaned.append(photo_mod.clean(data, name))
        except photo_mod.PhotoError as exc:
            raise BadParameter("photo", str(exc)) from None
    return cleaned


def _store_photos(tx, case_id: str, cleaned: list[photo_mod.Photo], at: str, step: str) -> list[dict]:
    pictures = [
        {
            "case_id": case_id,
            "photo_id": secrets.token_hex(8),
            "content_type": p.content_type,
            "width": p.width,
            "height": p.height,
            "created_at": at,
            "data": p.data,
            "step": step,
        }
        for p in cleaned
    ]
    if pictures:
        tx.insert_records(PHOTOS, pictures)
    return pictures


def _append_event(
    tx,
    case_id: str,
    seq: int,
    action: str,
    source,
    target: str,
    user,
    at: str,
    note: str,
    reason: str | None = None,
    hours: float | None = None,
) -> dict:
    event = {
        "case_id": case_id,
        "seq": seq,
        "action": action,
        "from_status": source,
        "to_status": target,
        "actor": _name(user) or "anonymous",
        "role": _role(user) or ("public" if user is None else "system"),
        "at": at,
        "note": note,
        "reason": reason,
        "hours": hours,
        "serial": int(tx.get_meta(EVENT_SEQ) or 0) + 1,
    }
    tx.set_meta(EVENT_SEQ, str(event["serial"]))
    tx.insert_records(EVENTS, [event])
    return event


def _check_actor(action: lifecycle.Action, case: dict, user) -> None:
    """Forbidden unless the user may take this step on this case: admin always; dispatcher; the handler of the
    case's department; the supervisor of the case's grid (of a grid in the case's district when it lies in none)."""
    role = _role(user)
    if role == "handler" and user.department != case["department"]:
        raise Forbidden(
            "action",
            f"the case is {case['department']}'s to handle, not {user.department or 'no'} department's ({user.name})",
        )
    if role == "supervisor":
        grid = case["grid_code"]
        mine = grid in user.grids if grid else any(g.startswith(case["adcode"]) for g in user.grids)
        if not mine:
            raise Forbidden(
                "action",
                f"the case lies in grid {grid or '(none) of district ' + case['adcode']}, "
                f"not in a grid assigned to {user.name}",
            )


def act(
    store: Store,
    project: Project,
    case_id: str,
    action: str,
    *,
    user,
    note: str = "",
    version=None,
    department: str | None = None,
    reason: str | None = None,
    hours=None,
    photos=(),
) -> dict:
    """Take one step of the lifecycle as `user` (a User). `version`: the case version the user saw (a stale one
    is a Conflict); `department`: where dispatch sends the case (default: the class's department); `reason`: the
    reason code the steps of lifecycle.REASONS need (`other` needs a note), kept in the history; `hours`: the
    working hours a 延期 asks for (extend) or a dispatcher grants (approve; default: the hours asked); `photos`:
    the on-site photos of a 核实 (confirm needs at least one). Steps that change no status (a request, its
    refusal, 督办) still name the version and move it on."""
    if action not in lifecycle.ACTIONS:
        raise BadParameter("action", f"{action!r} is not one of {', '.join(lifecycle.ACTIONS)}")
    step = lifecycle.ACTIONS[action]
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn("action", "log in first (the login page, or an API token)")
    note = check_text("note", note, MAX_NOTE, lines=True)
    reason = lifecycle.check_reason(action, reason, note)
    if action in lifecycle.NOTE_REQUIRED and not note.strip():
        raise BadParameter("note", f"{action} needs a note saying what it asks for")
    if version is not None and (isinstance(version, bool) or not isinstance(version, int) or version < 1):
        raise BadParameter("version", f"{version!r} is not a case version (a whole number from 1)")
    catalog = project.cases
    if department is not None and action != "dispatch":
        raise BadParameter("department", f"only dispatch names a department, not {action}")
    if department is not None and department not in catalog.departments:
        raise BadParameter("department", f"{department!r} is not one of {', '.join(catalog.departments)}")
    hours = _check_hours(action, hours, catalog)
    photos = list(photos)
    if photos and action not in lifecycle.PHOTO_REQUIRED:
        raise BadParameter("photo", f"only {', '.join(lifecycle.PHOTO_REQUIRED)} takes photos, not {action}")
    if action in lifecycle.PHOTO_REQUIRED and not photos:
        raise BadParameter("photo", f"{action} needs a photo taken on site")
    _check_role_only(step, user)
    cleaned = _cleaned(photos, action)  # after the role check: decoding photos costs time
    now = _now()
    at = lifecycle.stamp(now)
    with store.transaction() as tx:
        rows = tx.records(CASES, where={"id": case_id})
        if not rows:
            raise NotFound("case", f"no case {case_id!r}")
        case = _plain(rows)[0]
        allowed = lifecycle.allowed_actions(case["status"], case)
        if version is not None and version != case["version"]:
            raise Conflict(
                "action",
                f"case {case_id} changed since version {version} (it is at version "
                f"{case['version']}, status {case['status']}): reload it and try again",
                allowed,
            )
        if action not in allowed:
            raise Conflict(
                "action",
                f"{lifecycle.why_not(action, case)}; allowed: {', '.join(allowed) or 'nothing (final)'}",
                allowed,
            )
        _check_actor(step, case, user)
        if action == "dispatch" and department is None and case.get("returned_at"):
            raise BadParameter(
                "department",
                "the case was returned (回退) as not its department's: name the department it goes to next",
            )
        target = lifecycle.target(action, case)
        values, event_hours = _changes(action, case, target, user, now, note, reason, hours, department, catalog)
        if not tx.update(CASES, {"id": case_id, "version": case["version"]}, values):
            raise Conflict(
                "action", f"case {case_id} changed while this step was taken: reload it and try again", allowed
            )
        statistics.record(tx, catalog, case, {**case, **values})
        seq = tx.count(EVENTS, where={"case_id": case_id}) + 1
        _append_event(tx, case_id, seq, action, case["status"], target, user, at, note, reason, event_hours)
        _store_photos(tx, case_id, cleaned, at, action)
    return get(store, case_id, project)


MIN_HOURS = 0.1  # the shortest 延期 (6 working minutes): less means nothing on a working clock


def _check_hours(action: str, hours, catalog) -> float | None:
    """The working hours of extend (required) and approve (optional), within (0, extension_max_h]."""
    if hours is None:
        if action == "extend":
            raise BadParameter("hours", "extend needs the working hours asked for (hours)")
        return None
    if action not in lifecycle.HOURS:
        raise BadParameter("hours", f"only {' and '.join(lifecycle.HOURS)} take hours, not {action}")
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not math.isfinite(hours):
        raise BadParameter("hours", f"{hours!r} is not a number of working hours")
    if not MIN_HOURS <= hours <= catalog.extension_max_h:
        raise BadParameter(
            "hours", f"{hours:g} working hours: a 延期 is {MIN_HOURS:g} to {catalog.extension_max_h:g} working hours"
        )
    return round(float(hours), 2)


def _changes(action, case, target, user, now, note, reason, hours, department, catalog) -> tuple[dict, float | None]:
    """The case's new values after a step (allowed and checked), and the hours its history line keeps."""
    at = lifecycle.stamp(now)
    values = {"status": target, "version": case["version"] + 1}
    event_hours = None
    if action in ("rework", "reopen") or (action == "approve" and target == "registered"):
        values.update(dict.fromkeys(lifecycle.later_stamps(target)))  # a step back: the later steps' times go
    step = lifecycle.ACTIONS[action]
    if step.stamp:
        values[step.stamp] = at
    if target == "dispatched" and case["status"] != "dispatched":  # a fresh 处置: 延期 granted before lapse
        values["extended_h"] = None
    if action == "reopen" and target == "dispatched":  # handled again: 处置 counts from now, as after a 返工
        values["dispatched_at"] = at
    if action == "dispatch":
        values["department"] = department or catalog[case["service_code"]].department
    if action == "rework":
        values["rework_count"] = case["rework_count"] + 1
    if action in lifecycle.REQUESTS:  # pending until a dispatcher decides; the deadline runs on
        detail = {"hours": hours, "reason": reason, "note": note, "actor": _name(user), "at": at}
        values.update(request=action, request_detail=json.dumps(detail, ensure_ascii=False))
        event_hours = hours
    if action in ("approve", "refuse"):
        values.update(request=None, request_detail=None)
    if action == "approve":
        asked = lifecycle.pending_request(case)
        if case["request"] == "extend":
            granted = hours if hours is not None else asked["hours"]
            if granted is None:
                raise BadParameter("hours", "the request does not say its hours: give the working hours granted")
            if asked["hours"] is not None and granted > asked["hours"]:
                raise BadParameter("hours", f"{granted:g} working hours: at most the {asked['hours']:g} asked for")
            values["extended_h"] = lifecycle.extended_hours(case) + granted
            event_hours = granted
        elif hours is not None:
            raise BadParameter("hours", "a return request takes no hours: approving it sends the case back to 派遣")
        else:
            values.update(returned_at=at, extended_h=None)
    if action == "supervise":
        values.update(
            supervised_at=at, supervision=json.dumps({"note": note, "actor": _name(user)}, ensure_ascii=False)
        )
    if action == "unsupervise":
        values.update(supervised_at=None, supervision=None)
    after = {**case, **values}
    case_class = catalog[case["service_code"]]
    if target != case["status"]:
        values["due_at"] = lifecycle.due(target, case_class, catalog, after, now)
    elif "extended_h" in values and after.get("dispatched_at"):  # a 延期 granted: from 派遣, with every hour granted
        values["due_at"] = lifecycle.due(
            target, case_class, catalog, after, lifecycle.parse_stamp(after["dispatched_at"])
        )
    return values, event_hours


def _check_role_only(step: lifecycle.Action, user) -> None:
    """The role check that needs no case (before the transaction)."""
    if _role(user) not in ("admin", step.role):
        roles = "admin" if step.role == "admin" else f"{step.role} or admin"
        raise Forbidden("action", f"{step.name} needs the role {roles}; {user.name} is {_role(user)}")


def _plain(records: list[dict]) -> list[dict]:
    """Stored records (Reader.records) as JSON-ready dicts: NaN as None, a case's point as lon/lat."""
    out = []
    for record in records:
        plain = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in record.items() if k != "geometry"}
        if "geometry" in record:
            point = record["geometry"]
            plain["lon"], plain["lat"] = (round(point.x, 7), round(point.y, 7)) if point is not None else (None, None)
        out.append(plain)
    return out


def _described(case: dict, project: Project | None, now: datetime) -> dict:
    case["overdue"] = bool(case["due_at"]) and lifecycle.parse_stamp(case["due_at"]) < now
    case["allowed_actions"] = lifecycle.allowed_actions(case["status"], case)
    # the pending 延期 or 回退 request and the 督办 flag, read (their JSON columns are not shown as such)
    case["pending_request"] = lifecycle.pending_request(case)
    case["supervision"] = lifecycle.supervision(case)
    case.pop("request", None)
    case.pop("request_detail", None)
    if project is not None and case["service_code"] in project.cases:
        case_class = project.cases[case["service_code"]]
        case["service_name_zh"], case["service_name_en"] = case_class.name_zh, case_class.name_en
    case.pop("token", None)  # the reporter's receipt (Open311 tokens/{token}): never shown to others
    case["attributes"] = attr_mod.loaded(case.get("attributes"))
    return case


def get(store: Reader, case_id: str, project: Project | None = None) -> dict:
    """One case with its history (oldest first) and its photos' metadata; NotFound if unknown."""
    rows = store.records(CASES, where={"id": case_id})
    if not rows:
        raise NotFound("case", f"no case {case_id!r}")
    events = store.records(EVENTS, where={"case_id": case_id}, order_by="seq")
    pictures = store.records(PHOTOS, where={"case_id": case_id}, columns=PHOTO_METADATA)
    return _assemble(_plain(rows)[0], _plain(events), _plain(pictures), project)


def _assemble(case: dict, events: list[dict], pictures: list[dict], project: Project | None) -> dict:
    case = _described(case, project, _now())
    case["history"] = [{k: v for k, v in e.items() if k not in ("case_id", "lon", "lat")} for e in events]
    case["photos"] = [
        {**{k: v for k, v in p.items() if k in PHOTO_METADATA and k != "case_id"}, "step": p.get("step") or "report"}
        for p in pictures
    ]
    return case


def token_of(store: Reader, case_id: str) -> str | None:
    rows = store.records(CASES, where={"id": case_id}, columns=["token"])
    return rows[0]["token"] if rows else None


def by_token(store: Reader, token: str) -> str | None:
    """The id of the case a reporter's token names (Open311 tokens/{token})."""
    rows = store.records(CASES, where={"token": token}, columns=["id"]) if token else []
    return rows[0]["id"] if rows else None


def photo(store: Reader, case_id: str, photo_id: str) -> dict:
    rows = store.records(PHOTOS, where={"case_id": case_id, "photo_id": photo_id})
    if not rows:
        raise NotFound("photo", f"case {case_id!r} has no photo {photo_id!r}")
    return rows[0]


def search(
    store: Reader,
    *,
    bbox=None,
    status=None,
    service_code=None,
    grid_code=None,
    adcode=None,
    since=None,
    until=None,
    limit: int = 100,
    offset: int = 0,
    project: Project | None = None,
) -> list[dict]:
    """Cases newest first. status, service_code, grid_code, adcode: a value or a list; since/until: ISO 8601 UTC
    text bounds of reported_at (since inclusive, until exclusive); at most MAX_LIMIT a call."""
    limit = max(0, min(int(limit), MAX_LIMIT))
    where = {
        k: v
        for k, v in (("status", status), ("service_code", service_code), ("grid_code", grid_code), ("adcode", adcode))
        if v is not None
    }
    between = {"reported_at": (since, until)} if since is not None or until is not None else None
    rows = store.records(
        CASES,
        bbox=bbox,
        where=where or None,
        between=between,
        order_by="reported_at",
        descending=True,
        limit=limit,
        offset=offset,
    )
    now = _now()
    return [_described(case, project, now) for case in _plain(rows)]


def queue(
    store: Reader, grid_code: str, project: Project | None = None, *, limit: int = MAX_LIMIT
) -> tuple[list[dict], int, int]:
    """A grid's open cases by deadline, soonest first (so the overdue ones come first), at most `limit`; with how
    many are open and how many overdue in all."""
    where = {"grid_code": grid_code, "status": list(lifecycle.OPEN)}
    now = _now()
    rows = store.records(CASES, where=where, order_by="due_at", limit=limit)
    cases = sorted(
        (_described(case, project, now) for case in _plain(rows)),
        key=lambda c: (c["due_at"] is None, c["due_at"] or "", c["id"]),
    )
    overdue = store.count(CASES, where=where, between={"due_at": (None, lifecycle.stamp(now))})
    return cases, store.count(CASES, where=where), overdue


def phrases(project: Project, service_code: str | None = None, action: str | None = None) -> list[dict]:
    """The reply phrases (惯用语) that fit a class and a step (either, both or neither given), in the file's order."""
    if service_code is not None and service_code not in project.cases:
        raise BadParameter("service_code", f"{service_code!r} is not a case class; see /api/cases/classes")
    if action is not None and action not in lifecycle.ACTIONS:
        raise BadParameter("action", f"{action!r} is not one of {', '.join(lifecycle.ACTIONS)}")
    return [
        p.as_dict()
        for p in project.phrases
        if (action is None or p.action == action) and (service_code is None or p.fits(service_code))
    ]


def check_phrases(project: Project) -> None:
    """Every reply phrase names a step of the lifecycle (CaseCatalogError otherwise: the start stops)."""
    for number, phrase in enumerate(project.phrases, start=1):
        if phrase.action not in lifecycle.ACTIONS:
            raise CaseCatalogError(
                f"{project.root / PHRASES_FILE} [[phrases]] #{number}: action {phrase.action!r} is not a step; "
                f"steps: {', '.join(lifecycle.ACTIONS)}"
            )


def recount_deadlines(store: Store, project: Project) -> int:
    """Count the deadlines of the open cases again when the working clock changed (a calendar that knows another
    year's holidays): each was counted on the clock of the day its step was taken. Once per clock, at start-up;
    returns how many deadlines moved."""
    if CASES not in store.tables() or store.meta(lifecycle.DUE_CLOCK_META) == workclock.CLOCK:
        return 0
    moved = 0
    with store.transaction() as tx:
        if tx.get_meta(lifecycle.DUE_CLOCK_META) == workclock.CLOCK:
            return 0
        columns = ["id", "status", "service_code", "due_at", *lifecycle.DUE_COLUMNS]
        for case in tx.records(CASES, where={"status": list(lifecycle.OPEN)}, columns=columns, geometry=False):
            if case["service_code"] not in project.cases:
                continue
            due = lifecycle.due_again(case, project.cases[case["service_code"]], project.cases)
            if due != case["due_at"]:
                tx.update(CASES, {"id": case["id"]}, {"due_at": due})
                moved += 1
        tx.set_meta(lifecycle.DUE_CLOCK_META, workclock.CLOCK)
    return moved
