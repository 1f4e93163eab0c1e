"""The map pages draw their dense layers from vector tiles with Leaflet.VectorGrid, an npm package the app serves
itself; and the map benchmarks' requests are ones the server answers (their numbers are not checked)."""

import gzip
import json
import re

import pytest

from benchmarks import first_view, map_traffic, measure
from geo_app.settings import ROOT
from tests.web.test_pages import ASSET, config_of

VECTORGRID = "/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"


@pytest.mark.parametrize("path", ["/", "/grid?district=320508", "/districts/320508", "/plan?type=toilets"])
def test_dense_maps_load_the_vector_tile_plugin(client, path):
    html = client.get(path).get_data(as_text=True)
    assert VECTORGRID in ASSET.findall(html) and "/static/js/tiles.js" in ASSET.findall(html)
    config = config_of(html)
    assert config["tileApi"]["tiles"] == "/tiles/LAYER/{z}/{x}/{y}.mvt"


def test_the_plugin_is_the_pinned_npm_package(client):
    lock = json.loads((ROOT / "package-lock.json").read_text())
    installed = json.loads((ROOT / "node_modules" / "leaflet.vectorgrid" / "package.json").read_text())
    assert lock["packages"]["node_modules/leaflet.vectorgrid"]["version"] == installed["version"] == "1.3.0"
    response = client.get(VECTORGRID)
    assert response.status_code == 200 and b"VectorGrid" in response.data
    assert client.get("/vendor/leaflet.vectorgrid/../package.json").status_code == 404


def test_map_traffic_asks_only_what_the_server_answers(live_server):
    client = measure.Client(live_server.url)
    kinds = map_traffic.traffic(client, measure.query_points(client, 12))
    requests = map_traffic.mix(kinds)
    assert {kind for kind, _ in requests} == {"tiles", "nearest", "popups", "counts", "pages"}
    for _, path in dict.fromkeys(requests):
        status, _, _ = client.get(path)
        assert status == 200, path


def test_explore_html_holds_every_feature_with_the_servers_leaflet(live_server, store):
    html = first_view.explore_html(live_server.url, ["refuse_stations"])
    scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert scripts == ["/vendor/leaflet/leaflet.js"]
    assert html.count('"type": "Feature"') == len(store.read("refuse_stations"))
    assert len(gzip.compress(html.encode())) < len(html)
