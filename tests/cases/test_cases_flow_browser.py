"""The work center's whole day in Chromium, each person in their own browser and on their own list: a public report
is confirmed on site from the supervisor's 待核实, appears on the dispatcher's open 工作台 without a reload, is
accepted, registered and dispatched from the list, handled from the handler's department list and verified from
the supervisor's 待核查; 不予立案 is never one click (the API refuses it without a reason, the page asks for one and a
confirmation); an admin reopens the rejected case with a reason."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from geo_app.auth import users
from geo_app.store import open_store
from tests.cases.test_cases_pages import Phone, api, confirmed_report, jpeg, offered, public_report
from tests.cases_support import bearer, grid_place, person
from tests.conftest import TEST_PASSWORD, copy_store_file
from tests.live import LiveServer


@pytest.fixture(scope="module")
def day(tmp_path_factory, built_store_path, project):
    """The app over HTTP (gunicorn's asgi worker, as make run serves) with the bureau's people for one grid."""
    path = tmp_path_factory.mktemp("work-day") / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    place = grid_place(store)
    users.add(store, "zhao", "supervisor", TEST_PASSWORD, grids=(place.grid,))
    users.add(store, "sun", "dispatcher", TEST_PASSWORD)
    users.add(store, "qian", "handler", TEST_PASSWORD, department=project.cases["C0101"].department)
    users.add(store, "li", "admin", TEST_PASSWORD)
    tokens = {"sun2": person(store, "sun2", "dispatcher"), "zhao": users.new_token(store, "zhao")}
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


def step_on_list(someone: Phone, case_id: str, action: str, status: str) -> None:
    """On someone's /work, the case's line offers `action` as one click; after it the page reloads."""
    page = someone.page
    someone.goto(f"/work?status={status}&q={case_id}")
    line = f'.work-line[data-case="{case_id}"]'
    page.wait_for_selector(f'{line} button[data-action="{action}"]')
    with page.expect_navigation():
        page.click(f'{line} button[data-action="{action}"]')


def test_a_public_report_through_every_step_each_person_on_their_own_list(browser, day):
    dispatcher = Phone(browser, day, "sun", size="desktop")
    desk = dispatcher.page
    dispatcher.goto(f"/work?grid={day.place.grid}")
    desk.wait_for_selector("#live-state:not([hidden]):not(.off)")
    desk.evaluate("() => { window.sameDocument = true; }")  # gone if the page were loaded again
    case_id = public_report(day, "C0101", "人行道井盖缺失 全流程")
    line = f'.work-line[data-case="{case_id}"]'

    # 核实 first: on the supervisor's list, not yet the dispatcher's
    supervisor = Phone(browser, day, "zhao")
    street = supervisor.page
    supervisor.goto(f"/work?status=verifying&q={case_id}")
    street.wait_for_selector(line)
    assert "待核实" in street.text_content(".work-tabs a[aria-current=page]")
    assert desk.locator(line).count() == 0
    with street.expect_navigation():
        street.click(f'{line} a[data-opens="confirm"]')
    street.wait_for_selector('.case-actions button[data-action="confirm"]')
    street.set_input_files("#case-photo", files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    street.click('.case-actions button[data-action="confirm"]')
    street.wait_for_selector('#case-detail[data-status="reported"]')

    # the dispatcher's open list has it under 待受理, without a reload
    desk.wait_for_selector(f'{line}[data-status="reported"].live-changed', timeout=20_000)
    assert desk.evaluate("() => window.sameDocument === true")
    dispatcher.shot("day-arrived-desktop")
    with desk.expect_navigation():
        desk.click(f'{line} button[data-action="accept"]')
    step_on_list(dispatcher, case_id, "register", "accepted")
    step_on_list(dispatcher, case_id, "dispatch", "registered")
    assert api(day, f"/api/cases/{case_id}")["status"] == "dispatched"

    # the handler finds it in the department's list
    handler = Phone(browser, day, "qian")
    handler.goto("/work")
    handler.page.wait_for_selector(line)
    assert "待处置" in handler.page.text_content(".work-tabs")
    step_on_list(handler, case_id, "handle", "dispatched")

    # the supervisor finds it under 待核查 and verifies it: 结案 is final, so the line opens the case (never one click)
    supervisor.goto(f"/work?status=handled&q={case_id}")
    street.wait_for_selector(line)
    assert street.locator(f'{line} button[data-action="verify"]').count() == 0
    with street.expect_navigation():
        street.click(f'{line} a[data-opens="verify"]')
    street.wait_for_selector('.case-actions button[data-action="verify"]')
    street.click('.case-actions button[data-action="verify"]')
    street.wait_for_selector('#case-detail[data-status="closed"]')
    case = api(day, f"/api/cases/{case_id}")
    assert case["status"] == "closed"
    assert [e["action"] for e in case["history"]] == [
        "report",
        "confirm",
        "accept",
        "register",
        "dispatch",
        "handle",
        "verify",
    ]
    for browser_of in (dispatcher, supervisor, handler):
        browser_of.close()


def test_rejecting_needs_a_reason_and_a_confirmation_and_an_admin_reopens(browser, day):
    case_id = confirmed_report(day, "E0101", "重复上报")
    accepted = api(day, f"/api/cases/{case_id}")
    form = f"action=accept&version={accepted['version']}".encode()
    accept = urllib.request.Request(
        day.url + f"/api/cases/{case_id}/actions", method="POST", data=form, headers=bearer(day.tokens["sun2"])
    )
    version = json.loads(urllib.request.urlopen(accept).read())["version"]
    # the API: 不予立案 without a reason is a 400 naming it, and changes nothing
    reject = urllib.request.Request(
        day.url + f"/api/cases/{case_id}/actions",
        method="POST",
        data=f"action=reject&version={version}".encode(),
        headers=bearer(day.tokens["sun2"]),
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(reject)
    assert refused.value.code == 400 and json.loads(refused.value.read())["error"]["parameter"] == "reason"
    assert api(day, f"/api/cases/{case_id}")["version"] == version

    # the page: never one click, never first; a reason and a confirmation
    dispatcher = Phone(browser, day, "sun")
    page = dispatcher.page
    dispatcher.goto(f"/work?status=accepted&q={case_id}")
    line = f'.work-line[data-case="{case_id}"]'
    page.wait_for_selector(line)
    assert page.locator(f'{line} button[data-action="reject"]').count() == 0  # it opens the case instead
    with page.expect_navigation():
        page.click(f'{line} a[data-opens="reject"]')
    page.wait_for_selector('.case-actions button[data-action="register"]')
    assert offered(page)[0] == "register" and offered(page)[-1] == "reject"
    page.click('.case-actions button[data-action="reject"]')
    page.wait_for_selector("#case-confirm:not([hidden]) #case-reason")
    assert page.is_disabled("#case-confirm-send")
    page.select_option("#case-reason", "duplicate")
    page.click("#case-confirm-send")
    page.wait_for_selector('#case-detail[data-status="rejected"]')
    assert page.text_content("#case-status") == "不予立案"
    dispatcher.close()

    # an admin reopens it, with a reason kept in the history
    admin = Phone(browser, day, "li", size="desktop")
    page = admin.page
    admin.goto(f"/grid?case={case_id}")
    page.wait_for_selector('.case-actions button[data-action="reopen"]')
    page.click('.case-actions button[data-action="reopen"]')
    page.wait_for_selector("#case-confirm:not([hidden]) #case-reason")
    page.select_option("#case-reason", "mistaken")
    page.click("#case-confirm-send")
    page.wait_for_selector('#case-detail[data-status="accepted"]')
    admin.shot("day-reopened-desktop")
    last = api(day, f"/api/cases/{case_id}")["history"][-1]
    assert (last["action"], last["reason"], last["to_status"]) == ("reopen", "mistaken", "accepted")
    admin.close()
