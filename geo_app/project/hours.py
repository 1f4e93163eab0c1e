"""OSM opening_hours values ("24/7", "Mo-Fr 08:00-18:00", ...), through the opening-hours-py parser."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

CITY_TZ = ZoneInfo("Asia/Shanghai")


@lru_cache(maxsize=1024)
def _parse(value: str):
    try:
        return opening_hours.OpeningHours(value)
    except opening_hours.ParserError:
        return None


def is_valid(value: str) -> bool:
    return _parse(value) is not None


def is_open(value: str | None, at: datetime) -> bool:
    """Open at `at` (a time in the city's zone); an empty or unparseable value counts as not known to be open."""
    if not value:
        return False
    parsed = _parse(value)
    return bool(parsed is not None and parsed.is_open(at.astimezone(CITY_TZ).replace(tzinfo=None)))


def now() -> datetime:
    return datetime.now(CITY_TZ)
