"""Clocks as staff know them on the work list: each open case's light (overdue, due soon, on time) on the working
clock, the store reads of a light (where + between) agreeing with it, the `clock` and `department` filters and the
counts per light of /api/work, the escalation table (/api/work/escalation, the admin's view on /work) checked
against direct counts, and bulk 受理 / 派遣 (/api/work/bulk) case by case."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from geo_app.cases import clocks, lifecycle
from geo_app.cases.tables import CASES
from geo_app.project import case_classes
from tests.cases.test_cases import People, act, report
from tests.cases_support import bearer
from tests.conftest import BOTH_BACKENDS, LAYERS, TEST_PASSWORD
from tests.workclock_reference import BEIJING, add_working_hours


@pytest.fixture
def people(store):
    return People(store)


def beijing(text: str) -> datetime:
    """A Beijing wall-clock time 'YYYY-MM-DD HH:MM[:SS]' as an aware UTC datetime."""
    form = "%Y-%m-%d %H:%M:%S" if text.count(":") == 2 else "%Y-%m-%d %H:%M"
    return datetime.strptime(text, form).replace(tzinfo=BEIJING).astimezone(UTC)


def stamp_at(text: str) -> str:
    return lifecycle.stamp(beijing(text))


# ---- the clock of one case ----


def test_the_catalog_gives_each_class_a_soon_share_with_a_default(project):
    catalog = project.cases
    assert catalog.soon_share == 0.2
    assert catalog["E0101"].soon_share == 0.2  # the catalog's default
    assert catalog["C0101"].soon_share == 0.5  # its own: an open manhole warns from half its limit
    e0101 = catalog["E0101"]  # quick: 立案 1 h, 处置 4 h, 结案 2 h; 派遣 1 h for every class
    assert [clocks.limit_h(s, e0101, catalog) for s in lifecycle.OPEN] == [catalog.confirm_h, 1, 1, 1, 4, 2]
    assert [clocks.soon_h(s, e0101, catalog) for s in lifecycle.OPEN] == [0.2, 0.2, 0.2, 0.2, 0.8, 0.4]
    assert clocks.soon_h("closed", e0101, catalog) is None


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.1, "20%", True])
def test_a_soon_share_outside_0_to_1_is_refused_naming_the_class(share):
    import tomllib

    data = tomllib.loads((LAYERS / case_classes.FILE).read_text(encoding="utf-8"))
    data["classes"][3]["soon_share"] = share
    with pytest.raises(case_classes.CaseCatalogError, match=r"class \w+: 'soon_share' must be a share"):
        case_classes.parse(data, "case_classes.toml")
    del data["classes"][3]["soon_share"]
    data["catalog"]["soon_share"] = share
    with pytest.raises(case_classes.CaseCatalogError, match=r"\[catalog\]: 'soon_share'"):
        case_classes.parse(data, "case_classes.toml")


def test_a_case_due_within_the_last_share_of_its_limit_is_soon(project):
    catalog = project.cases
    soon = clocks.soon_h("dispatched", catalog["E0101"], catalog)  # 20 % of 4 h: 48 working minutes
    now = beijing("2026-03-10 10:00")  # a Tuesday
    assert soon == 0.8
    assert clocks.level(stamp_at("2026-03-10 10:30"), soon, now) == "soon"
    assert clocks.level(stamp_at("2026-03-10 10:48"), soon, now) == "soon"  # exactly 48 minutes left
    assert clocks.level(stamp_at("2026-03-10 10:48:01"), soon, now) == "on_time"
    assert clocks.level(stamp_at("2026-03-10 13:00"), soon, now) == "on_time"
    assert clocks.level(stamp_at("2026-03-10 10:00"), soon, now) == "soon"  # due now: not yet passed
    assert clocks.level(stamp_at("2026-03-10 09:59:59"), soon, now) == "overdue"
    assert clocks.level(None, soon, now) is None
    # at 16:40, 48 working minutes reach 09:28 the next morning: the night does not count
    evening = beijing("2026-03-10 16:40")
    assert clocks.level(stamp_at("2026-03-11 09:28"), soon, evening) == "soon"
    assert clocks.level(stamp_at("2026-03-11 09:29"), soon, evening) == "on_time"


def test_an_overdue_case_is_red_whatever_its_share(project):
    catalog = project.cases
    now = beijing("2026-03-10 10:00")
    for code in ("C0101", "E0101", "E0501"):
        for status in lifecycle.OPEN:
            soon = clocks.soon_h(status, catalog[code], catalog)
            assert clocks.level(stamp_at("2026-03-10 09:00"), soon, now) == "overdue"
            assert clocks.level(stamp_at("2018-06-28 10:10"), soon, now) == "overdue"


def test_a_holiday_in_between_does_not_count(project):
    """National Day 2025: 10-01 to 10-08 off (and 10-11, a Saturday, a 调休 working day). At 16:30 on 09-30 a case
    due at 11:30 on 10-09 has half an hour that day and 2.5 hours after the holiday: 3 working hours."""
    catalog = project.cases
    case_class = next(c for c in catalog.classes.values() if c.limits.handle_h == 16 and c.soon_share == 0.2)
    soon = clocks.soon_h("dispatched", case_class, catalog)  # 3.2 working hours
    now = beijing("2025-09-30 16:30")
    assert soon == 3.2
    assert clocks.level(stamp_at("2025-10-09 11:30"), soon, now) == "soon"  # nine days away on the wall clock
    assert clocks.level(stamp_at("2025-10-09 12:00"), soon, now) == "on_time"
    # the last moment that is still soon, by the independent reference clock: 3.2 h after now
    last = add_working_hours(now, 3.2)
    assert last == beijing("2025-10-09 11:42")
    assert clocks.level(lifecycle.stamp(last), soon, now) == "soon"
    assert clocks.level(lifecycle.stamp(last + timedelta(seconds=1)), soon, now) == "on_time"
    assert clocks.soon_end(now, soon) == lifecycle.stamp(last + timedelta(seconds=1))
    # a deadline on the holiday itself (set by hand) has the same working time left as 09:00 on 10-09
    assert clocks.level(stamp_at("2025-10-03 12:00"), soon, now) == "soon"


def inside(span, due: str) -> bool:
    """Whether a stored deadline lies in a between range (low inclusive, high exclusive, None: no bound)."""
    return (span[0] is None or span[0] <= due) and (span[1] is None or due < span[1])


def test_the_store_reads_of_a_light_agree_with_the_light_of_each_case(project):
    """clocks.slices: the (where, between) of each light, per soon window, hold exactly the deadlines `level` gives
    that light, at random moments (nights, weekends and the National Day week included)."""
    catalog = project.cases
    rng = np.random.default_rng(3)
    start = int(beijing("2025-09-25 00:00").timestamp())
    for _ in range(40):
        now = datetime.fromtimestamp(int(start + rng.integers(0, 20 * 86400)), UTC)
        status = str(rng.choice(lifecycle.OPEN))
        code = str(rng.choice(["C0101", "E0101", "E0501", "C0201"]))
        soon = clocks.soon_h(status, catalog[code], catalog)
        for offset in rng.integers(-86400, 4 * 86400, 50):
            due = lifecycle.stamp(now + timedelta(seconds=int(offset)))
            found = [
                name
                for name in clocks.LEVELS
                for where, between in clocks.slices({"status": status, "service_code": [code]}, (name,), catalog, now)
                if code in where["service_code"] and inside(between["due_at"], due)
            ]
            assert found == [clocks.level(due, soon, now)], (now, status, code, due)


# ---- the work list's clocks ----


def set_due(store, case_id: str, due: datetime | str, status: str | None = None) -> None:
    values = {"due_at": due if isinstance(due, str) else lifecycle.stamp(due)}
    if status:
        values["status"] = status
    with store.transaction() as tx:
        tx.update(CASES, {"id": case_id}, values)


def work(client, token, expect=200, **params):
    response = client.get("/api/work", query_string=params, headers=bearer(token) if token else {})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


@pytest.fixture
def clocked(client, people, store, project, loaded):
    """Three reported cases in one grid (E0101, sanitation), one of each light at the current moment, beside the
    loaded demo cases (every open one of them long overdue)."""
    now = datetime.now(UTC)
    soon = clocks.soon_h("reported", project.cases["E0101"], project.cases)
    ids = {}
    for light, due in (
        ("overdue", now - timedelta(days=2)),
        ("soon", add_working_hours(now, soon / 2)),
        ("on_time", add_working_hours(now, soon * 4)),
    ):
        case = report(client, people["supervisor"], place=people["place"], service_code="E0101")
        set_due(store, case["id"], due)
        ids[light] = case["id"]
    return ids


def recount(store, project, as_of: str, where: dict) -> dict:
    """Every open case of `where`, counted per light at `as_of` in Python (reading them all: a test may)."""
    now = lifecycle.parse_stamp(as_of)
    counts = dict.fromkeys(clocks.LEVELS, 0)
    for row in store.records(CASES, where=where, geometry=False):
        counts[clocks.describe(row, project.cases, now)["clock"]] += 1
    return counts


@BOTH_BACKENDS
def test_each_line_has_its_light_and_the_counts_per_light_are_those_of_the_open_cases(
    client, people, store, project, clocked
):
    found = work(client, people["dispatcher"], limit="200")
    lines = {c["id"]: c for c in found["cases"]}
    for light, case_id in clocked.items():
        line = lines[case_id]
        assert line["clock"] == light and line["limit_h"] == 1 and line["soon_h"] == 0.2
        assert line["overdue"] == (light == "overdue")
        assert line["due_at_beijing"].endswith("+08:00")
        assert lifecycle.parse_time("t", line["due_at_beijing"]) == line["due_at"]
    counts = {c["clock"]: c["count"] for c in found["clocks"]}
    expected = recount(store, project, found["as_of"], {"status": ["reported", "accepted", "registered"]})
    assert counts == expected and sum(counts.values()) == found["total"]
    assert counts["soon"] >= 1 and counts["on_time"] >= 1 and counts["overdue"] > 1
    # the counts per light follow the status filter, the bucket counts the light filter
    accepted = work(client, people["dispatcher"], status="accepted")
    assert {c["clock"]: c["count"] for c in accepted["clocks"]} == recount(
        store, project, accepted["as_of"], {"status": "accepted"}
    )
    soon = work(client, people["dispatcher"], clock="soon", limit="200")
    assert {b["status"]: b["count"] for b in soon["buckets"]}["reported"] == expected["soon"]


@BOTH_BACKENDS
def test_the_clock_filter_lists_the_cases_of_a_light_by_deadline(client, people, store, project, clocked):
    everything = work(client, people["admin"], limit="200")
    counts = {c["clock"]: c["count"] for c in everything["clocks"]}
    for light in clocks.LEVELS:
        found = work(client, people["admin"], clock=light, limit="200")
        assert {c["clock"] for c in found["cases"]} <= {light}
        assert found["total"] == counts[light] == len(found["cases"])  # fewer than 200 of each here
        assert clocked[light] in {c["id"] for c in found["cases"]}
        dues = [c["due_at"] for c in found["cases"]]
        assert dues == sorted(dues)
        assert found["clocks"] == everything["clocks"]  # the chips keep every light's count
    both = work(client, people["admin"], clock="overdue,soon,soon", limit="200")
    assert both["total"] == counts["overdue"] + counts["soon"] == sum(b["count"] for b in both["buckets"])
    assert [c["id"] for c in both["cases"]] == [
        c["id"] for c in everything["cases"] if c["clock"] in ("overdue", "soon")
    ]
    # the old overdue=true is the red light
    assert [c["id"] for c in work(client, people["admin"], overdue="true", limit="200")["cases"]] == [
        c["id"] for c in work(client, people["admin"], clock="overdue", limit="200")["cases"]
    ]
    assert work(client, people["admin"], clock="soon", overdue="true")["total"] == 0
    # a text search sees the same lights
    text = work(client, people["admin"], q="井盖", clock="on_time")
    assert all(c["clock"] == "on_time" for c in text["cases"])
    # paging one light
    first, second = (work(client, people["admin"], clock="overdue", limit="2", offset=str(o)) for o in (0, 2))
    overdue = work(client, people["admin"], clock="overdue", limit="200")
    assert [c["id"] for c in first["cases"] + second["cases"]] == [c["id"] for c in overdue["cases"]][:4]


def test_the_department_filter_and_each_lines_point(client, people, store, project, clocked):
    found = work(client, people["admin"], department="sanitation", limit="200")
    assert found["cases"] and all(c["department"] == "sanitation" for c in found["cases"])
    assert set(clocked.values()) <= {c["id"] for c in found["cases"]}
    assert found["total"] == store.count(CASES, where={"department": "sanitation", "status": list(lifecycle.OPEN)})
    assert clocked["soon"] not in {c["id"] for c in work(client, people["admin"], department="utilities")["cases"]}
    line = next(c for c in found["cases"] if c["id"] == clocked["soon"])
    point = store.records(CASES, where={"id": clocked["soon"]}, columns=["id"])[0]["geometry"]
    assert (line["lon"], line["lat"]) == (round(point.x, 7), round(point.y, 7))
    assert abs(line["lon"] - people["place"].lon) < 1e-6 and abs(line["lat"] - people["place"].lat) < 1e-6


@pytest.mark.parametrize(
    "params",
    [{"clock": "red"}, {"clock": "overdue,late"}, {"clock": ","}, {"department": "police"}, {"department": "9"}],
)
def test_bad_clock_and_department_filters_are_refused_naming_them(client, people, params):
    """(An empty one is no filter: the 筛选 form sends every field.)"""
    refused = work(client, people["dispatcher"], expect=400, **params)
    assert refused["error"]["parameter"] == next(iter(params))


def test_the_page_shows_each_light_as_colour_and_words_with_the_counts_and_the_map(client, people, clocked):
    html = client.get("/work", headers=bearer(people["dispatcher"])).get_data(as_text=True)
    for light, words in (("overdue", "超期"), ("soon", "即将超期"), ("on_time", "正常")):
        line = re.search(rf'<li class="work-line[^"]*" data-case="{clocked[light]}".*?</li>', html, re.S)[0]
        assert f'<span class="clock {light}"><i class="light {light}" aria-hidden="true"></i>{words}</span>' in line
        assert f'data-clock="{light}"' in html.split('class="work-tabs work-clocks"')[1].split("</nav>")[0]
    config = re.search(r'<script type="application/json" id="work-config">(.*?)</script>', html, re.S)[1]
    assert clocked["soon"] in config and '"clock": "soon"' in config
    page = client.get("/work", query_string={"clock": "soon", "lang": "en"}, headers=bearer(people["dispatcher"]))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Due soon" in text and clocked["soon"] in text and clocked["on_time"] not in text
    assert client.get("/work?clock=red", headers=bearer(people["dispatcher"])).status_code == 400


# ---- the escalation table ----


@BOTH_BACKENDS
def test_the_escalation_counts_are_the_direct_counts(client, people, store, project, clocked):
    # more lights in other departments and steps: a dispatched C0101 (utilities) due soon, a handled one overdue
    now = datetime.now(UTC)
    extra = report(client, people["supervisor"], place=people["place"], service_code="C0101")
    soon_h = clocks.soon_h("dispatched", project.cases["C0101"], project.cases)
    set_due(store, extra["id"], add_working_hours(now, soon_h / 2), status="dispatched")
    late = report(client, people["supervisor"], place=people["place"], service_code="C0201")
    set_due(store, late["id"], now - timedelta(hours=3), status="handled")
    table = client.get("/api/work/escalation", headers=bearer(people["admin"])).get_json()
    as_of = table["as_of"]
    assert table["statuses"] == list(lifecycle.OPEN)
    assert [r["department"] for r in table["departments"]] == list(project.cases.departments)
    for row in table["departments"]:
        for status in lifecycle.OPEN:
            where = {"department": row["department"], "status": status}
            cell = row["cells"][status]
            assert cell["overdue"] == store.count(CASES, where=where, between={"due_at": (None, as_of)}), where
            assert cell["soon"] == recount(store, project, as_of, where)["soon"], where
        assert row["overdue"] == sum(c["overdue"] for c in row["cells"].values())
    cells = {r["department"]: r["cells"] for r in table["departments"]}
    assert cells["sanitation"]["reported"]["soon"] >= 1 and cells["utilities"]["dispatched"]["soon"] >= 1
    assert cells[project.cases["C0201"].department]["handled"]["overdue"] >= 1
    open_late = store.count(CASES, where={"status": list(lifecycle.OPEN)}, between={"due_at": (None, as_of)})
    assert table["totals"]["overdue"] == open_late
    # one district
    place = people["place"]
    mine = client.get("/api/work/escalation", query_string={"district": place.adcode}, headers=bearer(people["admin"]))
    where = {"department": "utilities", "status": "dispatched", "adcode": place.adcode}
    utilities = next(r for r in mine.get_json()["departments"] if r["department"] == "utilities")
    assert utilities["cells"]["dispatched"]["soon"] == recount(store, project, mine.get_json()["as_of"], where)["soon"]


def test_the_escalation_table_is_the_admins(client, people):
    assert client.get("/api/work/escalation").status_code == 401
    for role in ("dispatcher", "handler", "supervisor", "planner"):
        assert client.get("/api/work/escalation", headers=bearer(people[role])).status_code == 403, role
    for params, name in (({"district": "苏州"}, "district"), ({"level": "x"}, "level")):
        answer = client.get("/api/work/escalation", query_string=params, headers=bearer(people["admin"]))
        assert answer.status_code == 400 and answer.get_json()["error"]["parameter"] == name
    refused = client.get("/work?view=escalation", headers=bearer(people["dispatcher"]))
    assert refused.status_code == 403 and "view" in refused.get_data(as_text=True)  # the admin's, as the API
    assert client.get("/work?view=map", headers=bearer(people["admin"])).status_code == 400


def test_the_admin_sees_the_escalation_table_on_the_work_page_linking_to_the_lists(client, people, clocked):
    html = client.get("/work", query_string={"view": "escalation"}, headers=bearer(people["admin"])).get_data(
        as_text=True
    )
    assert "超期督办" in html and "环境卫生管理处" in html
    link = re.search(
        r'<a class="cell soon" data-clock="soon" href="([^"]+)">', html.split('data-department="sanitation"')[1]
    )
    assert link[1] == "/work?department=sanitation&amp;status=reported&amp;clock=soon"
    listed = client.get(link[1].replace("&amp;", "&"), headers=bearer(people["admin"])).get_data(as_text=True)
    assert clocked["soon"] in listed and clocked["on_time"] not in listed and clocked["overdue"] not in listed
    # the dispatcher's page has no escalation tab
    assert "view=escalation" not in client.get("/work", headers=bearer(people["dispatcher"])).get_data(as_text=True)


# ---- bulk 受理 and 派遣 ----


def bulk(client, token, action, cases, expect=200, **headers):
    body = {"action": action, "cases": [{"id": c["id"], "version": c["version"]} for c in cases]}
    response = client.post("/api/work/bulk", json=body, headers={**(bearer(token) if token else {}), **headers})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def stored(store, case_id) -> dict:
    return store.records(CASES, where={"id": case_id}, columns=["status", "version", "department"], geometry=False)[0]


@BOTH_BACKENDS
def test_bulk_accept_goes_case_by_case_and_a_stale_one_spoils_nothing(client, people, store):
    cases = [report(client, people["supervisor"], place=people["place"], service_code="E0101") for _ in range(4)]
    # another dispatcher accepts the second one first: the page's version of it is stale
    act(client, people["admin"], cases[1], "accept")
    answer = bulk(client, people["dispatcher"], "accept", cases)
    assert answer["action"] == "accept" and (answer["done"], answer["refused"]) == (3, 1)
    results = answer["results"]
    assert [r["id"] for r in results] == [c["id"] for c in cases] and [r["index"] for r in results] == [0, 1, 2, 3]
    for r in (results[0], results[2], results[3]):
        assert r["ok"] and (r["status"], r["version"]) == ("accepted", 2)
        assert stored(store, r["id"])["status"] == "accepted"
    stale = results[1]
    assert not stale["ok"] and stale["error"]["status"] == 409 and "version 1" in stale["error"]["message"]
    assert stale["error"]["allowed_actions"] == ["register", "reject", "supervise"]
    assert stored(store, cases[1]["id"])["version"] == 2  # as the other dispatcher left it, not stepped twice
    history = client.get(f"/api/cases/{cases[1]['id']}", headers=bearer(people["admin"])).get_json()["history"]
    assert [e["action"] for e in history] == ["report", "accept"]


def test_bulk_dispatch_sends_each_case_to_its_own_department(client, people, store, project):
    cases = []
    for code in ("E0101", "C0101", "C0201"):
        case = report(client, people["supervisor"], place=people["place"], service_code=code)
        for step in ("accept", "register"):
            case = act(client, people["dispatcher"], case, step)
        cases.append(case)
    reported = report(client, people["supervisor"], place=people["place"])  # not registered: 409 alone
    answer = bulk(client, people["dispatcher"], "dispatch", [*cases, reported])
    assert (answer["done"], answer["refused"]) == (3, 1)
    for case, result in zip(cases, answer["results"], strict=False):
        department = project.cases[case["service_code"]].department
        assert result["ok"] and result["status"] == "dispatched" and result["department"] == department
        assert stored(store, case["id"])["department"] == department
    assert answer["results"][3]["error"]["status"] == 409 and stored(store, reported["id"])["status"] == "reported"


def test_a_role_that_may_not_is_refused_whole_and_nothing_moves(client, people, store):
    cases = [report(client, people["supervisor"], place=people["place"]) for _ in range(2)]
    for role in ("handler", "supervisor", "planner"):
        refused = bulk(client, people[role], "accept", cases, expect=403)
        assert refused["error"]["status"] == 403
    assert bulk(client, None, "accept", cases, expect=401)
    assert all(stored(store, c["id"])["status"] == "reported" for c in cases)


def test_one_bad_line_is_refused_alone(client, people, store):
    good = [report(client, people["supervisor"], place=people["place"]) for _ in range(2)]
    body = {
        "action": "accept",
        "cases": [
            {"id": good[0]["id"], "version": 1},
            {"id": "SZ-nothing-here", "version": 1},
            {"id": good[1]["id"]},
            {"id": good[0]["id"], "version": 1},
            "SZ1",
            {"id": good[1]["id"], "version": 1},
        ],
    }
    answer = client.post("/api/work/bulk", json=body, headers=bearer(people["dispatcher"])).get_json()
    outcome = [
        (r["ok"], r.get("error", {}).get("status"), r.get("error", {}).get("parameter")) for r in answer["results"]
    ]
    assert outcome == [
        (True, None, None),
        (False, 404, "case"),
        (False, 400, "cases[2].version"),
        (False, 400, "cases[3].id"),  # given twice
        (False, 400, "cases[4]"),
        (True, None, None),
    ]
    assert all(stored(store, c["id"])["status"] == "accepted" for c in good)


@pytest.mark.parametrize(
    "body, parameter",
    [
        ({"action": "register", "cases": [{"id": "SZ1", "version": 1}]}, "action"),
        ({"action": "reject", "cases": [{"id": "SZ1", "version": 1}]}, "action"),
        ({"cases": [{"id": "SZ1", "version": 1}]}, "action"),
        ({"action": "accept", "cases": []}, "cases"),
        ({"action": "accept", "cases": "SZ1"}, "cases"),
        ({"action": "accept", "cases": [{"id": f"SZ{i}", "version": 1} for i in range(201)]}, "cases"),
        ({"action": "accept", "cases": [{"id": "SZ1", "version": 1}], "note": "x"}, "note"),
        (["accept"], None),
        ("accept", None),
    ],
)
def test_a_bad_bulk_request_is_refused_whole_naming_the_parameter(client, people, body, parameter):
    response = client.post("/api/work/bulk", json=body, headers=bearer(people["dispatcher"]))
    assert response.status_code == 400
    assert response.get_json()["error"].get("parameter") == parameter


def test_a_bulk_request_that_is_not_json_is_refused(client, people):
    response = client.post("/api/work/bulk", data={"action": "accept"}, headers=bearer(people["dispatcher"]))
    assert response.status_code == 400 and "JSON" in response.get_json()["error"]["message"]


def test_a_browser_session_needs_the_pages_csrf_token(client, people, store):
    case = report(client, people["supervisor"], place=people["place"])
    people["dispatcher"]  # the user exists
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    client.post("/login", data={"name": "disp", "password": TEST_PASSWORD, "csrf_token": token})
    body = {"action": "accept", "cases": [{"id": case["id"], "version": 1}]}
    forged = client.post("/api/work/bulk", json=body)
    assert forged.status_code == 403 and stored(store, case["id"])["status"] == "reported"
    csrf = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/work").get_data(as_text=True))[1]
    done = client.post("/api/work/bulk", json=body, headers={"X-CSRFToken": csrf})
    assert done.status_code == 200 and done.get_json()["done"] == 1
    assert stored(store, case["id"])["status"] == "accepted"


def test_no_hostile_value_breaks_the_escalation_table_or_a_bulk_request(client, people):
    from tests.web.test_hostile_http import HOSTILE_VALUES, assert_handled

    client.application.config["RATE_LIMIT_WRITES"] = "1000000 per minute"  # read per request: the fuzz writes a lot
    admin, dispatcher = bearer(people["admin"]), bearer(people["dispatcher"])
    for value in HOSTILE_VALUES:
        for name in ("district", "unknown"):
            answer = client.get("/api/work/escalation", query_string={name: value}, headers=admin)
            assert_handled(answer, f"escalation ?{name}={value[:20]!r}")
            assert answer.status_code in (200, 400)  # 200: codes of digits (of no district)
            assert answer.status_code == 200 or answer.get_json()["error"]["parameter"] == name
            page = client.get("/work", query_string={"view": "escalation", name: value}, headers=admin)
            assert_handled(page, f"/work?view=escalation&{name}={value[:20]!r}")
        for body in (
            {"action": value, "cases": [{"id": "SZ1", "version": 1}]},
            {"action": "accept", "cases": [{"id": value, "version": 1}]},
            {"action": "accept", "cases": [{"id": "SZ1", "version": value}]},
            {"action": "accept", "cases": [value]},
            {"action": "accept", "cases": value},
            {value: "accept", "cases": []},
        ):
            answer = client.post("/api/work/bulk", json=body, headers=dispatcher)
            assert_handled(answer, f"bulk {body!r:.60}")
            assert answer.status_code in (200, 400)
        for raw in (
            value,
            "{",
            "[" * 5000 + "]" * 5000,
            '{"action": "accept", "cases": [{"id": "SZ1", "version": 1e400}]}',
        ):
            answer = client.post(
                "/api/work/bulk",
                data=raw.encode("utf-8", "surrogatepass"),
                content_type="application/json",
                headers=dispatcher,
            )
            assert_handled(answer, f"bulk raw {raw[:20]!r}")
            assert answer.status_code in (200, 400)
