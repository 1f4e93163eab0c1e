"""Service attributes as declared (Open311 GeoReport v2 `attributes`): what a case class asks beyond the place, the
photo and the description, e.g. which facility's data is wrong and what is wrong with it.

Declared per class in layers/case_classes.toml ([[classes.attributes]]) and checked when the catalog loads. What a
report gives for them is checked in cases/attributes.py. A `private` attribute (a car's plate number) is shown to
logged-in staff only, never to the public."""

from __future__ import annotations

import re
from dataclasses import dataclass

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description_zh: str
    description_en: str
    datatype_description_zh: str | None
    datatype_description_en: str | None
    values: tuple[tuple[str, str, str], ...]  # (key, name_zh, name_en) of a list's choices
    pattern: str | None  # a string's shape (a regular expression, whole value)
    private: bool  # shown to logged-in staff only

    def as_dict(self, order: int) -> dict:
        """Both languages (/api/cases/classes, the report form)."""
        return {
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "order": order,
            "description_zh": self.description_zh,
            "description_en": self.description_en,
            "datatype_description_zh": self.datatype_description_zh,
            "datatype_description_en": self.datatype_description_en,
            "pattern": self.pattern,
            "private": self.private,
            "values": [{"key": k, "name_zh": zh, "name_en": en} for k, zh, en in self.values],
        }

    def definition(self, order: int, english: bool) -> dict:
        """The Open311 service definition's attribute (`values` empty unless a list datatype)."""
        return {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description_en if english else self.datatype_description_zh,
            "order": order,
            "description": self.description_en if english else self.description_zh,
            "values": [{"key": key, "name": en if english else zh} for key, zh, en in self.values],
        }


def _text(table: dict, key: str, place: str, error, *, optional: bool = False) -> str | None:
    value = table.get(key)
    if optional and value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise error(f"{place}: '{key}' must be a non-empty text")
    return value.strip()


def parse_attributes(entries, place: str, error) -> tuple[Attribute, ...]:
    """A class's [[classes.attributes]] as Attributes; `error` (the catalog's error class) names what is wrong."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise error(f"{place}: 'attributes' must be a list of [[classes.attributes]] tables")
    out: dict[str, Attribute] = {}
    for number, entry in enumerate(entries, start=1):
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            raise error(f"{place} attribute #{number}: code {code!r} must be a-z, 0-9 or _ (starting with a letter)")
        where = f"{place} attribute {code}"
        if code in out:
            raise error(f"{where}: code given twice")
        unknown = sorted(
            set(entry)
            - {
                "code",
                "datatype",
                "required",
                "description_zh",
                "description_en",
                "datatype_description_zh",
                "datatype_description_en",
                "values",
                "pattern",
                "private",
            }
        )
        if unknown:
            raise error(f"{where}: unknown key {unknown[0]!r}")
        datatype = entry.get("datatype")
        if datatype not in DATATYPES:
            raise error(f"{where}: datatype {datatype!r} is not one of {', '.join(DATATYPES)}")
        for flag in ("required", "private"):
            if not isinstance(entry.get(flag, False), bool):
                raise error(f"{where}: '{flag}' must be true or false")
        values = entry.get("values")
        if (datatype in LISTS) != (values is not None):
            raise error(f"{where}: 'values' is needed by a list datatype and taken by no other")
        choices = tuple(_choices(values, where, error)) if values is not None else ()
        pattern = _text(entry, "pattern", where, error, optional=True)
        if pattern is not None:
            if datatype != "string":
                raise error(f"{where}: 'pattern' is for the datatype string only")
            try:
                re.compile(pattern)
            except re.error as exc:
                raise error(f"{where}: pattern is not a regular expression: {exc}") from None
        out[code] = Attribute(
            code=code,
            datatype=datatype,
            required=entry.get("required", False),
            description_zh=_text(entry, "description_zh", where, error),
            description_en=_text(entry, "description_en", where, error),
            datatype_description_zh=_text(entry, "datatype_description_zh", where, error, optional=True),
            datatype_description_en=_text(entry, "datatype_description_en", where, error, optional=True),
            values=choices,
            pattern=pattern,
            private=entry.get("private", False),
        )
    return tuple(out.values())


def _choices(values, where: str, error):
    if not isinstance(values, list) or not values:
        raise error(f"{where}: 'values' must be a list of {{key, name_zh, name_en}} with at least one entry")
    keys = set()
    for number, value in enumerate(values, start=1):
        key = value.get("key") if isinstance(value, dict) else None
        if not isinstance(key, str) or not _CODE.match(key) or key in keys:
            raise error(f"{where} value #{number}: key {key!r} must be a-z, 0-9 or _ and given once")
        keys.add(key)
        yield (
            key,
            _text(value, "name_zh", f"{where} value {key}", error),
            _text(value, "name_en", f"{where} value {key}", error),
        )
