"""The working clock of the catalog's time limits: Monday to Friday 09:00-17:00 Beijing time (UTC+8), 8 hours a
day, without China's public holidays and with the 调休 weekend working days.

The calendar comes from the `chinesecalendar` package (requirements.txt), which carries the State Council's
yearly notices (国务院办公厅关于部分节假日安排的通知) from 2004 on: the years it covers are WORKING_CALENDAR["years"].
A year it does not cover (before 2004, or a year whose notice has not been published yet) counts Monday to Friday.

Vectorised for the statistics of 750,852 cases: a table of cumulative working days per day from 1960 to 2110
(stored times are bounded to 1990-2100, deadlines reach a year further at most) turns an instant into working
seconds and back with array lookups; instants outside the table count as its first or last day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from importlib.metadata import version

import chinese_calendar
import numpy as np

BEIJING_S = 8 * 3600
# Beijing time (Asia/Shanghai: UTC+8 all year, no daylight saving since 1991): the clock's and the case numbers' zone
BEIJING = timezone(timedelta(seconds=BEIJING_S), "Asia/Shanghai")
_DAY_START_S, _WORK_DAY_S = 9 * 3600, 8 * 3600
_EPOCH = date(1970, 1, 1)
_FIRST_YEAR, _LAST_YEAR = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
WORKING_CALENDAR = {
    "source": f"chinesecalendar {version('chinesecalendar')} (State Council holiday notices)",
    "years": [_FIRST_YEAR, _LAST_YEAR],
    "hours": "Monday-Friday 09:00-17:00 Beijing time, without public holidays, with 调休 weekend working days",
    "other_years": "Monday-Friday (no holiday notice known)",
}
# The clock's identity: a summary of durations computed with another clock is stale.
CLOCK = f"workdays:chinesecalendar-{version('chinesecalendar')}"

_FIRST_DAY, _END_DAY = (date(1960, 1, 1) - _EPOCH).days, (date(2111, 1, 1) - _EPOCH).days  # days since 1970-01-01


def _cumulative_working_days() -> np.ndarray:
    """Working days in [_FIRST_DAY, _FIRST_DAY + i) for i in 0.._END_DAY - _FIRST_DAY: Monday to Friday, then the
    calendar's holidays off and its 调休 weekend days on (the package's own rule, chinese_calendar.is_workday)."""
    days = np.arange(_FIRST_DAY, _END_DAY)
    working = (days + 3) % 7 < 5  # day 0, 1970-01-01, is a Thursday
    for dates, works in ((chinese_calendar.holidays, False), (chinese_calendar.workdays, True)):
        working[np.array([(d - _EPOCH).days for d in dates]) - _FIRST_DAY] = works
    return np.concatenate([[0], np.cumsum(working)]).astype(np.int64)


_TABLE = _cumulative_working_days()


def working_days_before(day) -> np.ndarray:
    """Working days from 1960-01-01 to `day` (days since 1970-01-01, Beijing time), that day not counted."""
    return _TABLE[np.clip(np.asarray(day, dtype=np.int64) - _FIRST_DAY, 0, len(_TABLE) - 1)]


def working_seconds(utc_seconds) -> np.ndarray:
    """Working seconds since 1960-01-01 (Beijing time) at each instant: the clock of the catalog's limits."""
    local = np.asarray(utc_seconds, dtype=np.int64) + BEIJING_S
    day, second = np.divmod(local, 86400)
    before = working_days_before(day)
    today = (working_days_before(day + 1) - before) * np.clip(second - _DAY_START_S, 0, _WORK_DAY_S)
    return before * _WORK_DAY_S + today


def from_working_seconds(working) -> np.ndarray:
    """The first instant (UTC seconds) at which the working clock reads `working`."""
    working = np.asarray(working, dtype=np.int64)
    days, rest = np.divmod(working, _WORK_DAY_S)
    at_end = rest == 0  # the end of a working day, not the start of the next one
    days, rest = np.where(at_end, days - 1, days), np.where(at_end, _WORK_DAY_S, rest)
    days = np.clip(days, 0, _TABLE[-1] - 1)
    day = np.searchsorted(_TABLE, days + 1, side="left") - 1 + _FIRST_DAY  # the working day with `days` before it
    return day * 86400 + _DAY_START_S + rest - BEIJING_S


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start` (an aware datetime), in UTC (to the second)."""
    working = working_seconds(int(start.timestamp())) + round(hours * 3600)
    return datetime.fromtimestamp(int(from_working_seconds(working)), UTC)
