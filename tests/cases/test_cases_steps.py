"""The steps around the lifecycle (lifecycle.py, service.act, /api/cases/<id>/actions, /api/work, migration 13):
核实 of a public, 12345 or 110 report by the grid's supervisor with an on-site photo; 延期 and 回退 requests of the
handler decided by a dispatcher, the clock following the decision; 督办 set and lifted by an admin; the reply
phrases (惯用语) per class and step. Each step by each role, allowed and refused (403), 400 for a missing reason,
note, photo or hours, 409 for a stale version or a state that does not allow it; the history keeping every
request and decision; the work lists' buckets and flags; on both backends."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pandas as pd
import pytest

from geo_app import create_app
from geo_app.auth import users
from geo_app.cases import lifecycle, service, statistics
from geo_app.cases.tables import CASES, EVENTS, PHOTOS, STEP_COLUMNS
from geo_app.project import case_phrases
from geo_app.project.case_classes import CaseCatalogError
from tests.cases.test_cases import People, _walk_to, act, report
from tests.cases_support import bearer, png
from tests.conftest import BOTH_BACKENDS, LAYERS
from tests.workclock_reference import add_working_hours


def photo(name="site.png"):
    return (io.BytesIO(png()), name)


def stamp_plus(stamp: str, hours: float) -> str:
    """An independent working clock's answer: `hours` working hours after a stored time."""
    return lifecycle.stamp(add_working_hours(lifecycle.parse_stamp(stamp), hours))


def get(client, case, token=None):
    return client.get(f"/api/cases/{case['id']}", headers=bearer(token) if token else {}).get_json()


def work(client, token, **params):
    answer = client.get("/api/work", query_string=params, headers=bearer(token))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def line_of(found, case):
    return next((c for c in found["cases"] if c["id"] == case["id"]), None)


@pytest.fixture
def people(store):
    return People(store)


# ---- the lifecycle as data (no store) ----


def test_a_report_from_the_public_12345_or_110_waits_for_its_on_site_confirmation():
    assert [lifecycle.first_status(s) for s in ("public", "12345", "110", "patrol")] == [
        "verifying",
        "verifying",
        "verifying",
        "reported",
    ]
    assert "verifying" in lifecycle.OPEN and lifecycle.STATUSES[0] == "verifying"
    assert lifecycle.allowed_actions("verifying") == ["confirm", "dismiss", "supervise"]
    assert lifecycle.ACTIONS["confirm"].role == lifecycle.ACTIONS["dismiss"].role == "supervisor"


def test_what_a_case_allows_follows_its_request_and_its_flag():
    plain = {"status": "dispatched"}
    asked = {"status": "dispatched", "request": "extend"}
    assert lifecycle.allowed_actions("dispatched", plain) == ["handle", "extend", "return", "supervise"]
    assert lifecycle.allowed_actions("dispatched", asked) == ["approve", "refuse", "supervise"]
    flagged = {"status": "closed", "supervised_at": "2026-01-05T01:00:00Z"}
    assert lifecycle.allowed_actions("closed", flagged) == ["reopen", "unsupervise"]
    assert "supervise" not in lifecycle.allowed_actions("closed") and "unsupervise" not in lifecycle.allowed_actions(
        "handled"
    )
    assert "pending" in lifecycle.why_not("handle", asked) and "no pending request" in lifecycle.why_not(
        "approve", plain
    )
    # where a step leads depends on the case: a return approved goes back to 派遣, an extension stays
    assert lifecycle.target("approve", {**asked, "request": "return"}) == "registered"
    assert lifecycle.target("approve", asked) == "dispatched"
    # a reopened rejection goes back to the step that decided it: 立案, or 核实 for a report never accepted
    assert lifecycle.target("reopen", {"status": "rejected", "accepted_at": "2026-01-05T01:00:00Z"}) == "accepted"
    assert lifecycle.target("reopen", {"status": "rejected", "accepted_at": None}) == "verifying"
    # a step back clears the later steps' times, never the report's
    assert lifecycle.later_stamps("registered") == ["dispatched_at", "handled_at", "closed_at"]
    assert "reported_at" not in lifecycle.later_stamps("verifying")


def test_the_new_steps_take_reasons_from_their_lists():
    for action in ("dismiss", "extend", "return", "refuse"):
        with pytest.raises(lifecycle.BadParameter) as missing:
            lifecycle.check_reason(action, None, "")
        assert missing.value.parameter == "reason"
        assert lifecycle.check_reason(action, lifecycle.REASONS[action][0], "") == lifecycle.REASONS[action][0]
    assert "not_found" in lifecycle.REASONS["dismiss"] and "wrong_department" in lifecycle.REASONS["return"]
    with pytest.raises(lifecycle.BadParameter):
        lifecycle.check_reason("confirm", "not_found", "")  # takes none
    with pytest.raises(lifecycle.BadParameter):
        lifecycle.check_reason("supervise", "other", "")


def test_deadlines_count_from_the_confirmation_a_return_and_with_the_hours_granted(project):
    catalog = project.cases
    e0101 = catalog["E0101"]
    monday = datetime(2026, 1, 5, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    case = {"reported_at": "2026-01-05T01:30:00Z", "verified_at": None, "extended_h": None}
    assert lifecycle.due("verifying", e0101, catalog, case, monday) == stamp_plus(
        case["reported_at"], catalog.confirm_h
    )
    # 立案 counts from the 核实 of a confirmed report, from the report of a patrol one
    confirmed = {**case, "verified_at": "2026-01-05T06:00:00Z"}
    assert lifecycle.due("reported", e0101, catalog, confirmed, monday) == stamp_plus(
        "2026-01-05T06:00:00Z", e0101.limits.register_h
    )
    assert lifecycle.due("accepted", e0101, catalog, case, monday) == stamp_plus(
        case["reported_at"], e0101.limits.register_h
    )
    # 处置 with the hours a 延期 granted; counted again from 派遣 on another clock: the same deadline
    extended = {**case, "status": "dispatched", "dispatched_at": "2026-01-05T02:00:00Z", "extended_h": 6.0}
    due = lifecycle.due("dispatched", e0101, catalog, extended, lifecycle.parse_stamp(extended["dispatched_at"]))
    assert due == stamp_plus(extended["dispatched_at"], e0101.limits.handle_h + 6)
    assert lifecycle.due_again(extended, e0101, catalog) == due
    # 派遣 after an approved 回退 counts from the return, not from the first 立案
    returned = {
        **case,
        "status": "registered",
        "registered_at": "2026-01-05T02:00:00Z",
        "returned_at": "2026-01-07T03:00:00Z",
    }
    assert lifecycle.due_again(returned, e0101, catalog) == stamp_plus("2026-01-07T03:00:00Z", catalog.dispatch_h)


def test_the_confirmation_limit_is_a_catalog_setting_checked_at_start(project):
    from geo_app.project import case_classes

    assert project.cases.confirm_h == 1.0 and "核实" in project.cases.confirm_source
    assert project.cases.extension_max_h == 40.0
    data = case_classes.tomllib.loads((LAYERS / case_classes.FILE).read_text(encoding="utf-8"))
    for key, value in (("confirm_h", 0), ("confirm_h", "1"), ("extension_max_h", None)):
        bad = {**data, "catalog": {**data["catalog"], key: value}}
        if value is None:
            del bad["catalog"][key]
        with pytest.raises(CaseCatalogError, match=key):
            case_classes.parse(bad, "case_classes.toml")


# ---- 核实 ----


@BOTH_BACKENDS
def test_a_public_report_is_confirmed_on_site_by_its_grids_supervisor_with_a_photo(client, people, store):
    place = people["place"]
    case = report(client, None, place=place, source="public", service_code="E0101")
    assert (case["status"], case["allowed_actions"]) == ("verifying", ["confirm", "dismiss", "supervise"])
    assert case["due_at"] == stamp_plus(case["reported_at"], 1.0) and case["verified_at"] is None
    # not the dispatcher's yet, nor a handler's, nor another grid's supervisor's
    refused = act(client, people["dispatcher"], case, "accept", expect=409)
    assert refused["error"]["allowed_actions"] == ["confirm", "dismiss", "supervise"]
    assert "verifying case cannot be accepted" in refused["error"]["message"]
    assert (
        "needs the role supervisor"
        in act(client, people["dispatcher"], case, "confirm", photo=photo(), expect=403)["error"]["message"]
    )
    act(client, people["handler"], case, "confirm", photo=photo(), expect=403)
    assert (
        place.grid
        in act(client, people["other_supervisor"], case, "confirm", photo=photo(), expect=403)["error"]["message"]
    )
    # 核实 needs a photo taken on site, judged by its content
    assert act(client, people["supervisor"], case, "confirm", expect=400)["error"]["parameter"] == "photo"
    bad = (io.BytesIO(b"not a picture"), "site.jpg")
    assert act(client, people["supervisor"], case, "confirm", photo=bad, expect=400)["error"]["parameter"] == "photo"
    assert act(client, people["supervisor"], case, "confirm", reason="not_found", photo=photo(), expect=400)["error"][
        "parameter"
    ] == ("reason")
    stale = act(client, people["supervisor"], case, "confirm", photo=photo(), version="7", expect=409)
    assert "changed since version 7" in stale["error"]["message"]
    assert get(client, case)["status"] == "verifying" and store.count(PHOTOS, where={"case_id": case["id"]}) == 0
    case = act(client, people["supervisor"], case, "confirm", photo=photo(), note="经现场核实,情况属实")
    assert (case["status"], case["version"], case["allowed_actions"]) == ("reported", 2, ["accept", "supervise"])
    assert case["verified_at"] and case["due_at"] == stamp_plus(case["verified_at"], 1.0)  # E0101: 立案 1 h
    assert [(p["step"]) for p in case["photos"]] == ["confirm"]
    last = case["history"][-1]
    assert (last["action"], last["from_status"], last["to_status"], last["actor"], last["role"], last["note"]) == (
        "confirm",
        "verifying",
        "reported",
        "sup",
        "supervisor",
        "经现场核实,情况属实",
    )
    assert client.get(case["photos"][0]["url"]).status_code == 200
    # now it is the dispatcher's
    assert act(client, people["dispatcher"], case, "accept")["status"] == "accepted"


@BOTH_BACKENDS
def test_a_report_not_found_on_site_is_dismissed_with_a_reason_and_an_admin_may_reopen_it(client, people):
    case = report(client, people["partner"], place=people["place"])  # 12345
    assert (case["source"], case["status"]) == ("12345", "verifying")
    assert act(client, people["supervisor"], case, "dismiss", expect=400)["error"]["parameter"] == "reason"
    assert act(client, people["supervisor"], case, "dismiss", reason="out_of_scope", expect=400)["error"][
        "parameter"
    ] == ("reason")  # not a 核实 reason: the dispatcher's
    act(client, people["dispatcher"], case, "dismiss", reason="not_found", expect=403)
    case = act(client, people["supervisor"], case, "dismiss", reason="not_found", note="现场无井盖问题")
    assert (case["status"], case["due_at"], case["accepted_at"]) == ("rejected", None, None)
    assert (case["history"][-1]["action"], case["history"][-1]["reason"]) == ("dismiss", "not_found")
    assert case["allowed_actions"] == ["reopen"]
    # reopened, it goes back to 核实 (it was never accepted), overdue at once as a 立案 reopened is
    case = act(client, people["admin"], case, "reopen", reason="complaint")
    assert (case["status"], case["allowed_actions"]) == ("verifying", ["confirm", "dismiss", "supervise"])
    # an admin may confirm too
    assert act(client, people["admin"], case, "confirm", photo=photo())["status"] == "reported"


@BOTH_BACKENDS
def test_the_supervisor_has_a_to_confirm_bucket_and_the_dispatcher_only_a_count(client, people):
    place = people["place"]
    patrol = report(client, people["supervisor"], place=place)
    assert patrol["status"] == "reported"  # a supervisor's own patrol report needs no 核实
    case = report(client, None, place=place, source="public", service_code="E0101")
    mine = work(client, people["supervisor"])
    assert [b["status"] for b in mine["buckets"]][:1] == ["verifying"]
    assert line_of(mine, case)["actions"] == ["confirm", "dismiss"]
    assert line_of(work(client, people["other_supervisor"]), case) is None
    dispatcher = work(client, people["dispatcher"], limit="200")
    assert line_of(dispatcher, case) is None and "verifying" not in [b["status"] for b in dispatcher["buckets"]]
    waiting = dispatcher["following"]
    assert waiting[0]["status"] == "verifying" and waiting[0]["count"] >= 1
    assert work(client, people["dispatcher"], grid="1")["following"][0]["count"] == 0  # with the filters
    refused = client.get("/api/work", query_string={"status": "verifying"}, headers=bearer(people["dispatcher"]))
    assert refused.status_code == 400 and refused.get_json()["error"]["parameter"] == "status"
    html = client.get("/work", headers=bearer(people["dispatcher"])).get_data(as_text=True)
    assert "待监督员现场核实" in html
    html = client.get("/work", query_string={"q": case["id"]}, headers=bearer(people["supervisor"])).get_data(
        as_text=True
    )
    assert 'data-status="verifying"' in html and "待核实" in html
    assert 'data-action="confirm"' not in html and 'data-opens="confirm"' in html  # a photo: opens the case
    act(client, people["supervisor"], case, "confirm", photo=photo())
    after = work(client, people["dispatcher"], limit="200")
    assert line_of(after, case)["status"] == "reported" and line_of(after, case)["actions"] == ["accept"]
    assert after["following"][0]["count"] == waiting[0]["count"] - 1


# ---- 延期 and 回退 ----


def _dispatched(client, people, **fields):
    case = report(client, people["supervisor"], place=people["place"], **fields)  # C0101: utilities
    for action in ("accept", "register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    return case


@BOTH_BACKENDS
def test_a_handler_asks_for_more_time_and_the_dispatcher_grants_it(client, people, store):
    case = _dispatched(client, people)
    handler = people["handler"]
    for fields, parameter in (
        ({"reason": "weather"}, "hours"),
        ({"hours": "4"}, "reason"),
        ({"reason": "weather", "hours": "0"}, "hours"),
        ({"reason": "weather", "hours": "41"}, "hours"),  # more than extension_max_h
        ({"reason": "weather", "hours": "1e-308"}, "hours"),  # less than a tenth of a working hour means nothing
        ({"reason": "weather", "hours": "0.05"}, "hours"),
        ({"reason": "weather", "hours": "four"}, "hours"),
        ({"reason": "other", "hours": "4"}, "note"),
    ):
        assert act(client, handler, case, "extend", expect=400, **fields)["error"]["parameter"] == parameter, fields
    assert act(client, handler, case, "handle", hours="4", expect=400)["error"]["parameter"] == "hours"
    act(client, people["other_handler"], case, "extend", reason="weather", hours="4", expect=403)
    act(client, people["dispatcher"], case, "extend", reason="weather", hours="4", expect=403)
    act(client, handler, case, "extend", reason="weather", hours="4", version="1", expect=409)
    due = case["due_at"]
    case = act(client, handler, case, "extend", reason="weather", hours="4", note="暴雨无法施工")
    assert (case["status"], case["due_at"], case["allowed_actions"]) == (
        "dispatched",
        due,
        ["approve", "refuse", "supervise"],
    )
    pending = case["pending_request"]
    assert (pending["action"], pending["hours"], pending["reason"], pending["actor"], pending["note"]) == (
        "extend",
        4,
        "weather",
        "hand",
        "暴雨无法施工",
    )
    # the public sees that a request is pending, not who asked nor their words
    public = get(client, case)["pending_request"]
    assert (public["action"], public["hours"], public["actor"], public["note"]) == ("extend", 4, None, None)
    # while it is pending the handler takes no other step
    blocked = act(client, handler, case, "handle", expect=409)
    assert "pending" in blocked["error"]["message"] and blocked["error"]["allowed_actions"] == [
        "approve",
        "refuse",
        "supervise",
    ]
    act(client, handler, case, "extend", reason="weather", hours="2", expect=409)
    # the dispatcher's 待审批 bucket; the handler's line shows the request
    requests = work(client, people["dispatcher"], status="dispatched", limit="200")
    line = line_of(requests, case)
    assert line["pending_request"]["hours"] == 4 and line["actions"] == ["approve", "refuse"]
    assert line_of(work(client, handler), case)["pending_request"]["action"] == "extend"
    html = client.get("/work", query_string={"status": "dispatched"}, headers=bearer(people["dispatcher"]))
    assert "待审批" in html.get_data(as_text=True) and "申请延期 4 工时" in html.get_data(as_text=True)
    # granted: at most what was asked, by a dispatcher
    act(client, handler, case, "approve", expect=403)
    assert act(client, people["dispatcher"], case, "approve", hours="5", expect=400)["error"]["parameter"] == "hours"
    case = act(client, people["dispatcher"], case, "approve", hours="3", note="同意延期 3 工时")
    assert case["pending_request"] is None and case["extended_h"] == 3 and case["status"] == "dispatched"
    assert case["due_at"] == stamp_plus(due, 3)  # the deadline moves by the hours granted
    assert case["allowed_actions"] == ["handle", "extend", "return", "supervise"]
    history = [(e["action"], e["actor"], e["role"], e["reason"], e["hours"]) for e in case["history"][-2:]]
    assert history == [("extend", "hand", "handler", "weather", 4), ("approve", "disp", "dispatcher", None, 3)]
    assert store.records(EVENTS, where={"case_id": case["id"], "action": "approve"})[0]["hours"] == 3
    # a second extension adds up; approved without hours, it grants what was asked
    case = act(client, handler, case, "extend", reason="procedure", hours="2")
    case = act(client, people["dispatcher"], case, "approve")
    assert case["extended_h"] == 5 and case["due_at"] == stamp_plus(due, 5)


@BOTH_BACKENDS
def test_a_wrong_dispatch_is_returned_refused_or_approved_and_the_clock_follows(client, people):
    case = _dispatched(client, people)
    handler, dispatcher = people["handler"], people["dispatcher"]
    assert act(client, handler, case, "return", expect=400)["error"]["parameter"] == "reason"
    assert act(client, handler, case, "return", reason="wrong_department", hours="2", expect=400)["error"][
        "parameter"
    ] == ("hours")  # a return takes no hours
    case = act(client, handler, case, "return", reason="wrong_department", note="属供水公司")
    due = case["due_at"]
    assert case["pending_request"]["action"] == "return" and case["pending_request"]["hours"] is None
    # refused: a reason is needed; the case stays with the handler on its deadline
    assert act(client, dispatcher, case, "refuse", expect=400)["error"]["parameter"] == "reason"
    act(client, handler, case, "refuse", reason="responsible", expect=403)
    case = act(client, dispatcher, case, "refuse", reason="responsible", note="井盖属本单位")
    assert (case["status"], case["department"], case["due_at"], case["pending_request"]) == (
        "dispatched",
        "utilities",
        due,
        None,
    )
    assert act(client, dispatcher, case, "refuse", reason="responsible", expect=409)["error"]["allowed_actions"] == [
        "handle",
        "extend",
        "return",
        "supervise",
    ]
    # asked again and approved: back to 待派遣 with a fresh 派遣 deadline, its 处置 gone
    case = act(client, handler, case, "return", reason="wrong_class")
    stale = act(client, dispatcher, case, "approve", version=str(case["version"] - 1), expect=409)
    assert "changed since version" in stale["error"]["message"]
    case = act(client, dispatcher, case, "approve")
    assert (case["status"], case["dispatched_at"], case["pending_request"], case["extended_h"]) == (
        "registered",
        None,
        None,
        None,
    )
    assert case["returned_at"] and case["due_at"] == stamp_plus(case["returned_at"], 1.0)  # dispatch_h
    assert case["allowed_actions"] == ["dispatch", "supervise"]
    # every request and decision in the history, with who, when and why
    steps = [(e["action"], e["from_status"], e["to_status"], e["role"], e["reason"]) for e in case["history"][-4:]]
    assert steps == [
        ("return", "dispatched", "dispatched", "handler", "wrong_department"),
        ("refuse", "dispatched", "dispatched", "dispatcher", "responsible"),
        ("return", "dispatched", "dispatched", "handler", "wrong_class"),
        ("approve", "dispatched", "registered", "dispatcher", None),
    ]
    assert all(e["actor"] and e["at"] for e in case["history"]) and case["history"][-3]["note"] == "井盖属本单位"
    # dispatched again, elsewhere, it is that department's to handle; where it goes is named (no default: the class's
    # department is the one that returned it), also in a bulk step
    assert act(client, dispatcher, case, "dispatch", expect=400)["error"]["parameter"] == "department"
    bulk = client.post(
        "/api/work/bulk", json={"action": "dispatch", "cases": [{"id": case["id"], "version": case["version"]}]},
        headers=bearer(dispatcher),
    ).get_json()  # fmt: skip
    assert bulk["results"][0]["error"]["parameter"] == "department"
    case = act(client, dispatcher, case, "dispatch", department="sanitation")
    act(client, handler, case, "handle", expect=403)
    assert act(client, people["other_handler"], case, "handle")["status"] == "handled"


# ---- 督办 ----


@BOTH_BACKENDS
def test_an_admin_flags_a_case_for_supervision_and_lifts_it(client, people, store):
    place = people["place"]
    case = _dispatched(client, people)
    for who in ("dispatcher", "supervisor", "handler"):
        assert (
            act(client, people[who], case, "supervise", note="加快处置", expect=403)["error"]["parameter"] == "action"
        )
    assert act(client, people["admin"], case, "supervise", expect=400)["error"]["parameter"] == "note"
    act(client, people["admin"], case, "supervise", note="加快处置", version="1", expect=409)
    case = act(client, people["admin"], case, "supervise", note="已超期,请加快处置")
    assert case["supervision"]["note"] == "已超期,请加快处置" and case["supervision"]["actor"] == "adm"
    assert case["supervised_at"] and case["status"] == "dispatched" and "unsupervise" in case["allowed_actions"]
    assert act(client, people["admin"], case, "supervise", note="again", expect=409)["error"]["parameter"] == "action"
    # the flag shows on every list the case is on; its note and who set it for staff only
    assert line_of(work(client, people["handler"]), case)["supervision"]["note"] == "已超期,请加快处置"
    flagged = work(client, people["admin"], supervised="true", limit="200")
    assert [c["id"] for c in flagged["cases"]] == [case["id"]] and flagged["total"] == 1
    queue = client.get(f"/api/grids/{place.grid}/queue").get_json()["cases"]
    assert next(c for c in queue if c["id"] == case["id"])["supervision"] == {
        "at": case["supervised_at"],
        "note": None,
        "actor": None,
    }
    assert get(client, case)["supervision"]["note"] is None and get(client, case, people["handler"])["supervision"]
    html = client.get("/work", query_string={"q": case["id"]}, headers=bearer(people["handler"])).get_data(as_text=True)
    assert re.search(r'class="work-line[^"]* supervised"', html) and "督办" in html
    # the handler still handles it; the flag stays until an admin lifts it
    case = act(client, people["handler"], case, "handle")
    assert case["supervision"] is not None
    case = act(client, people["admin"], case, "unsupervise", note="已处置")
    assert case["supervision"] is None and case["supervised_at"] is None
    assert [e["action"] for e in case["history"]][-3:] == ["supervise", "handle", "unsupervise"]
    assert act(client, people["admin"], case, "unsupervise", expect=409)
    assert work(client, people["admin"], supervised="true")["total"] == 0


# ---- 惯用语 ----


def test_reply_phrases_per_class_and_step_in_both_languages(client, project):
    found = client.get("/api/cases/phrases", query_string={"service_code": "C0101", "action": "confirm"}).get_json()
    assert found["count"] == len(found["phrases"]) >= 2
    assert all(p["action"] == "confirm" and p["zh"] and p["en"] for p in found["phrases"])
    assert any(p["classes"] == ["C01", "E04"] for p in found["phrases"])  # the class's major
    assert not any("E05" in p["classes"] for p in found["phrases"])  # not another class's
    every = client.get("/api/cases/phrases").get_json()["phrases"]
    assert {p["action"] for p in every} <= set(lifecycle.ACTIONS) and len(every) == len(project.phrases)
    for query, parameter in (
        ({"service_code": "X9999"}, "service_code"),
        ({"action": "approve_all"}, "action"),
        ({"lang": "en"}, "lang"),
    ):
        answer = client.get("/api/cases/phrases", query_string=query)
        assert answer.status_code == 400 and answer.get_json()["error"]["parameter"] == parameter
    assert "/api/cases/phrases" in client.get("/grid").get_data(as_text=True)  # the page's config names it


@pytest.mark.parametrize(
    "entry, words",
    [
        ({"action": "confirm", "zh": "好"}, "'en'"),
        ({"action": "Confirm!", "zh": "好", "en": "ok"}, "'action'"),
        ({"action": "confirm", "classes": ["X01"], "zh": "好", "en": "ok"}, "'classes'"),
        ({"action": "confirm", "classes": ["C09"], "zh": "好", "en": "ok"}, "C09"),
        ({"action": "confirm", "zh": "好" * 201, "en": "ok"}, "200"),
        ({"action": "confirm", "zh": "好", "en": "ok", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_phrase_stops_the_start_with_the_entry_and_the_reason(project, entry, words):
    with pytest.raises(CaseCatalogError, match=r"\[\[phrases\]\] #1") as caught:
        case_phrases.parse({"phrases": [entry]}, "case_phrases.toml", project.cases)
    assert words in str(caught.value)


def test_a_phrase_for_no_step_stops_the_start(tmp_path, store_path):
    import shutil

    root = tmp_path / "layers"
    shutil.copytree(LAYERS, root)
    with (root / case_phrases.FILE).open("a", encoding="utf-8") as file:
        file.write('\n[[phrases]]\naction = "approve_all"\nzh = "全部同意"\nen = "All approved"\n')
    with pytest.raises(CaseCatalogError, match="approve_all"):
        create_app({"STORE": str(store_path), "LAYERS_DIR": str(root), "TESTING": True})


# ---- statistics, the store ----


def test_statistics_count_a_dismissed_report_as_never_accepted_and_an_extension_as_on_time(project):
    """The indicators of hand-made cases: a report dismissed at 核实 is reported but neither 受理 nor 不予立案; 受理 is
    timed from the 核实; a 处置 within its limit plus the hours granted is on time, without them late."""
    e0101 = project.cases["E0101"]  # handle_h 4, close_h 2
    base = {
        "service_code": "E0101",
        "source": "public",
        "adcode": "320508",
        "grid_code": None,
        "reported_at": "2026-01-05T01:00:00Z",  # Monday 09:00 Beijing
        "accepted_at": None,
        "registered_at": None,
        "dispatched_at": None,
        "handled_at": None,
        "closed_at": None,
        "rework_count": 0,
        "demo": False,
        "verified_at": None,
        "returned_at": None,
        "extended_h": None,
    }
    dismissed = {**base, "status": "rejected"}
    closed = {
        **base,
        "status": "closed",
        "verified_at": "2026-01-05T02:00:00Z",  # 10:00
        "accepted_at": "2026-01-05T02:30:00Z",  # 受理 in 0.5 h from the 核实 (1.5 h from the report)
        "registered_at": "2026-01-05T03:00:00Z",
        "dispatched_at": "2026-01-05T03:00:00Z",
        "handled_at": stamp_plus("2026-01-05T03:00:00Z", e0101.limits.handle_h + 1),  # an hour past the limit
        "extended_h": 2.0,
    }
    closed["closed_at"] = closed["handled_at"]
    frame = pd.DataFrame([dismissed, closed], columns=statistics.CASE_COLUMNS)
    figures = statistics.figures(statistics.summarise(frame, project.cases))
    assert (figures["reported"], figures["accepted"], figures["rejected"], figures["concluded"]) == (2, 1, 0, 1)
    assert figures["conclusion_rate_pct"] == 100.0 and figures["on_time_rate_pct"] == 100.0
    assert figures["median_hours"]["accept"] == pytest.approx(0.5, rel=0.15)
    late = pd.DataFrame([{**closed, "extended_h": None}], columns=statistics.CASE_COLUMNS)
    assert statistics.figures(statistics.summarise(late, project.cases))["on_time_rate_pct"] == 0.0


@BOTH_BACKENDS
def test_deadlines_counted_again_on_a_new_clock_keep_a_return_and_an_extension(client, people, store, project):
    extended = _dispatched(client, people)
    extended = act(client, people["handler"], extended, "extend", reason="weather", hours="6")
    extended = act(client, people["dispatcher"], extended, "approve")
    returned = _dispatched(client, people)
    returned = act(client, people["handler"], returned, "return", reason="wrong_class")
    returned = act(client, people["dispatcher"], returned, "approve")
    confirmed = report(client, None, place=people["place"], source="public")
    confirmed = act(client, people["supervisor"], confirmed, "confirm", photo=photo())
    with store.transaction() as tx:
        tx.set_meta(lifecycle.DUE_CLOCK_META, "an older clock")
    service.recount_deadlines(store, project)
    for case in (extended, returned, confirmed):
        assert get(client, case)["due_at"] == case["due_at"], case["status"]


@BOTH_BACKENDS
def test_migration_13_gives_an_old_store_the_steps_keeping_its_cases(store_path, store, project):
    from geo_app.data import demo_cases as demo
    from geo_app.data import migrations

    demo.load(store, project, 50)
    dispatched = _walk_to(store, project, "dispatched", users.User("root", "admin", False, "2018-01-01"))
    with store.transaction() as tx:  # a store from before: none of migration 13's columns
        for table, columns in STEP_COLUMNS.items():
            frame = tx.read(table)
            tx.replace(table, frame.drop(columns=list(columns)), indexes=tuple(store.indexes(table)))
        tx.set_meta("schema_version", "11")
    before = store.read(CASES).sort_values("id").reset_index(drop=True)
    assert "request" not in before.columns
    client = create_app({"STORE": str(store_path), "LAYERS_DIR": str(LAYERS), "TESTING": True}).test_client()
    assert int(store.meta("schema_version")) == migrations.MIGRATIONS[-1][0] >= 13
    after = store.read(CASES).sort_values("id").reset_index(drop=True)
    for column in STEP_COLUMNS[CASES]:
        assert after[column].isna().all(), column
    for column in ("id", "status", "due_at", "version"):
        assert after[column].tolist() == before[column].tolist(), column
    # an old dispatched case takes the new steps
    old = after[after["id"] == dispatched["id"]].iloc[0]
    users.add(store, "old-handler", "handler", "a long test password", department=old["department"])
    token = users.new_token(store, "old-handler")
    answer = client.post(
        f"/api/cases/{old['id']}/actions",
        data={"action": "extend", "version": str(old["version"]), "reason": "weather", "hours": "2"},
        headers=bearer(token),
    )
    assert answer.status_code == 200 and answer.get_json()["pending_request"]["hours"] == 2
    assert client.get(f"/api/cases/{old['id']}").get_json()["history"][0]["hours"] is None
