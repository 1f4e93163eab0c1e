"""Case statistics on the district pages: the computed figures of every district, the report's figures beside the
computed ones for the same scope (市区, 市级平台) and period, cases per km² per class for the choropleth (its
text: page.districts.cases in the catalogue), what each figure counts, and links to the exports.

The period, the district and the class come from the URL (`?period=2018Q2`, `?period=2018-04`,
`?district=320508`, `?class=E0101`) and are shown in the page's controls, so that a link reproduces the view; a bad
value is a 400 naming the parameter, never ignored."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from geo_app import texts
from geo_app.cases import statistics
from geo_app.cases.statistics import REPORT_PERIOD
from geo_app.errors import BadParameter, NotFound
from geo_app.web import context, i18n
from geo_app.web.api.case_statistics import URBAN_GROUP, answer, months_of

STAT = "cases_per_km2"  # the choropleth statistic on /districts (with ?class= for one class)


@dataclass(frozen=True)
class Chosen:
    """The case statistics a page shows: a period, and optionally one district and one class."""

    period: str = REPORT_PERIOD
    district: str | None = None
    case_class: str | None = None

    def args(self) -> dict:
        """As the statistics API's (and the exports') parameters."""
        return {
            "period": self.period,
            **({"district": self.district} if self.district else {}),
            **({"class": self.case_class} if self.case_class else {}),
        }


def chosen(args, district: str | None = None) -> Chosen:
    """The period, district and class of a page's URL (`district`: the page's own, /districts/<code>), each
    checked: a bad value is a BadParameter (400) naming it."""
    period = args.get("period") or REPORT_PERIOD
    months_of(period)  # BadParameter("period") when it is no period
    if district is not None and args.get("district"):
        raise BadParameter("district", "this page is one district's: choose another on /districts")
    if district is None and args.get("district"):
        project = context.project()
        try:
            district = project.units.resolve_unit(args["district"])
        except KeyError:
            raise BadParameter("district", f"unknown district {args['district']!r}") from None
        members = project.units.groups[URBAN_GROUP]["members"]
        if district not in members:
            raise BadParameter(
                "district", f"{district} is not one of the {URBAN_GROUP} districts the case platforms cover"
            )
    case_class = args.get("class") or None
    if case_class is not None and case_class not in context.project().cases:
        raise BadParameter("class", f"{case_class!r} is not a case class (see /api/cases/classes)")
    return Chosen(period, district, case_class)


def column(choice: Chosen) -> dict:
    """The choropleth's case column (its name says the period)."""
    return {
        **{
            lang: texts.text("page.districts.cases.column", lang, period=i18n.period(choice.period, lang))
            for lang in texts.LANGUAGES
        },
        "unit": "件/km²",
    }


def _answer(args: dict) -> dict:
    try:
        return answer(args)
    except NotFound as exc:  # a page's parameter: a bad value is a 400 naming it
        raise BadParameter(exc.parameter, exc.reason) from None


def densities(choice: Chosen) -> dict[str, float | None]:
    """Cases reported in the period per km² of each district (one class, or all)."""
    groups = _answer({"by": "district", **Chosen(choice.period, None, choice.case_class).args()})["groups"]
    return {g["key"]: g["reported_per_km2"] for g in groups}


def periods(choice: Chosen) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods a page offers, by year: each year with cases, its halves, quarters and months with cases (and
    the chosen period, with cases or not)."""
    store = context.store()
    months = set()
    if statistics.SUMMARY in store.tables():
        summary = store.read(statistics.SUMMARY, columns=["month", "reported"])
        months = set(summary.loc[summary["reported"] > 0, "month"])
    months |= set(months_of(REPORT_PERIOD))
    out = []
    for year in sorted({m[:4] for m in months} | {choice.period[:4]}):
        codes = [year, f"{year}H1", f"{year}H2", *(f"{year}Q{q}" for q in range(1, 5))]
        codes += [f"{year}-{m:02d}" for m in range(1, 13)]
        kept = [c for c in codes if c == choice.period or months & set(months_of(c))]
        out.append((year, [(c, i18n.period(c)) for c in kept]))
    return out


def page_values(choice: Chosen, district: str | None = None) -> dict:
    """What the case section of /districts (all districts, or the chosen one, the report beside) or
    /districts/<code> (`district`) shows (nothing for a unit outside the 市区, which the platforms do not cover)."""
    members = context.project().units.groups[URBAN_GROUP]["members"]
    if district is not None and district not in members:
        return {"case_stats": None}
    one = district or choice.district
    shown = Chosen(choice.period, one, choice.case_class)
    urban = _answer({"by": "district", **shown.args()})
    whole = one is None
    city = _answer({"scope": "city_platform", "by": "none", **shown.args()}) if whole else None
    project = context.project()
    classes = [(code, c.name_en if i18n.lang() == "en" else c.name_zh) for code, c in project.cases.classes.items()]
    units = project.units.units
    label = i18n.period(choice.period)
    if choice.case_class:
        case_class = project.cases[choice.case_class]
        label += f" · {choice.case_class} {case_class.name_en if i18n.lang() == 'en' else case_class.name_zh}"
    lang_arg = {"lang": request.args["lang"]} if request.args.get("lang") in texts.LANGUAGES else {}
    return {
        "case_stats": urban,
        "case_city": city,
        "case_classes": classes,
        "case_districts": [
            (code, units[code].name_en if i18n.lang() == "en" else units[code].name_zh) for code in members
        ],
        "case_periods": periods(choice),
        "case_chosen": shown,
        "case_period_label": label,
        "case_one_district": not whole,
        "case_form": district is not None,  # /districts/<code> has a form of its own (/districts: the panel's)
        "case_stat": STAT,
        "case_api_args": shown.args(),
        "case_export_args": {**shown.args(), **lang_arg},
        "case_definitions": urban["definitions"],
    }
