"""Case clocks as the staff know them: the light of an open case's deadline for the step it waits for.

- `overdue` (超期, red): the deadline has passed (`due_at` < now, as the case's `overdue` says everywhere);
- `soon` (即将超期, amber): due within the last share of the step's limit (the class's `soon_share` of
  layers/case_classes.toml, the catalog's default otherwise), counted in working hours (workclock.py);
- `on_time` (green): the rest.

The step's limit is the one its deadline was counted with (lifecycle.due): 立案 from the report (a `reported` or
`accepted` case), 派遣 from 立案, 处置 from 派遣 (again after a 返工), 结案 from 处置. A level is a range of `due_at`
per class (the soon window's length depends on the limit and the share), so the lists and counts of a level are
store reads with where (status, service_code) and between (due_at), never a scan: `slices` gives them.

The escalation table (`escalation`) counts the overdue and due-soon open cases per department and step with such
reads: a count per department and step for the overdue ones, the departments of the cases in each soon window."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from geo_app.cases import lifecycle, workclock
from geo_app.cases.tables import CASES
from geo_app.project.case_classes import CaseCatalog, CaseClass
from geo_app.store import Reader

LEVELS = ("overdue", "soon", "on_time")  # the order staff read them in: the worst first
Range = tuple[str | None, str | None]  # due_at from (inclusive) to (exclusive), None for no bound


def limit_h(status: str, case_class: CaseClass, catalog: CaseCatalog) -> float | None:
    """The working hours of the limit a case in `status` is due by (None for a status without a deadline)."""
    if status in ("reported", "accepted"):
        return case_class.limits.register_h
    if status == "registered":
        return catalog.dispatch_h
    if status == "dispatched":
        return case_class.limits.handle_h
    if status == "handled":
        return case_class.limits.close_h
    return None


def soon_h(status: str, case_class: CaseClass, catalog: CaseCatalog) -> float | None:
    """Within how many working hours of its deadline a case in `status` is due soon (None: never)."""
    limit = limit_h(status, case_class, catalog)
    return None if limit is None else round(limit * case_class.soon_share, 4)


def _seconds(hours: float) -> int:
    return round(hours * 3600)


def level(due_at: str | None, soon_hours: float | None, now: datetime) -> str | None:
    """The light of a deadline at `now`: overdue, soon (at most `soon_hours` working hours left) or on_time; None
    without a deadline."""
    if not due_at:
        return None
    due = lifecycle.parse_stamp(due_at)
    if due < now:
        return "overdue"
    if soon_hours is not None:
        left = workclock.working_seconds(int(due.timestamp())) - workclock.working_seconds(int(now.timestamp()))
        if int(left) <= _seconds(soon_hours):
            return "soon"
    return "on_time"


def soon_end(now: datetime, hours: float) -> str:
    """The first moment a deadline is no longer due soon: deadlines before it have at most `hours` working hours
    left at `now` (the working clock stands still out of hours, so this is when it reads one second more)."""
    reading = int(workclock.working_seconds(int(now.timestamp()))) + _seconds(hours) + 1
    first = int(workclock.from_working_seconds(reading))
    return lifecycle.stamp(datetime.fromtimestamp(first, UTC))


def level_range(name: str, now: datetime, hours: float | None) -> Range:
    """The due_at range of a level, for a status and class whose soon window is `hours` (None: none)."""
    at = lifecycle.stamp(now)
    if name == "overdue":
        return (None, at)
    end = at if hours is None else soon_end(now, hours)
    if name == "soon":
        return (at, end)
    return (end, None)


def intersect(a: Range, b: Range | None) -> Range | None:
    """Both ranges at once (b None: no bound); None when nothing is in both."""
    b = b or (None, None)
    low = max((v for v in (a[0], b[0]) if v is not None), default=None)
    high = min((v for v in (a[1], b[1]) if v is not None), default=None)
    if low is not None and high is not None and low >= high:
        return None
    return (low, high)


def soon_windows(status: str, catalog: CaseCatalog, codes=None) -> list[tuple[float | None, list[str]]]:
    """The classes (of `codes`, default every class) grouped by the length of their soon window in `status`."""
    groups: dict[float | None, list[str]] = {}
    for code in catalog.classes if codes is None else codes:
        if code in catalog:
            groups.setdefault(soon_h(status, catalog[code], catalog), []).append(code)
    return sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0))


def slices(where: dict, levels, catalog: CaseCatalog, now: datetime, due: Range | None = None) -> list[tuple]:
    """(where, between) pairs, disjoint, whose cases are those of `where` (one status: where["status"] a text)
    at any of `levels`, with due_at in `due` too. Overdue is one range; soon and on_time one per soon window."""
    status = where["status"]
    out = []
    if "overdue" in levels:
        span = intersect(level_range("overdue", now, None), due)
        if span is not None:
            out.append((where, {"due_at": span}))
    rest = [name for name in ("soon", "on_time") if name in levels]
    if rest:
        for hours, codes in soon_windows(status, catalog, where.get("service_code")):
            for name in rest:
                span = intersect(level_range(name, now, hours), due)
                if span is not None:
                    out.append(({**where, "service_code": codes}, {"due_at": span}))
    return out


def describe(row: dict, catalog: CaseCatalog, now: datetime) -> dict:
    """A work line's clock: its level, the step's limit and its soon window (working hours)."""
    case_class = catalog[row["service_code"]] if row.get("service_code") in catalog else None
    limit = limit_h(row["status"], case_class, catalog) if case_class else None
    soon = soon_h(row["status"], case_class, catalog) if case_class else None
    return {"clock": level(row.get("due_at"), soon, now), "limit_h": limit, "soon_h": soon}


def escalation(store: Reader, catalog: CaseCatalog, now: datetime, where: dict | None = None) -> dict:
    """The overdue and due-soon open cases per department (rows) and status (columns: the step each waits for),
    with `where` (for instance a district) holding too. Overdue: a count query per department and status (a
    backlog has no bound); due soon: the departments of the cases in each soon window, read per status and window
    (where + between: at most the cases due within the next share of a limit, a few working hours)."""
    statuses = list(lifecycle.OPEN)
    soon = Counter()
    for status in statuses:
        for part, span in slices({**(where or {}), "status": status}, ("soon",), catalog, now):
            for row in store.records(CASES, where=part, between=span, columns=["department"], geometry=False):
                soon[row["department"], status] += 1
    rows = []
    totals = {s: dict.fromkeys(("overdue", "soon"), 0) for s in statuses}
    for department in catalog.departments:
        cells = {}
        for status in statuses:
            base = {**(where or {}), "department": department, "status": status}
            late = sum(store.count(CASES, where=w, between=b) for w, b in slices(base, ("overdue",), catalog, now))
            cells[status] = {"overdue": late, "soon": soon[department, status]}
            for name in ("overdue", "soon"):
                totals[status][name] += cells[status][name]
        rows.append(
            {
                "department": department,
                **catalog.departments[department],
                "cells": cells,
                "overdue": sum(c["overdue"] for c in cells.values()),
                "soon": sum(c["soon"] for c in cells.values()),
            }
        )
    return {
        "as_of": lifecycle.stamp(now),
        "statuses": statuses,
        "departments": rows,
        "totals": {
            "cells": totals,
            "overdue": sum(c["overdue"] for c in totals.values()),
            "soon": sum(c["soon"] for c in totals.values()),
        },
    }
