"""Statistical units (districts and zones) and the named groups of the report, from layers/units.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Unit:
    code: str
    name_zh: str
    name_en: str
    kind: str
    aliases: tuple = ()
    has_boundary_source: bool = True
    note: str = ""  # English
    note_zh: str = ""

    def note_in(self, lang: str) -> str:
        return self.note if lang == "en" else self.note_zh or self.note


@dataclass(frozen=True)
class Scope:
    """Where a report figure applies: one unit, a named group, or an explicit set of units ("320508+320571")."""

    text: str
    kind: str  # "unit" | "group" | "units"
    codes: tuple


@dataclass
class Units:
    city_adcode: str
    city_name_zh: str
    city_name_en: str
    units: dict[str, Unit]
    groups: dict[str, dict] = field(default_factory=dict)

    def resolve_unit(self, name: str) -> str:
        """A unit's code from its code, Chinese name or alias ('高新区' -> '320505'); KeyError otherwise."""
        for unit in self.units.values():
            if name in (unit.code, unit.name_zh, unit.name_en, *unit.aliases):
                return unit.code
        raise KeyError(name)

    def group_name(self, name: str) -> str | None:
        for group, spec in self.groups.items():
            if name == group or name in spec.get("aliases", ()):
                return group
        return None

    def scope(self, text: str) -> Scope:
        """Parse a scope as written in the report table; KeyError names what is unknown."""
        group = self.group_name(text)
        if group:
            return Scope(group, "group", tuple(self.groups[group]["members"]))
        parts = text.split("+")
        codes = tuple(self.resolve_unit(p.strip()) for p in parts)
        return Scope(text, "unit" if len(codes) == 1 else "units", codes)

    def groups_of(self, code: str) -> list[str]:
        return [name for name, spec in self.groups.items() if code in spec["members"]]


def load_units(path: Path | str) -> Units:
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    units = {}
    for entry in raw["units"]:
        entry = dict(entry, aliases=tuple(entry.get("aliases", ())))
        units[entry["code"]] = Unit(**entry)
    groups = raw.get("groups", {})
    for name, spec in groups.items():
        unknown = set(spec["members"]) - set(units)
        if unknown:
            raise ValueError(f"{path}: group {name!r} names unknown units {sorted(unknown)}")
    return Units(raw["city_adcode"], raw["city_name_zh"], raw.get("city_name_en", ""), units, groups)
