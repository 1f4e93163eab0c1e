"""Request values shared by /api/cases and Open311: times, lists of known codes, a reporter's location."""

from __future__ import annotations

from geo_app.checks import parse_number, shown
from geo_app.errors import BadParameter

MAX_LIST = 50


def parse_codes(parameter: str, text: str, known) -> list[str]:
    """A comma-separated list of values, each one of `known`."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or len(values) > MAX_LIST:
        raise BadParameter(parameter, f"give 1 to {MAX_LIST} comma-separated values")
    for value in values:
        if value not in known:
            listed = ", ".join(list(known)[:12]) + (", …" if len(known) > 12 else "")
            raise BadParameter(parameter, f"{shown(value)} is not one of {listed}")
    return values


def parse_coordinate(parameter: str, text: str | None) -> float:
    if text is None or not text.strip():
        raise BadParameter(parameter, "is required")
    return parse_number(parameter, text.strip())
