"""Service attributes (Open311 GeoReport v2 `attributes`): what a case class asks beyond the place, the photo and
the description, e.g. which facility's data is wrong and what is wrong with it.

Declared per class in layers/case_classes.toml ([[classes.attributes]]), checked when the catalog loads; a report
(POST /api/cases, Open311 POST requests) sends them as `attribute[code]=value` (a multivaluelist as
`attribute[code][]=value`, repeated); they are checked here (required, datatype, known keys) and kept with the case
as JSON. A `private` attribute (a car's plate number) is shown to logged-in staff only, never to the public."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from ..errors import BadParameter

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LISTS = ("singlevaluelist", "multivaluelist")
MAX_STRING, MAX_TEXT = 200, 2000
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_FIELD = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description_zh: str
    description_en: str
    datatype_description_zh: str | None
    datatype_description_en: str | None
    values: tuple[tuple[str, str, str], ...]    # (key, name_zh, name_en) of a list's choices
    pattern: str | None                         # a string's shape (a regular expression, whole value)
    private: bool                               # shown to logged-in staff only

    def as_dict(self, order: int) -> dict:
        """Both languages (/api/cases/classes, the report form)."""
        return {"code": self.code, "datatype": self.datatype, "required": self.required, "order": order,
                "description_zh": self.description_zh, "description_en": self.description_en,
                "datatype_description_zh": self.datatype_description_zh,
                "datatype_description_en": self.datatype_description_en, "pattern": self.pattern,
                "private": self.private, "values": [{"key": k, "name_zh": zh, "name_en": en} for k, zh, en in self.values]}

    def definition(self, order: int, english: bool) -> dict:
        """The Open311 service definition's attribute (`values` empty unless a list datatype)."""
        return {"variable": True, "code": self.code, "datatype": self.datatype, "required": self.required,
                "datatype_description": self.datatype_description_en if english else self.datatype_description_zh,
                "order": order, "description": self.description_en if english else self.description_zh,
                "values": [{"key": key, "name": en if english else zh} for key, zh, en in self.values]}


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
        unknown = sorted(set(entry) - {"code", "datatype", "required", "description_zh", "description_en",
                                       "datatype_description_zh", "datatype_description_en", "values", "pattern",
                                       "private"})
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
            code=code, datatype=datatype, required=entry.get("required", False),
            description_zh=_text(entry, "description_zh", where, error),
            description_en=_text(entry, "description_en", where, error),
            datatype_description_zh=_text(entry, "datatype_description_zh", where, error, optional=True),
            datatype_description_en=_text(entry, "datatype_description_en", where, error, optional=True),
            values=choices, pattern=pattern, private=entry.get("private", False))
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
        yield key, _text(value, "name_zh", f"{where} value {key}", error), \
            _text(value, "name_en", f"{where} value {key}", error)


# ---- requests ----

def from_form(form) -> dict[str, list[str]]:
    """The attribute[...] fields of a request form: code -> the values given (a list for attribute[code][])."""
    given: dict[str, list[str]] = {}
    for field in form:
        if not field.startswith("attribute["):
            continue
        match = _FIELD.match(field)
        if not match or not match.group(1):
            raise BadParameter(field[:60], "write attributes as attribute[code]=value, or attribute[code][]=value "
                                           "for each value of a multivaluelist")
        values = form.getlist(field)
        if not match.group(2) and len(values) > 1:
            raise BadParameter(field[:60], f"given {len(values)} times; a list of values is sent as "
                                           f"attribute[{match.group(1)[:40]}][]")
        given.setdefault(match.group(1), []).extend(values)
    return given


def check(attributes: tuple[Attribute, ...], given: dict[str, list[str]], service_code: str) -> dict:
    """The values of a report, checked against the class's attributes: code -> str, float or list of keys."""
    from .service import check_text      # service imports this module
    known = {a.code: a for a in attributes}
    for code in given:
        if code not in known:
            takes = f"it takes {', '.join(known)}" if known else "it takes none"
            raise BadParameter(f"attribute[{code[:40]}]", f"class {service_code} has no such attribute; {takes}")
    out = {}
    for attribute in attributes:
        parameter = f"attribute[{attribute.code}]"
        values = [v.strip() for v in given.get(attribute.code, []) if v.strip()]
        if not values:
            if attribute.required:
                raise BadParameter(parameter, f"is required for class {service_code}: {attribute.description_en}")
            continue
        if attribute.datatype != "multivaluelist" and len(values) > 1:
            raise BadParameter(parameter, f"takes one value ({attribute.datatype}), not {len(values)}")
        out[attribute.code] = _value(attribute, values, parameter, check_text)
    return out


def _value(attribute: Attribute, values: list[str], parameter: str, check_text):
    from .params import parse_time     # params imports lifecycle, which imports the catalog, which imports this
    kind, value = attribute.datatype, values[0]
    if kind in LISTS:
        keys = [key for key, _, _ in attribute.values]
        for given in values:
            if given not in keys:
                raise BadParameter(parameter, f"{json.dumps(given[:40], ensure_ascii=False)} is not one of "
                                              f"{', '.join(keys)}")
        if len(set(values)) != len(values):
            raise BadParameter(parameter, "a value is given twice")
        return values if kind == "multivaluelist" else value
    if kind == "number":
        if not _NUMBER.match(value) or not math.isfinite(float(value)):
            raise BadParameter(parameter, f"{json.dumps(value[:40], ensure_ascii=False)} is not a number")
        return float(value)
    if kind == "datetime":
        return parse_time(parameter, value)
    text = check_text(parameter, value, MAX_TEXT if kind == "text" else MAX_STRING, lines=kind == "text")
    if attribute.pattern and not re.fullmatch(attribute.pattern, text):
        raise BadParameter(parameter, f"{json.dumps(text[:40], ensure_ascii=False)} does not have the form "
                                      f"{attribute.datatype_description_en or attribute.pattern}")
    return text


def stored(values: dict) -> str | None:
    return json.dumps(values, ensure_ascii=False, sort_keys=True) if values else None


def loaded(text) -> dict:
    """A case's stored attributes (JSON text, None for none)."""
    return json.loads(text) if isinstance(text, str) and text else {}


def public(attributes: tuple[Attribute, ...], values: dict) -> dict:
    """The values anyone may see: without the private attributes."""
    private = {a.code for a in attributes if a.private}
    return {k: v for k, v in values.items() if k not in private}


def private_photos(attributes) -> bool:
    """A class that asks for something private (a plate) keeps its photos private too: a photo shows the plate."""
    return any(a.private for a in attributes)

