"""What the map pages need for cases (static/js/cases_report.js on / and /grid, static/js/cases.js on /grid): the
classes in the page's language, the most reported first; the steps and who takes them; the logged-in user's role,
grids and department; the URLs to call. Text from the catalog goes to the page as data (JSON), never as markup."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from geo_app.cases import lifecycle
from geo_app.cases.statistics import SUMMARY
from geo_app.web import context, i18n

COMMON = 8  # classes offered as buttons; the others are in a list
WRONG_DATA = "E0602"  # 设施信息有误: the class of "this facility's data is wrong" (layers/case_classes.toml)


def common_classes(store, catalog) -> list[str]:
    """The classes reported most (from the statistics' summary), then the catalog's order."""
    order = {code: n for n, code in enumerate(catalog.classes)}
    counts: dict[str, int] = {}
    if SUMMARY in store.tables():
        for row in store.records(SUMMARY, columns=["service_code", "reported"]):
            counts[row["service_code"]] = counts.get(row["service_code"], 0) + int(row["reported"] or 0)
    ranked = sorted((c for c in catalog.classes if c != WRONG_DATA), key=lambda c: (-counts.get(c, 0), order[c]))
    return ranked[:COMMON]


def page_config() -> dict:
    english = i18n.lang() == "en"
    catalog = context.project().cases
    user = current_user if current_user.is_authenticated else None
    pick = lambda zh, en: en if english else zh
    return {
        "classes": [
            {
                "code": c.code,
                "name": pick(c.name_zh, c.name_en),
                "major": pick(c.major_zh, c.major_en),
                "kind": c.kind,
                "department": c.department,
                "attributes": [
                    {
                        "code": a.code,
                        "datatype": a.datatype,
                        "required": a.required,
                        "label": pick(a.description_zh, a.description_en),
                        "hint": pick(a.datatype_description_zh, a.datatype_description_en),
                        "values": [{"key": k, "name": pick(zh, en)} for k, zh, en in a.values],
                    }
                    for a in c.attributes
                ],
            }
            for c in catalog.classes.values()
        ],
        "common": common_classes(context.store(), catalog),
        "wrongData": WRONG_DATA if WRONG_DATA in catalog else None,
        "departments": {code: pick(d["name_zh"], d["name_en"]) for code, d in catalog.departments.items()},
        "statuses": {code: i18n.t(f"case.status.{code}") for code in lifecycle.STATUSES},
        "actions": {a.name: a.role for a in lifecycle.ACTIONS.values()},
        # the steps that need a reason and a confirmation: their reason codes, named in the page's language
        "reasons": {
            action: [{"code": code, "name": i18n.t(f"case.reason.{action}.{code}")} for code in codes]
            for action, codes in lifecycle.REASONS.items()
        },
        "user": None
        if user is None
        else {"name": user.name, "role": user.role, "grids": list(user.grids), "department": user.department},
        "api": {
            "report": url_for("cases.report"),
            "case": url_for("cases.one_case", case_id="ID"),
            "actions": url_for("cases.case_action", case_id="ID"),
            "queue": url_for("cases.grid_queue", code="CODE"),
            "token": url_for("open311.get_token", token="TOKEN", fmt="json"),
            "request": url_for("open311.get_request", case_id="ID", fmt="json"),
            "login": url_for("auth.login"),
            "events": url_for("events.events"),
        },
        # where a reporter follows their case: the grid map opens it (status, deadline, history without names)
        "follow": url_for("maps.grid", case="ID"),
    }
