"""Benchmark of the maps' first view (issue 10): `/` and `/grid?district=320508` opened in headless Chromium with
every outside request blocked, at phone and desktop size: bytes transferred, time to network idle and JS heap;
and the same first views as `geopandas.explore()` HTML of the same layers, for the ratio.

    .venv/bin/python -m benchmarks.first_view http://127.0.0.1:5000 [--runs 3] [--no-explore]

Run it against a server on loopback (`make run`; `make city` first for the city scale; either backend). The
explore() maps are built here from the server's own whole-layer GeoJSON (`/api/facilities/<layer>`): the public
map's default layers (toilets, bike stations, parking lots) for `/`, the grids and district outlines for `/grid`.
Their Leaflet comes from the server's /vendor (outside requests are blocked for both), and their HTML counts as
sent gzip-compressed, as the server would send it. Each figure is the median of --runs fresh browser pages.

- bytes: what the network carried (Chrome's encoded data length: compressed bodies and headers) for every request
  of the view, including the page itself;
- network idle: from the navigation's first request to the end of the last response before 500 ms without any;
- JS heap: `Runtime.getHeapUsage` (CDP) once the view is idle, after a garbage collection.

The report is a Markdown table, printed and written under benchmarks/results/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import urllib.request

import geopandas as gpd
from playwright.sync_api import sync_playwright

from benchmarks.measure import machine, save

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
VIEWS = {"/": ["toilets", "bike_stations", "parking_lots"], "/grid?district=320508": ["grids", "districts"]}
EXPLORE_PATH = "/__explore__.html"  # answered by the browser's route with the explore() HTML, never asked of the server


def explore_html(url: str, layers: list[str]) -> str:
    """geopandas.explore() of the layers as the server holds them, with the server's own Leaflet (no CDN)."""
    from geo_app.web.pages.assets import use_local_assets

    use_local_assets()
    fmap = None
    for layer in layers:
        with urllib.request.urlopen(f"{url}/api/facilities/{layer}", timeout=600) as answer:
            frame = gpd.GeoDataFrame.from_features(json.load(answer)["features"], crs="EPSG:4326")
        fmap = (
            frame.explore(m=fmap, tiles=None, name=layer) if fmap is not None else frame.explore(tiles=None, name=layer)
        )
    return fmap.get_root().render()


def first_view(browser, url: str, path: str, size: str, html: str | None = None) -> dict:
    """One first view in a fresh page: bytes, seconds to network idle, JS heap (MB), requests, blocked requests."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    started, finished, sizes, blocked, fulfilled = {}, [], {}, [], set()

    def sent(event):  # network requests only: the symbols' data: images never leave the browser
        if event["request"]["url"].startswith("http"):
            started[event["requestId"]] = event["timestamp"]
        if event["request"]["url"].endswith(EXPLORE_PATH):
            fulfilled.add(event["requestId"])

    def done(event):
        if event["requestId"] in started:
            finished.append(event["timestamp"])
            sizes[event["requestId"]] = event["encodedDataLength"]

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", done)

    def route(r):
        if html is not None and r.request.url == url + EXPLORE_PATH:
            r.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        elif r.request.url.startswith(url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(url + (EXPLORE_PATH if html is not None else path), wait_until="networkidle", timeout=600_000)
    cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")["usedSize"]
    transferred = sum(n for request, n in sizes.items() if request not in fulfilled)
    if html is not None:  # fulfilled by the route: count the HTML as the server would send it (gzip)
        transferred += len(gzip.compress(html.encode("utf-8")))
    result = {
        "bytes": transferred,
        "idle_s": max(finished) - min(started.values()),
        "heap_mb": heap / 2**20,
        "requests": len(started),
        "blocked": len(blocked),
    }
    context.close()
    return result


def median(results: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=3, help="fresh pages per view (the median is reported)")
    parser.add_argument("--no-explore", action="store_true", help="skip the geopandas.explore() comparison")
    args = parser.parse_args(argv)
    url = args.url.rstrip("/")
    rows = [
        "| view | size | map | bytes | network idle | JS heap | requests |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    ratios = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"]
        )
        for path, layers in VIEWS.items():
            html = None if args.no_explore else explore_html(url, layers)
            for size in SIZES:
                ours = median([first_view(browser, url, path, size) for _ in range(args.runs)])
                rows.append(_row(path, size, "this service (vector tiles)", ours))
                if html is None:
                    continue
                theirs = median([first_view(browser, url, path, size, html) for _ in range(args.runs)])
                rows.append(_row(path, size, f"`explore()` of {', '.join(layers)}", theirs))
                raw = len(html.encode("utf-8"))
                ratios.append(
                    f"- `{path}` {size}: explore() / this service = {theirs['bytes'] / ours['bytes']:.1f}× "
                    f"the bytes ({raw / ours['bytes']:.1f}× with its {raw / 2**20:.1f} MiB HTML uncompressed), "
                    f"{theirs['idle_s'] / ours['idle_s']:.1f}× the time, {theirs['heap_mb'] / ours['heap_mb']:.1f}× the heap"
                )
        browser.close()
    save(
        "first_view",
        f"First view in headless Chromium, {url} — {machine()}; median of {args.runs}\n\n"
        + "\n".join(rows)
        + ("\n\n" + "\n".join(ratios) if ratios else ""),
    )


def _row(path: str, size: str, what: str, r: dict) -> str:
    return (
        f"| `{path}` | {size} | {what} | {r['bytes'] / 1024:,.0f} KiB | {r['idle_s']:.2f} s | "
        f"{r['heap_mb']:.1f} MB | {r['requests']:.0f} |"
    )


if __name__ == "__main__":
    main()
