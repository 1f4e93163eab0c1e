"""Case statistics: the summary agrees with an independent pandas computation from the cases, stays right when a
case changes (record) or is rebuilt when a write skipped it (fresh); /api/cases/statistics validates its parameters
and shows the report's figures only for the report's own scope and period; /districts shows them side by side."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geo_app.cases import lifecycle, statistics
from geo_app.cases.tables import CASES, EVENTS
from geo_app.data import demo_cases as demo
from tests.cases_support import DEMO_CASES as N
from tests.cases_support import H1, png
from tests.conftest import BOTH_BACKENDS
from tests.workclock_reference import add_working_hours

pytestmark = BOTH_BACKENDS


def _with_first_dispatch(store, cases: pd.DataFrame) -> pd.DataFrame:
    """The cases with the time of their dispatch event (the first 派遣), straight from the history."""
    events = pd.DataFrame(store.read(EVENTS, where={"action": "dispatch"}, columns=["case_id", "at"]))
    return cases.assign(first_dispatch=cases["id"].map(events.groupby("case_id")["at"].min()))


# each step's start and end, as the definitions say (a 派遣 is timed to the first one)
TIMED = {
    "accept": ("reported_at", "accepted_at"),
    "register": ("accepted_at", "registered_at"),
    "dispatch": ("registered_at", "first_dispatch"),
    "handle": ("dispatched_at", "handled_at"),
    "verify": ("handled_at", "closed_at"),
}


def _median_hours(cases: pd.DataFrame, start: str, end: str) -> float | None:
    """numpy's median of the raw durations (clock hours) of the cases that went through the step."""
    both = cases[start].notna() & cases[end].notna()
    hours = (pd.to_datetime(cases.loc[both, end]) - pd.to_datetime(cases.loc[both, start])).dt.total_seconds() / 3600
    return float(np.median(hours.to_numpy())) if len(hours) else None


def _expected(cases: pd.DataFrame, project) -> dict:
    """The indicators straight from the case rows (with first_dispatch), with pandas and numpy (and a day-by-day
    working clock)."""
    closed = cases[cases["status"] == "closed"]
    on_time = 0
    for row in closed.to_dict("records"):
        limits = project.cases[row["service_code"]].limits
        handled_by = add_working_hours(lifecycle.parse_stamp(row["dispatched_at"]), limits.handle_h)
        closed_by = add_working_hours(lifecycle.parse_stamp(row["handled_at"]), limits.close_h)
        on_time += (
            lifecycle.parse_stamp(row["handled_at"]) <= handled_by
            and lifecycle.parse_stamp(row["closed_at"]) <= closed_by
        )
    registered, accepted = cases["registered_at"].notna().sum(), cases["accepted_at"].notna().sum()
    concluded = cases["status"].isin(["closed", "rejected"]).sum()
    reworked = cases["rework_count"] > 0
    handled = (cases["handled_at"].notna() | reworked).sum()  # a case sent back was handled before
    return {
        "reported": len(cases),
        "registered": registered,
        "closed": len(closed),
        "concluded": concluded,
        "handled": handled,
        "reworked": reworked.sum(),
        "closing_rate_pct": round(100 * len(closed) / registered, 2) if registered else None,
        "conclusion_rate_pct": round(100 * concluded / accepted, 2) if accepted else None,
        "on_time_rate_pct": round(100 * on_time / len(closed), 2) if len(closed) else None,
        "rework_rate_pct": round(100 * reworked.sum() / handled, 2) if handled else None,
        "median_hours": {step: _median_hours(cases, *columns) for step, columns in TIMED.items()},
    }


def _assert_agree(figures: dict, expected: dict) -> None:
    """Counts and rates exactly; each median is the exact one (numpy's) to 4 decimals of an hour."""
    for name, value in expected.items():
        if name == "median_hours":
            for step, hours in value.items():
                shown = figures["median_hours"][step]
                assert (shown is None) == (hours is None), step
                if hours is not None:
                    assert abs(shown - hours) <= 0.00005 + 1e-12, (step, shown, hours)
        else:
            assert figures[name] == value, name


def test_statistics_agree_with_pandas(loaded, project):
    cases = _with_first_dispatch(loaded, pd.DataFrame(loaded.read(CASES)))
    total = statistics.figures(statistics.summary_rows(loaded, statistics.Selection(months=H1), project.cases))
    _assert_agree(total, _expected(cases, project))
    by_district = statistics.grouped(
        statistics.summary_rows(loaded, statistics.Selection(months=H1), project.cases), "district"
    )
    assert [g["key"] for g in by_district] == sorted(cases["adcode"].unique())
    for group in by_district:
        _assert_agree(group, _expected(cases[cases["adcode"] == group["key"]], project))
    one_class = cases["service_code"].value_counts().index[0]
    march = statistics.summary_rows(
        loaded, statistics.Selection(months=("2018-03",), service_code=one_class), project.cases
    )
    in_march = pd.to_datetime(cases["reported_at"]).dt.tz_convert("Asia/Shanghai").dt.month == 3
    assert statistics.figures(march)["reported"] == (in_march & (cases["service_code"] == one_class)).sum()


def test_a_grid_is_counted_from_its_own_cases(loaded, project):
    cases = _with_first_dispatch(loaded, pd.DataFrame(loaded.read(CASES)))
    grid = cases["grid_code"].value_counts().index[0]
    rows = statistics.summary_rows(loaded, statistics.Selection(months=H1, grid_code=grid), project.cases)
    _assert_agree(statistics.figures(rows), _expected(cases[cases["grid_code"] == grid], project))


def test_record_keeps_the_summary_right_and_fresh_rebuilds_a_skipped_one(loaded, project):
    case = loaded.read(CASES, where={"status": "dispatched"}, limit=1).iloc[0].to_dict()
    after = {**case, "status": "handled", "handled_at": "2018-06-30T15:00:00Z"}
    with loaded.transaction() as tx:
        tx.update(CASES, {"id": case["id"]}, {"status": "handled", "handled_at": after["handled_at"]})
        statistics.record(tx, project.cases, case, after)
        new = {
            **case,
            "id": "TEST-1",
            "adcode": "320508",
            "source": "public",
            "reported_at": "2018-02-01T01:00:00Z",
            "status": "reported",
            "accepted_at": None,
            "registered_at": None,
            "dispatched_at": None,
        }
        statistics.record(tx, project.cases, None, new)
    kept = loaded.read(statistics.SUMMARY).sort_values(list(statistics.KEYS)).reset_index(drop=True)
    with loaded.transaction() as tx:
        statistics.rebuild(tx, project.cases)
    rebuilt = loaded.read(statistics.SUMMARY).sort_values(list(statistics.KEYS)).reset_index(drop=True)
    # the one row recorded for a case not in the table (TEST-1) is the only difference
    test_row = (
        (kept["month"] == "2018-02")
        & (kept["adcode"] == "320508")
        & (kept["source"] == "public")
        & (kept["service_code"] == case["service_code"])
    )
    merged = kept.merge(rebuilt, on=list(statistics.KEYS), how="outer", suffixes=("", "_r"), indicator=True)
    differ = merged[
        (merged["_merge"] != "both")
        | (merged["reported"] != merged["reported_r"])
        | (merged["handled"] != merged["handled_r"])
        | (merged["dur_handle"] != merged["dur_handle_r"])
    ]
    assert len(differ) == 1 and test_row.any()
    assert statistics.figures(rebuilt)["handled"] == loaded.count(
        CASES, where={"status": ["handled", "closed"]}
    ) + loaded.count(CASES, where={"status": "dispatched", "rework_count": [1, 2]})
    # a write of the cases that skips record(): the next read rebuilds the summary first
    with loaded.transaction() as tx:
        tx.delete(CASES, {"id": case["id"]})
    statistics.fresh(loaded, project.cases)
    assert statistics.figures(loaded.read(statistics.SUMMARY))["reported"] == N - 1


def test_api_answers_with_the_report_beside_for_its_scope_and_period(client, project):
    demo.load(client.application.extensions["geo_app"]["store"], project, N)
    answer = client.get("/api/cases/statistics").get_json()
    assert answer["period"] == "2018H1" and answer["total"]["reported"] == N and answer["data_notice"]
    beside = {f["figure"]: f for f in answer["report"]}
    assert beside["rate"]["report_value"] == 98.45 and beside["accepted"]["report_value"] == 750852
    assert beside["rate"]["computed"] == answer["total"]["conclusion_rate_pct"] == pytest.approx(98.45, abs=0.1)
    assert sum(g["reported"] for g in answer["groups"]) == N and all(
        g["reported_per_km2"] > 0 for g in answer["groups"]
    )
    city = client.get("/api/cases/statistics?scope=city_platform&by=source").get_json()
    assert {g["key"] for g in city["groups"]} == {"12345", "110"}
    assert {f["report_value"] for f in city["report"]} == {97818, 96293, 98.44}
    # never apportioned: no report figure beside a district, a class, a source, a grid or another period
    for query in ("district=320508", "class=E0101", "source=patrol", "period=2018Q1", "period=2018-03"):
        narrowed = client.get(f"/api/cases/statistics?{query}").get_json()
        assert narrowed["report"] == [] and narrowed["total"]["reported"] < N, query


def test_fresh_open_cases_leave_the_first_half_of_2018_as_it_was(client, project):
    """The fresh demo cases (as of a day in 2026) count in their own months: H1 2018's figures stay the same."""
    from datetime import date

    store = client.application.extensions["geo_app"]["store"]
    demo.load(store, project, N)
    before = client.get("/api/cases/statistics").get_json()
    demo.load(store, project, N, as_of=date(2026, 12, 8))
    after = client.get("/api/cases/statistics").get_json()
    assert after["total"] == before["total"] and after["report"] == before["report"]
    assert after["total"]["reported"] == N
    fresh = client.get("/api/cases/statistics?period=2026-12").get_json()
    assert 0 < fresh["total"]["reported"] <= demo.fresh_count(N)


@pytest.mark.parametrize(
    "query, status, parameter",
    [
        ("period=2018H3", 400, "period"),
        ("period=<script>", 400, "period"),
        ("scope=全市", 400, "scope"),
        ("district=320581", 400, "district"),
        ("district=nowhere", 404, "district"),
        ("grid=12", 400, "grid"),
        ("grid=999999999999999", 404, "grid"),
        ("class=X9999", 400, "class"),
        ("source=email", 400, "source"),
        ("by=street", 400, "by"),
        ("limit=5", 400, "limit"),
    ],
)
def test_api_refuses_bad_parameters(client, query, status, parameter):
    response = client.get(f"/api/cases/statistics?{query}")
    assert response.status_code == status
    assert response.get_json()["error"]["parameter"] == parameter


@pytest.mark.parametrize(
    "lang, words", [("zh", ["办结率", "98.45", "示例"]), ("en", ["Conclusion rate", "98.45", "Demo"])]
)
def test_districts_page_shows_the_computed_rate_beside_the_report(client, project, lang, words):
    demo.load(client.application.extensions["geo_app"]["store"], project, N)
    computed = client.get("/api/cases/statistics").get_json()["total"]["conclusion_rate_pct"]
    page = client.get(f"/districts?lang={lang}").get_data(as_text=True)
    section = page[page.index('id="case-statistics"') :]
    for word in words:
        assert word in section
    row = re.search(r'<tr id="case-report-rate">(.*?)</tr>', section, re.S).group(1)
    assert "98.45" in row and f"{computed:.2f}" in row
    district = client.get(f"/districts/320508?lang={lang}").get_data(as_text=True)
    own = district[district.index('id="case-statistics"') :]
    own = own[: own.index("</section>")]
    assert 'id="case-figures"' in own and "98.45" not in own  # a district's figures are computed only


def test_service_writes_keep_the_summary_as_a_rebuild_would(loaded, project):
    """report and act update the summary in their own transaction: it is never stale and equals a rebuild."""
    from geo_app.auth import users
    from geo_app.cases import service
    from tests.cases_support import grid_place

    users.add(loaded, "stats-admin", "admin", "a long test password")
    admin = users.get(loaded, "stats-admin")
    place = grid_place(loaded)
    case = service.report(
        loaded,
        project,
        service_code="C0101",
        lon=place.lon,
        lat=place.lat,
        source="public",
        description="井盖缺失 <b>",
        reporter=None,
    )
    # 核实 on site, a 延期 granted, a 回退 approved and dispatched again, a 返工, an admin's reopen of the closed case
    # (which clears its 处置 and 结案 times), 督办 set and lifted
    steps = (
        "confirm",
        "accept",
        "register",
        "dispatch",
        "extend",
        "approve",
        "return",
        "approve",
        "dispatch",
        "handle",
        "rework",
        "handle",
        "verify",
        "reopen",
        "supervise",
        "handle",
        "verify",
        "unsupervise",
    )
    for number, action in enumerate(steps):
        reason = lifecycle.REASONS[action][0] if action in lifecycle.REASONS else None
        needs = {
            "photos": [png()] if action == "confirm" else (),
            "hours": 2 if action == "extend" else None,
            "note": "督办" if action == "supervise" else "",
            # dispatched again after the 回退: to a department named (the one that returned it is no default)
            "department": "roads" if action == "dispatch" and "return" in steps[:number] else None,
        }
        case = service.act(loaded, project, case["id"], action, user=admin, reason=reason, **needs)
    assert case["status"] == "closed" and case["verified_at"] and case["returned_at"]
    # and a public report dismissed at 核实: reported, never accepted, so neither 不予立案 nor 办结
    dismissed = service.report(
        loaded, project, service_code="E0101", lon=place.lon, lat=place.lat, source="12345", reporter="hotline"
    )
    before = statistics.figures(loaded.read(statistics.SUMMARY))
    service.act(loaded, project, dismissed["id"], "dismiss", user=admin, reason="not_found")
    after = statistics.figures(loaded.read(statistics.SUMMARY))
    assert (after["reported"], after["rejected"], after["concluded"]) == (
        before["reported"],
        before["rejected"],
        before["concluded"],
    )
    assert loaded.table_version(statistics.SUMMARY) >= loaded.table_version(CASES)
    kept = loaded.read(statistics.SUMMARY)
    with loaded.transaction() as tx:
        statistics.rebuild(tx, project.cases)
    rebuilt = loaded.read(statistics.SUMMARY)
    key = list(statistics.KEYS)
    pd.testing.assert_frame_equal(
        kept[kept["reported"] > 0].sort_values(key).reset_index(drop=True),
        rebuilt.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    total = statistics.figures(rebuilt)
    assert (
        total["reported"] == N + 2
        and total["reworked"]
        == statistics.figures(statistics.summarise(pd.DataFrame(loaded.read(CASES)), project.cases))["reworked"]
    )


def test_a_store_without_cases_takes_its_first_case(store, project):
    """The summary made (empty) by the migration keeps its histogram columns' type through a copy to the other
    backend, so the first case's counters and durations land in it."""
    from geo_app.auth import users
    from geo_app.cases import service
    from tests.cases_support import grid_place

    assert store.count(CASES) == 0 and store.count(statistics.SUMMARY) == 0
    users.add(store, "first-admin", "admin", "a long test password")
    place = grid_place(store)
    case = service.report(
        store,
        project,
        service_code="E0101",
        lon=place.lon,
        lat=place.lat,
        source="public",
        description="first",
        reporter=None,
    )
    first_admin = users.get(store, "first-admin")
    service.act(store, project, case["id"], "confirm", user=first_admin, photos=[png()])  # 核实 on site first
    service.act(store, project, case["id"], "accept", user=first_admin)
    total = statistics.figures(store.read(statistics.SUMMARY))
    assert total["reported"] == total["accepted"] == 1 and total["median_hours"]["accept"] is not None


def test_medians_are_exact_for_every_district_class_source_month_and_grid(loaded, project):
    """Every median is numpy's median of the raw durations (rounded to 0.01 h), however few the cases: the
    histograms of before (buckets 25 % wide) put 144 of 825 class and grid medians more than 5 % off."""
    cases = _with_first_dispatch(loaded, pd.DataFrame(loaded.read(CASES)))
    cases["month"] = pd.to_datetime(cases["reported_at"]).dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m")
    rows = statistics.summary_rows(loaded, statistics.Selection(months=H1), project.cases)
    compared = 0
    for by, column in (("district", "adcode"), ("class", "service_code"), ("source", "source"), ("month", "month")):
        for group in statistics.grouped(rows, by):
            _assert_agree(group, _expected(cases[cases[column] == group["key"]], project))
            compared += 1
    grids = cases["grid_code"].value_counts()
    for grid in [*grids.index[:5], *grids[grids <= 3].index[:15]]:  # the busiest grids and some of two or three
        selection = statistics.Selection(months=H1, grid_code=grid)
        figures = statistics.figures(statistics.summary_rows(loaded, selection, project.cases))
        _assert_agree(figures, _expected(cases[cases["grid_code"] == grid], project))
        compared += 1
    assert compared > 60


def _two_cases(project, first_s: int, second_s: int) -> pd.DataFrame:
    """Two reported and accepted cases, accepted `first_s` and `second_s` seconds after their report."""
    reported = pd.Timestamp("2018-03-05T01:00:00Z")
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return pd.DataFrame(
        [
            {
                "id": f"T{i}",
                "service_code": "E0101",
                "source": "patrol",
                "status": "accepted",
                "adcode": "320508",
                "grid_code": "320508001001001",
                "reported_at": stamp(reported),
                "accepted_at": stamp(reported + pd.Timedelta(seconds=s)),
                "rework_count": 0,
                "demo": False,
            }
            for i, s in enumerate((first_s, second_s))
        ],
        columns=statistics.CASE_COLUMNS,
    )


def test_the_median_of_two_cases_is_their_mean_not_a_bucket(project):
    """The recomputation's grid: two cases, 144 s and 85,176 s, exactly 11.85 h (the histogram said 0.04 h)."""
    figures = statistics.figures(statistics.summarise(_two_cases(project, 144, 85_176), project.cases))
    assert figures["median_hours"]["accept"] == 11.85  # (144 + 85,176) / 2 s
    assert figures["median_hours"]["register"] is None  # nobody registered: no median, not 0
    odd = pd.concat([_two_cases(project, 60, 600), _two_cases(project, 7_200, 7_200)], ignore_index=True)
    assert statistics.figures(statistics.summarise(odd, project.cases))["median_hours"]["accept"] == round(
        np.median([60, 600, 7_200, 7_200]) / 3600, 4
    )


def test_a_case_sent_back_is_in_the_rework_rate_and_its_dispatch_is_timed_to_the_first(store, project, monkeypatch):
    """返工率's denominator keeps a case sent back (返工) and not yet handled again (its 处置 time is cleared); the
    派遣 time runs from 立案 to the first 派遣, not to the 返工 (nor to an admin's reopening), and the 处置 time
    from the last 派遣 or 返工 (what its deadline counts); the summary kept by each step is what a rebuild gives."""
    from datetime import UTC, datetime

    from geo_app.auth import users
    from geo_app.cases import service
    from tests.cases_support import grid_place

    users.add(store, "rework-admin", "admin", "a long test password")
    admin = users.get(store, "rework-admin")
    clock = {"now": datetime(2018, 3, 5, 1, 0, tzinfo=UTC)}  # Monday 09:00 Beijing time
    monkeypatch.setattr(service, "_now", lambda: clock["now"])
    place = grid_place(store)
    case = service.report(
        store,
        project,
        service_code="C0101",
        lon=place.lon,
        lat=place.lat,
        source="patrol",
        description="井盖",
        reporter="zhao",
    )  # fmt: skip  (a patrol report: no 核实 before 受理)

    def step(action: str, hour: int) -> dict:
        clock["now"] = datetime(2018, 3, 5, hour, 0, tzinfo=UTC)
        reason = lifecycle.REASONS[action][0] if action in lifecycle.REASONS else None
        return service.act(store, project, case["id"], action, user=admin, reason=reason)

    def total() -> dict:
        return statistics.figures(statistics.summary_rows(store, statistics.Selection(months=H1), project.cases))

    for action, hour in (("accept", 2), ("register", 3), ("dispatch", 4), ("handle", 6), ("rework", 8)):
        step(action, hour)
    sent_back = total()
    assert (sent_back["handled"], sent_back["reworked"], sent_back["rework_rate_pct"]) == (1, 1, 100.0)
    assert sent_back["median_hours"]["dispatch"] == 1.0  # 03:00 立案 -> 04:00 the first 派遣, not 08:00 (返工)
    step("handle", 9)
    step("verify", 10)
    closed = total()
    assert closed["median_hours"]["dispatch"] == 1.0 and closed["median_hours"]["handle"] == 1.0  # 08:00 -> 09:00
    assert (closed["handled"], closed["reworked"], closed["closed"]) == (1, 1, 1)
    step("reopen", 12)  # an admin's reopening dispatches it again: still timed to the first 派遣
    reopened = total()
    assert reopened["median_hours"]["dispatch"] == 1.0 and reopened["closed"] == 0
    assert reopened["rework_rate_pct"] == 100.0
    kept = store.read(statistics.SUMMARY)
    with store.transaction() as tx:
        statistics.rebuild(tx, project.cases)
    pd.testing.assert_frame_equal(
        kept[kept["reported"] > 0].reset_index(drop=True), store.read(statistics.SUMMARY), check_dtype=False
    )


def test_a_summary_of_the_old_layout_is_rebuilt(loaded, project):
    """A store whose summary was made before (histograms; or by an older process of a deployment, or restored from
    an older backup) is rebuilt at the next read, though its version and clock are current; a case reported
    meanwhile leaves it to `fresh`."""
    from geo_app.cases import service
    from tests.cases_support import grid_place

    def histograms_again():
        old = loaded.read(statistics.SUMMARY).rename(columns={f"dur_{s}": f"hist_{s}" for s in statistics.STEPS})
        with loaded.transaction() as tx:
            tx.replace(statistics.SUMMARY, old, indexes=("month", "adcode"))  # newer than the cases, same clock

    histograms_again()
    statistics.fresh(loaded, project.cases)
    assert "dur_accept" in loaded.read(statistics.SUMMARY, limit=0).columns
    histograms_again()
    place = grid_place(loaded)
    service.report(
        loaded, project, service_code="E0101", lon=place.lon, lat=place.lat, source="public", description="x",
        reporter=None,
    )  # fmt: skip
    assert "hist_accept" in loaded.read(statistics.SUMMARY, limit=0).columns  # left as it was
    statistics.fresh(loaded, project.cases)
    summary = loaded.read(statistics.SUMMARY)
    assert "hist_accept" not in summary.columns and statistics.figures(summary)["reported"] == N + 1


def _catalogue_keys(value) -> set[str]:
    """The catalogue keys the definitions, the exports and the pages use for the statistics."""
    from geo_app.web.api import work_export

    keys = {f"case.figure.{code}" for code in statistics.FIGURES} | {"case.figure.period", "case.definition.period"}
    keys |= {f"case.definition.{code}" for code in statistics.FIGURES}
    keys |= {f"case.time.{f.time}" for f in statistics.FIGURES.values() if f.time}
    keys |= {f"case.definition.step.{step}" for step in statistics.STEPS} | {f"case.step.{s}" for s in statistics.STEPS}
    keys |= {f"export.column.key.{by}" for by in (*statistics.GROUPINGS, "none")}
    keys |= {f"export.column.{key}" for key, _ in work_export.COLUMNS}
    return keys


def test_every_figure_is_defined_in_both_languages(client):
    """The statistics JSON says what each figure counts (numerator, denominator, clock, the limits compared), in
    Chinese and English; every catalogue key the definitions and the exports use has both languages."""
    from geo_app.texts import CATALOGUE, LANGUAGES

    for key in _catalogue_keys(None):
        assert key in CATALOGUE and all(CATALOGUE[key][lang].strip() for lang in LANGUAGES), key
    answer = client.get("/api/cases/statistics").get_json()
    definitions = answer["definitions"]
    shown = set(answer["total"]) | {"reported_per_km2"}
    assert shown <= set(definitions), shown - set(definitions)
    for code in shown:
        entry = definitions[code]
        assert entry["name_zh"] and entry["name_en"] and entry["definition_zh"] and entry["definition_en"], code
    rates = {c: (d["numerator"], d["denominator"]) for c, d in definitions.items() if c.endswith("_rate_pct")}
    assert rates == {
        "closing_rate_pct": ("closed", "registered"),
        "conclusion_rate_pct": ("concluded", "accepted"),
        "on_time_rate_pct": ("closed_on_time", "closed"),
        "rework_rate_pct": ("reworked", "handled"),
    }
    on_time = definitions["on_time_rate_pct"]
    assert (
        on_time["time"] == "working" and on_time["limits"] == ["handle_h", "close_h"] and "工作时" in on_time["time_zh"]
    )
    assert definitions["median_hours"]["time"] == "clock" and "自然时" in definitions["median_hours"]["time_zh"]
    assert "首次派遣" in definitions["median_hours"]["steps"]["dispatch"]["definition_zh"]
    assert definitions["working_calendar"]["years"][0] == 2004


def _section(html: str) -> str:
    section = html[html.index('id="case-statistics"') :]
    return section[: section.index("</section>")]


def test_districts_take_the_period_district_and_class_from_the_url(client, project):
    """/districts?period=2018Q2 is no longer ignored: the figures are the quarter's, the controls show it, and the
    links (data, exports) carry it; a district and a class narrow them the same way."""
    demo.load(client.application.extensions["geo_app"]["store"], project, N)
    quarter = client.get("/api/cases/statistics?period=2018Q2").get_json()
    page = client.get("/districts?period=2018Q2").get_data(as_text=True)
    section = _section(page)
    assert "2018年第2季度" in section and 'id="case-report"' not in section  # no report beside another period
    for group in quarter["groups"]:
        assert f'<td class="num">{group["reported"]:,}</td>' in section
    assert '<option value="2018Q2" selected>' in page
    assert "period=2018Q2" in re.search(r'id="case-export-xlsx" href="([^"]+)"', section)[1]
    one = client.get("/api/cases/statistics?period=2018-04&district=320508&class=E0101").get_json()["groups"][0]
    page = client.get("/districts?period=2018-04&district=320508&class=E0101&lang=en").get_data(as_text=True)
    section = _section(page)
    assert "2018-04 · E0101" in section and f"<dd>{one['reported']:,}</dd>" in section
    for selected in ('value="2018-04" selected', 'value="320508" selected', 'value="E0101" selected'):
        assert selected in page
    link = re.search(r'id="case-export-csv" href="([^"]+)"', section)[1].replace("&amp;", "&")
    assert all(p in link for p in ("period=2018-04", "district=320508", "class=E0101", "lang=en"))
    exported = client.get(link)
    assert exported.status_code == 200 and "Reported" in exported.get_data(as_text=True)
    # the district's own page takes the period and the class
    own = _section(client.get("/districts/320508?period=2018-04&class=E0101&lang=zh").get_data(as_text=True))
    assert f"<dd>{one['reported']:,}</dd>" in own and "2018年4月" in own
    # the choropleth of cases per km² is the period's
    panel = client.get("/districts?stat=cases_per_km2&period=2018-03&lang=zh").get_data(as_text=True)
    assert "数字城管案件密度(2018年3月,示例)" in panel


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/districts?period=2018Q5", "period"),
        ("/districts?period=<script>", "period"),
        ("/districts?district=nowhere", "district"),
        ("/districts?district=320581", "district"),  # 常熟市: not one of the platforms' districts
        ("/districts?class=X9999", "class"),
        ("/districts?stat=toilets_per_km2&class=X9999", "class"),  # never ignored, whatever the statistic
        ("/districts?stat=cases_per_km2&period=2018-13", "period"),
        ("/districts/320508?period=H1", "period"),
        ("/districts/320508?class=nothing", "class"),
        ("/districts/320508?district=320506", "district"),
    ],
)
def test_a_bad_page_parameter_is_a_400_naming_it(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400
    assert f"{parameter}:" in response.get_data(as_text=True)
