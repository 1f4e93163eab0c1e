"""The work list (工作台): the open cases waiting for a user's step, by role, soonest deadline first.

The buckets are statuses, each with the cases of it the user's role acts on (or follows):
dispatcher: reported (待受理), accepted (待立案), registered (待派遣); handler: dispatched (待处置, a 返工 comes back
here) of their department; supervisor: handled (待核查) on their grids, and their own patrol reports while still
open; admin: every open status. Reads go through the store's where/between/order/limit (the status, grid,
district and class indexes; due_at orders), never whole tables; only a text search (`q`) reads the candidates' ids
and descriptions, bounded by MAX_SCAN."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from geo_app.cases import clocks, lifecycle, workclock
from geo_app.cases.tables import CASES
from geo_app.errors import BadParameter, Forbidden, NotSignedIn, TooExpensive
from geo_app.store import Reader

MAX_LIMIT = 200
MAX_OFFSET = 10_000
MAX_SCAN = 20_000  # cases a text search (q) may read the descriptions of
ROLES = ("admin", "dispatcher", "handler", "supervisor")
COLUMNS = [
    "id",
    "service_code",
    "source",
    "status",
    "description",
    "address",
    "adcode",
    "grid_code",
    "department",
    "reporter",
    "reported_at",
    "due_at",
    "rework_count",
    "version",
    "demo",
]
CASE_NUMBER = re.compile(r"[A-Za-z0-9-]{6,40}")  # what a case number may look like (SZ…, DEMO…)


@dataclass
class Filters:
    district: list[str] | None = None
    grid: list[str] | None = None
    service_code: list[str] | None = None
    source: list[str] | None = None
    department: list[str] | None = None
    status: list[str] | None = None
    clock: list[str] | None = None  # clocks.LEVELS: overdue, soon, on_time
    overdue: bool = False
    due_within_h: float | None = None
    q: str | None = None
    limit: int = 50
    offset: int = 0


def _groups(user) -> list[tuple[tuple[str, ...], dict]]:
    """(statuses, where) per group of buckets of the user's role: the groups are disjoint (by status)."""
    role = getattr(user, "role", None)
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(None, "the work list is the case staff's: log in first")
    if role not in ROLES:
        raise Forbidden(
            None, f"the work list is the case staff's (admin, dispatcher, handler, supervisor); {user.name} is {role}"
        )
    if role == "dispatcher":
        return [(("reported", "accepted", "registered"), {})]
    if role == "handler":
        return [(("dispatched",), {"department": user.department or ""})]
    if role == "supervisor":
        mine = ("reported", "accepted", "registered", "dispatched")
        return [(("handled",), {"grid_code": list(user.grids)}), (mine, {"reporter": user.name, "source": "patrol"})]
    return [(lifecycle.OPEN, {})]


def buckets(user) -> list[str]:
    """The user's buckets (statuses), in the lifecycle's order."""
    found = {s for statuses, _ in _groups(user) for s in statuses}
    return [s for s in lifecycle.STATUSES if s in found]


def may(user, case: dict) -> list[str]:
    """The steps `user` may take on `case` now (what service.act would allow)."""
    role = user.role
    steps = []
    for name in lifecycle.allowed_actions(case["status"]):
        step = lifecycle.ACTIONS[name]
        if role == "admin":
            steps.append(name)
        elif role == step.role:
            if role == "handler" and case["department"] != user.department:
                continue
            if role == "supervisor":
                grid = case["grid_code"]
                if not (grid in user.grids if grid else any(g.startswith(case["adcode"] or "?") for g in user.grids)):
                    continue
            steps.append(name)
    return steps


def hours_left(due_at: str | None, now: datetime) -> float | None:
    """Working hours from now to the deadline (negative when it has passed), to 0.1 h."""
    if not due_at:
        return None
    left = workclock.working_seconds(int(lifecycle.parse_stamp(due_at).timestamp())) - workclock.working_seconds(
        int(now.timestamp())
    )
    return round(int(left) / 3600, 1)


def _where(base: dict, statuses, f: Filters) -> dict:
    """The role's bound and the filters, all of which hold: a list emptied by both matches nothing (see _live)."""
    where = {**base, "status": list(statuses)}
    for column, values in (
        ("adcode", f.district),
        ("grid_code", f.grid),
        ("service_code", f.service_code),
        ("source", f.source),
        ("department", f.department),
    ):
        if values is None:
            continue
        if column in where:
            bound = where[column] if isinstance(where[column], list) else [where[column]]
            where[column] = [v for v in values if v in bound]
        else:
            where[column] = list(values)
    return where


def _live(where: dict) -> bool:
    """False for a where that matches nothing (an empty list, no department): no query for it."""
    return all(v != [] and v != "" and v is not None for v in where.values())


def _between(f: Filters, now: datetime) -> dict | None:
    high = lifecycle.stamp(now) if f.overdue else None
    if f.due_within_h is not None:
        within = lifecycle.stamp(workclock.add_working_hours(now, f.due_within_h))
        high = within if high is None else min(high, within)
    return {"due_at": (None, high)} if high is not None else None


def _order(row: dict) -> tuple:
    return (row["due_at"] is None, row["due_at"] or "", row["id"])


def _count(store: Reader, parts) -> int:
    return sum(store.count(CASES, where=w, between=b) for w, b in parts)


def work(store: Reader, user, f: Filters, project, now: datetime | None = None) -> dict:
    """The user's work list: {buckets: [{status, count}], clocks: [{clock, count}], total, cases (a page), limit,
    offset, as_of}. The buckets count under every filter but the status, the clocks under every filter but the
    clock; each line has its clock (clocks.describe), its deadline in Beijing time and its point (lon, lat)."""
    now = now or datetime.now(UTC).replace(microsecond=0)
    catalog = project.cases
    groups = _groups(user)
    mine = buckets(user)
    if f.status is not None:
        outside = [s for s in f.status if s not in mine]
        if outside:
            raise BadParameter("status", f"{outside[0]!r} is not one of your buckets: {', '.join(mine)}")
    between = _between(f, now)
    due = between["due_at"] if between else None
    levels = tuple(f.clock) if f.clock else clocks.LEVELS
    chosen = set(f.status or mine)
    # one where per status (the groups are disjoint by status), under every filter but the status and the clock
    wheres = {}
    for statuses, base in groups:
        for status in statuses:
            wheres[status] = {**_where(base, statuses, f), "status": status}
    q = (f.q or "").strip()
    by_number = bool(q) and CASE_NUMBER.fullmatch(q) is not None and store.count(CASES, where={"id": q}) > 0
    if by_number:  # a case number: that case, if it is in the list
        wheres = {s: {**w, "id": q} for s, w in wheres.items()}
    wheres = {s: w for s, w in wheres.items() if _live(w)}
    counts = dict.fromkeys(mine, 0)
    by_clock = dict.fromkeys(clocks.LEVELS, 0)
    if q and not by_number:  # text in the description: read the candidates, bounded
        scanned = sum(store.count(CASES, where=w, between=between) for w in wheres.values())
        if scanned > MAX_SCAN:
            raise TooExpensive(
                "q",
                f"a text search reads the descriptions of {scanned:,} cases, more than {MAX_SCAN:,}: narrow it "
                "with district, grid, class, status or overdue",
            )
        needle = q.casefold()
        found = [
            {**row, "clock": clocks.describe(row, catalog, now)["clock"]}
            for w in wheres.values()
            for row in store.records(CASES, where=w, between=between, columns=COLUMNS, geometry=False)
            if needle in (row["description"] or "").casefold()
        ]
        for row in found:
            if row["clock"] in levels:
                counts[row["status"]] += 1
            if row["status"] in chosen and row["clock"] in by_clock:
                by_clock[row["clock"]] += 1
        rows = sorted((r for r in found if r["status"] in chosen and r["clock"] in levels), key=_order)
    else:
        for status, where in wheres.items():
            everything = store.count(CASES, where=where, between=between)
            counts[status] = everything
            if f.clock is None and status not in chosen:
                continue
            late = _count(store, clocks.slices(where, ("overdue",), catalog, now, due))
            soon = _count(store, clocks.slices(where, ("soon",), catalog, now, due))
            lights = {"overdue": late, "soon": soon, "on_time": everything - late - soon}
            if f.clock is not None:
                counts[status] = sum(lights[name] for name in f.clock)
            if status in chosen:
                for name, n in lights.items():
                    by_clock[name] += n
        rows = []
        for status, where in wheres.items():
            if status not in chosen:
                continue
            for part, span in _slices(where, f, catalog, now):
                rows += store.records(
                    CASES,
                    where=part,
                    between=span,
                    columns=COLUMNS,
                    order_by="due_at",
                    limit=f.offset + f.limit,
                    geometry=False,
                )
        rows.sort(key=_order)
    total = sum(counts[s] for s in mine if s in chosen)
    page = rows[f.offset : f.offset + f.limit]
    points = _points(store, [row["id"] for row in page])
    cases = []
    for row in page:
        line = {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        line["hours_left"] = hours_left(row["due_at"], now)
        line["overdue"] = bool(row["due_at"]) and lifecycle.parse_stamp(row["due_at"]) < now
        line.update(clocks.describe(row, catalog, now))
        line["due_at_beijing"] = beijing_iso(row["due_at"])
        line["lon"], line["lat"] = points.get(row["id"], (None, None))
        line["actions"] = may(user, row)
        if row["service_code"] in catalog:
            case_class = catalog[row["service_code"]]
            line["service_name_zh"], line["service_name_en"] = case_class.name_zh, case_class.name_en
        cases.append(line)
    return {
        "as_of": lifecycle.stamp(now),
        "buckets": [{"status": s, "count": counts[s]} for s in mine],
        "clocks": [{"clock": c, "count": by_clock[c]} for c in clocks.LEVELS],
        "total": total,
        "returned": len(cases),
        "limit": f.limit,
        "offset": f.offset,
        "cases": cases,
    }


def _slices(where: dict, f: Filters, catalog, now: datetime) -> list[tuple]:
    """The (where, between) reads of one status's cases at the chosen clock levels (without a clock filter: one)."""
    between = _between(f, now)
    if f.clock is None:
        return [(where, between)]
    return clocks.slices(where, f.clock, catalog, now, between["due_at"] if between else None)


def _points(store: Reader, ids: list[str]) -> dict[str, tuple[float, float]]:
    """The points (WGS-84 lon, lat) of the page's cases: one read of their geometries, bounded by the page."""
    if not ids:
        return {}
    out = {}
    for row in store.records(CASES, where={"id": ids}, columns=["id"], geometry=True):
        point = row.get("geometry")
        if point is not None and not point.is_empty:
            out[row["id"]] = (round(point.x, 7), round(point.y, 7))
    return out


def beijing_iso(stamp: str | None) -> str | None:
    """A stored UTC time in Beijing time, ISO 8601 with its offset (2026-01-05T09:30:00+08:00)."""
    return lifecycle.parse_stamp(stamp).astimezone(workclock.BEIJING).isoformat() if stamp else None
