"""The case lifecycle as data: statuses, actions (from -> to, who), and the deadline of each step.

上报 reported -> 受理 accepted -> 立案 registered (or 不予立案 rejected, final) -> 派遣 dispatched -> 处置 handled ->
核查: pass -> 结案 closed (final); fail -> 返工, back to dispatched with rework_count + 1.

Deadlines count working hours (workclock.py): Monday to Friday, 09:00-17:00 Beijing time (UTC+8), 8 hours a day,
without China's public holidays and with the 调休 weekend working days of the years the calendar knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from geo_app.cases.workclock import add_working_hours
from geo_app.checks import shown
from geo_app.errors import BadParameter
from geo_app.project.case_classes import CaseCatalog, CaseClass

STATUSES = ("reported", "accepted", "rejected", "registered", "dispatched", "handled", "closed")
FINAL = frozenset({"rejected", "closed"})
OPEN = tuple(s for s in STATUSES if s not in FINAL)

YEARS = (1990, 2100)  # the years a stored time may have: times compare as text, four-digit years only


@dataclass(frozen=True)
class Action:
    name: str
    source: str  # the status it starts from
    target: str  # the status it leads to
    role: str  # who may (admin always may): dispatcher, handler (of the case's department),
    # supervisor (of the case's grid)
    stamp: str | None  # the case's time column it sets


ACTIONS = {
    a.name: a
    for a in (
        Action("accept", "reported", "accepted", "dispatcher", "accepted_at"),
        Action("reject", "accepted", "rejected", "dispatcher", None),  # the time is in the history
        Action("register", "accepted", "registered", "dispatcher", "registered_at"),
        Action("dispatch", "registered", "dispatched", "dispatcher", "dispatched_at"),
        Action("handle", "dispatched", "handled", "handler", "handled_at"),
        Action("verify", "handled", "closed", "supervisor", "closed_at"),
        Action("rework", "handled", "dispatched", "supervisor", "dispatched_at"),
    )
}


DUE_CLOCK_META = "cases.due_clock"  # store meta: the working clock the open cases' deadlines were counted on
# the case column holding the time a case entered each open status (a 返工 stamps dispatched_at again)
ENTERED = {"reported": "reported_at", **{a.target: a.stamp for a in ACTIONS.values() if a.stamp}}


def allowed_actions(status: str) -> list[str]:
    return [a.name for a in ACTIONS.values() if a.source == status]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def due(status: str, case_class: CaseClass, catalog: CaseCatalog, case: dict, now: datetime) -> str | None:
    """The deadline of the step a case in `status` waits for: 立案 counts from the report, 派遣 from 立案, 处置
    from 派遣 (again from a 返工), 结案 from 处置. Final statuses have none."""
    limits = case_class.limits
    if status in ("reported", "accepted"):
        return stamp(add_working_hours(parse_stamp(case["reported_at"]), limits.register_h))
    if status == "registered":
        return stamp(add_working_hours(now, catalog.dispatch_h))
    if status == "dispatched":
        return stamp(add_working_hours(now, limits.handle_h))
    if status == "handled":
        return stamp(add_working_hours(now, limits.close_h))
    return None


def due_again(case: dict, case_class: CaseClass, catalog: CaseCatalog) -> str | None:
    """The deadline `due` gave a case when it entered its status, counted again (on today's working clock)."""
    entered = case.get(ENTERED.get(case["status"], ""))
    return due(case["status"], case_class, catalog, case, parse_stamp(entered)) if entered else case.get("due_at")


def parse_time(parameter: str, text: str) -> str:
    """ISO 8601 (a date, or a date and time with Z or an offset; without one it is UTC) as the stored UTC text."""
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)  # overflows near the calendar's ends
    except (ValueError, OverflowError):
        raise BadParameter(parameter, f"{shown(text)} is not an ISO 8601 time such as 2018-03-01T08:15:00Z") from None
    # stored times compare as text: four-digit years only, and a range the service can mean
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise BadParameter(parameter, f"{shown(text)}: the year must be between {YEARS[0]} and {YEARS[1]}")
    return stamp(moment)
