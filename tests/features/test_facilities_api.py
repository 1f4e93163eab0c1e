"""/api/facilities, /api/nearest, /api/grids and /api/coverage, checked against independent computations."""

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from geo_app import crs
from geo_app.project import hours
from tests.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS  # every test here runs on GeoPackage and on PostGIS

GEOD = Geod(ellps="WGS84")


@pytest.fixture
def toilets(store):
    return store.read("toilets")


def test_filters_match_the_data(client, toilets):
    body = client.get("/api/facilities/toilets?wheelchair=yes&fee=no&family_room=true").get_json()
    expected = toilets[(toilets["wheelchair"] == "yes") & (toilets["fee"] == "no") & toilets["family_room"]]
    assert body["numberMatched"] == len(expected) == len(body["features"]) > 0
    assert sorted(f["id"] for f in body["features"]) == sorted(expected["id"])
    assert body["data_notice"].startswith("示例数据")


def test_open_now_at_a_given_time(client, toilets):
    late = client.get("/api/facilities/toilets?open_now=true&at=2026-11-28T23:30").get_json()
    noon = client.get("/api/facilities/toilets?open_now=true&at=2026-11-28T12:00").get_json()
    assert {f["properties"]["opening_hours"] for f in late["features"]} == {"24/7"}
    assert noon["numberMatched"] == len(toilets)  # every demo toilet is open at noon
    from datetime import datetime

    at = datetime(2026, 11, 28, 22, 30, tzinfo=hours.CITY_TZ)
    assert late["numberMatched"] < sum(hours.is_open(v, at) for v in toilets["opening_hours"]) <= noon["numberMatched"]


def test_capacity_name_and_bbox_filters(client, store):
    lots = store.read("parking_lots")
    big = client.get("/api/facilities/parking_lots?min_capacity=400&park_ride=no").get_json()
    assert big["numberMatched"] == int(((lots["capacity"] >= 400) & (lots["park_ride"] == "no")).sum())
    pr = client.get("/api/facilities/parking_lots?q=P%2BR").get_json()
    assert pr["numberMatched"] == 6 and all("P+R" in f["properties"]["name"] for f in pr["features"])
    box = client.get("/api/facilities/parking_lots?bbox=120.60,31.30,120.64,31.33").get_json()
    assert all(120.60 <= f["geometry"]["coordinates"][0] <= 120.64 for f in box["features"])
    assert box["numberMatched"] == len(lots.cx[120.60:120.64, 31.30:31.33])


def test_filters_in_the_store_agree_with_the_rows_filtered_in_python(client, store, project):
    """Field filters run in the store and open_now/q on what they let through: the same features as the one
    filter rule (features.filter_mask) applied to the whole layer, bounds inclusive, a page at a time."""
    from geo_app.features.query import filter_mask

    spec = project.catalog.layers["parking_lots"]
    lots = store.read("parking_lots")
    capacity = int(lots["capacity"].median())
    for args in (
        {"max_capacity": str(capacity)},
        {"min_capacity": str(capacity), "max_capacity": str(capacity)},
        {"park_ride": "no", "min_capacity": "100.5"},
        {"q": "P+R", "max_capacity": str(capacity)},
        {"open_now": "true", "at": "2026-11-28T23:30", "park_ride": "yes,no"},
    ):
        expected = list(lots["id"][filter_mask(spec, lots, args)])
        pages, offset = [], 0
        while True:
            body = client.get(
                "/api/facilities/parking_lots", query_string={**args, "limit": 7, "offset": offset}
            ).get_json()
            assert body["numberMatched"] == len(expected), args
            pages += [f["id"] for f in body["features"]]
            offset += 7
            if offset >= body["numberMatched"]:
                break
        assert pages == expected and expected, args
    exactly = client.get(f"/api/facilities/parking_lots?min_capacity={capacity}&max_capacity={capacity}").get_json()
    assert {f["properties"]["capacity"] for f in exactly["features"]} == {capacity}


def test_a_whole_layer_comes_a_page_at_a_time(client, toilets):
    first = client.get("/api/facilities/toilets?limit=5").get_json()
    assert first["numberMatched"] == len(toilets) and first["numberReturned"] == len(first["features"]) == 5
    assert [f["id"] for f in first["features"]] == list(toilets["id"][:5])
    assert len(client.get("/api/facilities/toilets").get_json()["features"]) == min(len(toilets), 1000)
    refused = client.get("/api/facilities/toilets?limit=10001")
    assert refused.status_code == 400 and refused.get_json()["error"]["parameter"] == "limit"


def test_output_in_gcj02_for_an_amap_basemap(client):
    wgs = client.get("/api/facilities/toilets?q=001").get_json()["features"][0]
    gcj = client.get("/api/facilities/toilets?q=001&crs=GCJ02").get_json()["features"][0]
    assert wgs["id"] == gcj["id"]
    expected = crs.wgs84_to_gcj02(*wgs["geometry"]["coordinates"])
    assert np.allclose(gcj["geometry"]["coordinates"], [float(v) for v in expected], atol=1e-9)


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/facilities/toilets?fee=maybe", "fee"),
        ("/api/facilities/toilets?family_room=perhaps", "family_room"),
        ("/api/facilities/bike_stations?min_capacity=many", "min_capacity"),
        ("/api/facilities/toilets?bbox=1,2,3", "bbox"),
        ("/api/facilities/toilets?bbox=121,31,120,32", "bbox"),
        ("/api/facilities/toilets?crs=EPSG:4549", "crs"),
        ("/api/facilities/toilets?open_now=true&at=yesterday", "at"),
        ("/api/facilities/toilets?colour=red", "colour"),
        ("/api/facilities/bike_stations?open_now=true", "open_now"),
        ("/api/nearest?lon=120.6&lat=31.3", "type"),
        ("/api/nearest?lon=abc&lat=31.3&type=toilets", "lon"),
        ("/api/nearest?lon=120.6&lat=95&type=toilets", "lat"),
        ("/api/nearest?lat=31.3&type=toilets", "lon"),
        ("/api/nearest?lon=120.6&lat=31.3&type=toilets&n=0", "n"),
        ("/api/nearest?lon=120.6&lat=31.3&type=toilets&n=five", "n"),
        ("/api/nearest?lon=120.6&lat=31.3&type=toilets&crs=mars", "crs"),
        ("/api/grids/at?lon=120.6", "lat"),
        ("/api/coverage/grids", "layer"),
    ],
)
def test_bad_parameters(client, url, parameter):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert response.get_json()["error"]["parameter"] == parameter


def test_unknown_layer_is_404(client):
    response = client.get("/api/facilities/lampposts")
    assert response.status_code == 404 and "one of districts" in response.get_json()["error"]["message"]


def _metres(lon1, lat1, lon2, lat2):
    x1, y1 = crs.convert(lon1, lat1, "WGS84", "EPSG:4549")
    x2, y2 = crs.convert(lon2, lat2, "WGS84", "EPSG:4549")
    return float(np.hypot(np.asarray(x1) - x2, np.asarray(y1) - y2))


def test_nearest_agrees_with_a_brute_force_scan(client, toilets):
    lon, lat = 120.6231, 31.3052
    body = client.get(f"/api/nearest?lon={lon}&lat={lat}&type=toilets&n=5").get_json()
    distances = sorted((_metres(lon, lat, p.x, p.y), i) for i, p in zip(toilets["id"], toilets.geometry))[:5]
    assert [r["feature"]["id"] for r in body["results"]] == [i for _, i in distances]
    assert np.allclose([r["distance_m"] for r in body["results"]], [d for d, _ in distances], atol=0.1)
    # EPSG:4549 distances agree with geodesic ones to well under a metre at this range
    first = body["results"][0]["feature"]["geometry"]["coordinates"]
    assert abs(GEOD.inv(lon, lat, *first)[2] - body["results"][0]["distance_m"]) < 0.5


def test_nearest_with_filters_and_coordinate_systems(client, toilets):
    lon, lat = 120.6231, 31.3052
    body = client.get(f"/api/nearest?lon={lon}&lat={lat}&type=toilets&n=3&wheelchair=yes&fee=no").get_json()
    accessible = toilets[(toilets["wheelchair"] == "yes") & (toilets["fee"] == "no")]
    expected = sorted((_metres(lon, lat, p.x, p.y), i) for i, p in zip(accessible["id"], accessible.geometry))[:3]
    assert [r["feature"]["id"] for r in body["results"]] == [i for _, i in expected]
    # the same place given in GCJ-02 finds the same toilets at the same distances, answered in GCJ-02
    glon, glat = (float(v) for v in crs.wgs84_to_gcj02(lon, lat))
    gcj = client.get(f"/api/nearest?lon={glon}&lat={glat}&crs=GCJ02&type=toilets&n=3&wheelchair=yes&fee=no").get_json()
    assert [r["feature"]["id"] for r in gcj["results"]] == [i for _, i in expected]
    assert np.allclose([r["distance_m"] for r in gcj["results"]], [d for d, _ in expected], atol=0.1)
    # a located (WGS-84) position answered for an Amap basemap
    mixed = client.get(f"/api/nearest?lon={lon}&lat={lat}&crs=WGS84&out_crs=GCJ02&type=toilets&n=1").get_json()
    assert abs(mixed["from"]["out_lon"] - glon) < 1e-9 and abs(mixed["from"]["out_lat"] - glat) < 1e-9


def test_nearest_on_street_parking_measures_to_the_line(client, store):
    street = crs.metric(store.read("street_parking"))
    lon, lat = 120.6313, 31.3072  # on 凤凰街北段
    body = client.get(f"/api/nearest?lon={lon}&lat={lat}&type=street_parking&n=2").get_json()
    x, y = crs.convert(lon, lat, "WGS84", "EPSG:4549")
    exact = street.geometry.distance(Point(float(x), float(y)))
    assert body["results"][0]["feature"]["id"] == street.loc[exact.idxmin(), "id"] == "SP-320508-FHJB"
    assert abs(body["results"][0]["distance_m"] - exact.min()) < 0.1


def test_grid_at_a_point_and_its_contents(client, store):
    body = client.get("/api/grids/at?lon=120.6255&lat=31.3115").get_json()
    grid = shape(body["feature"]["geometry"])
    assert grid.contains(Point(120.6255, 31.3115)) and body["adcode"] == "320508"
    assert body["code"].startswith("320508") and len(body["code"]) == 15
    toilets = store.read("toilets")
    inside = toilets[toilets.within(grid)]
    assert body["contents"]["toilets"]["count"] == len(inside)
    assert body["comparison"]["toilets"]["count"] == int((inside["status"] == "operational").sum())
    same = client.get(f"/api/grids/{body['code']}").get_json()
    assert same["contents"] == body["contents"]
    ranks = body["comparison"]["toilets"]
    assert 1 <= ranks["rank_in_district"] <= ranks["grids_in_district"] == 354


def test_no_grid_and_unknown_grid(client):
    assert client.get("/api/grids/at?lon=120.20&lat=31.20").status_code == 404  # 太湖
    assert client.get("/api/grids/999").status_code == 404


def test_coverage_matches_the_statistics(client, store):
    body = client.get("/api/coverage/toilets").get_json()
    stats = store.read("district_stats").set_index("code")
    for feature in body["features"]:
        code = feature["id"]
        assert feature["properties"]["district_area_coverage_pct"] == pytest.approx(
            stats.loc[code, "toilets_district_area_coverage_pct"], abs=0.011
        )
    gusu = next(f for f in body["features"] if f["id"] == "320508")
    assert gusu["properties"]["radius_m"] == 300
    drawn = crs.metric(gpd.GeoDataFrame(geometry=[shape(gusu["geometry"])], crs=4326)).area.iloc[0] / 1e6
    assert abs(drawn - gusu["properties"]["uncovered_km2"]) < 0.02 * gusu["properties"]["uncovered_km2"]
