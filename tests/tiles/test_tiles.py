"""Vector tiles on both backends: the same features as the API, filters, server clusters, Amap alignment, ETags,
and the OGC API - Tiles documents."""

import mapbox_vector_tile
import pyproj
import pytest
import shapely

from geo_app import crs, tiles
from geo_app.store import open_store
from geo_app.tiles import CLUSTER_ABOVE, TMS, build
from tests.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS
TO_LONLAT = pyproj.Transformer.from_crs(3857, 4326, always_xy=True)
GUSU = (120.62, 31.31)


def _tile(client, layer, z, x, y, query=""):
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt{query}")
    assert response.status_code == 200 and response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data).get(layer, {"features": []})["features"]


def _api_ids(client, layer, z, x, y, query=""):
    west, south, east, north = TMS.bounds(x, y, z)
    body = client.get(f"/api/facilities/{layer}?bbox={west},{south},{east},{north}{query}").get_json()
    # a point on the tile's edge belongs to one tile only; none of the demo points sits exactly there
    return {f["id"] for f in body["features"]}, body["numberMatched"]


@pytest.mark.parametrize("query", ["", "&wheelchair=yes&fee=no", "&open_now=true&at=2026-11-28T23:30"])
def test_a_tile_holds_what_the_api_gives_for_its_box(client, query):
    tile = TMS.tile(*GUSU, 16)
    features = _tile(client, "toilets", 16, tile.x, tile.y, "?" + query.lstrip("&") if query else "")
    ids, _ = _api_ids(client, "toilets", 16, tile.x, tile.y, query)
    assert {f["properties"]["id"] for f in features} == ids and not any("cluster" in f["properties"] for f in features)


@pytest.mark.parametrize("query", ["", "&wheelchair=yes"])
def test_low_zoom_tiles_are_clustered_with_the_api_counts(client, query):
    tile = TMS.tile(*GUSU, 11)
    features = _tile(client, "toilets", 11, tile.x, tile.y, "?" + query.lstrip("&") if query else "")
    _, matched = _api_ids(client, "toilets", 11, tile.x, tile.y, query)
    if matched > CLUSTER_ABOVE:
        assert all(f["properties"]["cluster"] for f in features) and len(features) < matched
        assert sum(f["properties"]["count"] for f in features) == matched
    else:
        assert len(features) == matched


def test_properties_are_what_styling_and_filters_need(client):
    tile = TMS.tile(*GUSU, 16)
    properties = _tile(client, "toilets", 16, tile.x, tile.y)[0]["properties"]
    assert {"id", "name", "wheelchair", "fee"} <= set(properties)
    assert not {"address", "operator", "opening_hours", "source"} & set(properties)


def test_amap_tiles_carry_gcj02_positions(client, store):
    toilet = store.read("toilets").iloc[0]
    lon, lat = toilet.geometry.x, toilet.geometry.y
    gcj_lon, gcj_lat = crs.convert(lon, lat, crs.WGS84, crs.GCJ02)
    z = 17
    tile = TMS.tile(float(gcj_lon), float(gcj_lat), z)
    found = [
        f for f in _tile(client, "toilets", z, tile.x, tile.y, "?crs=GCJ02") if f["properties"]["id"] == toilet["id"]
    ]
    assert found, "the toilet is in the GCJ-02 tile of its GCJ-02 position"
    left, bottom, right, top = TMS.xy_bounds(tile.x, tile.y, z)
    gx, gy = found[0]["geometry"]["coordinates"]
    x, y = TO_LONLAT.transform(left + gx / 4096 * (right - left), bottom + gy / 4096 * (top - bottom))
    assert abs(x - gcj_lon) < 1e-5 and abs(y - gcj_lat) < 1e-5  # about a metre
    assert abs(x - lon) > 1e-3  # and not the WGS-84 position


def test_polygon_layers_start_at_their_min_zoom(client):
    low, high = TMS.tile(*GUSU, 11), TMS.tile(*GUSU, 14)
    assert _tile(client, "grids", 11, low.x, low.y) == []
    grids = _tile(client, "grids", 14, high.x, high.y)
    assert grids and {"code", "name"} <= set(grids[0]["properties"])


def test_etag_revalidation_and_a_write_changes_it(client, store):
    tile = TMS.tile(*GUSU, 15)
    url = f"/tiles/toilets/15/{tile.x}/{tile.y}.mvt"
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with store.transaction() as tx:
        tx.delete("toilets", {"id": store.read("toilets", limit=1)["id"].iloc[0]})
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304


def test_bad_tiles_are_refused(client):
    assert client.get("/tiles/toilets/23/0/0.mvt").status_code == 404
    assert client.get("/tiles/toilets/3/8/0.mvt").status_code == 404
    assert client.get("/tiles/nope/3/0/0.mvt").status_code == 404
    assert client.get("/tiles/toilets/%D9%A3/0/0.mvt").status_code == 404  # Arabic-Indic 3: ASCII digits only
    response = client.get("/tiles/toilets/3/0/0.mvt?colour=red")
    assert response.status_code == 400 and "colour" in response.get_json()["error"]["message"]


def test_ogc_tiles_documents_lead_to_the_tiles(client):
    collection = client.get("/ogc/collections/toilets").get_json()
    tilesets = next(link for link in collection["links"] if link["rel"].endswith("tilesets-vector"))
    listed = client.get(tilesets["href"].replace("http://localhost", "")).get_json()
    tileset_url = next(link for link in listed["tilesets"][0]["links"] if link["rel"] == "self")["href"]
    tileset = client.get(tileset_url.replace("http://localhost", "")).get_json()
    scheme = next(link for link in tileset["links"] if link["rel"].endswith("tiling-scheme"))["href"]
    assert client.get(scheme.replace("http://localhost", "")).get_json()["id"] == "WebMercatorQuad"
    template = next(link for link in tileset["links"] if link["rel"] == "item")["href"]
    tile = TMS.tile(*GUSU, 16)
    url = template.replace("http://localhost", "").format(tileMatrix=16, tileRow=tile.y, tileCol=tile.x)
    assert client.get(url).data == client.get(f"/tiles/toilets/16/{tile.x}/{tile.y}.mvt").data
    assert (
        "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"
        in client.get("/ogc/conformance").get_json()["conformsTo"]
    )


def test_json_is_compressed_and_revalidated(client):
    response = client.get("/api/facilities/toilets", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip" and response.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/facilities/toilets", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_both_backends_make_the_same_tiles(store, built_store_path, project):
    """On PostGIS, tiles without filters or clusters come from ST_AsMVT; they hold the same features as the ones
    encoded in Python from the GeoPackage, with the same properties, points within a unit of the tile grid."""
    other = open_store(built_store_path)
    for layer, z in (("toilets", 11), ("toilets", 16), ("grids", 14), ("street_parking", 15), ("bike_stations", 16)):
        tile = TMS.tile(*GUSU, z)
        ours = mapbox_vector_tile.decode(build(store, project.catalog[layer], z, tile.x, tile.y))
        theirs = mapbox_vector_tile.decode(build(other, project.catalog[layer], z, tile.x, tile.y))
        ours, theirs = (
            sorted(d.get(layer, {}).get("features", []), key=lambda f: sorted(f["properties"].items()))
            for d in (ours, theirs)
        )
        assert ours and [f["properties"] for f in ours] == [f["properties"] for f in theirs], layer
        for a, b in zip(ours, theirs):
            assert a["geometry"]["type"] == b["geometry"]["type"]
            if a["geometry"]["type"] == "Point":
                assert max(abs(u - v) for u, v in zip(a["geometry"]["coordinates"], b["geometry"]["coordinates"])) <= 1


def test_encoding_in_bulk_gives_the_encoders_own_bytes():
    """tiles.encode brings geometries to tile coordinates, valid and oriented, for all features at once: the
    bytes must be those the encoder makes itself feature by feature (holes, a sliver that rounding folds, a line
    that rounding shrinks to a point, multipolygons and points included)."""
    import mapbox_vector_tile

    bounds = (0.0, 0.0, 1000.0, 1000.0)
    shapes = [
        shapely.Polygon(
            [(100, 100), (400, 100), (400, 400), (100, 400)], holes=[[(150, 150), (150, 200), (200, 200), (200, 150)]]
        ),
        shapely.Polygon([(500, 500), (500, 800), (800, 800)]),  # counter-clockwise exterior
        shapely.Polygon([(10, 10), (600, 10.05), (10, 10.1)]),  # a sliver: folds on the grid
        shapely.LineString([(700, 700), (700.01, 700.01)]),  # shrinks to a point
        shapely.LineString([(0, 0), (990, 300), (20, 900)]),
        shapely.MultiPolygon([shapely.box(850, 850, 900, 900), shapely.box(920, 920, 990, 990)]),
        shapely.Point(333.3, 666.6),
    ]
    features = [{"geometry": g, "properties": {"n": i}} for i, g in enumerate(shapes)]
    own = mapbox_vector_tile.encode(
        [{"name": "l", "features": features}],
        default_options={
            "quantize_bounds": bounds,
            "extents": tiles.EXTENT,
            "on_invalid_geometry": mapbox_vector_tile.encoder.on_invalid_geometry_make_valid,
        },
    )
    assert tiles.encode("l", features, bounds) == own
