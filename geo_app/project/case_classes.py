"""The case classes (layers/case_classes.toml): 部件 and 事件 after GB/T 30428.2, the department that handles each,
the time limit of each step (working hours) and the last share of it in which a case is due soon (即将超期;
`soon_share`: the catalog's default or the class's own). Checked when loaded: a bad file is a CaseCatalogError naming
the file, the key and the reason, so the service does not start with it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from geo_app.project.case_attributes import Attribute, parse_attributes

FILE = "case_classes.toml"
KINDS = {"C": "component", "E": "event"}
_CODE = re.compile(r"^[CE][0-9]{4}$")
_KEY = re.compile(r"^[a-z0-9_]{1,40}$")
SOURCES = ("patrol", "public", "12345", "110")
LIMIT_KEYS = ("register_h", "handle_h", "close_h")
DEFAULT_SOON_SHARE = 0.2  # when the [catalog] table names none


class CaseCatalogError(ValueError):
    """The case catalog file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Limits:
    register_h: float
    handle_h: float
    close_h: float
    source: str
    approximate: bool


@dataclass(frozen=True)
class CaseClass:
    code: str
    kind: str  # component | event
    major: str  # two digits
    major_zh: str
    major_en: str
    name_zh: str
    name_en: str
    department: str
    limits: Limits
    attributes: tuple[Attribute, ...] = ()  # what a report of this class is asked besides (Open311 attributes)
    # 即将超期 (due soon): the last share of a step's limit, in working hours, before its deadline
    soon_share: float = DEFAULT_SOON_SHARE

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "kind": self.kind,
            "major": self.major,
            "major_zh": self.major_zh,
            "major_en": self.major_en,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "department": self.department,
            "register_h": self.limits.register_h,
            "handle_h": self.limits.handle_h,
            "close_h": self.limits.close_h,
            "limits_source": self.limits.source,
            "limits_approximate": self.limits.approximate,
            "soon_share": self.soon_share,
            "attributes": [a.as_dict(order) for order, a in enumerate(self.attributes, start=1)],
        }


@dataclass(frozen=True)
class CaseCatalog:
    classes: dict[str, CaseClass]
    departments: dict[str, dict]  # code -> {name_zh, name_en}
    sources: dict[str, dict]  # code -> {name_zh, name_en}
    dispatch_h: float
    dispatch_source: str
    about: dict  # standard, limits_standard, note
    soon_share: float = DEFAULT_SOON_SHARE  # the classes' default

    def __contains__(self, code: str) -> bool:
        return code in self.classes

    def __getitem__(self, code: str) -> CaseClass:
        return self.classes[code]


def _text(table: dict, key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CaseCatalogError(f"{where}: '{key}' must be a non-empty text")
    return value.strip()


def _hours(table: dict, key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 2000:
        raise CaseCatalogError(
            f"{where}: '{key}' must be a number of working hours above 0 (at most 2000), not {value!r}"
        )
    return float(value)


def _share(table: dict, key: str, where: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise CaseCatalogError(
            f"{where}: '{key}' must be a share of the step's limit above 0 and below 1, not {value!r}"
        )
    return float(value)


def _named(data: dict, key: str, where: str, check_key=_KEY) -> dict[str, dict]:
    table = data.get(key)
    if not isinstance(table, dict) or not table:
        raise CaseCatalogError(f"{where}: a [{key}] table with at least one entry is required")
    out = {}
    for code, entry in table.items():
        if not check_key.match(str(code)) or not isinstance(entry, dict):
            raise CaseCatalogError(f"{where}: [{key}.{code}] must be a table named with a-z, 0-9 or _")
        out[str(code)] = {
            "name_zh": _text(entry, "name_zh", f"{where} [{key}.{code}]"),
            "name_en": _text(entry, "name_en", f"{where} [{key}.{code}]"),
        }
    return out


def _limits(table: dict, where: str) -> Limits:
    return Limits(
        *(_hours(table, k, where) for k in LIMIT_KEYS),
        source=_text(table, "source", where),
        approximate=bool(table.get("approximate", True)),
    )


def parse(data: dict, where: str) -> CaseCatalog:
    about = data.get("catalog")
    if not isinstance(about, dict):
        raise CaseCatalogError(f"{where}: a [catalog] table is required")
    departments = _named(data, "departments", where)
    sources = _named(data, "sources", where)
    if set(sources) != set(SOURCES):
        raise CaseCatalogError(f"{where}: [sources] must be exactly {', '.join(SOURCES)}")
    majors = data.get("majors")
    if not isinstance(majors, dict) or set(majors) != set(KINDS.values()):
        raise CaseCatalogError(f"{where}: [majors] needs exactly the tables component and event")
    major_names = {kind: _named(majors, kind, f"{where} [majors]", re.compile(r"^[0-9]{2}$")) for kind in majors}
    limit_sets = {
        name: _limits(table, f"{where} [limits.{name}]") for name, table in (data.get("limits") or {}).items()
    }
    soon_share = _share(about, "soon_share", f"{where} [catalog]", DEFAULT_SOON_SHARE)
    classes: dict[str, CaseClass] = {}
    entries = data.get("classes")
    if not isinstance(entries, list) or not entries:
        raise CaseCatalogError(f"{where}: at least one [[classes]] entry is required")
    for number, entry in enumerate(entries, start=1):
        place = f"{where} [[classes]] #{number}"
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            raise CaseCatalogError(f"{place}: code {code!r} must be C or E and four digits (e.g. C0101)")
        place = f"{where} class {code}"
        if code in classes:
            raise CaseCatalogError(f"{place}: code given twice")
        kind, major = KINDS[code[0]], code[1:3]
        if major not in major_names[kind]:
            raise CaseCatalogError(f"{place}: major class {major} is not in [majors.{kind}]")
        department = _text(entry, "department", place)
        if department not in departments:
            raise CaseCatalogError(f"{place}: department {department!r} is not one of {', '.join(departments)}")
        chosen = entry.get("limits")
        if isinstance(chosen, str):
            if chosen not in limit_sets:
                raise CaseCatalogError(f"{place}: limits {chosen!r} is not one of {', '.join(limit_sets) or 'none'}")
            limits = limit_sets[chosen]
        elif isinstance(chosen, dict):
            limits = _limits(chosen, f"{place} limits")
        else:
            raise CaseCatalogError(
                f"{place}: 'limits' must name a [limits] set or be a table of {', '.join(LIMIT_KEYS)}"
            )
        classes[code] = CaseClass(
            code=code,
            kind=kind,
            major=major,
            major_zh=major_names[kind][major]["name_zh"],
            major_en=major_names[kind][major]["name_en"],
            name_zh=_text(entry, "name_zh", place),
            name_en=_text(entry, "name_en", place),
            department=department,
            limits=limits,
            attributes=parse_attributes(entry.get("attributes"), place, CaseCatalogError),
            soon_share=_share(entry, "soon_share", place, soon_share),
        )
    return CaseCatalog(
        classes=classes,
        departments=departments,
        sources=sources,
        dispatch_h=_hours(about, "dispatch_h", f"{where} [catalog]"),
        dispatch_source=_text(about, "dispatch_source", f"{where} [catalog]"),
        about={k: about.get(k) for k in ("standard", "limits_standard", "note")},
        soon_share=soon_share,
    )


def load(path: Path) -> CaseCatalog:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseCatalogError(f"{path}: the case catalog file is missing") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CaseCatalogError(f"{path}: not valid TOML: {exc}") from None
    return parse(data, str(path))
