"""The work list (/api/work): what each role sees, who may not (401/403), filters, deadline order (overdue first),
bucket counts, paging bounds and bad parameters (400)."""

from __future__ import annotations

import pytest

from geo_app.cases import lifecycle
from geo_app.cases.tables import CASES
from tests.cases.test_cases import People, act, report
from tests.cases_support import bearer
from tests.conftest import BOTH_BACKENDS


@pytest.fixture
def people(store):
    return People(store)


def work(client, token, expect=200, **params):
    response = client.get("/api/work", query_string=params, headers=bearer(token) if token else {})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def ids(found) -> list[str]:
    return [c["id"] for c in found["cases"]]


@BOTH_BACKENDS
def test_each_role_sees_the_cases_waiting_for_its_step(client, people):
    new = report(client, people["supervisor"], place=people["place"])
    seen = work(client, people["dispatcher"])
    assert [b["status"] for b in seen["buckets"]] == ["reported", "accepted", "registered", "dispatched"]
    assert [b["bucket"] for b in seen["buckets"]][-1] == "requests"  # the dispatched ones with a request: 待审批
    line = next(c for c in seen["cases"] if c["id"] == new["id"])
    assert line["status"] == "reported" and line["actions"] == ["accept"] and line["overdue"] is False
    assert line["hours_left"] > 0 and line["grid_code"] == people["place"].grid and line["service_name_zh"]
    # the supervisor follows their own patrol report, but has no step on it yet
    mine = work(client, people["supervisor"])
    assert next(c for c in mine["cases"] if c["id"] == new["id"])["actions"] == []
    assert new["id"] not in ids(work(client, people["handler"]))
    case = new
    for action in ("accept", "register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    assert new["id"] not in ids(work(client, people["dispatcher"]))
    handler = work(client, people["handler"])
    assert [b["status"] for b in handler["buckets"]] == ["dispatched"]
    assert next(c for c in handler["cases"] if c["id"] == new["id"])["actions"] == ["handle", "extend", "return"]
    assert new["id"] not in ids(work(client, people["other_handler"]))
    case = act(client, people["handler"], case, "handle")
    line = next(c for c in work(client, people["supervisor"])["cases"] if c["id"] == new["id"])
    assert line["status"] == "handled" and line["actions"] == ["verify", "rework"]
    assert new["id"] not in ids(work(client, people["other_supervisor"]))
    admin = work(client, people["admin"], q=new["id"])
    assert ids(admin) == [new["id"]] and admin["cases"][0]["actions"] == ["verify", "rework", "supervise"]
    assert [b["status"] for b in admin["buckets"]] == list(lifecycle.OPEN)
    case = act(client, people["supervisor"], case, "rework", reason="not_done")
    assert new["id"] in ids(work(client, people["handler"]))  # 返工 comes back to the handler


def test_anonymous_planners_and_partners_have_no_work_list(client, people):
    assert work(client, None, expect=401)
    assert work(client, people["planner"], expect=403)
    assert work(client, people["partner"], expect=403)


def test_the_list_is_sorted_by_deadline_overdue_first_and_counted_per_bucket(client, people, loaded):
    found = work(client, people["admin"], limit="200")
    dues = [c["due_at"] for c in found["cases"]]
    assert dues == sorted(dues) and found["returned"] == len(found["cases"]) <= 200
    flags = [c["overdue"] for c in found["cases"]]
    assert flags == sorted(flags, reverse=True)  # the overdue ones first
    assert all((c["hours_left"] < 0) == c["overdue"] for c in found["cases"] if c["hours_left"] != 0)
    opened = loaded.count(CASES, where={"status": list(lifecycle.OPEN)})
    assert found["total"] == sum(b["count"] for b in found["buckets"]) == opened
    for bucket in found["buckets"]:
        assert bucket["count"] == loaded.count(CASES, where={"status": bucket["status"]})
    overdue = work(client, people["admin"], overdue="true", limit="200")
    assert all(c["overdue"] for c in overdue["cases"])
    assert overdue["total"] == sum(flags) or overdue["total"] > 200
    soon = work(client, people["admin"], due_within_h="8", limit="200")
    assert all(c["hours_left"] <= 8 for c in soon["cases"])


def test_filters_and_paging(client, people, loaded):
    everything = work(client, people["dispatcher"], limit="200")
    assert everything["total"] > 3
    first, second = (work(client, people["dispatcher"], limit="2", offset=str(o)) for o in (0, 2))
    assert ids(first) + ids(second) == ids(everything)[:4] and first["total"] == everything["total"]
    line = everything["cases"][0]
    for name, column in (
        ("district", "adcode"),
        ("grid", "grid_code"),
        ("class", "service_code"),
        ("source", "source"),
    ):
        if line[column] is None:
            continue
        found = work(client, people["dispatcher"], limit="200", **{name: line[column]})
        assert line["id"] in ids(found) and all(c[column] == line[column] for c in found["cases"])
    accepted = work(client, people["dispatcher"], status="accepted", limit="200")
    assert {c["status"] for c in accepted["cases"]} <= {"accepted"}
    assert accepted["total"] == next(b["count"] for b in accepted["buckets"] if b["status"] == "accepted")
    assert accepted["buckets"] == everything["buckets"]  # the tabs keep every bucket's count
    word = line["description"][:2]
    text = work(client, people["dispatcher"], q=word, limit="200")
    assert line["id"] in ids(text) and all(word.casefold() in c["description"].casefold() for c in text["cases"])
    assert ids(work(client, people["dispatcher"], q=line["id"])) == [line["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "1000"},
        {"offset": "-1"},
        {"offset": "99999999"},
        {"colour": "red"},
        {"status": "closed"},
        {"status": "handled"},  # not a dispatcher's bucket
        {"class": "X9999"},
        {"source": "fax"},
        {"district": "suzhou"},
        {"grid": "1;drop"},
        {"overdue": "yes"},
        {"due_within_h": "-1"},
        {"due_within_h": "NaN"},
        {"q": "x" * 500},
    ],
)
def test_bad_parameters_are_refused_naming_them(client, people, params):
    refused = work(client, people["dispatcher"], expect=400, **params)
    assert refused["error"]["parameter"] == next(iter(params))


def test_a_step_that_needs_a_reason_is_never_one_click_on_the_page(client, people):
    case = act(client, people["dispatcher"], report(client, people["supervisor"], place=people["place"]), "accept")
    page = client.get("/work", query_string={"q": case["id"]}, headers=bearer(people["dispatcher"]))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-action="register"' in html
    assert 'data-action="reject"' not in html  # 不予立案 opens the case, whose panel asks a reason and a confirmation
    assert f'href="/grid?case={case["id"]}"' in html and html.index('data-action="register"') < html.index("不予立案")


def test_the_page_speaks_either_language_with_its_filters(client, people):
    for lang, title in (("zh", "工作台"), ("en", "My work")):
        page = client.get(
            "/work", query_string={"lang": lang, "status": "reported"}, headers=bearer(people["dispatcher"])
        )
        assert page.status_code == 200 and title in page.get_data(as_text=True), lang
    assert work(client, people["dispatcher"], expect=400, lang="en")["error"]["parameter"] == "lang"  # the API has none


def test_deadlines_read_in_beijing_time_and_overdue_says_by_how_much(client, people, store):
    case = report(client, people["supervisor"], place=people["place"])
    with store.transaction() as tx:  # due at 01:30 UTC on 2026-01-05, a Monday: 09:30 in Beijing, long past
        tx.update(CASES, {"id": case["id"]}, {"due_at": "2026-01-05T01:30:00Z"})
    html = client.get("/work", query_string={"q": case["id"]}, headers=bearer(people["dispatcher"])).get_data(
        as_text=True
    )
    assert "2026-01-05 09:30" in html and "已超期" in html and "剩余 -" not in html


def test_the_filter_form_s_empty_fields_are_no_filter(client, people):
    """The 筛选 form sends every field, filled in or not: an empty one filters nothing (a filled bad one is a 400)."""
    new = report(client, people["supervisor"], place=people["place"])
    empty = dict.fromkeys(("q", "district", "grid", "class", "source", "department", "due_within_h"), "")
    assert new["id"] in ids(work(client, people["dispatcher"], **empty))
    page = client.get("/work", query_string={**empty, "q": new["id"]}, headers=bearer(people["dispatcher"]))
    assert page.status_code == 200 and f'data-case="{new["id"]}"' in page.get_data(as_text=True)
    assert work(client, people["dispatcher"], expect=400, district="姑苏区")["error"]["parameter"] == "district"
