"""The case heat layer on /districts: a toggle beside the case choropleth that draws /api/cases/heat with
leaflet.heat (static/js/heat.js) for the page's class and period, and a legend saying what it shows."""
from __future__ import annotations

from flask import url_for

from geo_app.web import context, i18n
from geo_app.web.pages.assets import heat_url
from geo_app.cases.statistics import REPORT_PERIOD

TEXTS = {
    "toggle": ("热力图", "Heat map"),
    "what": ("每平方公里上报案件数", "Cases reported per km²"),
    "grid": ("1 公里网格", "1 km grid"),
    "demo": ("演示数据", "demo data"),
    "all_classes": ("全部类别", "all classes"),
    "low": ("少", "few"),
    "empty": ("此范围与时期无案件", "No cases in this view and period"),
}


def _text(key: str) -> str:
    zh, en = TEXTS[key]
    return en if i18n.lang() == "en" else zh


def page_values(case_class: str | None, output_crs: str) -> dict:
    """What the page needs for the toggle, its legend and its script (the class is already checked)."""
    cases = context.project().cases
    if case_class:
        name = cases[case_class].name_en if i18n.lang() == "en" else cases[case_class].name_zh
        class_label = f"{case_class} {name}"
    else:
        class_label = _text("all_classes")
    return {
        "heat_text": _text, "heat_js": heat_url(), "heat_class": class_label,
        "heat_period": i18n.period(REPORT_PERIOD),
        "heat_config": {"api": url_for("cases_statistics.case_heat"),
                        "params": {"period": REPORT_PERIOD, "crs": output_crs,
                                   **({"class": case_class} if case_class else {})},
                        "empty": _text("empty")},
    }
