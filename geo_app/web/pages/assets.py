"""Self-hosted map assets: every JS and CSS file a page loads is served by the app (no public CDN), from
packages installed at setup from PyPI (xstatic-leaflet) and from npm
(leaflet.vectorgrid, leaflet.heat, pinned in package.json / package-lock.json and installed by `make setup` with `npm ci` into the
git-ignored node_modules/).

folium names each element's assets in class attributes (`default_js`, `default_css`); they are set here, once,
for the whole process: that is the point (no page may fall back to a CDN). folium's Bootstrap, jQuery and
Font Awesome are dropped: the pages draw with Leaflet's own vector markers and plain HTML controls.
"""

from __future__ import annotations

from pathlib import Path

import folium
import xstatic.pkg.leaflet as xs_leaflet
from flask import Blueprint, abort, send_from_directory

from geo_app.settings import ROOT

NPM_MODULES = ROOT / "node_modules"
PACKAGES = {
    "leaflet": Path(xs_leaflet.BASE_DIR),
    "leaflet.vectorgrid": NPM_MODULES / "leaflet.vectorgrid" / "dist",
    "leaflet.heat": NPM_MODULES / "leaflet.heat" / "dist",
}
VECTORGRID_JS = "Leaflet.VectorGrid.bundled.min.js"  # with its MVT decoder (pbf, vector-tile)
HEAT_JS = "leaflet-heat.js"  # with simpleheat (the canvas drawing)
VERSIONS = {"leaflet": xs_leaflet.VERSION}
PREFIX = "/vendor"

bp = Blueprint("vendor", __name__, url_prefix=PREFIX)


@bp.get("/<package>/<path:filename>")
def vendor_file(package: str, filename: str):
    if package not in PACKAGES:
        abort(404)
    return send_from_directory(PACKAGES[package], filename, max_age=7 * 24 * 3600)


def npm_url(package: str, filename: str) -> str:
    """An npm package's script; a clear error when `make setup` (npm ci) has not installed it."""
    if not (PACKAGES[package] / filename).is_file():
        raise RuntimeError(
            f"{PACKAGES[package] / filename} is missing: run `make setup` "
            "(npm ci installs the map pages' npm packages into node_modules/)"
        )
    return _url(package, filename)


def vectorgrid_url() -> str:
    """The vector-tile plugin's script."""
    return npm_url("leaflet.vectorgrid", VECTORGRID_JS)


def heat_url() -> str:
    """The heat-map plugin's script (the case heat layer on /districts)."""
    return npm_url("leaflet.heat", HEAT_JS)


def _url(package: str, filename: str) -> str:
    return f"{PREFIX}/{package}/{filename}"


def use_local_assets() -> None:
    folium.Map.default_js = [("leaflet", _url("leaflet", "leaflet.js"))]
    folium.Map.default_css = [("leaflet_css", _url("leaflet", "leaflet.css"))]
