"""The planner page in Chromium, at phone and desktop size: a run as a job (stages, cancel), a reopened scenario
(form restored, exports of the saved result), coverage figures named for what they measure, the demand and
candidate choices, and numbered sites that do not overlap."""

import io
import json
import urllib.parse
import urllib.request

import pandas as pd
import pytest

from geo_app.auth import users
from geo_app.store import open_store
from tests.browser_kit import SIZES, Visit, english_words
from tests.conftest import TEST_PASSWORD, copy_store_file
from tests.live import LiveServer

SAVED = {"name": "十座新公厕", "type": "toilets", "districts": "320508", "k": "10"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store_path):
    folder = tmp_path_factory.mktemp("plan-live")
    path = folder / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    users.add(store, "planner-1", "planner", TEST_PASSWORD)
    live = LiveServer(path, DEFAULT_BASEMAP="none", SITING_MAX_RUNNING=4, SECRET_KEY_FILE=folder / "secret_key")
    live.token = users.new_token(store, "planner-1")
    store.close()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def scenario(server):
    """A saved k=10 scenario (through the API, as a planner: the page's own run is tested below)."""
    body = urllib.parse.urlencode(SAVED).encode()
    request = urllib.request.Request(
        server.url + "/api/plan/scenarios", data=body, headers={"Authorization": f"Bearer {server.token}"}
    )
    with urllib.request.urlopen(request, timeout=300) as r:
        return json.loads(r.read())["id"]


def visit(browser, server, path, size):
    width, height = SIZES[size]
    return Visit(browser, server.url, path, width=width, height=height)


@pytest.mark.parametrize("size", SIZES)
def test_reopened_scenario_restores_the_form_and_exports_the_saved_result(browser, server, scenario, size):  # noqa: F811
    v = visit(browser, server, "/plan?type=toilets&districts=320508&k=3&spacing=400", size)
    page = v.page
    page.wait_for_selector("#scenario-list li")
    page.click(f"#scenario-list li button:has-text('{SAVED['name']}')")
    page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 10")
    assert page.input_value("#siting-form input[name=k]") == "10"
    assert page.input_value("#siting-form input[name=spacing]") == "100"
    assert "k=10" in page.url and "spacing=100" in page.url and f"scenario={scenario}" in page.url
    links = page.eval_on_selector_all("#siting-result .exports a", "as => as.map(a => a.href)")
    assert [urllib.parse.urlsplit(link).path for link in links] == [f"/api/plan/scenarios/{scenario}"] * 3
    csv = page.evaluate("url => fetch(url).then(r => r.text())", links[1])
    assert len(pd.read_csv(io.StringIO(csv.lstrip("\ufeff")))) == 10
    v.shot(f"plan-reopened-{size}")
    v.clean()


@pytest.mark.parametrize("size", SIZES)
def test_numbered_sites_do_not_overlap(browser, server, scenario, size):  # noqa: F811
    v = visit(browser, server, f"/plan?type=toilets&scenario={scenario}", size)
    page = v.page
    page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 10")
    v.map_still()  # the zoom to the proposal has ended
    boxes = page.eval_on_selector_all(
        ".site-number:not(.dot)",
        "ns => ns.map(n => { const r = n.getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom, n.textContent]; })",
    )
    assert page.locator(".site-number").count() == 10 and "1" in [b[4] for b in boxes]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    v.shot(f"plan-sites-{size}")
    # any site from the list, close up, with its number
    page.click("#sites-table button:has-text('#10')")
    page.wait_for_selector(".leaflet-tooltip:has-text('#10')")
    v.map_still()  # the zoom to it has ended (and the labels were decluttered)
    assert page.locator(".site-number[title='10']:not(.dot)").count() == 1
    v.clean()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demand_and_candidates_are_offered_and_the_radius_hint_fits(browser, server, size, lang):  # noqa: F811
    v = visit(browser, server, f"/plan?type=toilets&lang={lang}&demand=area&candidates=parking_lots", size)
    page = v.page
    page.wait_for_function("() => document.body.dataset.circlesDrawn !== undefined")
    demands = page.eval_on_selector_all("select[name=demand] option", "os => os.map(o => o.value)")
    assert demands[:2] == ["grids", "area"] and "parking_lots:capacity" in demands
    assert page.input_value("select[name=demand]") == "area"
    assert page.input_value("select[name=candidates]") == "parking_lots"
    assert "lattice" in page.eval_on_selector_all("select[name=candidates] option", "os => os.map(o => o.value)")
    fits = page.eval_on_selector(
        "input[name=radius]",
        """i => { const s = getComputedStyle(i);
        const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
        return c.measureText(i.placeholder).width <= i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }""",
    )
    assert fits
    header = page.inner_text("#coverage-table thead")
    assert ("辖区面积覆盖率" if lang == "zh" else "Coverage of the district's area") in header
    v.shot(f"plan-form-{size}-{lang}")
    v.clean()


@pytest.mark.parametrize("size", SIZES)
def test_a_run_shows_its_stages_its_measure_and_can_be_cancelled(browser, server, size):  # noqa: F811
    v = visit(browser, server, "/plan?type=toilets&districts=320508&k=3", size)
    page = v.page
    page.click("#siting-form button[type=submit]")
    page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 3", timeout=180_000)
    assert page.evaluate("document.body.dataset.jobState") == "done"
    assert page.inner_text("#siting-result strong.measure").startswith("巡查区域覆盖率")
    assert page.locator("#sites-table tbody tr").count() == 3
    # how the run ended and what it simplified, in the page's language
    page.click("#siting-result details summary")
    assert "最优解" in page.inner_text("#siting-result") and "已被现有设施覆盖" in page.inner_text(
        "#siting-result .notes"
    )
    assert not english_words(page, "#siting-result")
    links = page.eval_on_selector_all("#siting-result .exports a", "as => as.map(a => a.href)")
    assert all(urllib.parse.urlsplit(link).path.startswith("/api/plan/jobs/") for link in links)
    # the URL keeps the run: a reload shows it again
    assert "job=" in page.url
    page.reload()
    page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 3")
    assert page.input_value("#siting-form input[name=k]") == "3"
    # a long run: its stage shows, and it can be cancelled
    page.check("#siting-form input[value='320505']")
    page.select_option("select[name=demand]", "area")
    page.fill("#siting-form input[name=k]", "60")
    page.click("#siting-form button[type=submit]")
    page.wait_for_function(
        "() => ['demand', 'candidates', 'solve'].includes(document.body.dataset.jobStage)", timeout=180_000
    )
    assert page.is_visible("#siting-progress li.current")
    v.shot(f"plan-progress-{size}")
    page.click("#siting-cancel")
    page.wait_for_function("() => document.body.dataset.jobState === 'cancelled'", timeout=180_000)
    assert page.inner_text("#status") == "已取消" and not page.is_visible("#siting-progress")
    v.clean()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_refused_run_says_why_in_the_page_language(browser, server, lang):  # noqa: F811
    v = visit(browser, server, f"/plan?type=toilets&districts=320506&k=1&demand=area&lang={lang}", "phone")
    page = v.page
    page.fill("#siting-form input[name=spacing]", "25")
    page.click("#siting-form button[type=submit]")
    page.wait_for_selector("#status.error")
    said = page.inner_text("#status")
    if lang == "zh":
        assert "该区域允许的最小间距为" in said and not english_words(page, "#status")
    else:
        assert "the smallest spacing allowed for this area is" in said
    assert all("422" in error for error in v.errors) and not v.outside and not v.failed  # the refusal itself, logged
