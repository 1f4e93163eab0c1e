"""End-to-end: the four maps in headless Chromium with every non-local request blocked, as a person sees them.

Screenshots go to tests/screenshots/. Locally the tests are skipped when Chromium is missing; in CI (CI=true)
a missing browser is a failure (.ci/run installs it)."""

import re
import subprocess
from urllib.parse import quote

import pytest

from geo_app import crs
from geo_app.data.pipeline import import_file
from tests.browser_kit import SIZES, Visit, english_words
from tests.conftest import MAX_BYTES, TEST_PASSWORD, copy_store_file
from tests.live import LiveServer


def test_public_map(browser, live_server, store):
    visit = Visit(browser, live_server.url, "/")
    page = visit.page
    layers = ("toilets", "bike_stations", "parking_lots")
    for layer in layers:
        page.wait_for_selector(f'[data-count="{layer}"][data-loaded]')
        visit.tiles_ready(layer)
    loaded = {layer: int(page.get_attribute(f'[data-count="{layer}"]', "data-loaded")) for layer in layers}
    assert loaded == {layer: len(store.read(layer)) for layer in loaded}
    # drawn from vector tiles, never from a whole-layer GeoJSON
    for layer in layers:
        assert visit.tile_requests(layer) and visit.geojson_requests(layer) == [], layer
        assert len(visit.drawn(layer)) > 10
    assert page.locator("#legend li").count() == 5 and page.is_visible("text=示例数据")
    visit.shot("public")

    # a filter: accessible toilets only; the count follows the API, the tiles are asked again with the filter,
    # and the URL keeps it
    page.check('.filters[data-layer="toilets"] input[data-param="wheelchair"]')
    page.wait_for_function(
        f"() => document.querySelector('[data-count=toilets]').dataset.loaded !== '{loaded['toilets']}'"
    )
    accessible = int(page.get_attribute('[data-count="toilets"]', "data-loaded"))
    assert accessible == int((store.read("toilets")["wheelchair"] == "yes").sum())
    assert "toilets.wheelchair=yes" in page.url
    visit.tiles_ready("toilets")
    assert any("wheelchair=yes" in u for u in visit.tile_requests("toilets"))  # (what they hold: the next test)
    again = Visit(browser, live_server.url, page.url.replace(live_server.url, ""))
    again.page.wait_for_selector('[data-count="toilets"][data-loaded]')
    assert again.page.is_checked('.filters[data-layer="toilets"] input[data-param="wheelchair"]')
    assert int(again.page.get_attribute('[data-count="toilets"]', "data-loaded")) == accessible

    # nearest five to a point clicked on the map (fired at a known place: markers may cover the centre)
    visit.click_beside_symbols(31.3052, 120.6231)
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


@pytest.mark.parametrize("size", SIZES)
def test_filtered_tiles_show_what_the_api_finds(browser, live_server, client, size):
    """At zoom 17 (single facilities, no server clusters) the tiles drawn with filters hold exactly the features
    the API finds with the same filters in those tiles' boxes; changing a filter redraws the layer to match."""
    visit = Visit(
        browser,
        live_server.url,
        "/?layers=toilets,bike_stations&toilets.fee=no&center=120.6231,31.3052&zoom=17",
        size=size,
    )
    page = visit.page

    def drawn_and_found(layer: str, query: str) -> tuple[set, set]:
        visit.tiles_ready(layer)
        boxes = page.evaluate(
            """id => { const g = CityMap.groups[id], z = g._tileZoom;
            return Object.keys(g._vectorTiles).map(k => g._keyToTileCoords(k)).filter(c => c.z === z).map(c => {
                const size = g.getTileSize(), nw = CityMap.map.unproject(c.scaleBy(size), z),
                      se = CityMap.map.unproject(c.add([1, 1]).scaleBy(size), z);
                return [nw.lng, se.lat, se.lng, nw.lat].map(v => v.toFixed(7)).join(','); }); }""",
            layer,
        )
        found = set()
        for box in boxes:
            answer = client.get(f"/api/facilities/{layer}?bbox={box}&{query}").get_json()
            found |= {f["id"] for f in answer["features"]}
        drawn = [f for f in visit.drawn(layer)]
        assert not any(f.get("cluster") for f in drawn)
        return {f["id"] for f in drawn}, found

    shown, found = drawn_and_found("toilets", "fee=no")
    assert shown and shown == found
    page.check('.filters[data-layer="toilets"] input[data-param="wheelchair"]')
    shown, found = drawn_and_found("toilets", "fee=no&wheelchair=yes")
    assert shown and shown == found
    page.check('.filters[data-layer="bike_stations"] input[data-param="min_num_bikes_available"]')
    shown, found = drawn_and_found("bike_stations", "min_num_bikes_available=1")
    assert shown and shown == found
    visit.clean()


def test_grid_map(browser, live_server, client):
    visit = Visit(browser, live_server.url, "/grid?district=320508")
    page = visit.page
    page.wait_for_function("() => Number(document.body.dataset.gridsDrawn) > 20")
    # drawn from vector tiles, never from a GeoJSON of the view's grids
    assert visit.tile_requests("grids") and visit.geojson_requests("grids") == []
    drawn = visit.drawn("grids")
    assert len({g["code"] for g in drawn}) == int(page.evaluate("document.body.dataset.gridsDrawn"))
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
    assert page.locator("#legend div").count() == 6 and "个/km²" in page.inner_text("#legend")
    assert page.locator("#district-table tbody tr").count() == 10
    visit.shot("districts")
    visit.clean()


def test_plan_map(browser, live_server, store):
    # at zoom 14, where the demo's tiles hold few enough toilets to come as single ones
    visit = Visit(browser, live_server.url, "/plan?type=toilets&center=120.62,31.30&zoom=14")
    page = visit.page
    page.wait_for_function("() => Number(document.body.dataset.circlesDrawn) > 0")
    visit.tiles_ready("toilets")
    # the operational toilets from tiles (filtered on the server), each single one with its service circle
    assert visit.geojson_requests("toilets") == [] and all(
        "status=operational" in u for u in visit.tile_requests("toilets")
    )
    singles = [f for f in visit.drawn("toilets") if not f.get("cluster")]
    assert singles and {f["status"] for f in singles} == {"operational"}
    circles = int(page.evaluate("document.body.dataset.circlesDrawn"))
    assert circles == len({f["id"] for f in singles}) and visit.count("Circle") == circles
    visit.shot("plan")
    visit.clean()


def log_in(visit: Visit, name: str = "planner", password: str = TEST_PASSWORD) -> None:
    """Through the login page the visit was opened at; it goes on to its `next` page."""
    visit.page.fill("input[name=name]", name)
    visit.page.fill("input[name=password]", password)
    with visit.page.expect_navigation():
        visit.page.click(".login-form button[type=submit]")


EVIL_PAGE = """<!doctype html><form id="f" method="post" action="{url}/api/plan/scenarios">
<input name="name" value="forged"><input name="type" value="toilets"><input name="districts" value="320508">
<input name="k" value="1"></form><script>document.getElementById("f").submit()</script>"""


def test_a_page_on_another_site_cannot_save(browser, live_server):
    """A logged-in planner opens a hostile page that posts a form to the service: refused, nothing saved."""
    visit = Visit(browser, live_server.url, "/login?next=/about")
    log_in(visit)
    visit.page.route(
        "http://evil.example/**",
        lambda r: r.fulfill(content_type="text/html", body=EVIL_PAGE.format(url=live_server.url)),
    )
    with visit.page.expect_response(lambda r: r.url.endswith("/api/plan/scenarios")) as posted:
        visit.page.goto("http://evil.example/")
    assert posted.value.status == 403 and posted.value.request.method == "POST"
    assert "evil.example" in posted.value.json()["error"]["message"]
    visit.page.goto(live_server.url + "/api/plan/scenarios")
    assert "forged" not in visit.page.inner_text("body")


def test_planner_sites_saves_and_reopens(browser, live_server):
    anonymous = Visit(browser, live_server.url, "/plan?type=toilets&districts=320508&k=10", width=1280, height=900)
    assert anonymous.page.locator("#save-form").count() == 0  # no saving without a login: a link to it
    anonymous.page.wait_for_function("() => document.body.dataset.circlesDrawn !== undefined")
    anonymous.page.click("#login-to-save a")
    anonymous.page.wait_for_selector(".login-form")
    log_in(anonymous)
    assert anonymous.page.url.endswith("/plan?type=toilets&districts=320508&k=10")
    visit = anonymous
    page = visit.page
    page.click("#siting-form button[type=submit]")
    page.wait_for_function("() => Number(document.body.dataset.sitesDrawn) === 10", timeout=90_000)
    assert page.locator(".site-number").count() == 10
    assert sorted(int(t) for t in page.locator(".site-number").all_inner_texts()) == list(range(1, 11))
    summary = page.inner_text("#siting-result")
    assert "→" in summary and page.locator("#siting-table tbody tr").count() == 1
    exports = [page.get_attribute(f"#siting-result a:nth-of-type({i})", "href") for i in (1, 2, 3)]
    assert [e.rsplit("format=", 1)[1] for e in exports] == ["geojson", "csv", "gpkg"]
    visit.map_still()  # the zoom to the proposal has ended before the picture
    visit.shot("plan-siting")
    page.fill("#save-form input[name=name]", "10 new toilets for 姑苏区")
    page.click("#save-form button")
    page.wait_for_selector("#scenario-list li")
    assert "10 new toilets for 姑苏区" in page.inner_text("#scenario-list")
    scenario_url = page.url
    assert "scenario=" in scenario_url
    # reopened from its link in a new page: the same ten sites, named
    again = Visit(
        browser,
        live_server.url,
        "/login?next=" + quote(scenario_url.replace(live_server.url, "")),
        width=1280,
        height=900,
    )
    log_in(again)
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
    source.write_text(
        'id,name,lon,lat\nX1,<script>alert(1)</script>,120.6255,31.3115\nX2,"O\'Brien ""x""",120.6265,31.3118\n',
        encoding="utf-8",
    )
    from geo_app.store import open_store

    import_file(project, open_store(store_path), "toilets", source, max_bytes=MAX_BYTES)
    server = LiveServer(store_path, DEFAULT_BASEMAP="none")
    try:
        visit = Visit(browser, server.url, "/?layers=toilets&center=120.626,31.3116&zoom=18")
        page = visit.page
        page.wait_for_selector('[data-count="toilets"][data-loaded="2"]')
        visit.tiles_ready("toilets")
        texts = []
        for key in ("X1", "X2"):
            page.evaluate("() => { CityMap.map.closePopup(); }")
            page.wait_for_selector(".leaflet-popup", state="detached")
            visit.click_feature("toilets", key)  # the popup fetches the feature by its id
            page.wait_for_selector(".leaflet-popup-content strong")
            texts.append(page.inner_text(".leaflet-popup-content strong"))
        assert texts == ["<script>alert(1)</script>", 'O\'Brien "x"']
        assert visit.dialogs == []
        visit.shot("popup-escaped")
        visit.clean()
    finally:
        server.stop()


def test_amap_basemap_aligns_markers(browser, live_server, store):
    toilet = store.read("toilets").iloc[0]
    glon, glat = (float(v) for v in crs.wgs84_to_gcj02(toilet.geometry.x, toilet.geometry.y))
    # at zoom 18 a tile's 4096 steps are 4 cm apart: the symbol is drawn where Amap has the toilet
    visit = Visit(browser, live_server.url, f"/?basemap=amap&layers=toilets&center={glon:.6f},{glat:.6f}&zoom=18")
    visit.tiles_ready("toilets")
    assert visit.tile_requests("toilets") and all("crs=GCJ02" in u for u in visit.tile_requests("toilets"))
    drawn = next(f for f in visit.drawn("toilets") if f.get("id") == toilet["id"])
    lat, lng = drawn["_lat"], drawn["_lng"]
    assert abs(lng - glon) < 1e-6 and abs(lat - glat) < 1e-6
    # drawn about 465 m from the raw WGS-84 numbers, as the Amap tiles need
    from pyproj import Geod

    assert 400 < Geod(ellps="WGS84").inv(lng, lat, toilet.geometry.x, toilet.geometry.y)[2] < 550
    assert all("autonavi.com" in url for url in visit.outside) and visit.outside  # only Amap's tiles went out


def test_save_form_appears_only_after_a_run(browser, live_server):
    visit = Visit(browser, live_server.url, "/plan?type=toilets")
    visit.page.wait_for_function("() => document.body.dataset.circlesDrawn !== undefined")
    assert not visit.page.is_visible("#save-form")
    visit.clean()


# What the public, supervisors and everyone tripped over (issue 9), at phone and desktop size.


def wait_for_layers(page, layers=("toilets", "bike_stations", "parking_lots")):
    for layer in layers:
        page.wait_for_selector(f'[data-count="{layer}"][data-loaded]')


def map_share(page) -> float:
    """The share of the screen the map's drawn area takes: Leaflet's own idea of its size, not just its box."""
    return page.evaluate("() => { const s = CityMap.map.getSize(); return s.x * s.y / (innerWidth * innerHeight); }")


@pytest.mark.parametrize("size", SIZES)
def test_search_and_nearest_results_open_their_popup(browser, live_server, store, size):
    visit = Visit(browser, live_server.url, "/?layers=toilets", size=size)
    page = visit.page
    wait_for_layers(page, ["toilets"])
    name = store.read("toilets").sort_values("id")["name"].iloc[7]
    page.fill("#search-text", name)
    page.click("#search-form button")
    page.click("#search-results li button")
    page.wait_for_selector(".leaflet-popup-content strong")
    assert page.inner_text(".leaflet-popup-content strong") == name
    assert page.evaluate("CityMap.map.getZoom()") >= 17
    # the third nearest toilet to a point: its popup opens too
    page.evaluate("() => { CityMap.map.closePopup(); CityMap.map.setView([31.30, 120.62], 13, {animate: false}); }")
    visit.tiles_ready("toilets")
    visit.click_beside_symbols(31.3052, 120.6231)
    page.wait_for_selector("#nearest-results li")
    third = page.locator("#nearest-results li button").nth(2)
    expected = third.inner_text().rsplit(" · ", 1)[0]
    third.click()
    page.wait_for_selector(".leaflet-popup-content strong")
    assert page.inner_text(".leaflet-popup-content strong") == expected
    visit.shot(f"public-popup-{size}")
    visit.clean()


def test_collapsing_the_phone_panel_gives_the_map_the_screen(browser, live_server):
    visit = Visit(browser, live_server.url, "/", size="phone")
    page = visit.page
    wait_for_layers(page)
    open_height = page.evaluate("CityMap.map.getSize().y")
    page.click(".panel > summary")
    # Leaflet is told that its box grew: it draws over the whole box, not only the top part
    page.wait_for_function("() => CityMap.map.getSize().y === CityMap.map.getContainer().clientHeight")
    assert page.evaluate("CityMap.map.getSize().y") > open_height + 200
    assert map_share(page) >= 0.70
    topbar = page.locator(".topbar").bounding_box()
    assert topbar["height"] <= 48  # one row on a phone
    assert page.locator(".topbar .lang-switch").is_visible()  # the language switch stays in view
    visit.shot("public-phone-collapsed")
    page.click(".panel > summary")  # and back: the map shrinks with its box
    page.wait_for_function("() => CityMap.map.getSize().y === CityMap.map.getContainer().clientHeight")
    visit.clean()


SYMBOL_BODY = re.compile(r'<(circle|rect|polygon)\b[^>]*?fill="(#[0-9a-fA-F]{6})"(?![^>]*fill-opacity="0.4")')


def rgb(hex_colour: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)))


@pytest.mark.parametrize("size", SIZES)
def test_each_layer_has_its_own_symbol_and_cluster_colour(browser, live_server, size):
    layers = ["toilets", "bike_stations", "parking_lots", "refuse_stations"]
    visit = Visit(browser, live_server.url, f"/?layers={','.join(layers)}&center=120.62,31.30&zoom=10", size=size)
    page = visit.page
    for layer in layers:
        visit.tiles_ready(layer)
    # every symbol drawn from the tiles (single or server cluster with its count), as the canvas draws it: the
    # image of its style, and for clusters the pixel of the canvas beside the count
    drawn = page.evaluate(
        """ids => Object.fromEntries(ids.map(id => { const g = CityMap.groups[id], z = g._tileZoom;
        return [id, CityMap.tiles.drawn(g).map(d => {
            const icon = g.options.vectorTileLayerStyles[id](d.properties, z).icon.options;
            const px = CityMap.map.project(d.latlng, z), c = px.unscaleBy(g.getTileSize()).floor(); c.z = z;
            const local = px.subtract(c.scaleBy(g.getTileSize()));
            const canvas = g._tiles[g._tileCoordsToKey(c)].el;
            const pixel = canvas.getContext('2d').getImageData(Math.round(local.x - icon.iconSize[0] * 0.25), Math.round(local.y), 1, 1).data;
            return {cluster: Boolean(d.properties.cluster) && d.properties.count > 1, count: d.properties.count,
                    svg: decodeURIComponent(icon.iconUrl.split(',')[1]), pixel: Array.from(pixel).slice(0, 3)}; })]; }))""",
        layers,
    )
    legend = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#legend [data-symbol] .symbol')].map(
        n => [n.dataset.layer, getComputedStyle(n).backgroundColor]))""")
    looks = {}
    for layer, symbols in drawn.items():
        bodies = {SYMBOL_BODY.search(s["svg"]).groups() for s in symbols}
        assert len(bodies) == 1, (layer, bodies)  # one shape and colour per layer, single or cluster
        looks[layer] = bodies.pop()
        assert rgb(looks[layer][1]) == legend[layer]  # the colour of its legend symbol
        for s in symbols:
            if s["cluster"]:
                assert f">{s['count']}</text>" in s["svg"]  # a cluster shows its count
    assert len(set(looks.values())) == len(layers)  # no two layers look alike
    clustered = [layer for layer, symbols in drawn.items() if any(s["cluster"] for s in symbols)]
    assert len(clustered) >= 2, clustered  # server clusters of several layers on screen
    for layer in clustered:  # on the canvas, most clusters show their layer's colour (others may overlap)
        pixels = [s["pixel"] for s in drawn[layer] if s["cluster"]]
        target = [int(looks[layer][1][i : i + 2], 16) for i in (1, 3, 5)]
        matching = [p for p in pixels if all(abs(a - b) <= 12 for a, b in zip(p, target))]
        assert len(matching) >= len(pixels) / 2, (layer, target, pixels[:5])
    visit.shot(f"public-symbols-{size}")
    visit.clean()


@pytest.mark.parametrize("size", SIZES)
def test_nearest_results_are_visible_where_they_are(browser, live_server, size):
    visit = Visit(browser, live_server.url, "/?layers=toilets,bike_stations", size=size)
    page = visit.page
    wait_for_layers(page, ["toilets", "bike_stations"])
    visit.click_beside_symbols(31.3052, 120.6231)
    page.wait_for_selector("#nearest-results li")
    visit.map_still()  # the fit to the results has ended
    found = page.evaluate("""() => [...document.querySelectorAll('.nearest-icon')].map(icon => {
        const box = icon.getBoundingClientRect(), map = CityMap.map.getContainer().getBoundingClientRect();
        const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
        return {x: box.x + box.width / 2 - map.x, y: box.y + box.height / 2 - map.y, onTop: icon.contains(hit)};
    })""")
    targets = page.evaluate("""() => CityMap.nearestResults.map(f => {
        const p = CityMap.map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
        return {x: p.x, y: p.y}; })""")
    assert len(found) == len(targets) == 5
    for icon, target in zip(found, targets):
        assert abs(icon["x"] - target["x"]) < 2 and abs(icon["y"] - target["y"]) < 2
    # each result is a symbol of its layer on top of the map where it is, not a ring around a cluster;
    # results can overlap one another, so at least the nearest is wholly uncovered
    assert found[0]["onTop"]
    visit.clean()


def test_a_refused_position_is_said_in_the_page_language(browser, live_server):
    visit = Visit(browser, live_server.url, "/?layers=toilets", size="phone")  # no permission to locate
    page = visit.page
    wait_for_layers(page, ["toilets"])
    page.click("#locate-me")
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    assert page.inner_text("#status").startswith("无法获取您的位置")
    visit.clean()


def test_popups_show_labels_in_the_page_language(browser, live_server, store):
    toilets = store.read("toilets")
    toilet = toilets[
        (toilets["status"] == "operational") & (toilets["fee"] == "no") & (toilets["wheelchair"] == "yes")
    ].iloc[0]
    texts = {}
    for lang in ("zh", "en"):
        centre = f"{toilet.geometry.x:.6f},{toilet.geometry.y:.6f}"
        visit = Visit(browser, live_server.url, f"/?layers=toilets&lang={lang}&center={centre}&zoom=18", size="desktop")
        page = visit.page
        wait_for_layers(page, ["toilets"])
        visit.tiles_ready("toilets")
        visit.click_feature("toilets", toilet["id"])
        page.wait_for_selector(".leaflet-popup-content strong")
        texts[lang] = page.inner_text(".leaflet-popup-content")
        visit.clean()
    assert "运营中" in texts["zh"] and "免费" in texts["zh"] and "是" in texts["zh"]
    assert not re.search(r"\b(operational|yes|no)\b", texts["zh"])
    assert "Operational" in texts["en"] and "Free" in texts["en"]


@pytest.mark.parametrize("size", SIZES)
def test_grid_is_chosen_by_lon_lat_and_highlighted(browser, live_server, client, size):
    visit = Visit(browser, live_server.url, "/grid?district=320508", size=size)
    page = visit.page
    page.wait_for_function("() => Number(document.body.dataset.gridsDrawn) > 10")
    assert {g["adcode"] for g in visit.drawn("grids")} >= {"320508"}
    # a tap or click at a lon/lat picks the grid containing that lon/lat, the same at every size
    lon, lat = 120.6255, 31.3115
    page.evaluate(
        "([lon, lat]) => { CityMap.map.setView([lat, lon], CityMap.map.getZoom(), {animate: false}); }", [lon, lat]
    )
    point = page.evaluate(
        "([lon, lat]) => { const p = CityMap.map.latLngToContainerPoint([lat, lon]);"
        " const r = CityMap.map.getContainer().getBoundingClientRect(); return [r.x + p.x, r.y + p.y]; }",
        [lon, lat],
    )
    page.wait_for_function("() => Number(document.body.dataset.gridsDrawn) > 0")
    page.mouse.click(*point)
    expected = client.get(f"/api/grids/at?lon={lon}&lat={lat}").get_json()["code"]
    page.wait_for_function("code => document.body.dataset.chosenGrid === code", arg=expected)
    assert expected in page.inner_text("#grid-detail")
    highlighted = page.evaluate("""() => { let ids = []; CityMap.map.eachLayer(l => { if (l.feature && l.options.interactive === false
        && l.options.weight === 4) ids.push(l.feature.id); }); return ids; }""")
    assert highlighted == [expected]
    # the grid is big enough to tap (≥ 40 px a side) on a phone at the zoom the page opened at
    side = page.evaluate("""() => { let side = null; CityMap.map.eachLayer(l => { if (l.feature && l.options.weight === 4) {
        const b = l.getBounds(), a = CityMap.map.latLngToContainerPoint(b.getNorthWest()), c = CityMap.map.latLngToContainerPoint(b.getSouthEast());
        side = Math.min(c.x - a.x, c.y - a.y); } }); return side; }""")
    if size == "phone":
        assert side >= 40
    visit.shot(f"grid-chosen-{size}")
    visit.clean()


def test_grid_lists_say_status_and_what_the_counts_include(browser, live_server, client):
    code = "320508002001002"
    detail = client.get(f"/api/grids/{code}").get_json()
    bikes = detail["contents"]["bike_stations"]["features"]
    building = [b for b in bikes if b["status"] == "under_construction"]
    assert building and detail["comparison"]["bike_stations"]["count"] == len(bikes) - len(building)
    visit = Visit(browser, live_server.url, f"/grid?grid={code}", size="phone")
    page = visit.page
    page.wait_for_selector("#grid-detail details")
    summary = page.locator("#grid-detail summary", has_text="公共自行车站点").inner_text()
    assert summary == f"公共自行车站点: {len(bikes)} (运营中 {len(bikes) - len(building)})"
    page.locator("#grid-detail summary", has_text="公共自行车站点").click()
    assert page.locator("#grid-detail .tag.status", has_text="在建").count() == len(building)
    assert "数量仅含运营中的设施" in page.inner_text("#grid-detail")
    # a tap outside every grid (on 太湖) says so in the page's language
    page.evaluate("() => { CityMap.map.fire('click', {latlng: L.latLng(31.20, 120.25)}); }")
    page.wait_for_function("() => document.getElementById('status').textContent !== ''")
    assert page.inner_text("#status") == "此处不在任何巡查网格内"
    visit.errors = [e for e in visit.errors if "404" not in e]  # the API's answer to that tap
    visit.clean()


@pytest.mark.parametrize("size", SIZES)
def test_district_page_has_a_map_and_short_lists(browser, live_server, client, size):
    visit = Visit(browser, live_server.url, "/districts/320508", size=size)
    page = visit.page
    page.wait_for_function("() => Number(document.body.dataset.layersLoaded) > 0")
    grids = len(client.get("/api/facilities/grids?adcode=320508").get_json()["features"])
    toilets = len(client.get("/api/facilities/toilets?adcode=320508").get_json()["features"])
    legend = page.inner_text("#district-legend")
    assert f"({grids})" in legend and f"({toilets})" in legend
    # the facilities from tiles filtered to the district; grids from the zoom where they are drawn
    visit.tiles_ready("toilets")
    assert visit.geojson_requests("toilets") == [] and all("adcode=320508" in u for u in visit.tile_requests("toilets"))
    page.evaluate("() => CityMap.map.setZoom(15, {animate: false})")
    visit.tiles_ready("toilets")
    singles = [f for f in visit.drawn("toilets") if not f.get("cluster")]
    assert singles and {f["adcode"] for f in singles} == {"320508"}
    visit.tiles_ready("grids")
    assert {g["adcode"] for g in visit.drawn("grids")} == {"320508"} and f"({grids})" in page.inner_text(
        "#district-legend"
    )
    map_box = page.locator(".district-map .folium-map").bounding_box()
    assert map_box["height"] >= 300 and page.evaluate("CityMap.map.getSize().y") == round(map_box["height"])
    assert (
        page.locator("details.group-figures").count() > 0 and page.locator("details.group-figures[open]").count() == 0
    )
    if size == "desktop":  # beside the figures
        assert map_box["x"] < page.locator("h1").bounding_box()["x"]
    assert page.evaluate("document.documentElement.scrollHeight") < 6000
    visit.shot(f"district-{size}")
    visit.clean()


def test_district_without_boundary_in_chinese(browser, live_server):
    visit = Visit(browser, live_server.url, "/districts/320571", size="phone")
    page = visit.page
    text = page.inner_text("main")
    assert "边界数据尚未导入" in text and "– km²" not in text and "no boundary" not in text
    assert page.locator(".folium-map").count() == 0
    visit.clean()


@pytest.mark.parametrize("size", SIZES)
def test_districts_table_is_readable(browser, live_server, size):
    visit = Visit(browser, live_server.url, "/districts", size=size)
    page = visit.page
    page.wait_for_selector("#district-table")
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#district-table td')).lineHeight)")
    names = page.evaluate(
        "[...document.querySelectorAll('#district-table td:first-child a')].map(a => a.getBoundingClientRect().height)"
    )
    assert len(names) == 10 and max(names) < 1.6 * line  # every name on one line
    cells = page.evaluate(
        "[...document.querySelectorAll('#district-table tbody td.num')].map(td => td.getBoundingClientRect().height)"
    )
    assert max(cells) < 3 * line
    headers = page.evaluate(
        "[...document.querySelectorAll('#district-table thead th')].map(th => th.getBoundingClientRect().height)"
    )
    assert max(headers) < 5 * line  # at most four lines of text
    visit.clean()


# Every page in both languages at both sizes: a screenshot each, and no English words on the Chinese pages.
EVERY_PAGE = [
    "/",
    "/grid?district=320508",
    "/plan?type=toilets",
    "/districts",
    "/districts/320508",
    "/districts/320571",
    "/about",
    "/nowhere",
]


# Names that stay as they are in Chinese text: the switch to English, basemaps, coordinate systems (WGS84,
# GCJ02), formats and standards, and the map library.
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("path", EVERY_PAGE)
def test_every_page_in_both_languages(browser, live_server, path, size):
    for lang in ("zh", "en"):
        url = path + ("&" if "?" in path else "?") + f"lang={lang}"
        visit = Visit(browser, live_server.url, url, size=size)
        page = visit.page
        page.wait_for_load_state("networkidle")
        name = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "public"
        visit.shot(f"page-{name}-{lang}-{size}")
        # nothing wider than the screen (a long <select> once pushed /districts sideways on a phone)
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size][0], path
        if lang == "zh":
            words = english_words(page)
            assert not words, f"{path}: English on the Chinese page: {sorted(words)}"
        if path != "/nowhere":
            visit.clean()


def test_a_cjk_font_is_installed():
    """Without one every Chinese character in a screenshot is a box (make browser installs fonts-noto-cjk)."""
    families = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert families.strip(), "no CJK font: apt-get install fonts-noto-cjk (make browser does this as root)"
