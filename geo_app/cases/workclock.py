"""The working clock of the catalog's time limits: Monday to Friday 09:00-17:00 Beijing time (UTC+8), 8 hours a
day, without China's public holidays and with the 调休 weekend working days.

The calendar comes from the `chinesecalendar` package (requirements.txt), which carries the State Council's
yearly notices (国务院办公厅关于部分节假日安排的通知) from 2004 on: the years it covers are WORKING_CALENDAR["years"].
A year it does not cover (before 2004, or a year whose notice has not been published yet) counts Monday to Friday.

Vectorised for the statistics of 750,852 cases: a table of cumulative working days per day of the covered years
(plain weeks outside them) turns an instant into working seconds and back with array lookups."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from importlib.metadata import version

import chinese_calendar
import numpy as np

BEIJING_S = 8 * 3600
_DAY_START_S, _WORK_DAY_S = 9 * 3600, 8 * 3600
_WEEKDAYS_BEFORE = np.array([0, 1, 2, 2, 2, 3, 4, 5])   # day 0 (1970-01-01) is a Thursday: Thu Fri Sat Sun Mon Tue Wed
_WEEKDAY_OFFSET = np.array([0, 1, 4, 5, 6])              # the k-th weekday of such a week

_FIRST_YEAR, _LAST_YEAR = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
WORKING_CALENDAR = {
    "source": f"chinesecalendar {version('chinesecalendar')} (State Council holiday notices)",
    "years": [_FIRST_YEAR, _LAST_YEAR],
    "hours": "Monday-Friday 09:00-17:00 Beijing time, without public holidays, with 调休 weekend working days",
    "other_years": "Monday-Friday (no holiday notice known)",
}
# The clock's identity: a summary of durations computed with another clock is stale.
CLOCK = f"workdays:chinesecalendar-{version('chinesecalendar')}"


def _day(year: int) -> int:
    return (date(year, 1, 1) - date(1970, 1, 1)).days


_LO, _HI = _day(_FIRST_YEAR), _day(_LAST_YEAR + 1)     # the covered days: [_LO, _HI)


def _weekdays_before(day: np.ndarray) -> np.ndarray:
    """Mondays to Fridays in [day 0, day) (negative before day 0)."""
    weeks, rest = np.divmod(day, 7)
    return weeks * 5 + _WEEKDAYS_BEFORE[rest]


def _weekday_number(count: np.ndarray) -> np.ndarray:
    """The day that has `count` Mondays to Fridays before it and is one itself."""
    weeks, k = np.divmod(count, 5)
    return weeks * 7 + _WEEKDAY_OFFSET[k]


def _covered_table() -> np.ndarray:
    """Working days in [day 0, _LO + i) for i in 0.._HI - _LO, from the calendar where it knows the year."""
    working = [chinese_calendar.is_workday(date(1970, 1, 1) + timedelta(days=d)) for d in range(_LO, _HI)]
    return _weekdays_before(np.int64(_LO)) + np.concatenate([[0], np.cumsum(working)]).astype(np.int64)


_TABLE = _covered_table()
_AFTER = _TABLE[-1] - _weekdays_before(np.int64(_HI))   # the shift of plain weeks after the covered years


def working_days_before(day) -> np.ndarray:
    """Working days in [day 0, day): days since 1970-01-01 (Beijing time)."""
    day = np.asarray(day, dtype=np.int64)
    inside = np.clip(day, _LO, _HI) - _LO
    return np.where(day < _LO, _weekdays_before(day),
                    np.where(day > _HI, _weekdays_before(day) + _AFTER, _TABLE[inside]))


def _working_day(count: np.ndarray) -> np.ndarray:
    """The working day that has `count` working days before it."""
    inside = np.searchsorted(_TABLE, count + 1, side="left") - 1 + _LO
    return np.where(count < _TABLE[0], _weekday_number(count),
                    np.where(count >= _TABLE[-1], _weekday_number(count - _AFTER), inside))


def working_seconds(utc_seconds) -> np.ndarray:
    """Working seconds since 1970-01-01 (Beijing time) at each instant: the clock of the catalog's limits."""
    local = np.asarray(utc_seconds, dtype=np.int64) + BEIJING_S
    day, second = np.divmod(local, 86400)
    before = working_days_before(day)
    today = (working_days_before(day + 1) - before) * np.clip(second - _DAY_START_S, 0, _WORK_DAY_S)
    return before * _WORK_DAY_S + today


def from_working_seconds(working) -> np.ndarray:
    """The first instant (UTC seconds) at which the working clock reads `working`."""
    working = np.asarray(working, dtype=np.int64)
    days, rest = np.divmod(working, _WORK_DAY_S)
    at_end = rest == 0            # the end of a working day, not the start of the next one
    days, rest = np.where(at_end, days - 1, days), np.where(at_end, _WORK_DAY_S, rest)
    return _working_day(days) * 86400 + _DAY_START_S + rest - BEIJING_S


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours after `start` (an aware datetime), in UTC (to the second)."""
    working = working_seconds(int(start.timestamp())) + round(hours * 3600)
    return datetime.fromtimestamp(int(from_working_seconds(working)), timezone.utc)
