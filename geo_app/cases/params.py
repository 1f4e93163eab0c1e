"""Request values shared by /api/cases and Open311: times, lists of known codes, a reporter's location."""
from __future__ import annotations

from datetime import datetime, timezone

from ..errors import BadParameter
from ..features import _shown, parse_number
from .lifecycle import stamp

MAX_LIST = 50
YEARS = (1990, 2100)


def parse_time(parameter: str, text: str) -> str:
    """ISO 8601 (a date, or a date and time with Z or an offset; without one it is UTC) as the stored UTC text."""
    try:
        moment = datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        moment = moment.astimezone(timezone.utc)       # overflows near the calendar's ends
    except (ValueError, OverflowError):
        raise BadParameter(parameter, f"{_shown(text)} is not an ISO 8601 time such as 2018-03-01T08:15:00Z") from None
    # stored times compare as text: four-digit years only, and a range the service can mean
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise BadParameter(parameter, f"{_shown(text)}: the year must be between {YEARS[0]} and {YEARS[1]}")
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
