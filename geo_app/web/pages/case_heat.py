"""The case heat layer on /districts: a toggle beside the case choropleth that draws /api/cases/heat with
leaflet.heat (static/js/heat.js) for the page's class and period, and a legend saying what it shows
(its text: page.districts.heat in the catalogue)."""

from __future__ import annotations

from flask import url_for

from geo_app.cases.statistics import REPORT_PERIOD
from geo_app.web import context, i18n
from geo_app.web.pages.assets import heat_url


def page_values(case_class: str | None, output_crs: str, period: str = REPORT_PERIOD) -> dict:
    """What the page needs for the toggle, its legend and its script (the class and the period are already
    checked)."""
    cases = context.project().cases
    if case_class:
        name = cases[case_class].name_en if i18n.lang() == "en" else cases[case_class].name_zh
        class_label = f"{case_class} {name}"
    else:
        class_label = i18n.t("page.districts.heat.all_classes")
    return {
        "heat_js": heat_url(),
        "heat_class": class_label,
        "heat_period": i18n.period(period),
        "heat_config": {
            "api": url_for("cases_statistics.case_heat"),
            "params": {"period": period, "crs": output_crs, **({"class": case_class} if case_class else {})},
            "empty": i18n.t("page.districts.heat.empty"),
        },
    }
