"""OGC API - Features: the documents, paging and filters, and a real client (GDAL's OAPIF driver)."""

import pyogrio
import pytest

from geo_app.store import open_store
from tests.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS  # every test here runs on GeoPackage and on PostGIS

GEOJSON = "application/geo+json"


def test_landing_page_links(client):
    body = client.get("/ogc").get_json()
    rels = {link["rel"]: link for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"].endswith("/ogc/collections")
    assert (
        client.get(rels["service-desc"]["href"].replace("http://localhost", "")).get_json()["openapi"].startswith("3.0")
    )


def test_conformance(client):
    classes = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes


def test_collections_describe_every_layer(client, project, store):
    body = client.get("/ogc/collections").get_json()
    assert [c["id"] for c in body["collections"]] == list(project.catalog.layers)
    toilets = client.get("/ogc/collections/toilets").get_json()
    minx, miny, maxx, maxy = store.read("toilets").total_bounds
    # the spatial indexes keep boxes in single precision, rounded outwards: within about a metre, never inside
    bbox = toilets["extent"]["spatial"]["bbox"][0]
    assert bbox == pytest.approx([minx, miny, maxx, maxy], abs=2e-5)
    assert bbox[0] <= minx and bbox[1] <= miny and bbox[2] >= maxx and bbox[3] >= maxy
    assert toilets["extent"]["spatial"]["crs"].endswith("CRS84")
    assert "Demo data" in toilets["description"]
    assert any(link["rel"] == "items" and link["type"] == GEOJSON for link in toilets["links"])


def test_items_paging(client, store):
    total = len(store.read("toilets"))
    first = client.get("/ogc/collections/toilets/items")
    assert first.mimetype == GEOJSON
    body = first.get_json()
    assert body["numberMatched"] == total and body["numberReturned"] == 100 == len(body["features"])
    seen = [f["id"] for f in body["features"]]
    while True:
        following = [link for link in body["links"] if link["rel"] == "next"]
        if not following:
            break
        body = client.get(following[0]["href"].replace("http://localhost", "")).get_json()
        seen += [f["id"] for f in body["features"]]
    assert len(seen) == len(set(seen)) == total
    assert any(link["rel"] == "prev" for link in body["links"])


def test_limit_is_capped_at_the_maximum(client, store):
    body = client.get("/ogc/collections/toilets/items?limit=50000").get_json()
    assert body["numberReturned"] == len(store.read("toilets")) and not any(l["rel"] == "next" for l in body["links"])
    assert client.get("/ogc/collections/toilets/items?limit=10").get_json()["numberReturned"] == 10


def test_items_filters_keep_their_parameters_in_the_links(client, store):
    body = client.get("/ogc/collections/toilets/items?wheelchair=yes&limit=5&bbox=120.5,31.2,120.7,31.4").get_json()
    toilets = store.read("toilets").cx[120.5:120.7, 31.2:31.4]
    assert body["numberMatched"] == int((toilets["wheelchair"] == "yes").sum())
    following = next(l for l in body["links"] if l["rel"] == "next")["href"]
    assert "wheelchair=yes" in following and "bbox=" in following and "offset=5" in following


def test_one_item(client, store):
    some = store.read("bike_stations").iloc[3]
    response = client.get(f"/ogc/collections/bike_stations/items/{some['id']}")
    assert response.mimetype == GEOJSON
    feature = response.get_json()
    assert feature["id"] == some["id"] and feature["geometry"]["coordinates"] == pytest.approx(
        [some.geometry.x, some.geometry.y]
    )


@pytest.mark.parametrize(
    "url, status",
    [
        ("/ogc/collections/lampposts", 404),
        ("/ogc/collections/lampposts/items", 404),
        ("/ogc/collections/toilets/items/nope", 404),
        ("/ogc/collections/toilets/items?limit=0", 400),
        ("/ogc/collections/toilets/items?limit=ten", 400),
        ("/ogc/collections/toilets/items?offset=-1", 400),
        ("/ogc/collections/toilets/items?bbox=a,b,c,d", 400),
        ("/ogc/collections/toilets/items?bbox=120,31", 400),
        ("/ogc/collections/toilets/items?datetime=2018", 400),
        ("/ogc/collections/toilets/items?f=html", 400),
        ("/ogc?colour=red", 400),
    ],
)
def test_errors(client, url, status):
    response = client.get(url)
    assert response.status_code == status and response.get_json()["error"]["message"]


def test_gdal_reads_every_collection_completely(live_server, project, built_store_path):
    url = f"OAPIF:{live_server.url}/ogc"
    listed = {str(name) for name, _ in pyogrio.list_layers(url)}
    assert listed == set(project.catalog.layers)
    for layer_id, spec in project.catalog.layers.items():
        expected = open_store(built_store_path).read(layer_id)
        read = pyogrio.read_dataframe(url, layer=layer_id)
        assert len(read) == len(expected), layer_id
        assert sorted(read[spec.id_field]) == sorted(expected[spec.id_field]), layer_id
        assert read.crs.to_epsg() == 4326
