"""The case lifecycle as data: statuses, actions (from -> to, who), and the deadline of each step.

上报 reported -> 受理 accepted -> 立案 registered (or 不予立案 rejected, final) -> 派遣 dispatched -> 处置 handled ->
核查: pass -> 结案 closed (final); fail -> 返工, back to dispatched with rework_count + 1. An admin may 重新打开
(reopen) a final case: rejected -> accepted (the 立案 decision taken again), closed -> dispatched (handled again).
不予立案, 返工 and 重新打开 need a reason: a code from REASONS (named in the text catalogue, case.reason.<action>.<code>)
and, for `other`, a note saying it; the history keeps both.

Around that path, the steps city platforms have (GB/T 30428.8, CJJ/T 106):
- 核实: a report from the public, 12345 or 110 starts in verifying (待核实) and waits for the supervisor of its grid to
  confirm it on site (confirm, with a photo: -> reported, 待受理) or to find nothing there (dismiss, with a reason:
  -> rejected). A supervisor's own patrol report needs no 核实.
- 延期 and 回退: the handler of a dispatched case asks for more working hours (extend) or to take back a wrong
  dispatch (return), each with a reason; the request is pending on the case until a dispatcher approves it
  (extend: the deadline moves by the hours granted; return: back to registered, 待派遣, with a fresh 派遣 deadline)
  or refuses it (with a reason: it stays with the handler, on its deadline). While a request is pending the
  handler takes no other step.
- 督办: an admin flags an open case for supervision with a note (supervise) and lifts the flag (unsupervise).

Deadlines count working hours (workclock.py): Monday to Friday, 09:00-17:00 Beijing time (UTC+8), 8 hours a day,
without China's public holidays and with the 调休 weekend working days of the years the calendar knows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from geo_app.cases.workclock import add_working_hours
from geo_app.checks import shown
from geo_app.errors import BadParameter
from geo_app.project.case_classes import CaseCatalog, CaseClass

STATUSES = ("verifying", "reported", "accepted", "rejected", "registered", "dispatched", "handled", "closed")
FINAL = frozenset({"rejected", "closed"})
OPEN = tuple(s for s in STATUSES if s not in FINAL)
# the sources whose reports a supervisor confirms on site (核实) before a dispatcher accepts them
TO_CONFIRM = ("public", "12345", "110")

YEARS = (1990, 2100)  # the years a stored time may have: times compare as text, four-digit years only

# what a step needs of the case besides its status (Action.when)
NO_REQUEST, REQUEST, SUPERVISED, UNSUPERVISED = "no_request", "request", "supervised", "unsupervised"
REQUESTS = ("extend", "return")  # the requests a handler makes, pending on the case until a dispatcher decides


@dataclass(frozen=True)
class Action:
    name: str
    source: str  # the status it starts from
    target: str  # the status it leads to (the same for a step that changes no status)
    role: str  # who may (admin always may): dispatcher, handler (of the case's department),
    # supervisor (of the case's grid)
    stamp: str | None  # the case's time column it sets
    more: tuple[tuple[str, str], ...] = ()  # further (source, target) moves of the same action (reopen)
    when: str | None = None  # a condition on the case besides its status (a pending request, the 督办 flag)

    @property
    def moves(self) -> dict[str, str]:
        """source status -> target status."""
        return {self.source: self.target, **dict(self.more)}


def _stays(statuses) -> tuple[tuple[str, str], ...]:
    return tuple((s, s) for s in statuses)


OTHER = "other"  # the reason code that needs a note
# the steps that need a reason (final, a step back, or a request and its refusal), and their reason codes; the page
# asks for one and a confirmation before sending them, and never offers them first or as the primary button
REASONS = {
    "dismiss": ("not_found", "duplicate", OTHER),
    "reject": ("out_of_scope", "duplicate", "not_found", "incomplete", OTHER),
    "extend": ("large_work", "weather", "procedure", "coordination", OTHER),
    "return": ("wrong_department", "wrong_class", "wrong_place", OTHER),
    "refuse": ("insufficient", "responsible", "time_enough", OTHER),
    "rework": ("not_done", "poor_quality", "photo_mismatch", OTHER),
    "reopen": ("mistaken", "recurred", "complaint", OTHER),
}
NOTE_REQUIRED = ("supervise",)  # steps that need a note (督办 says what it asks for)
PHOTO_REQUIRED = ("confirm",)  # steps that need a photo (核实: taken on site)
HOURS = ("extend", "approve")  # steps that take working hours (asked; granted, at most the hours asked)

# in the order the page offers them: the usual step first
ACTIONS = {
    a.name: a
    for a in (
        Action("confirm", "verifying", "reported", "supervisor", "verified_at"),
        Action("dismiss", "verifying", "rejected", "supervisor", None),  # not found on site: final
        Action("accept", "reported", "accepted", "dispatcher", "accepted_at"),
        Action("register", "accepted", "registered", "dispatcher", "registered_at"),
        Action("reject", "accepted", "rejected", "dispatcher", None),  # the time is in the history
        Action("dispatch", "registered", "dispatched", "dispatcher", "dispatched_at"),
        Action("handle", "dispatched", "handled", "handler", "handled_at", when=NO_REQUEST),
        Action("extend", "dispatched", "dispatched", "handler", None, when=NO_REQUEST),
        Action("return", "dispatched", "dispatched", "handler", None, when=NO_REQUEST),  # asks: approve moves it
        Action("approve", "dispatched", "dispatched", "dispatcher", None, when=REQUEST),  # return: -> registered
        Action("refuse", "dispatched", "dispatched", "dispatcher", None, when=REQUEST),
        Action("verify", "handled", "closed", "supervisor", "closed_at"),
        Action("rework", "handled", "dispatched", "supervisor", "dispatched_at"),
        # closed -> dispatched stamps dispatched_at again (处置 counts from it, as after a 返工); rejected -> accepted
        # keeps accepted_at (the 立案 deadline counts from the report, as it always does); a report dismissed at 核实
        # (never accepted) goes back to verifying (see target)
        Action("reopen", "rejected", "accepted", "admin", None, more=(("closed", "dispatched"),)),
        Action("supervise", OPEN[0], OPEN[0], "admin", None, more=_stays(OPEN[1:]), when=UNSUPERVISED),
        Action("unsupervise", STATUSES[0], STATUSES[0], "admin", None, more=_stays(STATUSES[1:]), when=SUPERVISED),
    )
}
# the moves whose target depends on the case (target()): (action, from, to, on what), for the classes' listing
CONDITIONAL_MOVES = (
    ("reopen", "rejected", "verifying", "dismissed at 核实 (never accepted)"),
    ("approve", "dispatched", "registered", "a return request"),
)
# the statuses of the usual path, in order: a step back clears the times of the statuses after its target
PATH = ("verifying", "reported", "accepted", "registered", "dispatched", "handled", "closed")
# the time columns a case's entry into each status sets (reported_at is the report's own, never cleared)
STAMPS = {
    "reported": ("verified_at",),
    "accepted": ("accepted_at",),
    "registered": ("registered_at", "returned_at"),  # 立案, or a 回退 approved: back to 待派遣
    "dispatched": ("dispatched_at",),
    "handled": ("handled_at",),
    "closed": ("closed_at",),
}
# the columns that say when a case entered each open status: the latest of them (a 返工 stamps dispatched_at again,
# a 回退 returned_at, a 核实 verified_at)
ENTERED = {
    "verifying": ("reported_at",),
    "reported": ("reported_at", "verified_at"),
    **{s: STAMPS[s] for s in ("accepted", "registered", "dispatched", "handled")},
}
# what the deadlines of open cases are counted from (recount_deadlines reads them)
DUE_COLUMNS = (*dict.fromkeys(c for cs in ENTERED.values() for c in cs), "extended_h")

DUE_CLOCK_META = "cases.due_clock"  # store meta: the working clock the open cases' deadlines were counted on


def first_status(source: str) -> str:
    """A new report's status: verifying (待核实) when a supervisor confirms it first, else reported (待受理)."""
    return "verifying" if source in TO_CONFIRM else "reported"


def applies(action: Action, case: dict | None) -> bool:
    """Whether the case (None: a case with no request and no 督办 flag) meets the action's condition."""
    case = case or {}
    return {
        None: True,
        NO_REQUEST: not case.get("request"),
        REQUEST: bool(case.get("request")),
        SUPERVISED: bool(case.get("supervised_at")),
        UNSUPERVISED: not case.get("supervised_at"),
    }[action.when]


def allowed_actions(status: str, case: dict | None = None) -> list[str]:
    """The steps a case in `status` allows (with `case`: given its pending request and 督办 flag too)."""
    return [a.name for a in ACTIONS.values() if status in a.moves and applies(a, case)]


def why_not(action: str, case: dict) -> str:
    """Why a case does not allow a step (for the Conflict's message)."""
    step, status = ACTIONS[action], case["status"]
    if status in step.moves:
        return {
            NO_REQUEST: f"a {case.get('request')} request is pending on it: a dispatcher approves or refuses it first",
            REQUEST: "it has no pending request to decide",
            SUPERVISED: "it is not flagged for supervision (督办)",
            UNSUPERVISED: "it is already flagged for supervision (督办)",
        }[step.when]
    done = action[:-1] + "ied" if action.endswith("y") else action + ("d" if action.endswith("e") else "ed")
    return f"a {status} case cannot be {done}"


def target(action: str, case: dict) -> str:
    """The status a step leads the case to (allowed: see allowed_actions)."""
    if action == "reopen" and case["status"] == "rejected" and not case.get("accepted_at"):
        return "verifying"  # dismissed at 核实: confirmed on site again
    if action == "approve" and case.get("request") == "return":
        return "registered"
    return ACTIONS[action].moves[case["status"]]


def later_stamps(target: str) -> list[str]:
    """The time columns of the statuses after `target` on the usual path (what a step back to it clears)."""
    if target not in PATH:
        return []
    return [c for s in PATH[PATH.index(target) + 1 :] for c in STAMPS.get(s, ())]


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
    """The deadline of the step a case in `status` waits for: 核实 counts from the report, 立案 from the report
    (from the 核实 of a confirmed report), 派遣 from 立案 (from a 回退), 处置 from 派遣 (again from a 返工) with the
    hours a 延期 granted, 结案 from 处置. Final statuses have none."""
    limits = case_class.limits
    if status == "verifying":
        return stamp(add_working_hours(parse_stamp(case["reported_at"]), catalog.confirm_h))
    if status in ("reported", "accepted"):
        start = max(t for t in (case["reported_at"], case.get("verified_at")) if isinstance(t, str) and t)
        return stamp(add_working_hours(parse_stamp(start), limits.register_h))
    if status == "registered":
        return stamp(add_working_hours(now, catalog.dispatch_h))
    if status == "dispatched":
        return stamp(add_working_hours(now, limits.handle_h + extended_hours(case)))
    if status == "handled":
        return stamp(add_working_hours(now, limits.close_h))
    return None


def extended_hours(case: dict) -> float:
    """The working hours 延期 granted to the case's current 处置 (0 for none)."""
    value = case.get("extended_h")
    return 0.0 if value is None or value != value else float(value)


def entered(case: dict) -> str | None:
    """When the case entered its (open) status: the latest of the status's ENTERED columns."""
    times = [case.get(c) for c in ENTERED.get(case["status"], ())]
    times = [t for t in times if isinstance(t, str) and t]
    return max(times) if times else None


def due_again(case: dict, case_class: CaseClass, catalog: CaseCatalog) -> str | None:
    """The deadline `due` gave a case when it entered its status, counted again (on today's working clock)."""
    since = entered(case)
    return due(case["status"], case_class, catalog, case, parse_stamp(since)) if since else case.get("due_at")


def pending_request(case: dict) -> dict | None:
    """A case's pending 延期 or 回退 request: {action, hours, reason, note, actor, at}, None when there is none."""
    if not case.get("request"):
        return None
    detail = _json(case.get("request_detail"))
    return {"action": case["request"], **{k: detail.get(k) for k in ("hours", "reason", "note", "actor", "at")}}


def supervision(case: dict) -> dict | None:
    """A case's 督办 flag: {at, note, actor}, None when it has none."""
    if not case.get("supervised_at"):
        return None
    detail = _json(case.get("supervision"))
    return {"at": case["supervised_at"], "note": detail.get("note"), "actor": detail.get("actor")}


def _json(text) -> dict:
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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
