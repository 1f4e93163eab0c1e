"""Request values shared by /api/cases and Open311: times, lists of known codes, a reporter's location."""
from __future__ import annotations

from datetime import datetime, timezone

from ..errors import BadParameter
from ..features import _shown, parse_number
from .lifecycle import stamp

MAX_LIST = 50


def parse_time(parameter: str, text: str) -> str:
    """ISO 8601 (a date, or a date and time with Z or an offset; without one it is UTC) as the stored UTC text."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadParameter(parameter, f"{_shown(text)} is not an ISO 8601 time such as 2018-03-01T08:15:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return stamp(moment)


def parse_codes(parameter: str, text: str, known) -> list[str]:
    """A comma-separated list of values, each one of `known`."""
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values or len(values) > MAX_LIST:
        raise BadParameter(parameter, f"give 1 to {MAX_LIST} comma-separated values")
    for value in values:
        if value not in known:
            listed = ", ".join(list(known)[:12]) + (", …" if len(known) > 12 else "")
            raise BadParameter(parameter, f"{_shown(value)} is not one of {listed}")
    return values


def parse_coordinate(parameter: str, text: str | None) -> float:
    if text is None or not text.strip():
        raise BadParameter(parameter, "is required")
    return parse_number(parameter, text.strip())
