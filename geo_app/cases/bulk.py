"""Bulk steps from the work list (工作台): a dispatcher accepts (受理) or dispatches (派遣) many cases at once.

Each case is acted on by service.act, as if alone: its own store transaction, the version the user saw (a case
someone else moved since is a Conflict for that case only), the user's role checked. A refusal of one case
neither undoes nor hides the others: the outcome of each is returned, in the order given. A dispatch sends each
case to its class's department (service.act's default); a case returned (回退) needs its next department named,
so service.act refuses it here (it is chosen in the case's panel)."""

from __future__ import annotations

from dataclasses import dataclass

from geo_app.cases import service
from geo_app.cases.work import CASE_NUMBER
from geo_app.checks import shown
from geo_app.errors import BadParameter, DomainError, Forbidden, NotSignedIn
from geo_app.project import Project
from geo_app.store import Store

ACTIONS = ("accept", "dispatch")  # the steps a list may take in bulk: none needs a reason or a choice
MAX_CASES = 200  # one page of the work list at its largest


@dataclass
class Item:
    """One case of a bulk request as given: its id and the version the user saw (checked by check_items)."""

    index: int
    id: str | None
    version: int | None
    problem: BadParameter | None = None


@dataclass
class Outcome:
    index: int
    id: str | None
    case: dict | None = None  # the case after the step
    error: DomainError | None = None


def check_request(user, action, cases) -> list[Item]:
    """The request as a whole (who, which step, how many): a BadParameter, NotSignedIn or Forbidden refuses all
    of it. Each case's own problems (no id, no version, given twice) are kept with it, refused alone."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(None, "log in first (the login page, or an API token)")
    if getattr(user, "role", None) not in ("admin", "dispatcher"):
        raise Forbidden(None, f"bulk steps are a dispatcher's; {user.name} is {getattr(user, 'role', None)}")
    if not isinstance(action, str) or action not in ACTIONS:
        raise BadParameter("action", f"{shown(str(action))} is not a bulk step: one of {', '.join(ACTIONS)}")
    if not isinstance(cases, list) or not cases:
        raise BadParameter("cases", 'give a list of the cases, each {"id": …, "version": …}')
    if len(cases) > MAX_CASES:
        raise BadParameter("cases", f"{len(cases)} cases: at most {MAX_CASES} in one request")
    items, seen = [], set()
    for index, given in enumerate(cases):
        where = f"cases[{index}]"
        if not isinstance(given, dict) or set(given) - {"id", "version"}:
            items.append(Item(index, None, None, BadParameter(where, 'give {"id": …, "version": …} and no more')))
            continue
        case_id, version = given.get("id"), given.get("version")
        if not isinstance(case_id, str) or not CASE_NUMBER.fullmatch(case_id):
            items.append(Item(index, None, None, BadParameter(f"{where}.id", "is not a case number")))
            continue
        if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 10**9:
            problem = BadParameter(
                f"{where}.version", "is required: the case's version as you last read it (a whole number from 1)"
            )
            items.append(Item(index, case_id, None, problem))
            continue
        if case_id in seen:
            items.append(Item(index, case_id, version, BadParameter(f"{where}.id", f"{case_id} is given twice")))
            continue
        seen.add(case_id)
        items.append(Item(index, case_id, version))
    return items


def act_each(store: Store, project: Project, user, action: str, items: list[Item]) -> list[Outcome]:
    """Take `action` on each case (service.act: one transaction each); every case's outcome, in order."""
    outcomes = []
    for item in items:
        if item.problem is not None:
            outcomes.append(Outcome(item.index, item.id, error=item.problem))
            continue
        try:
            case = service.act(store, project, item.id, action, user=user, version=item.version)
        except DomainError as refused:
            outcomes.append(Outcome(item.index, item.id, error=refused))
        else:
            outcomes.append(Outcome(item.index, item.id, case=case))
    return outcomes
