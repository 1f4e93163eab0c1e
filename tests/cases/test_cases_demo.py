"""Demo cases: deterministic, calibrated to the report (受理, 办结, 办结率 of the 市区 platforms and the city
platform), inside the grids, and their history consistent with their rows; on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo_app.cases import lifecycle, statistics, workclock
from geo_app.cases.tables import CASES, EVENTS
from geo_app.data import demo_cases as demo
from tests.conftest import BOTH_BACKENDS
from tests.workclock_reference import add_working_hours

N = 3000


@pytest.fixture(scope="module")
def grids(built_store_path):
    from geo_app.store import open_store

    store = open_store(built_store_path)
    frame = gpd.GeoDataFrame(store.read("grids", columns=["code", "adcode", "area_km2", "street", "community"]))
    store.close()
    return frame.reset_index(drop=True)


def _frame(grids, project, n: int, seed: int = demo.SEED) -> gpd.GeoDataFrame:
    cases = demo.generate(grids, project.cases, demo.calibration(project.report), n, seed)
    return demo.case_frame(cases, grids, project.cases, slice(0, n))


@pytest.fixture(scope="module")
def generated(grids, project):
    return demo.generate(grids, project.cases, demo.calibration(project.report), N)


@pytest.fixture(scope="module")
def rows(generated, grids, project):
    return demo.case_frame(generated, grids, project.cases, slice(0, N))


def test_the_same_seed_gives_the_same_cases(grids, project, rows):
    pd.testing.assert_frame_equal(pd.DataFrame(rows), pd.DataFrame(_frame(grids, project, N)))
    other = _frame(grids, project, N, seed=7)
    assert not other["reported_at"].equals(rows["reported_at"])


@pytest.mark.parametrize("n", [N, 750_852 // 40])
def test_totals_and_rates_match_the_calibration(grids, project, n):
    assert demo.calibration(project.report) == {
        "accepted": 750_852,
        "concluded": 739_232,
        "city_accepted": 97_818,
        "city_concluded": 96_293,
    }  # the report's own figures
    frame = _frame(grids, project, n)
    concluded = frame["status"].isin(["closed", "rejected"])
    assert frame["accepted_at"].notna().all()  # every case 受理'd
    assert concluded.sum() == round(n * 739_232 / 750_852)
    assert round(100 * concluded.mean(), 2) == pytest.approx(98.45, abs=0.02)
    city = frame["source"].isin(statistics.CITY_PLATFORM_SOURCES)
    assert city.sum() == round(n * 97_818 / 750_852)
    assert concluded[city].sum() == round(city.sum() * 96_293 / 97_818)
    shares = frame["source"].value_counts(normalize=True)
    assert shares["patrol"] > shares["public"] > shares["12345"] > shares["110"] > 0


def test_cases_lie_in_their_grid_in_h1_2018_and_are_demo(rows, grids):
    by_code = grids.set_index("code").geometry
    assert shapely.contains(by_code.loc[rows["grid_code"]].to_numpy(), rows.geometry.to_numpy()).all()
    assert (rows["adcode"].to_numpy() == grids.set_index("code").loc[rows["grid_code"], "adcode"].to_numpy()).all()
    assert rows["demo"].all() and rows["id"].is_unique
    assert rows["reported_at"].min() >= "2017-12-31T16:00:00Z" and rows["reported_at"].max() < "2018-06-30T16:00:00Z"
    density = rows["adcode"].value_counts() / grids.groupby("adcode")["area_km2"].sum()
    assert density.idxmax() == "320508"  # the old town is the busiest per km²


def test_steps_are_in_order_and_some_run_late_or_are_reworked_or_rejected(rows, project):
    order = ["reported_at", "accepted_at", "registered_at", "dispatched_at", "handled_at", "closed_at"]
    times = pd.DataFrame({c: statistics.to_seconds(rows[c]) for c in order})
    for earlier, later in zip(order, order[1:]):
        both = (times[earlier] >= 0) & (times[later] >= 0)
        assert (times.loc[both, later] >= times.loc[both, earlier]).all(), (earlier, later)
    assert (rows["status"] == "rejected").sum() > 0 and (rows["rework_count"] > 0).sum() > 0
    summary = statistics.figures(statistics.summarise(pd.DataFrame(rows), project.cases))
    assert 85 < summary["on_time_rate_pct"] < 100  # some overdue, most not
    open_cases = rows[~rows["status"].isin(["closed", "rejected"])]
    assert open_cases["due_at"].notna().all() and rows.loc[rows["status"] == "closed", "due_at"].isna().all()


def test_due_times_follow_the_lifecycle(rows, project):
    """An open case's deadline is the one lifecycle.due gives (working hours, Mon-Fri 09-17 Beijing time)."""
    lifecycle = pytest.importorskip("geo_app.cases.lifecycle")
    for row in rows[rows["status"].isin(["reported", "accepted", "dispatched", "handled"])].head(40).to_dict("records"):
        case_class = project.cases[row["service_code"]]
        start = {
            "reported": "reported_at",
            "accepted": "reported_at",
            "dispatched": "dispatched_at",
            "handled": "handled_at",
        }[row["status"]]
        expected = lifecycle.due(row["status"], case_class, project.cases, row, lifecycle.parse_stamp(row[start]))
        assert row["due_at"] == expected


def test_demo_step_times_agree_with_a_day_by_day_clock():
    rng = np.random.default_rng(1)
    starts = 1_514_736_000 + rng.integers(0, 200 * 86400, 300)
    hours = rng.choice([0.5, 1, 2, 4, 7.5, 8, 16, 40], 300)
    ours = demo._after(starts, (hours * 3600).astype(np.int64))
    for start, h, got in zip(starts, hours, ours):
        expected = add_working_hours(datetime.fromtimestamp(int(start), UTC), float(h))
        assert datetime.fromtimestamp(int(got), UTC) == expected, (start, h)


@BOTH_BACKENDS
def test_history_is_consistent_with_the_rows(store, project):
    done = demo.load(store, project, 400)
    cases = store.read(CASES, where={"demo": True})
    events = store.read(EVENTS)
    assert done["cases"] == len(cases) == 400 and done["events"] == len(events)
    last = events.sort_values(["case_id", "seq"]).groupby("case_id").tail(1).set_index("case_id")
    cases = cases.set_index("id")
    assert (last.loc[cases.index, "to_status"] == cases["status"]).all()
    counted = events.groupby("case_id").size()
    assert (counted.loc[cases.index] == cases["version"]).all()
    reworks = events[events["action"] == "rework"].groupby("case_id").size()
    assert (reworks.reindex(cases.index, fill_value=0) == cases["rework_count"]).all()
    # 不予立案 and 返工 name a reason from their list (not `other`, which needs words); the other steps none
    for action, codes in lifecycle.REASONS.items():
        taken = events[events["action"] == action]
        assert taken["reason"].isin([c for c in codes if c != lifecycle.OTHER]).all(), action
    assert events[~events["action"].isin(list(lifecycle.REASONS))]["reason"].isna().all()
    first = events[events["seq"] == 1].set_index("case_id")
    assert (first.loc[cases.index, "at"] == cases["reported_at"]).all()
    assert (first["action"] == "report").all()
    # loading again replaces the demo cases and their history
    demo.load(store, project, 300)
    assert store.count(CASES) == 300 and set(store.read(EVENTS)["case_id"]) == set(store.read(CASES)["id"])


def test_cli_loads_demo_cases_and_refuses_a_bad_count(runner, app):
    done = runner.invoke(args=["demo-cases", "--cases", "250", "--seed", "3", "--as-of", "2026-12-08"])
    assert done.exit_code == 0, done.output
    assert "loaded 250 demo cases, 45 open ones as of 2026-12-08" in done.output
    store = app.extensions["geo_app"]["store"]
    assert store.count(CASES, where={"demo": True}) == 250 + 45
    assert store.count(CASES, between={"reported_at": (None, "2018-07-01T00:00:00Z")}) == 250
    refused = runner.invoke(args=["demo-cases", "--cases", "0"])
    assert refused.exit_code == 2 and "--cases" in refused.output


AS_OF = date(2026, 12, 8)


@pytest.fixture(scope="module")
def fresh(grids, project):
    n = demo.fresh_count(demo.DEMO_CASES)
    cases = demo.generate_fresh(grids, project.cases, demo.calibration(project.report), n, AS_OF)
    return demo.case_frame(cases, grids, project.cases, slice(0, n))


def _state(fresh: pd.DataFrame, moment: int | None = None) -> pd.Series:
    """on_time, soon (the last SOON_SHARE of the step's limit) or overdue at the as-of moment (or `moment`, UTC
    seconds), by the work clock."""
    start = np.select(
        [
            fresh["status"].isin(["reported", "accepted"]),
            fresh["status"] == "registered",
            fresh["status"] == "dispatched",
        ],
        [fresh["reported_at"], fresh["registered_at"], fresh["dispatched_at"]],
        fresh["handled_at"],
    )
    began, due = (workclock.working_seconds(statistics.to_seconds(v)) for v in (start, fresh["due_at"]))
    left = due - workclock.working_seconds(demo.as_of_seconds(AS_OF) if moment is None else moment)
    return pd.Series(
        np.where(left < 0, "overdue", np.where(left <= demo.SOON_SHARE * (due - began), "soon", "on_time")),
        index=fresh.index,
    )


def test_fresh_cases_wait_in_every_open_status_on_time_due_soon_or_overdue(fresh, grids, project):
    assert len(fresh) == demo.fresh_count(demo.DEMO_CASES) == 300 and fresh["demo"].all()
    assert fresh["id"].str.startswith("DEMO20261208-").all() and fresh["token"].isna().all()
    mix = pd.crosstab(fresh["status"], _state(fresh))
    # every open status of the core path (no 待核实: the fresh set stays as it was before 核实 existed)
    assert set(mix.index) == set(demo.FRESH_STATUSES) == set(lifecycle.OPEN) - {"verifying"}
    assert set(mix.columns) == {"on_time", "soon", "overdue"}
    assert (mix >= 15).all().all()  # an even mix: 20 of each
    moment = demo.as_of_seconds(AS_OF)
    assert (statistics.to_seconds(fresh["reported_at"]) <= moment).all()
    assert (statistics.to_seconds(fresh["reported_at"]) > moment - 60 * 86400).all()  # around the as-of day
    for before, after in [
        ("reported_at", "accepted_at"),
        ("accepted_at", "registered_at"),
        ("registered_at", "dispatched_at"),
        ("dispatched_at", "handled_at"),
    ]:
        both = fresh[after].notna()
        assert (fresh.loc[both, before] <= fresh.loc[both, after]).all(), after
    assert (
        fresh["closed_at"].isna().all() and (fresh["status"] != "reported").sum() == fresh["accepted_at"].notna().sum()
    )
    # deterministic for a seed and an as-of day
    again = demo.generate_fresh(grids, project.cases, demo.calibration(project.report), 300, AS_OF)
    pd.testing.assert_frame_equal(
        pd.DataFrame(fresh), pd.DataFrame(demo.case_frame(again, grids, project.cases, slice(0, 300)))
    )
    other = demo.generate_fresh(grids, project.cases, demo.calibration(project.report), 300, date(2026, 12, 9))
    assert list(other.times["rep"]) != list(again.times["rep"])


def test_loading_as_of_a_day_keeps_the_calibrated_set_and_adds_the_fresh_one(store, project):
    done = demo.load(store, project, 400, as_of=AS_OF)
    assert done["cases"] == 400 and done["fresh"] == demo.fresh_count(400) == demo.FRESH_MIN
    cases = store.read(CASES).set_index("id")
    assert len(cases) == 400 + demo.FRESH_MIN and cases["demo"].all()
    first_half = cases["reported_at"].between("2017-12-31T16:00:00Z", "2018-06-30T16:00:00Z")
    assert first_half.sum() == 400 and (cases.index[first_half].str.startswith(demo.ID_PREFIX)).all()
    events = store.read(EVENTS)
    assert (events.groupby("case_id").size().loc[cases.index] == cases["version"]).all()


def test_a_store_made_later_in_the_day_shows_the_mix_as_of_then(grids, project):
    """Made at 14:30 Beijing time on the as-of day, the fresh cases are on time, due soon or overdue at 14:30, not
    at 09:00 (by 14:30 the short limits of a 09:00 mix have all run out); outside that day the morning counts."""
    from datetime import datetime

    afternoon = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 14, 30, tzinfo=workclock.BEIJING)
    moment = demo.as_of_seconds(AS_OF, afternoon)
    assert moment == int(afternoon.timestamp()) and demo.as_of_seconds(AS_OF, afternoon.replace(day=9)) == (
        demo.as_of_seconds(AS_OF)
    )
    n = demo.fresh_count(demo.DEMO_CASES)
    cases = demo.generate_fresh(grids, project.cases, demo.calibration(project.report), n, AS_OF, now=afternoon)
    later = demo.case_frame(cases, grids, project.cases, slice(0, n))
    mix = pd.crosstab(later["status"], _state(later, moment))
    assert set(mix.columns) == {"on_time", "soon", "overdue"} and (mix >= 15).all().all()
    assert (statistics.to_seconds(later["reported_at"]) <= moment).all()
