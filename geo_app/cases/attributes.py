"""What a report gives for its class's attributes (Open311 GeoReport v2 `attributes`): a report (POST /api/cases,
Open311 POST requests) sends them as `attribute[code]=value` (a multivaluelist as `attribute[code][]=value`,
repeated); they are checked here (required, datatype, known keys) and kept with the case as JSON. The declarations
are project/case_attributes.py."""

from __future__ import annotations

import json
import math
import re

from geo_app.cases.lifecycle import parse_time
from geo_app.checks import check_text
from geo_app.errors import BadParameter
from geo_app.project.case_attributes import LISTS, Attribute

MAX_STRING, MAX_TEXT = 200, 2000
_FIELD = re.compile(r"^attribute\[([^\[\]]*)\](\[\])?$")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def from_form(form) -> dict[str, list[str]]:
    """The attribute[...] fields of a request form: code -> the values given (a list for attribute[code][])."""
    given: dict[str, list[str]] = {}
    for field in form:
        if not field.startswith("attribute["):
            continue
        match = _FIELD.match(field)
        if not match or not match.group(1):
            raise BadParameter(
                field[:60],
                "write attributes as attribute[code]=value, or attribute[code][]=value "
                "for each value of a multivaluelist",
            )
        values = form.getlist(field)
        if not match.group(2) and len(values) > 1:
            raise BadParameter(
                field[:60], f"given {len(values)} times; a list of values is sent as attribute[{match.group(1)[:40]}][]"
            )
        given.setdefault(match.group(1), []).extend(values)
    return given


def check(attributes: tuple[Attribute, ...], given: dict[str, list[str]], service_code: str) -> dict:
    """The values of a report, checked against the class's attributes: code -> str, float or list of keys."""
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
        out[attribute.code] = _value(attribute, values, parameter)
    return out


def _value(attribute: Attribute, values: list[str], parameter: str):
    kind, value = attribute.datatype, values[0]
    if kind in LISTS:
        keys = [key for key, _, _ in attribute.values]
        for given in values:
            if given not in keys:
                raise BadParameter(
                    parameter, f"{json.dumps(given[:40], ensure_ascii=False)} is not one of {', '.join(keys)}"
                )
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
        raise BadParameter(
            parameter,
            f"{json.dumps(text[:40], ensure_ascii=False)} does not have the form "
            f"{attribute.datatype_description_en or attribute.pattern}",
        )
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
