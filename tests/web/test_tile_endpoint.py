"""One tile endpoint for a layer and for the cases (web/tiles.py: tile_response): the same checks of z/x/y and
of the query, the same ETag, 304 and headers; and what the engine (geo_app/tiles) shares between them."""

import re

import numpy as np
import pytest
import shapely

from geo_app.cases import lifecycle
from geo_app.store import open_store
from geo_app.tiles import TMS
from geo_app.tiles.matrix import bounds
from geo_app.tiles.points import point_features
from tests.conftest import BOTH_BACKENDS

GUSU = (120.62, 31.31)
SOURCES = ("/tiles/toilets", "/tiles/cases")


@BOTH_BACKENDS
def test_a_layer_and_the_cases_are_served_alike(client, monkeypatch):
    monkeypatch.setattr(lifecycle, "stamp", lambda moment: "2026-01-05T09:30:00Z")  # the case tiles' minute
    tile = TMS.tile(*GUSU, 15)
    headers = {}
    for source in SOURCES:
        url = f"{source}/15/{tile.x}/{tile.y}.mvt"
        first = client.get(url)
        assert first.status_code == 200 and first.mimetype == "application/vnd.mapbox-vector-tile", source
        assert re.fullmatch(r'W/"\d+-[0-9a-f]{16}"', first.headers["ETag"]), source
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == first.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": 'W/"0-0000000000000000"'}).data == first.data
        headers[source] = [
            (r.headers["Cache-Control"], r.headers.get("Vary"), sorted(r.headers.keys())) for r in (first, again)
        ]
    assert headers[SOURCES[0]] == headers[SOURCES[1]] and headers[SOURCES[0]][0][0] == "no-cache"


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("zxy", ["23/0/0", "3/8/0", "3/0/8", "0/1/0"])
def test_a_tile_outside_the_matrix_is_404(client, source, zxy):
    answer = client.get(f"{source}/{zxy}.mvt")
    assert answer.status_code == 404 and answer.get_json()["error"]["parameter"] == "z/x/y"


@pytest.mark.parametrize("source", SOURCES)
def test_an_unknown_parameter_is_400(client, source):
    answer = client.get(f"{source}/3/0/0.mvt?colour=red")
    assert answer.status_code == 400 and answer.get_json()["error"]["parameter"] == "colour"


def test_a_point_on_the_edge_of_two_tiles_is_in_one():
    """Points of layers and of cases are kept alike: a tile holds its west and south edges, not the others."""
    tile = TMS.tile(*GUSU, 15)
    left, bottom, right, top = bounds(15, tile.x, tile.y)
    on_edges = np.array([shapely.Point(left, (bottom + top) / 2), shapely.Point((left + right) / 2, bottom)])
    assert len(point_features(on_edges, [{"n": 1}, {"n": 2}], (left, bottom, right, top), 15)) == 2
    for neighbour in ((tile.x - 1, tile.y), (tile.x, tile.y + 1)):  # west, south
        assert point_features(on_edges, [{"n": 1}, {"n": 2}], bounds(15, *neighbour), 15) == []


def test_a_geopackage_store_makes_no_tile_itself(built_store_path):
    """Store.mvt is optional: None sends the engine to encode the tile itself."""
    tile = TMS.tile(*GUSU, 15)
    assert open_store(built_store_path).mvt("toilets", 15, tile.x, tile.y, columns=["id"], edge=0, tolerance=1) is None
