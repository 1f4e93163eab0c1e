"""End-to-end: the four maps in headless Chromium with every non-local request blocked, as a person sees them.

Screenshots go to tests/screenshots/. Locally the tests are skipped when Chromium is missing; in CI (CI=true)
a missing browser is a failure (.ci/run installs it)."""
import os
import shutil
from pathlib import Path

import pytest

from geo_app import crs
from geo_app.pipeline import import_file

from .conftest import MAX_BYTES, copy_store_file
from .live import LiveServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError("Chromium is missing: .ci/run must install the Debian packages chromium and chromium-driver")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


class Visit:
    """One page in a phone-sized viewport, outside requests blocked and recorded with errors."""

    def __init__(self, browser, base: str, path: str, width=412, height=860):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.outside, self.failed, self.errors, self.dialogs = [], [], [], []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

        def route(r):
            if r.request.url.startswith(base):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        self.page.route("**/*", route)
        self.page.goto(base + path)

    def shot(self, name: str) -> None:
        SHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"))

    def clean(self) -> None:
        assert self.outside == [] and self.failed == [] and self.errors == [], (self.outside, self.failed, self.errors)

    def count(self, kind: str) -> int:
        """Layers of a Leaflet class on the map (the maps draw on canvas, so the DOM cannot count them)."""
        return self.page.evaluate(f"() => {{ let n = 0; CityMap.map.eachLayer(l => {{ if (l instanceof L.{kind}) n++; }}); return n; }}")


def test_public_map(browser, live_server, store):
    visit = Visit(browser, live_server.url, "/")
    page = visit.page
    for layer in ("toilets", "bike_stations", "parking_lots"):
        page.wait_for_selector(f'[data-count="{layer}"][data-loaded]')
    loaded = {layer: int(page.get_attribute(f'[data-count="{layer}"]', "data-loaded"))
              for layer in ("toilets", "bike_stations", "parking_lots")}
    assert loaded == {layer: len(store.read(layer)) for layer in loaded}
    in_groups = page.evaluate("() => Object.fromEntries(Object.entries(CityMap.groups).map(([k, g]) => [k, g.getLayers().length]))")
    assert in_groups == loaded
    assert visit.count("CircleMarker") + visit.count("MarkerCluster") > 10      # drawn: markers and clusters
    assert page.locator("#legend li").count() == 5 and page.is_visible("text=示例数据")
    visit.shot("public")

    # a filter: accessible toilets only; the count follows the API and the URL keeps it
    page.check('.filters[data-layer="toilets"] input[data-param="wheelchair"]')
    page.wait_for_function("() => document.querySelector('[data-count=toilets]').dataset.loaded !== '%d'" % loaded["toilets"])
    accessible = int(page.get_attribute('[data-count="toilets"]', "data-loaded"))
    assert accessible == int((store.read("toilets")["wheelchair"] == "yes").sum())
    assert "toilets.wheelchair=yes" in page.url
    again = Visit(browser, live_server.url, page.url.replace(live_server.url, ""))
    again.page.wait_for_selector('[data-count="toilets"][data-loaded]')
    assert again.page.is_checked('.filters[data-layer="toilets"] input[data-param="wheelchair"]')
    assert int(again.page.get_attribute('[data-count="toilets"]', "data-loaded")) == accessible

    # nearest five to a point clicked on the map (fired at a known place: markers may cover the centre)
    page.evaluate("() => { CityMap.map.fire('click', {latlng: L.latLng(31.3052, 120.6231)}); }")
    page.wait_for_selector("#nearest-results li")
    items = page.locator("#nearest-results li").all_inner_texts()
    assert len(items) == 5 and all(" 米" in text for text in items)
    distances = [float(text.rsplit("·", 1)[1].split()[0]) for text in items]
    assert distances == sorted(distances)

    # search by name
    page.fill("#search-text", "P+R")
    page.click("#search-form button")
    page.wait_for_selector("#search-results li")
    assert page.locator("#search-results li").count() == 6
    visit.shot("public-nearest")
    visit.clean()


def test_grid_map(browser, live_server, client):
    visit = Visit(browser, live_server.url, "/grid?district=320508")
    page = visit.page
    page.wait_for_function("() => Number(document.body.dataset.gridsDrawn) > 100")
    assert visit.count("Polygon") >= int(page.evaluate("document.body.dataset.gridsDrawn"))
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#grid-detail table")
    assert page.locator("#grid-detail tbody tr").count() == 5
    assert "320508" in page.inner_text("#grid-detail") and "grid=320508" in page.url
    page.fill("#find-lon", "120.6255")
    page.fill("#find-lat", "31.3115")
    page.click("#find-form button")
    expected = client.get("/api/grids/at?lon=120.6255&lat=31.3115").get_json()["code"]
    page.wait_for_function("code => location.search.includes('grid=' + code)", arg=expected)
    assert expected in page.inner_text("#grid-detail")
    visit.shot("grid")
    visit.clean()


def test_districts_map(browser, live_server):
    visit = Visit(browser, live_server.url, "/districts?stat=toilets_per_km2")
    page = visit.page
    page.wait_for_load_state("networkidle")
    assert visit.count("Polygon") >= 9
    assert page.locator("#legend div").count() == 6 and "per km²" in page.inner_text("#legend")
    assert page.locator("#district-table tbody tr").count() == 10
    visit.shot("districts")
    visit.clean()


def test_plan_map(browser, live_server, store):
    visit = Visit(browser, live_server.url, "/plan?type=toilets")
    page = visit.page
    page.wait_for_function("() => Number(document.body.dataset.circlesDrawn) > 0")
    toilets = store.read("toilets")
    operational = int((toilets["status"] == "operational").sum())
    assert int(page.evaluate("document.body.dataset.circlesDrawn")) == operational
    assert visit.count("Circle") >= operational
    visit.shot("plan")
    visit.clean()


def test_planner_sites_saves_and_reopens(browser, live_server):
    visit = Visit(browser, live_server.url, "/plan?type=toilets&districts=320508&k=10", width=1280, height=900)
    page = visit.page
    page.click("#siting-form button[type=submit]")
    page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 10", timeout=90_000)
    assert page.locator(".site-number").count() == 10
    assert sorted(int(t) for t in page.locator(".site-number").all_inner_texts()) == list(range(1, 11))
    summary = page.inner_text("#siting-result")
    assert "→" in summary and page.locator("#siting-table tbody tr").count() == 1
    exports = [page.get_attribute(f"#siting-result a:nth-of-type({i})", "href") for i in (1, 2, 3)]
    assert [e.rsplit("format=", 1)[1] for e in exports] == ["geojson", "csv", "gpkg"]
    page.wait_for_timeout(800)          # let the zoom to the proposal finish before the picture
    visit.shot("plan-siting")
    page.fill("#save-form input[name=name]", "10 new toilets for 姑苏区")
    page.click("#save-form button")
    page.wait_for_selector("#scenario-list li")
    assert "10 new toilets for 姑苏区" in page.inner_text("#scenario-list")
    scenario_url = page.url
    assert "scenario=" in scenario_url
    # reopened from its link in a new page: the same ten sites, named
    again = Visit(browser, live_server.url, scenario_url.replace(live_server.url, ""), width=1280, height=900)
    again.page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 10", timeout=30_000)
    assert "10 new toilets for 姑苏区" in again.page.inner_text("#siting-result h3")
    # delete it from the list
    again.page.click("#scenario-list li button:has-text('删除')")
    again.page.wait_for_function("() => !document.querySelector('#scenario-list li')")
    visit.clean()
    again.clean()


def test_popups_show_hostile_names_literally(browser, project, built_store_path, tmp_path):
    store_path = tmp_path / "store.gpkg"
    copy_store_file(built_store_path, store_path)
    source = tmp_path / "toilets.csv"
    source.write_text('id,name,lon,lat\nX1,<script>alert(1)</script>,120.6255,31.3115\nX2,"O\'Brien ""x""",120.6265,31.3118\n',
                      encoding="utf-8")
    from geo_app.store import open_store
    import_file(project, open_store(store_path), "toilets", source, max_bytes=MAX_BYTES)
    server = LiveServer(store_path, DEFAULT_BASEMAP="none")
    try:
        visit = Visit(browser, server.url, "/?layers=toilets&center=120.626,31.3116&zoom=18")
        page = visit.page
        page.wait_for_selector('[data-count="toilets"][data-loaded="2"]')
        texts = []
        for key in ("X1", "X2"):
            page.evaluate("() => { CityMap.map.closePopup(); }")
            page.wait_for_selector(".leaflet-popup", state="detached")
            page.evaluate("key => { const g = CityMap.groups.toilets; g.getLayers().find(l => l.feature.id === key).openPopup(); }", key)
            texts.append(page.inner_text(".leaflet-popup-content strong"))
        assert texts == ["<script>alert(1)</script>", "O'Brien \"x\""]
        assert visit.dialogs == []
        visit.shot("popup-escaped")
        visit.clean()
    finally:
        server.stop()


def test_amap_basemap_aligns_markers(browser, live_server, store):
    toilet = store.read("toilets").iloc[0]
    glon, glat = (float(v) for v in crs.wgs84_to_gcj02(toilet.geometry.x, toilet.geometry.y))
    visit = Visit(browser, live_server.url, "/?basemap=amap&layers=toilets")
    page = visit.page
    page.wait_for_selector('[data-count="toilets"][data-loaded]')
    lat, lng = page.evaluate("id => { const l = CityMap.groups.toilets.getLayers().find(x => x.feature.id === id);"
                             " const p = l.getLatLng(); return [p.lat, p.lng]; }", toilet["id"])
    assert abs(lng - glon) < 1e-7 and abs(lat - glat) < 1e-7
    # drawn about 465 m from the raw WGS-84 numbers, as the Amap tiles need
    from pyproj import Geod
    assert 400 < Geod(ellps="WGS84").inv(lng, lat, toilet.geometry.x, toilet.geometry.y)[2] < 550
    assert all("autonavi.com" in url for url in visit.outside) and visit.outside      # only Amap's tiles went out


def test_save_form_appears_only_after_a_run(browser, live_server):
    visit = Visit(browser, live_server.url, "/plan?type=toilets")
    visit.page.wait_for_function("() => Number(document.body.dataset.circlesDrawn) > 0")
    assert not visit.page.is_visible("#save-form")
    visit.clean()
