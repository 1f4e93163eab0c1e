"""The work center (/work) in headless Chromium, at phone (390 × 844) and desktop (1440 × 900) size: a dispatcher
ticks cases and accepts them at once, one of them accepted by another dispatcher meanwhile, and sees one result line
a case (two done, one refused with 409) and the list refreshed; each line shows its light in colour and words; the
map beside the list (folded above it on a phone) shows the page's cases coloured by light, a line highlighting its
point and a point its line; the admin's escalation table. Screenshots: tests/screenshots/cases-work-*.png."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from geo_app.auth import users
from geo_app.cases import clocks, lifecycle, workclock
from geo_app.cases.tables import CASES
from geo_app.data import demo_cases as demo
from geo_app.store import open_store
from tests.browser_kit import SIZES, english_words
from tests.cases.test_cases_pages import Phone, api, confirmed
from tests.cases_support import bearer, grid_place, person
from tests.conftest import TEST_PASSWORD, copy_store_file
from tests.live import LiveServer

TAP = 40  # px: the smallest a tap target may be on a phone (2.75rem is 44 px)


def spread_lights(store, project, prefix: str) -> None:
    """The fresh demo cases are on time, due soon or overdue at 09:00 of their day; later in the day the short
    limits have run out. Their deadlines are set again from now, in turn overdue, due soon and on time."""
    now = datetime.now(UTC).replace(microsecond=0)
    catalog = project.cases
    rows = store.records(CASES, where={"status": list(lifecycle.OPEN)}, columns=["id", "status", "service_code"])
    fresh = sorted((r for r in rows if r["id"].startswith(prefix)), key=lambda r: r["id"])
    with store.transaction() as tx:
        for number, row in enumerate(fresh):
            soon = clocks.soon_h(row["status"], catalog[row["service_code"]], catalog)
            due = (
                now - timedelta(hours=1 + number % 7),
                workclock.add_working_hours(now, soon * 0.6),
                workclock.add_working_hours(now, soon * 3),
            )[number % 3]
            tx.update(CASES, {"id": row["id"]}, {"due_at": lifecycle.stamp(due)})


@pytest.fixture(scope="module")
def work_server(tmp_path_factory, built_store_path, project):
    """The app over HTTP on its own store: demo cases with fresh open ones waiting today (on time, due soon and
    overdue in every open status: the lights a work list shows every day), two dispatchers (sun in the browser,
    sun2 through the API), an admin (wang)."""
    path = tmp_path_factory.mktemp("work-live") / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    place = grid_place(store)
    users.add(store, "sun", "dispatcher", TEST_PASSWORD)
    users.add(store, "wang", "admin", TEST_PASSWORD)
    tokens = {"sun2": person(store, "sun2", "dispatcher"), "wang": users.new_token(store, "wang")}
    today = datetime.now(workclock.BEIJING).date()
    demo.load(store, project, 2000, as_of=today)
    spread_lights(store, project, f"DEMO{today:%Y%m%d}-")
    store.close()
    server = LiveServer(
        path,
        DEFAULT_BASEMAP="none",
        SECRET_KEY_FILE=path.parent / "secret_key",
        RATE_LIMIT_ANONYMOUS="100000 per minute",
        RATE_LIMIT_REPORTS="1000 per minute",
        RATE_LIMIT_LOGIN="1000 per minute",
    )
    server.place, server.tokens = place, tokens
    yield server
    server.stop()


def report_near(server, service_code: str, description: str, step: int) -> str:
    """A public Open311 report a little way from the server's grid place (so that the points do not overlap),
    confirmed on site (核实, by the admin): waiting for a dispatcher's 受理."""
    fields = {
        "service_code": service_code,
        "lat": server.place.lat + 0.0012 * (step % 3 - 1),
        "long": server.place.lon + 0.0015 * (step // 3 - 1 + step % 2),
        "description": description,
    }
    request = urllib.request.Request(
        server.url + "/open311/v2/requests.json", method="POST", data=urllib.parse.urlencode(fields).encode()
    )
    with urllib.request.urlopen(request) as answer:
        case_id = json.loads(answer.read())[0]["service_request_id"]
    confirmed(server, case_id, token=server.tokens["wang"])
    return case_id


def accept_as(server, token: str, case_id: str) -> None:
    """Another dispatcher (through the API, with a token) accepts the case."""
    case = api(server, f"/api/cases/{case_id}", **bearer(token))
    data = urllib.parse.urlencode({"action": "accept", "version": case["version"]}).encode()
    request = urllib.request.Request(
        server.url + f"/api/cases/{case_id}/actions", method="POST", data=data, headers=bearer(token)
    )
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["status"] == "accepted"


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("size", SIZES)
def test_a_dispatcher_bulk_accepts_cases_and_sees_the_outcome_of_each(browser, work_server, size):
    words = "批量受理" + {"phone": "手机", "desktop": "桌面"}[size]
    ids = [report_near(work_server, "E0101", f"{words} 第{i}件", i) for i in range(3)]
    dispatcher = Phone(browser, work_server, "sun", size=size)
    page = dispatcher.page
    dispatcher.goto("/work?limit=200")  # the whole list: today's demo cases in every light
    page.wait_for_selector("#work-map path[data-case]", state="attached")
    lights = page.eval_on_selector_all(".work-line", "ls => [...new Set(ls.map(l => l.dataset.clock))].sort()")
    assert lights == ["on_time", "overdue", "soon"]
    colours = page.eval_on_selector_all(
        "#work-map path[data-case]", "ps => [...new Set(ps.map(p => p.getAttribute('fill')))]"
    )
    assert len(colours) == 3
    dispatcher.shot(f"work-list-{size}")
    dispatcher.goto(f"/work?status=reported&q={urllib.parse.quote(words)}")
    lines = [f'.work-line[data-case="{case_id}"]' for case_id in ids]
    for line in lines:
        page.wait_for_selector(line)
        # the light in colour and in words: a fresh report is on time (立案 within 1 working hour)
        clock = page.get_attribute(line, "data-clock")
        assert clock in ("on_time", "soon", "overdue")
        assert page.text_content(f"{line} .clock") == {"on_time": "正常", "soon": "即将超期", "overdue": "超期"}[clock]
        assert page.locator(f"{line} .clock .light.{clock}").count() == 1
    page.wait_for_function(
        "ids => ids.every(id => document.querySelector(`#work-map path[data-case='${id}']`))", arg=ids
    )
    assert not english_words(page, "#work")

    # the map: folded above the list on a phone (the list first), beside it on a desktop
    map_box, first_line = box(page, "#work-map-box"), box(page, lines[0])
    if size == "phone":
        assert not page.evaluate("() => document.getElementById('work-map-box').open")
        assert map_box["y"] < first_line["y"]
        for target in (f"{lines[0]} .work-pick", "#work-bulk button[data-bulk=accept]", f"{lines[0]} .work-locate"):
            assert box(page, target)["height"] >= TAP and box(page, target)["width"] >= TAP, target
        page.click(f"{lines[1]} .work-locate")  # opens the map on that case
        page.wait_for_function("() => document.getElementById('work-map-box').open")
    else:
        assert page.evaluate("() => document.getElementById('work-map-box').open")
        assert map_box["x"] > first_line["x"] + first_line["width"] - 1  # beside the list
        page.click(f"{lines[1]} > div:nth-child(2)")  # a click on the line itself
    page.wait_for_selector(f'#work-map path[data-case="{ids[1]}"][data-selected="1"]')
    assert page.get_attribute(lines[1], "class").split().count("selected") == 1
    page.wait_for_timeout(400)  # the map's pan
    page.locator(f'#work-map path[data-case="{ids[2]}"]').click(force=True)  # a point highlights its line
    page.wait_for_selector(f"{lines[2]}.selected")
    assert page.locator(".work-line.selected").count() == 1
    dispatcher.shot(f"work-map-{size}")

    # tick all three (one of them by "select all", then untick and tick again), and another dispatcher accepts
    # the third one meanwhile: the page still shows its old version
    page.check("#work-select-all")
    assert page.text_content("#work-bulk button[data-bulk=accept] .count") == "3"
    page.uncheck(f"{lines[1]} .work-check")
    assert page.evaluate("() => document.getElementById('work-select-all').indeterminate")
    page.check(f"{lines[1]} .work-check")
    accept_as(work_server, work_server.tokens["sun2"], ids[2])
    dispatcher.shot(f"work-bulk-chosen-{size}")
    with page.expect_navigation():
        page.click("#work-bulk button[data-bulk=accept]")
    page.wait_for_selector("#work-results:not([hidden])")
    results = page.locator("#work-results li")
    assert results.count() == 3
    said = {
        results.nth(i).get_attribute("data-case"): (results.nth(i).get_attribute("class"), results.nth(i).inner_text())
        for i in range(3)
    }
    for case_id in ids[:2]:
        assert said[case_id][0] == "ok" and "受理完成" in said[case_id][1] and "待立案" in said[case_id][1]
    assert said[ids[2]][0] == "refused" and "409" in said[ids[2]][1] and "别人已先修改" in said[ids[2]][1]
    assert "2 件完成,1 件未完成" in page.text_content(".work-results-summary")
    assert not english_words(page, "#work-results")
    # the list is refreshed: none of the three waits for 受理 any more
    for line in lines:
        assert page.locator(line).count() == 0
    for case_id in ids:
        assert api(work_server, f"/api/cases/{case_id}")["status"] == "accepted"
    dispatcher.shot(f"work-bulk-{size}")
    page.click("#work-results-close")
    assert page.locator("#work-results").is_hidden()
    dispatcher.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_admin_sees_the_escalation_table(browser, work_server, size):
    report_near(work_server, "C0101", "督办表测试", 4)
    admin = Phone(browser, work_server, "wang", size=size)
    admin.goto("/work?view=escalation")
    page = admin.page
    page.wait_for_selector("table.escalation tbody tr[data-department=utilities]")
    assert page.locator("table.escalation tbody tr").count() == 9
    assert page.text_content(".work-views a[aria-current=page]") == "超期督办"
    assert not english_words(page, "#escalation")
    admin.shot(f"work-escalation-{size}")
    total = page.locator("table.escalation tfoot td.total[data-clock=overdue] a")
    if total.count():
        expected = int(total.inner_text())
        with page.expect_navigation():
            total.click()
        assert "clock=overdue" in page.url
        page.wait_for_selector(".work-clocks a[aria-current=page][data-clock=overdue]")
        assert int(page.text_content(".work-clocks a[data-clock=overdue] .count")) == expected
    admin.close()
