"""The bureau's report as data: every figure a row, with its unit as written and a normalised value.

Source: 苏州市市容市政管理局 2018 年上半年工作总结和下半年工作计划 (published 2018-07-20); the table is
layers/report/suzhou-2018-h1.csv. Figures are joined to statistical units by their scope: a figure scoped to a
group (市区, 县级市, ...) stays the group's figure and is never divided among the group's members.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from geo_app.project.units import Units

COLUMNS = [
    "id",
    "section",
    "topic",
    "indicator_zh",
    "indicator_en",
    "value_text",
    "unit_text",
    "value",
    "base_unit",
    "approximate",
    "bound",
    "kind",
    "period",
    "scope",
    "target_id",
    "note",
]
KINDS = {
    "actual": "H1 actual (上半年完成)",
    "target": "annual or multi-year target (目标)",
    "plan": "H2 plan (下半年计划)",
}
PERIODS = ("2018H1", "2018H2", "2018", "2018-2020/yr", "2018-06/2019-06")
BOUNDS = ("", ">=", "<=")
SECTION = re.compile(r"^[一二](\([一二三四五六七八九十]+\))?[一二三四五六七八九十]*$")

# Units as written -> (base unit, factor). A leading 万 or 亿 multiplies any of them (万吨, 万平方米, 万个).
MEASURE_UNITS = {
    "吨": ("t", 1),
    "吨/日": ("t/d", 1),
    "平方米": ("m²", 1),
    "平米": ("m²", 1),
    "元": ("元", 1),
    "公里": ("m", 1000),
    "米": ("m", 1),
    "%": ("%", 1),
    "天": ("day", 1),
    "个月": ("month", 1),
}
COUNT_UNITS = {
    "份",
    "项",
    "次",
    "起",
    "件",
    "条次",
    "处",
    "条",
    "名",
    "人",
    "个方面",
    "家",
    "人次",
    "台次",
    "个",
    "张(处)",
    "部",
    "座",
    "户",
    "张",
    "座次",
    "盏",
    "场",
    "块",
    "车次",
    "篇次",
    "人(次)",
}
MULTIPLIERS = {"万": 10_000, "亿": 100_000_000}
NUMBER = re.compile(r"^(约|近)?(\d+(?:\.\d+)?)(万|亿)?(余|多|左右)?$")


class ReportError(ValueError):
    pass


def unit_factor(unit_text: str) -> tuple[str, float]:
    """'万吨' -> ('t', 10000); '件' -> ('件', 1). KeyError for a unit the table does not know."""
    factor = 1
    if (
        unit_text[:1] in MULTIPLIERS
        and unit_text[1:]
        and (unit_text[1:] in MEASURE_UNITS or unit_text[1:] in COUNT_UNITS)
    ):
        factor, unit_text = MULTIPLIERS[unit_text[0]], unit_text[1:]
    if unit_text in MEASURE_UNITS:
        base, scale = MEASURE_UNITS[unit_text]
        return base, factor * scale
    if unit_text in COUNT_UNITS:
        return unit_text, factor
    raise KeyError(unit_text)


def normalise(value_text: str, unit_text: str) -> tuple[float, str, bool]:
    """('90万余', '张(处)') -> (900000, '张(处)', True): value in the base unit, and whether it is approximate."""
    match = NUMBER.match(value_text.strip())
    if not match:
        raise ValueError(f"value {value_text!r} is not a number as the report writes them (约/近 N 万/亿 余/多/左右)")
    prefix, number, multiplier, suffix = match.groups()
    base, factor = unit_factor(unit_text)
    value = float(number) * MULTIPLIERS.get(multiplier, 1) * factor
    return round(value, 6), base, bool(prefix or suffix)


def _check_row(row: dict, line: int, units: Units) -> list[str]:
    problems = []
    try:
        value, base, approximate = normalise(row["value_text"], row["unit_text"])
        if (
            abs(float(row["value"]) - value) > 1e-6 * max(1.0, abs(value))
            or row["base_unit"] != base
            or (row["approximate"] == "true") != approximate
        ):
            problems.append(
                f"value/base_unit/approximate do not follow from {row['value_text']!r} {row['unit_text']!r}"
                f" (expected {value:g} {base}, approximate={approximate})"
            )
    except KeyError as exc:
        problems.append(f"unknown unit {exc}")
    except ValueError as exc:
        problems.append(str(exc))
    if not SECTION.match(row["section"]):
        problems.append(f"section {row['section']!r} is not a reference such as 一(三)五")
    if row["kind"] not in KINDS:
        problems.append(f"kind {row['kind']!r} is not one of {', '.join(KINDS)}")
    if row["period"] not in PERIODS:
        problems.append(f"period {row['period']!r} is not one of {', '.join(PERIODS)}")
    if row["bound"] not in BOUNDS:
        problems.append(f"bound {row['bound']!r} is not one of {BOUNDS}")
    try:
        units.scope(row["scope"])
    except KeyError as exc:
        problems.append(f"scope {row['scope']!r} names an unknown unit or group {exc}")
    return [f"line {line}, {row.get('id')}: {p}" for p in problems]


def load_report(path: Path | str, units: Units) -> pd.DataFrame:
    """The whole table, checked: unique ids, parseable values, known units, kinds, periods and scopes."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ReportError(f"{path}: columns must be {COLUMNS}, found {reader.fieldnames}")
        rows = list(reader)
    problems, seen = [], set()
    ids = {row["id"]: row for row in rows}
    for line, row in enumerate(rows, start=2):
        target = ids.get(row["target_id"]) if row["target_id"] else None
        if row["target_id"] and (
            target is None or target["kind"] == "actual" or target["base_unit"] != row["base_unit"]
        ):
            problems.append(
                f"line {line}, {row['id']}: target_id {row['target_id']!r} must name a target or plan in the same unit"
            )
        if row["id"] in seen:
            problems.append(f"line {line}: duplicate id {row['id']}")
        seen.add(row["id"])
        problems += _check_row(row, line, units)
    if problems:
        raise ReportError(f"{path}:\n  " + "\n  ".join(problems))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["value"] = frame["value"].astype(float)
    frame["approximate"] = frame["approximate"] == "true"
    scopes = [units.scope(s) for s in frame["scope"]]
    frame["scope_kind"] = [s.kind for s in scopes]
    frame["scope_units"] = [",".join(s.codes) for s in scopes]
    return frame


def progress(report: pd.DataFrame) -> list[dict]:
    """Achievements next to the targets they count towards (for example toilets: 37 completed of 510)."""
    by_id = report.set_index("id")
    out = []
    for _, row in report[report["target_id"] != ""].iterrows():
        target = by_id.loc[row["target_id"]]
        out.append(
            {
                "id": row["id"],
                "target_id": row["target_id"],
                "indicator_zh": row["indicator_zh"],
                "indicator_en": row["indicator_en"],
                "scope": row["scope"],
                "value": float(row["value"]),
                "target": float(target["value"]),
                "target_bound": target["bound"],
                "unit": row["base_unit"],
                "share_pct": round(float(100 * row["value"] / target["value"]), 1) if target["value"] else None,
                "period": row["period"],
                "target_period": target["period"],
                "section": row["section"],
                "target_section": target["section"],
            }
        )
    return out


def figures_for_unit(report: pd.DataFrame, units: Units, code: str) -> dict:
    """A unit's own figures, and the figures of every group and unit set it belongs to, kept apart."""
    own = report[(report["scope_kind"] == "unit") & (report["scope_units"] == code)]
    shared = report[(report["scope_kind"] != "unit") & report["scope_units"].str.split(",").apply(lambda c: code in c)]
    return {
        "unit": own.to_dict("records"),
        "shared": [
            {
                "scope": scope,
                "scope_kind": rows["scope_kind"].iloc[0],
                "note": "group figure: applies to the whole group and is not divided among its members",
                "figures": rows.to_dict("records"),
            }
            for scope, rows in shared.groupby("scope", sort=False)
        ],
    }
