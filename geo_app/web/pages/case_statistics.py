"""Case statistics on the district pages: the computed figures of every district, the report's figures beside the
computed ones for the same scope (市区, 市级平台) and period, and cases per km² per class for the choropleth."""
from __future__ import annotations

from geo_app.web import context, i18n
from geo_app.errors import BadParameter
from geo_app.web.api.case_statistics import URBAN_GROUP, answer

STAT = "cases_per_km2"            # the choropleth statistic on /districts (with ?class= for one class)
COLUMN = {"zh": "数字城管案件密度(2018年上半年,示例)", "en": "Cases per km², H1 2018 (demo)", "unit": "件/km²"}
TEXTS = {
    "title": ("数字城管案件统计(示例数据)", "Digital city-management cases (demo data)"),
    "beside": ("与工作报告对照(2018年上半年,同一范围)", "Beside the report (H1 2018, the same scope)"),
    "figure": ("指标", "Figure"), "report": ("报告", "Report"), "computed": ("计算(示例案件)", "Computed (demo cases)"),
    "district": ("区", "District"), "reported": ("上报", "Reported"), "registered": ("立案", "Registered"),
    "closed": ("结案", "Closed"), "closing_rate_pct": ("结案率", "Closing rate"),
    "conclusion_rate_pct": ("办结率", "Conclusion rate"), "on_time_rate_pct": ("按期结案率", "On-time closing rate"),
    "rework_rate_pct": ("返工率", "Rework rate"), "median_handle": ("处置时长中位数", "Median handling time"),
    "per_km2": ("密度", "Density"), "hours": ("小时", "h"), "all_classes": ("全部类别", "All classes"),
    "case_class": ("案件类别", "Case class"),
    "notice": ("案件为演示生成的示例数据,市区合计按工作报告的受理、办结数校准,非官方数据。",
               "The cases are generated demo data whose 市区 totals are calibrated to the report's accepted and "
               "concluded cases, not official."),
    "not_divided": ("报告只给出市区整体的数字,不分摊到各区;各区数字均为计算值。",
                    "The report gives these figures for the 市区 as a whole: they are never divided among the "
                    "districts; every district figure is computed."),
    "definitions": ("办结率 = 办结(结案或不予立案)/ 受理;结案率 = 结案 / 立案;按期结案率 = 处置与核查均在时限内的结案 / 结案;"
                    "返工率 = 返工过的案件 / 已处置案件。按上报月份(北京时间)统计。",
                    "Conclusion rate = concluded (closed or rejected) / accepted; closing rate = closed / registered; "
                    "on-time = closed with handling and verification within the limits / closed; rework rate = "
                    "cases sent back at least once / cases handled. Cases count in the month (Beijing time) they "
                    "were reported."),
    "api": ("数据接口", "Data"),
    "not_covered": ("不属市区两级平台(或无边界)", "not covered by the 市区 platforms (or no boundary)"),
}


def text(key: str) -> str:
    zh, en = TEXTS[key]
    return en if i18n.lang() == "en" else zh


def densities(case_class: str | None) -> dict[str, float | None]:
    """Cases reported in H1 2018 per km² of each district (one class, or all)."""
    args = {"by": "district", **({"class": case_class} if case_class else {})}
    try:
        groups = answer(args)["groups"]
    except BadParameter as exc:          # the page's own parameter is called class too
        raise BadParameter("class", exc.reason) from None
    return {g["key"]: g["reported_per_km2"] for g in groups}


def page_values(district: str | None = None) -> dict:
    """What the case section of /districts (all districts, the report beside) or /districts/<code> shows (nothing
    for a unit outside the 市区, which the platforms do not cover)."""
    if district is not None and district not in context.project().units.groups[URBAN_GROUP]["members"]:
        return {"case_stats": None}
    urban = answer({"by": "district", **({"district": district} if district else {})})
    city = answer({"scope": "city_platform", "by": "none"}) if district is None else None
    classes = [(code, c.name_en if i18n.lang() == "en" else c.name_zh) for code, c in context.project().cases.classes.items()]
    return {"case_text": text, "case_stats": urban, "case_city": city, "case_classes": classes, "case_stat": STAT,
            "case_api_args": {"district": district} if district else {}}
