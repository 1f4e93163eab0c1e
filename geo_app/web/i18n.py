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


def _t(key: str, language: str | None, **values) -> str:
    return texts.text(key, language or lang(), **values)


def unit(name) -> str:
    """A unit (from the statistics or the report) in the page language; symbols such as km², % and m as they are."""
    if name is None or name != name:
        return ""
    return t(UNITS[name]) if name in UNITS else name


def period(text: str, language: str | None = None) -> str:
    """A report or statistics period (2018H1, 2018, 2018Q2, 2018-04, 2018-2020/yr, 2018-06/2019-06) in the page
    language (or in `language`)."""
    if m := re.fullmatch(r"(\d{4})(H[12])?", text):
        if m[2]:
            return _t("period.half", language, year=m[1], half=_t(HALVES[m[2]], language))
        return _t("period.year", language, year=m[1])
    if m := re.fullmatch(r"(\d{4})Q([1-4])", text):
        return _t("period.quarter", language, year=m[1], quarter=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        return _t("period.month", language, year=m[1], month=int(m[2]))
    if m := re.fullmatch(r"(\d{4})-(\d{4})/yr", text):
        return _t("period.per_year", language, first=m[1], last=m[2])
    if m := re.fullmatch(r"(\d{4})-(\d{2})/(\d{4})-(\d{2})", text):
        return _t("period.months", language, from_year=m[1], from_month=int(m[2]), to_year=m[3], to_month=int(m[4]))
    return text


def strings() -> dict[str, str]:
    """The interface text in the page language, by key (for page scripts; the messages come apart)."""
    return {key: text for key, text in texts.in_language(lang()).items() if not key.startswith(texts.MESSAGE)}
