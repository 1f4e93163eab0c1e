"""The working clock of the case limits: China's public holidays and 调休 working days (chinesecalendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from geo_app.cases import lifecycle, statistics, workclock
from geo_app.cases.tables import CASES
from tests.conftest import BOTH_BACKENDS, ROOT
from tests.workclock_reference import BEIJING, add_working_hours, is_working_day


def _utc(text: str) -> int:
    """Seconds of a Beijing wall-clock time 'YYYY-MM-DD HH:MM'."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING).timestamp())


def _works(day: str) -> bool:
    """Whether the clock runs during the working hours of a day."""
    return (
        int(workclock.working_seconds(_utc(f"{day} 17:00")) - workclock.working_seconds(_utc(f"{day} 09:00")))
        == 8 * 3600
    )


def test_national_day_2018_is_off_and_its_weekend_swaps_are_working_days():
    assert not any(_works(f"2018-10-0{d}") for d in range(1, 8))
    assert _works("2018-09-29") and _works("2018-09-30")  # Saturday and Sunday, 调休
    assert _works("2018-10-08") and not _works("2018-10-13")  # an ordinary Monday and Saturday


def test_a_case_reported_before_the_holiday_is_due_after_it(project):
    reported = datetime(2018, 9, 30, 16, 0, tzinfo=BEIJING)
    assert lifecycle.stamp(lifecycle.add_working_hours(reported, 8)) == "2018-10-08T08:00:00Z"  # 16:00 Beijing
    case_class = next(c for c in project.cases.classes.values() if c.limits.handle_h == 16)  # 1 + 8 + 7 hours
    assert lifecycle.due("dispatched", case_class, project.cases, {}, reported) == "2018-10-09T08:00:00Z"


def test_years_without_a_notice_count_monday_to_friday():
    first, last = workclock.WORKING_CALENDAR["years"]
    assert first <= 2018 <= last
    after = date(last + 1, 10, 1)  # no notice yet: a National Day on a weekday is a working day
    while after.weekday() >= 5:
        after += timedelta(days=1)
    assert _works(after.isoformat()) and not _works((after + timedelta(days=(5 - after.weekday()))).isoformat())


def test_round_trips_are_exact():
    rng = np.random.default_rng(7)
    low, high = _utc("1990-01-01 00:00"), _utc("2100-12-31 23:59")
    instants = np.concatenate([rng.integers(low, high, 200_000), [-1, 0, low, high]])
    working = workclock.working_seconds(instants)
    back = workclock.from_working_seconds(working)
    assert (workclock.working_seconds(back) == working).all() and (back <= instants).all()
    counts = rng.integers(int(working.min()), int(working.max()), 200_000)
    assert (workclock.working_seconds(workclock.from_working_seconds(counts)) == counts).all()
    # the first instant of a reading: one second before it the clock read less
    assert (workclock.working_seconds(workclock.from_working_seconds(counts) - 1) < counts).all()


def test_the_clock_agrees_with_a_day_by_day_loop():
    first, last = workclock.WORKING_CALENDAR["years"]
    for year in (first - 1, 2018, 2020, 2024, last, last + 1):  # over the edges of the covered years too
        start = datetime(year, 1, 1, tzinfo=BEIJING)
        day, working = start, int(workclock.working_seconds(int(start.timestamp())))
        while day.year == year:
            assert int(workclock.working_seconds(int((day + timedelta(hours=17)).timestamp()))) - working == (
                8 * 3600 if is_working_day(day.date()) else 0
            ), day
            working += 8 * 3600 if is_working_day(day.date()) else 0
            day += timedelta(days=1)
    rng = np.random.default_rng(3)
    starts = _utc("2017-12-01 00:00") + rng.integers(0, 400 * 86400, 400)
    hours = rng.choice([0.5, 1, 2, 4, 7.5, 8, 16, 40, 120], 400)
    ours = workclock.from_working_seconds(workclock.working_seconds(starts) + (hours * 3600).astype(np.int64))
    for start, h, got in zip(starts, hours, ours):
        assert datetime.fromtimestamp(int(got), UTC) == add_working_hours(
            datetime.fromtimestamp(int(start), UTC), float(h)
        ), (start, h)


@BOTH_BACKENDS
def test_a_summary_made_with_another_clock_is_rebuilt(store, project):
    from geo_app.data import demo_cases as demo

    demo.load(store, project, 200)
    with store.transaction() as tx:
        older = tx.read(statistics.SUMMARY).assign(closed_on_time=0)  # what an older clock might have counted
        tx.replace(statistics.SUMMARY, older, indexes=("month", "adcode"))
        tx.set_meta(statistics.CLOCK_META, "workdays:mon-fri")
    statistics.fresh(store, project.cases)
    assert store.meta(statistics.CLOCK_META) == workclock.CLOCK
    assert statistics.figures(store.read(statistics.SUMMARY))["closed_on_time"] > 0
    before = store.table_version(statistics.SUMMARY)
    statistics.fresh(store, project.cases)  # the same clock: nothing to do
    assert store.table_version(statistics.SUMMARY) == before and store.count(CASES) == 200


@BOTH_BACKENDS
def test_open_deadlines_counted_on_another_clock_are_counted_again(store, project):
    """A dispatched case whose deadline was counted Monday to Friday across 国庆 2018 gets the holiday-aware one
    at the next start-up; closed cases keep theirs; the same clock again changes nothing."""
    from geo_app.cases import service
    from geo_app.data import demo_cases as demo

    demo.load(store, project, 300)
    case, closed = store.records(
        CASES, where={"status": "closed"}, columns=["id", "service_code", "due_at"], geometry=False
    )[:2]
    with store.transaction() as tx:  # one of them dispatched at 16:00 on the Sunday before the holiday
        tx.update(
            CASES,
            {"id": case["id"]},
            {
                "status": "dispatched",
                "dispatched_at": "2018-09-30T08:00:00Z",
                "handled_at": None,
                "closed_at": None,
                "due_at": "2018-10-01T16:00:00Z",
            },
        )
        tx.update(CASES, {"id": closed["id"]}, {"due_at": "2018-01-01T00:00:00Z"})
        tx.set_meta(lifecycle.DUE_CLOCK_META, "workdays:mon-fri")
    hours = project.cases[case["service_code"]].limits.handle_h
    expected = add_working_hours(datetime(2018, 9, 30, 16, tzinfo=BEIJING), hours).astimezone(UTC)
    assert service.recount_deadlines(store, project) >= 1
    assert store.records(CASES, where={"id": case["id"]}, columns=["due_at"], geometry=False)[0][
        "due_at"
    ] == lifecycle.stamp(expected)
    assert (
        store.records(CASES, where={"id": closed["id"]}, columns=["due_at"], geometry=False)[0]["due_at"]
        == "2018-01-01T00:00:00Z"
    )
    assert store.meta(lifecycle.DUE_CLOCK_META) == workclock.CLOCK and service.recount_deadlines(store, project) == 0


def test_the_api_and_docs_name_the_calendar_and_its_years(client):
    calendar = client.get("/api/cases/classes").get_json()["working_calendar"]
    first, last = calendar["years"]
    assert "chinesecalendar" in calendar["source"] and first <= 2018 <= last
    cases = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    assert "chinesecalendar" in cases and f"{first}-{last}" in cases
