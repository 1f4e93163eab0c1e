"""Cases on the maps: the case tiles (public: no people, no text), the pages' case configuration, and, in headless
Chromium at phone size, the issue's "done when": a supervisor reports a 井盖缺失 with a photo from /grid, a
dispatcher accepts, registers and dispatches it, a handler handles it, the supervisor verifies and it closes, each
logged in as their role in their own browser context; an Open311 POST appears on the map of /grid; /districts shows
the computed rate beside the report's 98.45 %; the public reports a problem (and a facility's wrong data) from /.

Screenshots go to tests/screenshots/cases-*.png."""

import io
import json
import re
import urllib.parse
import urllib.request

import mapbox_vector_tile
import morecantile
import pytest
from PIL import Image

from geo_app import crs
from geo_app.auth import users
from geo_app.data import demo_cases as demo
from geo_app.store import open_store
from geo_app.web.pages import cases as pages
from tests.cases_support import anonymous_csrf, bearer, grid_place, jpeg_with_gps, person
from tests.conftest import TEST_PASSWORD, copy_store_file
from tests.live import LiveServer

TMS = morecantile.tms.get("WebMercatorQuad")
HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1"> 井盖不见了 & "quotes"'


def tile_of(client, lon, lat, z=17, query=""):
    t = TMS.tile(lon, lat, z)
    response = client.get(f"/tiles/cases/{z}/{t.x}/{t.y}.mvt{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [f["properties"] for f in mapbox_vector_tile.decode(response.data).get("cases", {}).get("features", [])]


def reported(client, store, place, **form):
    answer = client.post(
        "/api/cases",
        data={
            "service_code": "C0101",
            "lon": place.lon,
            "lat": place.lat,
            "description": HOSTILE,
            "address": "苏州 某路 1号",
            "csrf_token": anonymous_csrf(client),
            **form,
        },
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


# ---- tiles and page configuration (no browser) ----


@pytest.mark.both_backends
def test_case_tiles_carry_only_public_fields_and_open_cases(client, store, backend):
    place = grid_place(store)
    case = reported(client, store, place)
    found = [p for p in tile_of(client, place.lon, place.lat) if p.get("id") == case["id"]]
    assert len(found) == 1
    assert set(found[0]) == {"id", "service_code", "kind", "status", "grid_code", "rework_count", "overdue"}
    # a public report waits for its on-site 核实: open, on the map
    assert found[0]["status"] == "verifying" and found[0]["overdue"] is False and found[0]["grid_code"] == place.grid
    # nothing private or free text: not the description, the address, the reporter or the token
    raw = client.get(
        f"/tiles/cases/17/{TMS.tile(place.lon, place.lat, 17).x}/{TMS.tile(place.lon, place.lat, 17).y}.mvt"
    ).data
    assert "井盖不见了".encode() not in raw and "某路".encode() not in raw
    # filters: closed cases only -> not this one; its class -> it; overdue only -> not (it is new)
    assert case["id"] not in {p.get("id") for p in tile_of(client, place.lon, place.lat, query="?status=closed")}
    assert case["id"] in {p.get("id") for p in tile_of(client, place.lon, place.lat, query="?service_code=C0101")}
    assert case["id"] not in {p.get("id") for p in tile_of(client, place.lon, place.lat, query="?overdue=true")}
    # in GCJ-02 the same case is in the tile of its GCJ-02 position
    from geo_app import crs

    gx, gy = (float(v) for v in crs.convert(place.lon, place.lat, crs.WGS84, crs.GCJ02))
    assert case["id"] in {p.get("id") for p in tile_of(client, gx, gy, query="?crs=GCJ02")}


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("?status=lost", "status"),
        ("?service_code=X9999", "service_code"),
        ("?overdue=yes", "overdue"),
        ("?grid_code=1;2", "grid_code"),
        ("?reporter=a", "reporter"),
        ("?crs=EPSG:3857", "crs"),
    ],
)
def test_case_tiles_refuse_bad_filters(client, query, parameter):
    answer = client.get(f"/tiles/cases/12/3419/1672.mvt{query}")
    assert answer.status_code == 400 and answer.get_json()["error"]["parameter"] == parameter


def test_case_tiles_outside_the_grid_are_404_and_304_when_unchanged(client):
    assert client.get("/tiles/cases/3/9/1.mvt").status_code == 404
    first = client.get("/tiles/cases/12/3419/1672.mvt")
    again = client.get("/tiles/cases/12/3419/1672.mvt", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code in (200, 304)  # 200 only when the minute turned in between
    assert again.status_code == 304 or again.headers["ETag"] != first.headers["ETag"]


def test_a_tile_with_too_many_cases_is_refused_after_reading_that_many(client, store, project, monkeypatch):
    """Closed cases pile up without end: a tile stops reading past MAX_TILE_CASES and says how to narrow it."""
    from geo_app.data import demo_cases as demo
    from geo_app.web import case_tiles

    demo.load(store, project, 300)
    monkeypatch.setattr(case_tiles, "MAX_TILE_CASES", 50)
    refused = client.get("/tiles/cases/0/0/0.mvt?status=closed")
    assert refused.status_code == 400 and "zoom in" in refused.get_json()["error"]["message"]
    few = store.count("cases", where={"status": "closed", "service_code": "C0101"})
    assert few <= 50 and client.get("/tiles/cases/0/0/0.mvt?status=closed&service_code=C0101").status_code == 200
    reads = []
    real = store.records
    monkeypatch.setattr(type(store), "records", lambda self, *a, **k: reads.append(k.get("limit")) or real(*a, **k))
    client.get("/tiles/cases/0/0/0.mvt?status=closed")
    assert 51 in reads


def test_catalog_has_a_class_for_wrong_facility_data(project):
    assert pages.WRONG_DATA in project.cases and project.cases[pages.WRONG_DATA].name_zh == "设施信息有误"


def test_pages_carry_classes_in_their_language_and_the_users_role(client, store, project):
    demo.load(store, project, 500)
    config = page_config(client, "/grid?lang=en")["cases"]
    names = {c["code"]: c["name"] for c in config["classes"]}
    assert names["C0101"] == "Manhole cover missing" and config["statuses"]["closed"] == "Closed"
    assert config["user"] is None and config["actions"]["verify"] == "supervisor"
    assert config["common"][0] == "E0101" and pages.WRONG_DATA not in config["common"]  # the most reported first
    assert page_config(client, "/?lang=zh")["cases"]["classes"][0]["name"] == "井盖缺失"
    place = grid_place(store)
    person(store, "zhao", "supervisor", grids=(place.grid,))
    client.post("/login", data={"name": "zhao", "password": TEST_PASSWORD, "csrf_token": anonymous_csrf(client)})
    assert page_config(client, "/grid")["cases"]["user"] == {
        "name": "zhao",
        "role": "supervisor",
        "grids": [place.grid],
        "department": None,
    }


def page_config(client, path):
    page = client.get(path).get_data(as_text=True)
    return json.loads(
        re.search(r'<script type="application/json" id="page-config">(.*?)</script>', page, re.S).group(1)
    )


# ---- in the browser ----

from tests.browser_kit import SHOTS, SIZES, english_words  # noqa: E402

PHONE = {"width": 390, "height": 844}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 90, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def case_server(tmp_path_factory, built_store_path, project):
    """The app over HTTP on its own store: demo cases (for /districts), a supervisor of one grid, a dispatcher,
    a handler of the department that handles a missing manhole cover (utilities)."""
    path = tmp_path_factory.mktemp("cases-live") / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    place = grid_place(store)
    users.add(store, "zhao", "supervisor", TEST_PASSWORD, grids=(place.grid,))
    users.add(store, "sun", "dispatcher", TEST_PASSWORD)
    users.add(store, "qian", "handler", TEST_PASSWORD, department=project.cases["C0101"].department)
    tokens = {"sun2": person(store, "sun2", "dispatcher"), "zhao": users.new_token(store, "zhao")}
    demo.load(store, project, 2000)
    store.close()
    server = LiveServer(
        path,
        DEFAULT_BASEMAP="none",
        SECRET_KEY_FILE=path.parent / "secret_key",
        RATE_LIMIT_ANONYMOUS="100000 per minute",
        RATE_LIMIT_REPORTS="1000 per minute",
        RATE_LIMIT_LOGIN="1000 per minute",  # every person of every test logs in from one address
    )
    server.place, server.tokens = place, tokens
    yield server
    server.stop()


def public_report(server, service_code: str, description: str = "") -> str:
    """A report from the public through Open311 (no login, no session) at the server's grid place; its case id."""
    fields = {"service_code": service_code, "lat": server.place.lat, "long": server.place.lon}
    if description:
        fields["description"] = description
    request = urllib.request.Request(
        server.url + "/open311/v2/requests.json", method="POST", data=urllib.parse.urlencode(fields).encode()
    )
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())[0]["service_request_id"]


def confirmed(server, case_id: str, version: int = 1, token: str | None = None) -> dict:
    """The case confirmed on site (核实) with a photo through the API by zhao, the supervisor of its grid (or by
    the holder of `token`: an admin may confirm anywhere)."""
    boundary = "case-steps-boundary"
    fields = (("action", "confirm"), ("version", str(version)))
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    )
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="site.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + jpeg()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        server.url + f"/api/cases/{case_id}/actions",
        method="POST",
        data=body,
        headers={**bearer(token or server.tokens["zhao"]), "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request) as answer:
        case = json.loads(answer.read())
    assert case["status"] == "reported", case
    return case


def confirmed_report(server, service_code: str, description: str = "") -> str:
    """A public report (Open311) confirmed on site: waiting for a dispatcher's 受理."""
    case_id = public_report(server, service_code, description)
    confirmed(server, case_id)
    return case_id


class Phone:
    """One person's own browser context at phone size (own cookies), outside requests blocked, errors kept."""

    def __init__(self, browser, server, user=None, position=None, size="phone"):
        width, height = SIZES[size]
        options = {"viewport": {"width": width, "height": height}, "has_touch": size == "phone"}
        if position is not None:
            options.update(
                geolocation={"longitude": position.lon, "latitude": position.lat, "accuracy": 8},
                permissions=["geolocation"],
            )
        self.context = browser.new_context(**options)
        self.base, self.errors, self.outside = server.url, [], []
        self.context.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(self.base)
                else (self.outside.append(r.request.url), r.abort())
            ),
        )
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "console", lambda m: self.errors.append(m.text) if m.type == "error" and "409" not in m.text else None
        )
        if user:
            self.goto(f"/login?next={urllib.parse.quote('/about')}")
            self.page.fill("input[name=name]", user)
            self.page.fill("input[name=password]", TEST_PASSWORD)
            with self.page.expect_navigation():
                self.page.click(".login-form button[type=submit]")
            assert self.page.url.endswith("/about"), f"{user} did not log in: {self.page.url}"

    def goto(self, path):
        self.page.goto(self.base + path)

    def shot(self, name):
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"cases-{name}.png"))

    def close(self):
        assert self.outside == [] and self.errors == [], (self.outside, self.errors)
        self.context.close()


def report_from_the_form(page, code, photo=None, description=None) -> str:
    """The three taps: 上报问题, the class (opening the camera: a file chooser here), submit."""
    page.click("#report-open")
    button = page.locator(f'.report-class[data-code="{code}"]')
    with page.expect_file_chooser() as chooser:
        if button.count():
            button.click()
        else:
            page.select_option("#report-more", code)
    if photo:
        chooser.value.set_files(files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}])
    if description is not None:
        page.fill("#report-description", description)
    page.click("#report-submit")
    page.wait_for_selector("#report-case-id")
    return page.text_content("#report-case-id")


def take(page, case_id, action, status):
    page.wait_for_selector(f'#case-detail[data-case="{case_id}"] .case-actions button[data-action="{action}"]')
    page.click(f'.case-actions button[data-action="{action}"]')
    page.wait_for_selector(f'#case-detail[data-status="{status}"]')
    assert page.text_content("#case-message").startswith(("已完成", "Done"))


def offered(page) -> list[str]:
    return page.eval_on_selector_all(".case-actions button[data-action]", "bs => bs.map(b => b.dataset.action)")


def api(server, path, **headers):
    with urllib.request.urlopen(urllib.request.Request(server.url + path, headers=headers)) as answer:
        return json.loads(answer.read())


def test_done_when_a_case_goes_from_a_phone_report_to_closure(browser, case_server):
    place = case_server.place
    supervisor = Phone(browser, case_server, "zhao", position=place)
    supervisor.goto(f"/grid?district={place.adcode}")
    page = supervisor.page
    page.wait_for_function("() => CityMap.groups && CityMap.groups.cases")
    page.click("#report-open")
    page.wait_for_selector('#report-where[data-how="gps"]')  # the GPS fix, not the map centre
    page.click("#report-cancel")
    case_id = report_from_the_form(page, "C0101", photo=jpeg_with_gps(), description=HOSTILE)
    supervisor.shot("reported-phone")
    page.click("#report-cancel")
    page.wait_for_selector(f'#case-detail[data-case="{case_id}"]')
    case = api(case_server, f"/api/cases/{case_id}")
    assert (case["service_code"], case["source"], case["status"], case["grid_code"]) == (
        "C0101",
        "patrol",
        "reported",
        place.grid,
    )
    assert abs(case["lon"] - place.lon) < 1e-6 and abs(case["lat"] - place.lat) < 1e-6 and len(case["photos"]) == 1
    # the description is text on the page, never markup; the photo is shown
    assert page.text_content(".case-description") == HOSTILE and page.locator(".case-description img").count() == 0
    page.wait_for_function("() => document.querySelector('.case-photo').naturalWidth > 0")
    assert page.evaluate("() => document.body.dataset.pwned") is None
    assert offered(page) == []  # a supervisor has nothing to do on a reported case

    dispatcher = Phone(browser, case_server, "sun")
    dispatcher.goto(f"/grid?case={case_id}")
    dispatcher.page.wait_for_selector('.case-actions button[data-action="accept"]')
    assert offered(dispatcher.page) == ["accept"]
    take(dispatcher.page, case_id, "accept", "accepted")
    assert offered(dispatcher.page) == ["register", "reject"]
    take(dispatcher.page, case_id, "register", "registered")
    assert dispatcher.page.input_value("#case-department") == "utilities"  # the class's department
    take(dispatcher.page, case_id, "dispatch", "dispatched")
    dispatcher.shot("dispatched-phone")

    handler = Phone(browser, case_server, "qian")
    handler.goto(f"/grid?case={case_id}")
    take(handler.page, case_id, "handle", "handled")

    supervisor.goto(f"/grid?case={case_id}")
    page.wait_for_selector('.case-actions button[data-action="verify"]')
    assert offered(page) == ["verify", "rework"]
    take(page, case_id, "verify", "closed")
    supervisor.shot("closed-phone")
    case = api(case_server, f"/api/cases/{case_id}")
    assert case["status"] == "closed" and case["closed_at"]
    assert [(e["action"], e["role"]) for e in case["history"]] == [
        ("report", "supervisor"),
        ("accept", "dispatcher"),
        ("register", "dispatcher"),
        ("dispatch", "dispatcher"),
        ("handle", "handler"),
        ("verify", "supervisor"),
    ]
    assert page.locator(".case-history li").count() == 6
    # one line a step, the status only where it says more than the step: never "不予立案 → 不予立案"
    lines = page.eval_on_selector_all(
        ".case-history li", "ls => ls.map(l => l.firstChild.textContent + l.childNodes[1].textContent)"
    )
    # a step by its name, then the status it led to as staff say it (what the case waited for next)
    assert lines == [
        "上报 → 待受理",
        "受理 → 待立案",
        "立案 → 待派遣",
        "派遣 → 处置中",
        "处置 → 待核查",
        "核查通过 → 已结案",
    ]
    first = page.text_content(".case-history li")
    assert re.fullmatch(r"上报 → 待受理 · \d{4}/\d{2}/\d{2} \d{2}:\d{2} · zhao", first), first
    for person_ in (supervisor, dispatcher, handler):
        person_.close()


def test_a_step_someone_else_took_first_is_said_plainly(browser, case_server):
    case_id = confirmed_report(case_server, "E0101")
    dispatcher = Phone(browser, case_server, "sun")
    dispatcher.goto(f"/grid?case={case_id}")
    dispatcher.page.wait_for_selector('.case-actions button[data-action="accept"]')
    # another dispatcher accepts it through the API while this page still shows version 1
    request = urllib.request.Request(
        case_server.url + f"/api/cases/{case_id}/actions",
        method="POST",
        data=b"action=accept&version=2",
        headers=bearer(case_server.tokens["sun2"]),
    )
    assert json.loads(urllib.request.urlopen(request).read())["status"] == "accepted"
    dispatcher.page.click('.case-actions button[data-action="accept"]')
    dispatcher.page.wait_for_selector('#case-detail[data-status="accepted"] #case-message.error')
    assert dispatcher.page.text_content("#case-message").startswith("别人已先修改了此案件")
    assert offered(dispatcher.page) == ["register", "reject"]  # reloaded: what the case allows now
    dispatcher.shot("conflict-phone")
    dispatcher.close()


def test_after_accepting_register_comes_first_and_rejecting_asks_a_reason_and_a_confirmation(browser, case_server):
    case_id = confirmed_report(case_server, "E0101")
    accept = urllib.request.Request(
        case_server.url + f"/api/cases/{case_id}/actions",
        method="POST",
        data=b"action=accept&version=2",
        headers=bearer(case_server.tokens["sun2"]),
    )
    assert json.loads(urllib.request.urlopen(accept).read())["status"] == "accepted"
    dispatcher = Phone(browser, case_server, "sun")  # 390 x 844
    page = dispatcher.page
    dispatcher.goto(f"/grid?case={case_id}")
    page.wait_for_selector('.case-actions button[data-action="register"]')
    assert page.text_content("#case-status") == "待立案"
    # 立案 first and primary; 不予立案 last, secondary and red, never primary
    assert offered(page) == ["register", "reject"]
    classes = page.eval_on_selector_all(".case-actions button[data-action]", "bs => bs.map(b => b.className)")
    assert classes[0] == "primary" and "danger" in classes[1] and "primary" not in classes[1]
    looks = page.eval_on_selector_all(
        ".case-actions button[data-action]", "bs => bs.map(b => getComputedStyle(b).backgroundColor)"
    )
    assert looks[0] != looks[1]
    # 不予立案 asks first; cancelling sends nothing
    page.click('.case-actions button[data-action="reject"]')
    page.wait_for_selector("#case-confirm:not([hidden]) #case-reason")
    assert page.is_disabled("#case-confirm-send")
    assert page.is_disabled('.case-actions .row button[data-action="register"]')  # one thing at a time
    page.select_option("#case-reason", "duplicate")
    assert page.is_enabled("#case-confirm-send")
    page.click("#case-confirm-cancel")
    assert page.is_hidden("#case-confirm") and page.is_enabled('.case-actions button[data-action="reject"]')
    case = api(case_server, f"/api/cases/{case_id}")
    assert (case["status"], case["version"]) == ("accepted", 3)
    dispatcher.shot("reject-asked-phone")
    # `other` needs words; then it is sent with its reason, and the history says it
    page.click('.case-actions button[data-action="reject"]')
    page.select_option("#case-reason", "other")
    assert page.is_disabled("#case-confirm-send")
    page.fill("#case-reason-note", "已由供电公司处理")
    page.click("#case-confirm-send")
    page.wait_for_selector('#case-detail[data-status="rejected"]')
    case = api(case_server, f"/api/cases/{case_id}")
    assert (case["history"][-1]["action"], case["history"][-1]["reason"]) == ("reject", "other")
    assert "原因: 其他" in page.text_content(".case-history li:last-child")
    assert offered(page) == []  # a dispatcher cannot reopen
    assert not dispatcher.errors, dispatcher.errors
    dispatcher.close()


def test_an_open311_request_appears_on_the_grid_map(browser, case_server):
    place = case_server.place
    case_id = public_report(case_server, "E0502", "违停 <b>x</b>")
    viewer = Phone(browser, case_server)
    viewer.goto(f"/grid?center={place.lon:.5f},{place.lat:.5f}&zoom=17")
    page = viewer.page
    page.wait_for_function("() => CityMap.groups.cases && CityMap.groups.cases.ready")
    drawn = page.evaluate("() => CityMap.tiles.drawn(CityMap.groups.cases).map(d => d.properties)")
    mine = [d for d in drawn if d.get("id") == case_id]
    assert mine and mine[0]["status"] == "verifying" and mine[0]["service_code"] == "E0502"  # 待核实
    # a tap on it opens its detail (anonymous: no actions, a login link; no reporter)
    point = page.evaluate(
        """id => { const d = CityMap.tiles.drawn(CityMap.groups.cases).find(x => x.properties.id === id);
        const p = CityMap.map.latLngToContainerPoint(d.latlng), r = CityMap.map.getContainer().getBoundingClientRect();
        return [r.x + p.x, r.y + p.y]; }""",
        case_id,
    )
    page.mouse.click(*point)
    page.wait_for_selector(f'#case-detail[data-case="{case_id}"]')
    assert page.locator(".case-actions").count() == 0 and page.locator('#case-detail a[href*="/login"]').count() == 1
    assert page.text_content(".case-description") == "违停 <b>x</b>"
    # the grid at that point is chosen too, with its queue listing the case
    page.wait_for_selector(f'#case-queue button[data-case="{case_id}"]')
    viewer.shot("open311-on-grid-phone")
    viewer.close()


@pytest.mark.parametrize("basemap", ["amap", "none"])
def test_a_case_opened_from_the_queue_is_ringed_where_the_basemap_has_it(browser, case_server, basemap):
    """On Amap (GCJ-02) the ring is drawn at the case's GCJ-02 position, converted by the service, about 465 m
    from its raw WGS-84 numbers; on a WGS-84 basemap at those numbers."""
    place = case_server.place
    case_id = public_report(case_server, "E0101")
    viewer = Phone(browser, case_server)
    viewer.goto(f"/grid?basemap={basemap}&grid={place.grid}")
    page = viewer.page
    page.click(f'#case-queue button[data-case="{case_id}"]')
    page.wait_for_selector(f'#case-detail[data-case="{case_id}"]')
    ring = page.wait_for_function("""() => { let at = null;
        CityMap.map.eachLayer((l) => { if (l.options.className === "case-ring") at = l.getLatLng(); });
        return at; }""").json_value()
    expected = crs.wgs84_to_gcj02(place.lon, place.lat) if basemap == "amap" else (place.lon, place.lat)
    assert abs(ring["lng"] - float(expected[0])) < 1e-6 and abs(ring["lat"] - float(expected[1])) < 1e-6
    assert (abs(ring["lng"] - place.lon) > 1e-3) == (basemap == "amap")
    centre = page.evaluate("() => CityMap.map.getCenter()")  # the map went there
    assert abs(centre["lng"] - ring["lng"]) < 1e-4 and abs(centre["lat"] - ring["lat"]) < 1e-4
    viewer.shot(f"ringed-{basemap}-phone")
    assert all("autonavi.com" in url for url in viewer.outside)  # only the basemap's tiles were asked for
    assert [e for e in viewer.errors if "Failed to load resource" not in e] == []
    viewer.context.close()


def test_districts_show_the_computed_rate_beside_the_reports(browser, case_server):
    computed = next(
        f["computed"] for f in api(case_server, "/api/cases/statistics?by=none")["report"] if f["figure"] == "rate"
    )
    viewer = Phone(browser, case_server)
    viewer.goto("/districts")
    row = viewer.page.text_content("#case-report-rate")
    assert "98.45" in row and f"{computed:.2f}" in row and "办结率" in row
    viewer.close()


def test_the_public_reports_a_problem_from_the_home_page_anonymously(browser, case_server):
    viewer = Phone(browser, case_server)  # no GPS permission: the map centre (or a tapped point)
    viewer.goto("/")
    page = viewer.page
    page.wait_for_selector("#report-open")
    page.click("#report-open")
    page.wait_for_selector('#report-where[data-how="centre"]')
    page.click("#report-cancel")
    case_id = report_from_the_form(page, "E0101", photo=jpeg(), description="路边 <script>alert(1)</script> 垃圾")
    token = page.text_content("#report-token")
    viewer.shot("public-reported-phone")
    assert (
        json.loads(urllib.request.urlopen(f"{case_server.url}/open311/v2/tokens/{token}.json").read())[0][
            "service_request_id"
        ]
        == case_id
    )
    with page.expect_popup() as opened:  # the link opens the case on the grid map, for anyone
        page.click("#report-follow")
    followed = opened.value
    followed.wait_for_selector("#case-detail[data-case]")
    assert case_id in followed.text_content("#case-detail") and "上报" in followed.text_content("#case-detail")
    followed.close()
    case = api(case_server, f"/api/cases/{case_id}")
    assert case["source"] == "public" and case["service_code"] == "E0101" and "reporter" not in case
    viewer.close()


def test_a_facility_with_wrong_data_is_reported_from_its_popup(browser, case_server):
    viewer = Phone(browser, case_server, size="desktop")
    viewer.goto("/?layers=toilets&center=120.62,31.30&zoom=15")
    page = viewer.page
    page.wait_for_function(
        "() => CityMap.groups.toilets && CityMap.groups.toilets.ready"
        " && CityMap.tiles.drawn(CityMap.groups.toilets).some(x => !x.properties.cluster)"
    )
    item = page.evaluate("""() => { const d = CityMap.tiles.drawn(CityMap.groups.toilets).find(x => !x.properties.cluster);
        const p = CityMap.map.latLngToContainerPoint(d.latlng), r = CityMap.map.getContainer().getBoundingClientRect();
        return {x: r.x + p.x, y: r.y + p.y, lon: d.latlng.lng, lat: d.latlng.lat}; }""")
    page.mouse.click(item["x"], item["y"])
    page.wait_for_selector(".leaflet-popup .report-wrong")
    name = page.text_content(".leaflet-popup .popup strong")
    page.click(".leaflet-popup .report-wrong")
    page.wait_for_selector('#report-where[data-how="facility"]')
    assert page.input_value("#report-more") == pages.WRONG_DATA
    assert page.locator("#report-attr-facility_id").count() == 0  # the popup told which facility
    page.click("#report-submit")  # what is wrong is required: not sent
    assert page.evaluate("() => document.querySelector('#report-attr-wrong').matches(':invalid')")
    assert not page.is_visible("#report-case-id")
    page.select_option("#report-attr-wrong", "wrong_hours")
    page.click("#report-submit")
    page.wait_for_selector("#report-case-id")
    case = api(case_server, f"/api/cases/{page.text_content('#report-case-id')}")
    assert case["service_code"] == pages.WRONG_DATA and name in case["description"]
    assert case["attributes"]["wrong"] == "wrong_hours" and case["attributes"]["facility_layer"] == "toilets"
    assert case["attributes"]["facility_id"]
    assert abs(case["lon"] - item["lon"]) < 1e-5 and abs(case["lat"] - item["lat"]) < 1e-5
    viewer.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_case_pages_in_both_languages(browser, case_server, size, lang):
    place = case_server.place
    case_id = confirmed_report(case_server, "E0101", "树下有垃圾")
    dispatcher = Phone(browser, case_server, "sun", size=size)
    dispatcher.goto(f"/grid?lang={lang}&case={case_id}&grid={place.grid}")
    page = dispatcher.page
    page.wait_for_selector('.case-actions button[data-action="accept"]')
    page.wait_for_selector(f'#case-queue button[data-case="{case_id}"]')
    page.wait_for_load_state("networkidle")
    dispatcher.shot(f"grid-{lang}-{size}")
    # logged in, the top bar (with 退出 sun) is still one row
    assert page.evaluate("() => document.querySelector('.topbar').getBoundingClientRect().height") < 60
    if lang == "zh":
        assert not english_words(page, "#case-detail") and not english_words(page, "#case-queue")
    public = Phone(browser, case_server, size=size)
    public.goto(f"/?lang={lang}")
    public.page.click("#report-open")
    public.page.wait_for_selector("#report-where[data-how]")
    public.shot(f"report-{lang}-{size}")
    if lang == "zh":
        assert not english_words(public.page, "#report-dialog")
    dispatcher.close()
    public.close()


@pytest.mark.parametrize("size", SIZES)
def test_a_dispatcher_accepts_a_fresh_case_from_the_work_list(browser, case_server, size):
    case_id = confirmed_report(case_server, "E0101", "工作台测试")
    dispatcher = Phone(browser, case_server, "sun", size=size)
    dispatcher.goto(f"/work?status=reported&q={case_id}")
    page = dispatcher.page
    line = f'.work-line[data-case="{case_id}"]'
    page.wait_for_selector(line)
    assert page.get_attribute(".work-tabs a[aria-current=page]", "data-status") == "reported"
    assert "待受理" in page.text_content(".work-tabs a[aria-current=page]")
    assert page.get_attribute(f"{line} a.work-case", "href").endswith(f"/grid?case={case_id}")
    dispatcher.shot(f"work-{size}")
    with page.expect_navigation():
        page.click(f'{line} button[data-action="accept"]')
    assert page.locator(line).count() == 0  # gone from 待受理
    page.click('.work-tabs a[data-status="accepted"]')
    page.wait_for_selector(f'{line}[data-status="accepted"]')
    assert "待立案" in page.text_content(line) and page.locator(f'{line} button[data-action="register"]').count() == 1
    dispatcher.close()


def test_a_public_report_appears_on_an_open_work_list_and_a_followed_case_moves_without_reload(browser, case_server):
    grid = case_server.place.grid
    dispatcher = Phone(browser, case_server, "sun", size="desktop")
    dispatcher.goto(f"/work?status=reported&grid={grid}")
    page = dispatcher.page
    page.wait_for_selector("#live-state:not([hidden]):not(.off)")
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page were loaded again
    case_id = public_report(case_server, "E0101", "实时测试")
    confirmed(case_server, case_id)  # 核实 on site: now the dispatcher's to accept
    line = f'.work-line[data-case="{case_id}"]'
    page.wait_for_selector(f"{line}.live-changed", timeout=20_000)
    assert page.evaluate("() => window.sameDocument === true")
    assert "待受理" in page.text_content(".work-tabs a[aria-current=page]")
    dispatcher.shot("work-live-desktop")
    # the public, following the case on its page, sees it accepted without reloading
    public = Phone(browser, case_server)
    public.goto(f"/grid?case={case_id}")
    public.page.wait_for_selector("#case-status")
    public.page.wait_for_selector("#live-state:not([hidden]):not(.off)")
    assert public.page.text_content("#case-status") == "待受理"
    public.page.evaluate("() => { window.sameDocument = true; }")
    with page.expect_navigation():
        page.click(f'{line} button[data-action="accept"]')
    public.page.wait_for_function(
        "() => document.querySelector('#case-status').textContent === '待立案'", timeout=20_000
    )
    assert public.page.evaluate("() => window.sameDocument === true")
    public.shot("follow-live-phone")
    assert not dispatcher.errors and not public.errors
    dispatcher.close()
    public.close()


def test_a_supervisor_confirms_a_public_report_on_site_then_the_dispatcher_has_it_to_accept(browser, case_server):
    """核实: an Open311 report waits under 待核实 on the grid supervisor's work list, not the dispatcher's (who sees
    only how many wait); the supervisor opens it, is told a photo is needed, picks a reply phrase, attaches the
    photo and confirms; then it is under the dispatcher's 待受理, to accept."""
    case_id = public_report(case_server, "E0101", "核实测试 路边垃圾")
    dispatcher = Phone(browser, case_server, "sun")
    dispatcher.goto(f"/work?q={case_id}")
    assert dispatcher.page.locator(f'.work-line[data-case="{case_id}"]').count() == 0
    dispatcher.goto("/work")
    assert "待监督员现场核实" in dispatcher.page.text_content(".work-tabs .following")

    supervisor = Phone(browser, case_server, "zhao")
    page = supervisor.page
    supervisor.goto(f"/work?status=verifying&q={case_id}")
    line = f'.work-line[data-case="{case_id}"]'
    page.wait_for_selector(line)
    assert page.get_attribute(".work-tabs a[aria-current=page]", "data-status") == "verifying"
    assert "待核实" in page.text_content(".work-tabs a[aria-current=page]")
    assert page.locator(f'{line} button[data-action="confirm"]').count() == 0  # a photo: never one click
    supervisor.shot("to-confirm-phone")
    with page.expect_navigation():
        page.click(f'{line} a[data-opens="confirm"]')
    page.wait_for_selector(f'#case-detail[data-case="{case_id}"] .case-actions button[data-action="confirm"]')
    assert page.text_content("#case-status") == "待核实"
    # 核实属实 first and primary; 核实不属实 last, red, never primary
    assert offered(page) == ["confirm", "dismiss"]
    classes = page.eval_on_selector_all(".case-actions button[data-action]", "bs => bs.map(b => b.className)")
    assert classes[0] == "primary" and "danger" in classes[1]
    # without a photo nothing is sent
    page.click('.case-actions button[data-action="confirm"]')
    page.wait_for_selector("#case-step-message:not([hidden])")
    assert page.text_content("#case-step-message") == "核实需要一张现场照片"
    assert api(case_server, f"/api/cases/{case_id}")["status"] == "verifying"
    # a reply phrase fills the note; the photo goes with the step
    page.wait_for_selector("#case-phrase:not([hidden]) option >> nth=1", state="attached")
    phrase = page.eval_on_selector("#case-phrase", "s => s.options[1].value")
    page.select_option("#case-phrase", index=1)
    assert page.input_value("#case-note") == phrase and "核实" in phrase
    page.set_input_files("#case-photo", files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.click('.case-actions button[data-action="confirm"]')
    page.wait_for_selector('#case-detail[data-status="reported"]')
    assert page.text_content("#case-message").startswith("已完成")
    assert page.text_content("#case-status") == "待受理" and offered(page) == []
    assert page.locator('.case-photos a[data-step="confirm"] .photo-step').count() == 1
    supervisor.shot("confirmed-phone")
    case = api(case_server, f"/api/cases/{case_id}")
    assert (case["history"][-1]["action"], case["history"][-1]["note"], case["photos"][0]["step"]) == (
        "confirm",
        None,  # the public reads no notes
        "confirm",
    )

    dispatcher.goto(f"/work?status=reported&q={case_id}")
    dispatcher.page.wait_for_selector(line)
    assert "待受理" in dispatcher.page.text_content(".work-tabs a[aria-current=page]")
    assert dispatcher.page.locator(f'{line} button[data-action="accept"]').count() == 1
    dispatcher.shot("confirmed-to-accept-phone")
    supervisor.close()
    dispatcher.close()
