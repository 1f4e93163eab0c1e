"""Cases through /api/cases and the service, on both backends: the whole lifecycle with each role, every refused
step (409 naming the allowed ones), roles, grids and departments (403), bad input (400/401/404), locations in other
coordinate systems, concurrency (two processes dispatch one case: exactly one wins), photos judged by content with
their EXIF GPS gone, hostile text kept as text, rate limits."""

from __future__ import annotations

import io
import multiprocessing
from datetime import UTC

import pytest
from PIL import Image

from geo_app import create_app
from geo_app.auth import users
from geo_app.cases import lifecycle, service
from geo_app.cases.tables import EVENTS
from geo_app.errors import Conflict
from geo_app.store import open_store
from geo_app.web.api import cases as routes
from tests.cases_support import (
    anonymous_csrf,
    bearer,
    grid_place,
    jpeg_with_gps,
    outside_grids,
    person,
    png,
    reports_limited_client,
)
from tests.conftest import BOTH_BACKENDS, LAYERS

pytestmark = BOTH_BACKENDS


class People(dict):
    """Users made when a test first asks for them (each password hash costs time)."""

    def __init__(self, store):
        super().__init__()
        self.store, self.place = store, grid_place(store)
        self.roles = {
            "supervisor": ("sup", "supervisor", {"grids": (self.place.grid,)}),
            "other_supervisor": ("sup2", "supervisor", {"grids": (grid_place(store, 1).grid,)}),
            "dispatcher": ("disp", "dispatcher", {}),
            "handler": ("hand", "handler", {"department": "utilities"}),
            "other_handler": ("hand2", "handler", {"department": "sanitation"}),
            "planner": ("plan", "planner", {}),
            "admin": ("adm", "admin", {}),
            "partner": ("hotline", "partner", {"department": "12345"}),
        }

    def __missing__(self, key):
        if key == "place":
            return self.place
        name, role, extra = self.roles[key]
        self[key] = person(self.store, name, role, **extra)
        return self[key]


@pytest.fixture
def people(store):
    """A supervisor of the first grid, a dispatcher, a handler of utilities (C0101's department), others."""
    return People(store)


def report(client, token=None, expect=201, **fields):
    place = fields.pop("place", None)
    data = {"service_code": "C0101", "description": "井盖没了", **fields}
    if place is not None:
        data.setdefault("lon", str(place.lon))
        data.setdefault("lat", str(place.lat))
    headers = bearer(token) if token else {}
    if token is None:
        data["csrf_token"] = anonymous_csrf(client)
    response = client.post("/api/cases", data=data, headers=headers, content_type="multipart/form-data")
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def act(client, token, case, action, expect=200, **fields):
    fields.setdefault("version", str(case["version"]))
    response = client.post(f"/api/cases/{case['id']}/actions", data={"action": action, **fields}, headers=bearer(token))
    assert response.status_code == expect, (action, response.get_json())
    return response.get_json()


def test_a_case_goes_from_report_to_closure_each_step_by_its_role(client, people, store):
    place = people["place"]
    case = report(client, people["supervisor"], place=place, photo=(io.BytesIO(jpeg_with_gps()), "well.jpg"))
    assert (case["status"], case["source"], case["grid_code"], case["adcode"]) == (
        "reported",
        "patrol",
        place.grid,
        place.adcode,
    )
    assert case["reporter"] == "sup" and case["version"] == 1 and case["due_at"] > case["reported_at"]
    # a patrol report needs no 核实: it waits for 受理 (an admin may flag any open case for 督办)
    assert case["allowed_actions"] == ["accept", "supervise"] and len(case["photos"]) == 1
    case = act(client, people["dispatcher"], case, "accept", version=str(case["version"]))
    case = act(client, people["dispatcher"], case, "register", note="立案")
    case = act(client, people["dispatcher"], case, "dispatch")
    assert case["department"] == "utilities" and case["status"] == "dispatched"
    case = act(client, people["handler"], case, "handle", note="已补装井盖")
    case = act(client, people["supervisor"], case, "verify")
    assert case["status"] == "closed" and case["due_at"] is None and case["version"] == 6
    steps = [(e["action"], e["from_status"], e["to_status"], e["actor"], e["role"]) for e in case["history"]]
    assert steps == [
        ("report", None, "reported", "sup", "supervisor"),
        ("accept", "reported", "accepted", "disp", "dispatcher"),
        ("register", "accepted", "registered", "disp", "dispatcher"),
        ("dispatch", "registered", "dispatched", "disp", "dispatcher"),
        ("handle", "dispatched", "handled", "hand", "handler"),
        ("verify", "handled", "closed", "sup", "supervisor"),
    ]
    assert [e["seq"] for e in case["history"]] == [1, 2, 3, 4, 5, 6]
    assert case["history"][4]["note"] == "已补装井盖"
    assert store.count(EVENTS, where={"case_id": case["id"]}) == 6
    for column in ("accepted_at", "registered_at", "dispatched_at", "handled_at", "closed_at"):
        assert case[column] is not None


def test_a_failed_check_sends_the_case_back_and_counts_the_rework(client, people):
    case = report(client, people["admin"], place=people["place"], source="patrol")
    for action in ("accept", "register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    case = act(client, people["handler"], case, "handle")
    case = act(client, people["supervisor"], case, "rework", reason="not_done", note="井盖未固定")
    assert (case["status"], case["rework_count"], case["handled_at"]) == ("dispatched", 1, None)
    case = act(client, people["handler"], case, "handle")
    case = act(client, people["supervisor"], case, "verify")
    assert case["status"] == "closed" and case["rework_count"] == 1


def test_a_rejected_case_is_final_but_for_an_admins_reopen(client, people):
    case = report(client, people["admin"], place=people["place"], source="patrol")
    case = act(client, people["dispatcher"], case, "accept")
    case = act(client, people["dispatcher"], case, "reject", reason="duplicate", note="重复上报")
    assert case["status"] == "rejected" and case["allowed_actions"] == ["reopen"] and case["closed_at"] is None
    refused = act(client, people["admin"], case, "register", expect=409)
    assert refused["error"]["allowed_actions"] == ["reopen"] and "allowed: reopen" in refused["error"]["message"]


def test_reject_and_rework_need_a_reason_from_their_list_kept_in_the_history(client, people, store):
    case = report(client, people["admin"], place=people["place"], source="patrol")
    case = act(client, people["dispatcher"], case, "accept")
    for fields in ({}, {"reason": ""}, {"reason": "not_done"}, {"reason": "because"}, {"reason": "other"}):
        refused = act(client, people["dispatcher"], case, "reject", expect=400, **fields)
        assert refused["error"]["parameter"] == ("note" if fields.get("reason") == "other" else "reason"), fields
    assert act(client, people["dispatcher"], case, "register", reason="duplicate", expect=400)["error"][
        "parameter"
    ] == ("reason")  # a step that takes no reason
    unchanged = client.get(f"/api/cases/{case['id']}").get_json()
    assert (unchanged["status"], unchanged["version"], len(unchanged["history"])) == ("accepted", case["version"], 2)
    case = act(client, people["dispatcher"], case, "reject", reason="other", note="已由供电公司处理")
    assert case["status"] == "rejected"
    assert (case["history"][-1]["reason"], case["history"][-1]["note"]) == ("other", "已由供电公司处理")
    assert [e["reason"] for e in case["history"]] == [None, None, "other"]
    # the public sees the reason's code (no one's words), not the note
    public = client.get(f"/api/cases/{case['id']}").get_json()["history"][-1]
    assert (public["reason"], public["note"]) == ("other", None)
    # 返工
    case = report(client, people["admin"], place=people["place"], source="patrol")
    for action in ("accept", "register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    case = act(client, people["handler"], case, "handle")
    for fields in ({}, {"reason": "duplicate"}):
        assert act(client, people["supervisor"], case, "rework", expect=400, **fields)["error"]["parameter"] == "reason"
    assert client.get(f"/api/cases/{case['id']}").get_json()["status"] == "handled"
    case = act(client, people["supervisor"], case, "rework", reason="photo_mismatch")
    assert (case["status"], case["history"][-1]["reason"]) == ("dispatched", "photo_mismatch")
    stored = store.records(EVENTS, where={"case_id": case["id"]}, order_by="seq")
    assert stored[-1]["reason"] == "photo_mismatch"
    # the reasons' names, in both languages, for other clients
    reasons = client.get("/api/cases/classes").get_json()["reasons"]
    assert [r["code"] for r in reasons["reject"]] == list(lifecycle.REASONS["reject"])
    assert reasons["reject"][0]["name_zh"] == "不属于受理范围"


def test_an_admin_reopens_a_final_case_with_a_reason(client, people, store, project):
    case = report(client, people["admin"], place=people["place"], source="patrol")
    case = act(client, people["dispatcher"], case, "accept")
    refused = act(client, people["admin"], case, "reopen", reason="mistaken", expect=409)  # not final
    assert refused["error"]["allowed_actions"] == ["register", "reject", "supervise"]
    case = act(client, people["dispatcher"], case, "reject", reason="not_found")
    assert case["allowed_actions"] == ["reopen"]
    for who in ("dispatcher", "supervisor", "handler"):
        assert act(client, people[who], case, "reopen", reason="mistaken", expect=403)["error"]["parameter"] == "action"
    assert act(client, people["admin"], case, "reopen", expect=400)["error"]["parameter"] == "reason"
    stale = act(
        client, people["admin"], case, "reopen", reason="mistaken", version=str(case["version"] - 1), expect=409
    )
    assert "changed since version" in stale["error"]["message"]
    case = act(client, people["admin"], case, "reopen", reason="mistaken", note="现场复核存在")
    assert (case["status"], case["history"][-1]["action"], case["history"][-1]["reason"]) == (
        "accepted",
        "reopen",
        "mistaken",
    )
    assert case["history"][-1]["from_status"] == "rejected"
    assert case["allowed_actions"] == ["register", "reject", "supervise"]
    # a closed case goes back to the department: handled again, its 处置 and 结案 times cleared
    for action in ("register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    case = act(client, people["handler"], case, "handle")
    case = act(client, people["supervisor"], case, "verify")
    before = store.records("case_stats", columns=["closed", "handled"])
    closed_total = sum(int(r["closed"]) for r in before)
    case = act(client, people["admin"], case, "reopen", reason="recurred")
    assert (case["status"], case["handled_at"], case["closed_at"], case["rework_count"]) == (
        "dispatched",
        None,
        None,
        0,
    )
    assert case["dispatched_at"] is not None and case["due_at"] is not None
    after = store.records("case_stats", columns=["closed"])
    assert sum(int(r["closed"]) for r in after) == closed_total - 1  # the statistics follow
    case = act(client, people["handler"], case, "handle")
    case = act(client, people["supervisor"], case, "verify")
    assert case["status"] == "closed" and [e["action"] for e in case["history"]][-3:] == ["reopen", "handle", "verify"]


def _a_reason(action: str) -> str | None:
    return lifecycle.REASONS[action][0] if action in lifecycle.REASONS else None


def _needs(action: str) -> dict:
    """What a step needs besides a reason: a note (督办), a photo (核实), hours (延期)."""
    return {
        "note": "督办" if action in lifecycle.NOTE_REQUIRED else "",
        "photos": [png()] if action in lifecycle.PHOTO_REQUIRED else (),
        "hours": 4 if action == "extend" else None,
    }


def _walk_to(store, project, status, admin):
    """A case in `status`, walked there by an admin (verifying: a public report; the others a patrol one)."""
    path = {
        "verifying": [],
        "reported": [],
        "accepted": ["accept"],
        "rejected": ["accept", "reject"],
        "registered": ["accept", "register"],
        "dispatched": ["accept", "register", "dispatch"],
        "handled": ["accept", "register", "dispatch", "handle"],
        "closed": ["accept", "register", "dispatch", "handle", "verify"],
    }[status]
    place = grid_place(store)
    source = "public" if status == "verifying" else "patrol"
    case = service.report(
        store, project, service_code="E0101", lon=place.lon, lat=place.lat, source=source, reporter="fixture"
    )
    for action in path:
        case = service.act(store, project, case["id"], action, user=admin, reason=_a_reason(action), **_needs(action))
    assert case["status"] == status
    return case


def test_every_step_a_status_does_not_allow_is_refused_naming_the_allowed_ones(store, project):
    admin = users.User("root", "admin", False, "2018-01-01")
    for status in lifecycle.STATUSES:
        case = _walk_to(store, project, status, admin)
        allowed = lifecycle.allowed_actions(status)
        for action in set(lifecycle.ACTIONS) - set(allowed):
            with pytest.raises(Conflict) as refused:
                service.act(store, project, case["id"], action, user=admin, reason=_a_reason(action), **_needs(action))
            assert refused.value.allowed == allowed, (status, action)
            assert service.get(store, case["id"])["version"] == case["version"]  # nothing changed


def test_each_role_may_take_only_its_steps_on_its_grid_or_department(client, people, store):
    place = people["place"]
    # reporting: a supervisor only on their grids, patrol only with a login
    report(client, people["other_supervisor"], place=place, expect=403)
    anonymous_patrol = report(client, None, place=place, source="patrol", expect=401)
    assert "needs a user" in anonymous_patrol["error"]["message"]
    report(client, people["planner"], place=place, source="12345", expect=403)
    assert report(client, people["partner"], place=place)["source"] == "12345"
    report(client, people["partner"], place=place, source="110", expect=403)
    case = report(client, people["supervisor"], place=place)
    # steps: anonymous 401, a planner 403 (needs a case role), a handler cannot accept
    assert client.post(f"/api/cases/{case['id']}/actions", data={"action": "accept"}).status_code == 401
    act(client, people["planner"], case, "accept", expect=403)
    refused = act(client, people["handler"], case, "accept", expect=403)
    assert "accept needs the role dispatcher" in refused["error"]["message"]
    for action in ("accept", "register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    refused = act(client, people["other_handler"], case, "handle", expect=403)
    assert "utilities" in refused["error"]["message"]
    act(client, people["supervisor"], case, "handle", expect=403)
    case = act(client, people["handler"], case, "handle")
    refused = act(client, people["other_supervisor"], case, "verify", expect=403)
    assert place.grid in refused["error"]["message"]
    act(client, people["dispatcher"], case, "verify", expect=403)
    assert act(client, people["admin"], case, "verify")["status"] == "closed"


def test_dispatch_may_name_another_department_whose_handler_then_handles(client, people, store):
    case = report(client, people["supervisor"], place=people["place"])
    for action in ("accept", "register"):
        case = act(client, people["dispatcher"], case, action)
    act(client, people["dispatcher"], case, "dispatch", department="nowhere", expect=400)
    act(client, people["dispatcher"], case, "accept", department="sanitation", expect=400)
    case = act(client, people["dispatcher"], case, "dispatch", department="sanitation")
    act(client, people["handler"], case, "handle", expect=403)
    assert act(client, people["other_handler"], case, "handle")["status"] == "handled"


def test_notes_are_for_logged_in_staff_only(client, people):
    """A note may name people or addresses: anonymous readers and Open311 never see it, staff do."""
    place = people["place"]
    case = report(client, people["supervisor"], place=place)
    secret = "住户张三(13800000000)说井盖被人搬走"
    case = act(client, people["dispatcher"], case, "accept", note=secret)
    anonymous = [
        client.get(f"/api/cases/{case['id']}"),
        client.get("/api/cases"),
        client.get(f"/api/grids/{place.grid}/queue"),
        client.get(f"/open311/v2/requests/{case['id']}.json"),
        client.get(f"/open311/v2/requests/{case['id']}.xml"),
        client.get("/open311/v2/requests.json"),
    ]
    for response in anonymous:
        assert response.status_code == 200 and case["id"] in response.get_data(as_text=True)
        assert "张三" not in response.get_data(as_text=True), response.request.path
    assert [e["note"] for e in anonymous[0].get_json()["history"]] == [None, None]
    assert client.get(f"/open311/v2/requests/{case['id']}.json").get_json()[0]["status_notes"] == "待立案"
    staff = client.get(f"/api/cases/{case['id']}", headers=bearer(people["handler"])).get_json()
    assert staff["history"][1]["note"] == secret


def test_a_case_gives_its_position_in_a_basemaps_system(client, people):
    from geo_app import crs

    place = people["place"]
    case = report(client, people["supervisor"], place=place)
    assert "position" not in client.get(f"/api/cases/{case['id']}").get_json()
    amap = client.get(f"/api/cases/{case['id']}?crs=gcj-02").get_json()["position"]
    glon, glat = crs.wgs84_to_gcj02(case["lon"], case["lat"])
    assert amap["crs"] == "GCJ02" and abs(amap["lon"] - glon) < 1e-9 and abs(amap["lat"] - glat) < 1e-9
    assert client.get(f"/api/cases/{case['id']}?crs=EPSG:4549").get_json()["error"]["parameter"] == "crs"


def test_a_stale_version_is_refused(client, people):
    case = report(client, people["supervisor"], place=people["place"])
    act(client, people["dispatcher"], case, "accept", version="1")
    refused = act(client, people["dispatcher"], case, "register", version="1", expect=409)
    assert "changed since version 1" in refused["error"]["message"]
    assert refused["error"]["allowed_actions"] == ["register", "reject", "supervise"]
    assert act(client, people["dispatcher"], case, "register", version="2")["version"] == 3


def test_a_step_without_the_version_seen_is_refused(client, people):
    """A client that sends no version could overwrite a step it never saw: it is told to read the case first."""
    case = report(client, people["supervisor"], place=people["place"])
    for missing in ({}, {"version": " "}):
        response = client.post(
            f"/api/cases/{case['id']}/actions",
            data={"action": "accept", **missing},
            headers=bearer(people["dispatcher"]),
        )
        error = response.get_json()["error"]
        assert response.status_code == 400 and error["parameter"] == "version", error
        assert f"GET /api/cases/{case['id']}" in error["message"]
    assert client.get(f"/api/cases/{case['id']}").get_json()["status"] == "reported"


def _dispatch_in_process(store_path, case_id, version, barrier, results):
    from geo_app.project import Project

    store, project = open_store(store_path), Project(LAYERS)
    dispatcher = users.User("d", "dispatcher", False, "2018-01-01")
    barrier.wait()
    try:
        service.act(store, project, case_id, "dispatch", user=dispatcher, version=version)
        results.put("won")
    except Conflict as exc:
        results.put(f"409: {exc.reason}")


def test_two_dispatchers_in_two_processes_one_wins_the_other_gets_409(store_path, store, project):
    admin = users.User("root", "admin", False, "2018-01-01")
    case = _walk_to(store, project, "registered", admin)
    store.close()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(
            target=_dispatch_in_process, args=(str(store_path), case["id"], case["version"], barrier, results)
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    assert outcomes[1] == "won" and outcomes[0].startswith("409: case"), outcomes
    final = service.get(open_store(store_path), case["id"])
    assert final["version"] == case["version"] + 1
    assert [e["action"] for e in final["history"]].count("dispatch") == 1


def test_locations_in_other_systems_land_in_the_same_grid(client, people, store):
    from geo_app import crs

    place = people["place"]
    lon, lat = (float(v) for v in crs.convert(place.lon, place.lat, crs.WGS84, crs.GCJ02))
    case = report(client, people["supervisor"], lon=str(lon), lat=str(lat), crs="GCJ02")
    assert case["grid_code"] == place.grid
    assert abs(case["lon"] - place.lon) < 1e-6 and abs(case["lat"] - place.lat) < 1e-6
    x, y = (float(v) for v in crs.convert(place.lon, place.lat, crs.WGS84, "EPSG:4549"))
    assert report(client, people["supervisor"], lon=str(x), lat=str(y), crs="EPSG:4549")["grid_code"] == place.grid


def test_outside_every_grid_is_still_a_case_outside_suzhou_is_refused(client, people, store):
    corner = outside_grids(store)
    case = report(client, people["admin"], lon=str(corner.lon), lat=str(corner.lat), source="public")
    assert case["grid_code"] is None and case["adcode"] == corner.adcode
    refused = report(client, people["admin"], lon="116.39", lat="39.91", expect=400)  # Beijing
    assert refused["error"]["parameter"] == "lon/lat" and "outside every district" in refused["error"]["message"]
    # a case in no grid is verified by a supervisor with a grid in its district, not by one from elsewhere
    grids = store.read("grids", columns=["code", "adcode"])
    local = person(store, "local", "supervisor", grids=(grids[grids["adcode"] == corner.adcode]["code"].iloc[0],))
    stranger = person(store, "stranger", "supervisor", grids=(grids[grids["adcode"] != corner.adcode]["code"].iloc[0],))
    # a public report in no grid is confirmed on site (核实) by a supervisor with a grid in its district
    act(client, stranger, case, "confirm", photo=(io.BytesIO(png()), "site.png"), expect=403)
    case = act(client, local, case, "confirm", photo=(io.BytesIO(png()), "site.png"))
    for action in ("accept", "register", "dispatch"):
        case = act(client, people["dispatcher"], case, action)
    case = act(client, people["admin"], case, "handle")
    act(client, stranger, case, "verify", expect=403)
    assert act(client, local, case, "verify")["status"] == "closed"


BAD_REPORTS = [
    ({"service_code": "Z9999"}, "service_code"),
    ({"lon": "abc"}, "lon"),
    ({"lon": "nan"}, "lon"),
    ({"lat": ""}, "lat"),
    ({"crs": "EPSG:4978"}, "crs"),
    ({"source": "twitter"}, "source"),
    ({"description": "x" * 4001}, "description"),
    ({"description": "a\x00b"}, "description"),
    ({"description": "abc\u202egpj.exe"}, "description"),
    ({"address": "line\nbreak"}, "address"),
    ({"colour": "red"}, "colour"),
]


def test_bad_reports_are_refused_naming_the_field(client, people, store):
    before = store.count("cases")
    for fields, parameter in BAD_REPORTS:
        refused = report(client, people["admin"], place=people["place"], expect=400, **fields)
        assert refused["error"]["parameter"] == parameter, refused
    assert store.count("cases") == before


def test_bad_requests_are_refused_with_what_where_why(client, people):
    case = report(client, people["supervisor"], place=people["place"])
    checks = [
        (client.get("/api/cases?status=lost"), 400, "status"),
        (client.get("/api/cases?bbox=1,2,3"), 400, "bbox"),
        (client.get("/api/cases?since=yesterday"), 400, "since"),
        (client.get("/api/cases?limit=100000"), 400, "limit"),
        (client.get("/api/cases?grid_code=abc"), 400, "grid_code"),
        (client.get("/api/cases?colour=red"), 400, "colour"),
        (client.get("/api/cases/SZ-none"), 404, "case"),
        (client.get(f"/api/cases/{case['id']}/photos/none"), 404, "photo"),
        (client.get("/api/grids/999999999999999/queue"), 404, "code"),
        (
            client.post(
                f"/api/cases/{case['id']}/actions",
                data={"action": "fly", "version": "1"},
                headers=bearer(people["admin"]),
            ),
            400,
            "action",
        ),
        (
            client.post(
                f"/api/cases/{case['id']}/actions",
                data={"action": "accept", "version": "-1"},
                headers=bearer(people["admin"]),
            ),
            400,
            "version",
        ),
        (
            client.post(
                "/api/cases/SZ-none/actions", data={"action": "accept", "version": "1"}, headers=bearer(people["admin"])
            ),
            404,
            "case",
        ),
    ]
    for response, status, parameter in checks:
        body = response.get_json()
        assert response.status_code == status and body["error"]["parameter"] == parameter, body
        assert body["error"]["message"].startswith(parameter)


def test_hostile_descriptions_are_kept_and_returned_as_text(client, people):
    hostile = "<script>alert('x')</script> & \"quotes\" '; DROP TABLE cases; -- 井盖\n第二行"
    case = report(client, None, place=people["place"], description=hostile, address="<img src=x onerror=alert(1)>")
    assert case["source"] == "public" and "reporter" not in case
    again = client.get(f"/api/cases/{case['id']}")
    assert again.content_type.startswith("application/json")
    assert again.get_json()["description"] == hostile
    assert again.get_json()["address"] == "<img src=x onerror=alert(1)>"
    assert again.get_json()["history"][0]["actor"] is None  # who acted is for logged-in users
    listed = client.get(
        "/api/cases", query_string={"grid_code": people["place"].grid, "since": case["reported_at"]}
    ).get_json()["cases"]
    assert [c["description"] for c in listed] == [hostile]


def test_photos_are_judged_by_content_and_lose_their_exif(client, people):
    place = people["place"]
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the GPS position is there
    case = report(
        client,
        people["supervisor"],
        place=place,
        photo=[(io.BytesIO(original), "well.jpg"), (io.BytesIO(png(Comment="taken at home")), "really-a-png.jpg")],
    )
    kinds = [p["content_type"] for p in case["photos"]]
    assert kinds == ["image/jpeg", "image/png"]
    first = client.get(case["photos"][0]["url"])
    assert first.status_code == 200 and first.content_type == "image/jpeg"
    stored = Image.open(io.BytesIO(first.data))
    assert stored.size == (64, 48) and not stored.getexif() and b"PhoneMaker" not in first.data
    second = client.get(case["photos"][1]["url"])
    assert second.content_type == "image/png" and b"taken at home" not in second.data
    assert Image.open(io.BytesIO(second.data)).format == "PNG"
    # a JPEG comment and an ICC profile (free room for anything, a position included) do not travel either
    commented, profiled = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (40, 30)).save(commented, "JPEG", comment=b"N31.3 E120.6 <script>")
    Image.new("RGB", (40, 30)).save(profiled, "PNG", icc_profile=b"N31.3 E120.6 planted" * 20)
    more = report(
        client,
        people["supervisor"],
        place=place,
        photo=[(io.BytesIO(commented.getvalue()), "c.jpg"), (io.BytesIO(profiled.getvalue()), "p.png")],
    )
    for photo in more["photos"]:
        assert b"N31.3 E120.6" not in client.get(photo["url"]).data


@pytest.mark.parametrize(
    "payload, message",
    [
        (b"<html><script>alert(1)</script></html>", "not a JPEG or PNG image"),
        (b"GIF89a" + b"\x00" * 40, "not a JPEG or PNG image"),
        (b"", "is empty"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 5 * 1024 * 1024, "more than the 5,242,880"),
    ],
)
def test_what_is_not_a_photo_is_refused(client, people, payload, message):
    refused = report(
        client, people["supervisor"], place=people["place"], expect=400, photo=(io.BytesIO(payload), "photo.jpg")
    )
    assert refused["error"]["parameter"] == "photo" and message in refused["error"]["message"]


def test_a_photo_with_too_many_pixels_is_refused_before_decoding(client, people):
    huge = png(size=(7000, 7000))  # 49 megapixels of one colour: a small file
    refused = report(
        client, people["supervisor"], place=people["place"], expect=400, photo=(io.BytesIO(huge), "huge.png")
    )
    assert "7000 x 7000 pixels" in refused["error"]["message"]


def test_search_filters_and_the_queue_puts_overdue_cases_first(client, people, store):
    place = people["place"]
    first = report(client, people["supervisor"], place=place, service_code="E0101")
    second = report(client, people["supervisor"], place=place, service_code="C0201")
    closed = report(client, people["supervisor"], place=place, service_code="E0502")
    for action in ("accept", "reject"):
        closed = act(client, people["admin"], closed, action, reason=_a_reason(action))
    with store.transaction() as tx:
        tx.update("cases", {"id": second["id"]}, {"due_at": "2018-03-01T08:15:00Z"})
    mine = {first["id"], second["id"], closed["id"]}  # the store may hold demo cases too
    queue = client.get(f"/api/grids/{place.grid}/queue").get_json()
    ids = [c["id"] for c in queue["cases"]]
    assert [i for i in ids if i in mine] == [second["id"], first["id"]]
    assert all(c["overdue"] for c in queue["cases"][: ids.index(second["id"]) + 1])
    assert not any(c["overdue"] for c in queue["cases"][ids.index(second["id"]) + 1 :])
    # a page of the queue, with the totals of the whole queue (a flood of reports cannot make it unbounded)
    assert queue["count"] == len(queue["cases"]) and queue["overdue"] == sum(c["overdue"] for c in queue["cases"])
    page = client.get(f"/api/grids/{place.grid}/queue?limit=1").get_json()
    assert [c["id"] for c in page["cases"]] == ids[:1] and (page["count"], page["overdue"]) == (
        queue["count"],
        queue["overdue"],
    )
    assert client.get(f"/api/grids/{place.grid}/queue?limit=1001").status_code == 400
    since = {"since": first["reported_at"]}
    found = client.get("/api/cases", query_string={"service_code": "E0101,E0502", **since}).get_json()["cases"]
    assert {c["id"] for c in found} == {first["id"], closed["id"]}
    found = client.get("/api/cases", query_string={"status": "rejected", **since}).get_json()["cases"]
    assert [c["id"] for c in found] == [closed["id"]]
    box = f"{place.lon - 0.001},{place.lat - 0.001},{place.lon + 0.001},{place.lat + 0.001}"
    assert {c["id"] for c in client.get("/api/cases", query_string={"bbox": box, **since}).get_json()["cases"]} == mine
    assert client.get("/api/cases", query_string={"since": "2099-01-01"}).get_json()["cases"] == []
    assert len(client.get("/api/cases", query_string={"until": "2099-01-01", "limit": "2"}).get_json()["cases"]) == 2
    assert client.get("/api/cases", query_string={"adcode": place.adcode, **since}).get_json()["count"] == 3


def test_classes_list_the_catalog_with_limits_and_sources(client):
    body = client.get("/api/cases/classes").get_json()
    by_code = {c["code"]: c for c in body["classes"]}
    assert by_code["C0101"]["name_zh"] == "井盖缺失" and by_code["C0101"]["limits_approximate"] is True
    assert [s["code"] for s in body["statuses"]] == list(lifecycle.STATUSES)
    assert set(body["sources"]) == {"patrol", "public", "12345", "110"}


def test_anonymous_reports_need_the_pages_csrf_token_and_are_rate_limited(store_path, tmp_path, store):
    client = reports_limited_client(store_path, tmp_path)
    place = grid_place(store)
    data = {"service_code": "E0101", "lon": str(place.lon), "lat": str(place.lat)}
    forged = client.post("/api/cases", data=data)
    assert forged.status_code == 403 and "CSRF" in forged.get_json()["error"]["message"]
    token = anonymous_csrf(client)
    assert [client.post("/api/cases", data={**data, "csrf_token": token}).status_code for _ in range(3)] == [
        201,
        201,
        429,
    ]


def test_the_report_limit_is_one_budget_for_the_api_and_open311(store_path, tmp_path, store):
    client = reports_limited_client(store_path, tmp_path)
    place = grid_place(store)
    api = {"service_code": "E0101", "lon": str(place.lon), "lat": str(place.lat), "csrf_token": anonymous_csrf(client)}
    open311 = {"service_code": "E0101", "long": str(place.lon), "lat": str(place.lat)}
    answers = [
        client.post("/api/cases", data=api).status_code,
        client.post("/open311/v2/requests.json", data=open311).status_code,
        client.post("/api/cases", data=api).status_code,
        client.post("/open311/v2/requests.json", data=open311).status_code,
    ]
    assert answers == [201, 201, 429, 429]


def test_working_hours_skip_nights_and_weekends():
    from datetime import datetime

    friday_4pm_beijing = datetime(2018, 3, 2, 8, 0, tzinfo=UTC)
    assert lifecycle.stamp(lifecycle.add_working_hours(friday_4pm_beijing, 2)) == "2018-03-05T02:00:00Z"
    saturday = datetime(2018, 3, 3, 2, 0, tzinfo=UTC)
    assert lifecycle.stamp(lifecycle.add_working_hours(saturday, 0.5)) == "2018-03-05T01:30:00Z"


def test_no_request_body_beyond_the_largest_report_even_chunked(app):
    """The body cap holds for a chunked body (no Content-Length), and for Open311 posts, before any parsing."""
    import werkzeug.test

    big = b"x" * (routes.MAX_REPORT_BYTES + 1024)
    for path in ("/api/cases", "/open311/v2/requests.json"):
        environ = werkzeug.test.EnvironBuilder(
            path=path,
            method="POST",
            input_stream=io.BytesIO(big),
            content_type="multipart/form-data; boundary=b",
            headers={"Transfer-Encoding": "chunked"},
        ).get_environ()
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
        status = []
        app.wsgi_app(environ, lambda s, h, *_, seen=status: seen.append(s))
        assert status[0].startswith("413"), (path, status)


def test_the_migration_gives_an_old_history_an_empty_reason(store_path, store, project, people):
    from geo_app.data import migrations

    case = _walk_to(store, project, "rejected", users.User("root", "admin", False, "2018-01-01"))
    with store.transaction() as tx:  # a store from before: no reason column
        tx.replace(EVENTS, tx.read(EVENTS).drop(columns="reason"), indexes=("case_id",))
        tx.set_meta("schema_version", "10")
    assert "reason" not in store.read(EVENTS).columns
    client = create_app({"STORE": str(store_path), "LAYERS_DIR": str(LAYERS), "TESTING": True}).test_client()
    assert int(store.meta("schema_version")) == migrations.MIGRATIONS[-1][0]
    history = client.get(f"/api/cases/{case['id']}").get_json()["history"]
    assert [e["action"] for e in history] == ["report", "accept", "reject"] and {e["reason"] for e in history} == {None}
