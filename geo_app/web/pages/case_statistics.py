"""Case statistics on the district pages: the computed figures of every district, the report's figures beside the
computed ones for the same scope (市区, 市级平台) and period, and cases per km² per class for the choropleth (its
text: page.districts.cases in the catalogue)."""

from __future__ import annotations

from geo_app import texts
from geo_app.errors import BadParameter
from geo_app.web import context, i18n
from geo_app.web.api.case_statistics import URBAN_GROUP, answer

STAT = "cases_per_km2"  # the choropleth statistic on /districts (with ?class= for one class)
COLUMN = {**{lang: texts.text("page.districts.cases.column", lang) for lang in texts.LANGUAGES}, "unit": "件/km²"}


def densities(case_class: str | None) -> dict[str, float | None]:
    """Cases reported in H1 2018 per km² of each district (one class, or all)."""
    args = {"by": "district", **({"class": case_class} if case_class else {})}
    try:
        groups = answer(args)["groups"]
    except BadParameter as exc:  # the page's own parameter is called class too
        raise BadParameter("class", exc.reason) from None
    return {g["key"]: g["reported_per_km2"] for g in groups}


def page_values(district: str | None = None) -> dict:
    """What the case section of /districts (all districts, the report beside) or /districts/<code> shows (nothing
    for a unit outside the 市区, which the platforms do not cover)."""
    if district is not None and district not in context.project().units.groups[URBAN_GROUP]["members"]:
        return {"case_stats": None}
    urban = answer({"by": "district", **({"district": district} if district else {})})
    city = answer({"scope": "city_platform", "by": "none"}) if district is None else None
    classes = [
        (code, c.name_en if i18n.lang() == "en" else c.name_zh) for code, c in context.project().cases.classes.items()
    ]
    return {
        "case_stats": urban,
        "case_city": city,
        "case_classes": classes,
        "case_stat": STAT,
        "case_api_args": {"district": district} if district else {},
    }
