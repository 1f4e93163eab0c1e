"""An independent working clock for the tests: a day-by-day loop over datetimes, asking the calendar package about
each day (the service's clock is a vectorised table; the two must agree)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import chinese_calendar

BEIJING = timezone(timedelta(hours=8))


def is_working_day(day) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year without a holiday notice: Monday to Friday
        return day.weekday() < 5


def add_working_hours(start: datetime, hours: float) -> datetime:
    """The moment `hours` working hours (09:00-17:00 Beijing time on working days) after `start`, in UTC."""
    moment = start.astimezone(BEIJING)
    left = timedelta(hours=hours)
    while True:
        day_start = moment.replace(hour=9, minute=0, second=0, microsecond=0)
        day_end = moment.replace(hour=17, minute=0, second=0, microsecond=0)
        if not is_working_day(moment.date()) or moment >= day_end:
            moment = day_start + timedelta(days=1)
            continue
        moment = max(moment, day_start)
        if moment + left <= day_end:
            return (moment + left).astimezone(UTC)
        left -= day_end - moment
        moment = day_start + timedelta(days=1)
