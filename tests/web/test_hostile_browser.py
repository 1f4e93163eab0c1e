"""In Chromium: no page breaks its Content-Security-Policy, and hostile text in every text field of every layer
shows as text wherever it appears (popups, tooltips, lists, tables, legends), opening no dialog."""

import pytest

from geo_app.data.tables import SOURCES_TABLE
from geo_app.store import open_store

# the browser fixture, and the autouse fixture that closes every page a test opened; skips without Chromium
from tests.browser_kit import Visit
from tests.conftest import copy_store_file
from tests.live import LiveServer

HOSTILE = ["<img src=x onerror=alert(5)>", "</script><script>alert(1)</script>"]
PAGES = ["/", "/grid?district=320508", "/districts", "/districts/320508", "/plan?type=toilets", "/about"]


class Watched(Visit):
    """A visit that checks that the page broke no CSP rule (Chromium reports each violation as a console
    error) and that no hostile markup became an element."""

    def violations(self) -> list:
        return [e for e in self.errors if "Content Security Policy" in e]

    def check(self) -> None:
        assert self.violations() == [], self.violations()
        assert self.dialogs == []
        assert (
            self.page.evaluate(
                '() => document.querySelectorAll(\'img[src="x"], body script:not([src])'
                ':not([type="application/json"]):not([nonce])\').length'
            )
            == 0
        )


def test_the_policy_blocks_injected_markup_and_the_watch_sees_it(browser, live_server):  # noqa: F811
    visit = Watched(browser, live_server.url, "/about")
    # until Chromium reports the refused inline handler (a dialog would have opened by then)
    with visit.page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        visit.page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=alert(5)>')")
    visit.page.wait_for_function("() => document.querySelector('img[src=x]').complete")
    assert visit.dialogs == [] and visit.violations()
    with pytest.raises(AssertionError):
        visit.check()


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang, size", [("zh", (390, 844)), ("en", (1440, 900))])
def test_no_page_breaks_its_content_security_policy(browser, live_server, path, lang, size):  # noqa: F811
    separator = "&" if "?" in path else "?"
    visit = Watched(browser, live_server.url, f"{path}{separator}lang={lang}", width=size[0], height=size[1])
    visit.page.wait_for_load_state("networkidle")
    if path.startswith("/grid"):
        visit.page.wait_for_function("() => Number(document.body.dataset.gridsDrawn) > 0")
    visit.check()
    visit.clean()


def hostile_store(project, built_store_path, tmp_path):
    """The built store with every free-text field of every layer (and each layer's source and licence) hostile."""
    path = tmp_path / "hostile.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    tables = {}
    for spec in project.catalog.layers.values():
        frame = store.read(spec.id)
        for f in spec.fields.values():
            free = (
                f.type == "string"
                and not (f.allowed or f.pattern or f.derived or f.format)
                and f.name not in (spec.id_field, "source")
            )
            if free and f.name in frame:
                frame[f.name] = [HOSTILE[i % 2] + f" {f.name} {i}" for i in range(len(frame))]
        tables[spec.id] = frame
    sources = store.read(SOURCES_TABLE)
    sources["source"], sources["licence"] = HOSTILE[0], HOSTILE[1]
    tables[SOURCES_TABLE] = sources
    with store.transaction() as tx:
        for name, frame in tables.items():
            tx.replace(name, frame)
    store.close()
    return path


def test_hostile_text_in_every_field_stays_text(browser, project, built_store_path, tmp_path):  # noqa: F811
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    server = LiveServer(
        hostile_store(project, built_store_path, tmp_path),
        DEFAULT_BASEMAP="none",
        SECRET_KEY_FILE=tmp_path / "secret_key",
        RATE_LIMIT_ANONYMOUS="100000 per minute",
    )
    try:
        visit = Watched(
            browser,
            server.url,
            "/?layers=toilets,bike_stations,parking_lots,street_parking,refuse_stations&center=120.62,31.31&zoom=13",
        )
        page = visit.page
        for layer in ("toilets", "bike_stations", "parking_lots", "street_parking", "refuse_stations"):
            page.wait_for_selector(f'[data-count="{layer}"][data-loaded]')
            visit.tiles_ready(layer)
            page.evaluate(
                "() => { CityMap.map.closePopup(); CityMap.map.setView([31.31, 120.62], 15, {animate: false}); }"
            )
            visit.tiles_ready(layer)
            key = page.evaluate(
                "layer => { const g = CityMap.groups[layer];"
                " const f = CityMap.tiles.drawn(g).find(d => !d.properties.cluster);"
                " CityMap.map.setView(f.latlng, 18, {animate: false}); return f.properties[g.info.idField]; }",
                layer,
            )
            visit.tiles_ready(layer)
            visit.click_feature(layer, key)  # its popup, with the feature fetched by id
            page.wait_for_selector(".leaflet-popup-content strong")
            assert page.inner_text(".leaflet-popup-content strong").startswith(tuple(HOSTILE)), layer
        visit.click_beside_symbols(31.3052, 120.6231)
        page.wait_for_selector("#nearest-results li")
        assert any(h in page.inner_text("#nearest-results") for h in HOSTILE)
        page.fill("#search-text", "onerror")
        page.click("#search-form button")
        page.wait_for_selector("#search-results li")
        assert HOSTILE[0] in page.inner_text("#search-results")
        visit.shot("hostile-public")
        visit.check()

        visit = Watched(browser, server.url, "/grid?district=320508&center=120.62,31.31&zoom=15")
        page = visit.page
        page.wait_for_function("() => Number(document.body.dataset.gridsDrawn) > 0")
        box = page.locator(".folium-map").bounding_box()
        visit.tiles_ready("grids")
        for step in range(60):  # a grid's name as its tooltip (a pointer that moves, as a hand does)
            page.mouse.move(box["x"] + box["width"] / 2 + step % 3, box["y"] + box["height"] / 2)
            try:
                page.wait_for_selector(".leaflet-tooltip", timeout=500)
                break
            except PlaywrightTimeout:  # not yet: move again
                pass
        assert page.inner_text(".leaflet-tooltip").startswith(tuple(HOSTILE))
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#grid-detail h2")
        assert page.inner_text("#grid-detail h2").startswith(tuple(HOSTILE))
        visit.shot("hostile-grid")
        visit.check()

        for path in ("/plan?type=toilets", "/districts", "/districts/320508", "/about"):
            visit = Watched(browser, server.url, path)
            visit.page.wait_for_load_state("networkidle")
            if path == "/about":
                assert HOSTILE[0] in visit.page.inner_text("main")
            visit.check()
    finally:
        server.stop()


def test_choosing_a_statistic_still_submits_without_an_inline_handler(browser, live_server):  # noqa: F811
    visit = Watched(browser, live_server.url, "/districts?stat=toilets_per_km2")
    visit.page.wait_for_load_state("networkidle")
    visit.page.select_option("select[name=stat]", "toilets_district_area_coverage_pct")
    visit.page.wait_for_url("**/districts?stat=toilets_district_area_coverage_pct*")
    visit.check()
