"""Interface text in Chinese (default) and English from the catalogue (geo_app/texts): the page language is chosen
from the request (`?lang=en` switches and is remembered in a cookie) and a page renders catalogue keys in it."""

from __future__ import annotations

import re

from flask import g, request

from geo_app import texts
from geo_app.texts import LANGUAGES

# Units as the statistics and the report name them -> their catalogue key
UNITS = {
    "count": "unit.count",
    "rows": "unit.rows",
    "berths": "unit.berths",
    "per km²": "unit.per_km2",
    "泊位数": "unit.berths",
    "桩位数": "unit.docks",
    "t": "unit.t",
    "t/d": "unit.t_per_day",
    "month": "unit.months",
    "day": "unit.days",
    "件/km²": "unit.cases_per_km2",
}
HALVES = {"H1": "period.h1", "H2": "period.h2"}


def lang() -> str:
    """The page language, decided once per request (a page asks thousands of times)."""
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get("lang") or "zh"
        g.lang = chosen if chosen in LANGUAGES else "zh"
    return g.lang


def t(key: str, **values) -> str:
    """The text of a catalogue key in the page language."""
    return texts.text(key, lang(), **values)


def unit(name) -> str:
    """A unit (from the statistics or the report) in the page language; symbols such as km², % and m as they are."""
    if name is None or name != name:
        return ""
    return t(UNITS[name]) if name in UNITS else name


def period(text: str) -> str:
    """A report period (2018H1, 2018, 2018-2020/yr, 2018-06/2019-06) in the page language."""
    if m := re.fullmatch(r"(\d{4})(H[12])?", text):
        return t("period.half", year=m[1], half=t(HALVES[m[2]])) if m[2] else t("period.year", year=m[1])
    if m := re.fullmatch(r"(\d{4})-(\d{4})/yr", text):
        return t("period.per_year", first=m[1], last=m[2])
    if m := re.fullmatch(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})", text):
        return t("period.months", from_year=m[1], from_month=int(m[2]), to_year=m[3], to_month=int(m[4]))
    return text


def strings() -> dict[str, str]:
    """The interface text in the page language, by key (for page scripts; the messages come apart)."""
    return {key: text for key, text in texts.in_language(lang()).items() if not key.startswith(texts.MESSAGE)}
