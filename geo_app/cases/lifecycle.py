"""The case lifecycle as data: statuses, actions (from -> to, who), and the deadline of each step.

上报 reported -> 受理 accepted -> 立案 registered (or 不予立案 rejected, final) -> 派遣 dispatched -> 处置 handled ->
核查: pass -> 结案 closed (final); fail -> 返工, back to dispatched with rework_count + 1. An admin may 重新打开
(reopen) a final case: rejected -> accepted (the 立案 decision taken again), closed -> dispatched (handled again).
不予立案, 返工 and 重新打开 need a reason: a code from REASONS (named in the text catalogue, case.reason.<action>.<code>)
and, for `other`, a note saying it; the history keeps both.

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
    more: tuple[tuple[str, str], ...] = ()  # further (source, target) moves of the same action (reopen)

    @property
    def moves(self) -> dict[str, str]:
        """source status -> target status."""
        return {self.source: self.target, **dict(self.more)}


OTHER = "other"  # the reason code that needs a note
# the steps that need a reason (final or a step back), and their reason codes; the page asks for one and a
# confirmation before sending them, and never offers them first or as the primary button
REASONS = {
    "reject": ("out_of_scope", "duplicate", "not_found", "incomplete", OTHER),
    "rework": ("not_done", "poor_quality", "photo_mismatch", OTHER),
    "reopen": ("mistaken", "recurred", "complaint", OTHER),
}

# in the order the page offers them: the usual step first
ACTIONS = {
    a.name: a
    for a in (
        Action("accept", "reported", "accepted", "dispatcher", "accepted_at"),
        Action("register", "accepted", "registered", "dispatcher", "registered_at"),
        Action("reject", "accepted", "rejected", "dispatcher", None),  # the time is in the history
        Action("dispatch", "registered", "dispatched", "dispatcher", "dispatched_at"),
        Action("handle", "dispatched", "handled", "handler", "handled_at"),
        Action("verify", "handled", "closed", "supervisor", "closed_at"),
        Action("rework", "handled", "dispatched", "supervisor", "dispatched_at"),
        # closed -> dispatched stamps dispatched_at again (处置 counts from it, as after a 返工); rejected -> accepted
        # keeps accepted_at (the 立案 deadline counts from the report, as it always does)
        Action("reopen", "rejected", "accepted", "admin", None, more=(("closed", "dispatched"),)),
    )
}
# the statuses of the usual path, in order: a step back clears the times of the statuses after its target
PATH = ("reported", "accepted", "registered", "dispatched", "handled", "closed")


DUE_CLOCK_META = "cases.due_clock"  # store meta: the working clock the open cases' deadlines were counted on
# the case column holding the time a case entered each open status (a 返工 stamps dispatched_at again)
ENTERED = {"reported": "reported_at", **{a.target: a.stamp for a in ACTIONS.values() if a.stamp}}


def allowed_actions(status: str) -> list[str]:
    return [a.name for a in ACTIONS.values() if status in a.moves]


def later_stamps(target: str) -> list[str]:
    """The time columns of the statuses after `target` on the usual path (what a step back to it clears)."""
    if target not in PATH:
        return []
    return [ENTERED[s] for s in PATH[PATH.index(target) + 1 :] if s in ENTERED]


def check_reason(action: str, reason: str | None, note: str) -> str | None:
    """The reason code a step needs (BadParameter `reason` when missing or unknown, `note` when `other` has none),
    None for a step that takes none (BadParameter when one is given)."""
    reason = (reason or "").strip() or None
    codes = REASONS.get(action)
    if not codes:
        if reason is not None:
            raise BadParameter("reason", f"{action} takes no reason; only {', '.join(REASONS)} do")
        return None
    if reason is None:
        raise BadParameter("reason", f"{action} needs a reason: one of {', '.join(codes)}")
    if reason not in codes:
        raise BadParameter("reason", f"{shown(reason)} is not a reason for {action}: one of {', '.join(codes)}")
    if reason == OTHER and not note.strip():
        raise BadParameter("note", f"the reason {OTHER} needs a note saying it")
    return reason


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
