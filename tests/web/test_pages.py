"""The map pages through the test client: status, language, basemaps, state in the URL, no public CDN."""

import json
import re

import numpy as np
import pytest

from geo_app import crs

PAGES = ["/", "/grid", "/districts", "/districts/320508", "/plan"]
ASSET = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"')


def config_of(html: str) -> dict:
    text = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S).group(1)
    return json.loads(text)


@pytest.mark.parametrize("path", PAGES)
def test_pages_say_demo_and_load_only_local_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "示例数据" in html
    for url in ASSET.findall(html):
        assert url.startswith("/"), f"{path} loads {url} from outside the app"
        assert client.get(url).status_code == 200, url


def test_english_switch_is_remembered(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and ">Facilities<" in html and "Demo data" in html
    assert config_of(html)["strings"]["page.public.nearest"] == "Nearest"
    again = client.get("/grid").get_data(as_text=True)  # the cookie keeps English
    assert ">Grid patrol<" in again
    assert ">网格巡查<" in client.get("/grid?lang=zh").get_data(as_text=True)


def test_amap_basemap_sends_gcj02(client, store):
    html = client.get("/grid?basemap=amap").get_data(as_text=True)
    assert config_of(html)["crs"] == "GCJ02" and "autonavi.com" in html
    # the district outlines drawn by folium are in GCJ-02 too: a vertex of 姑苏区, converted
    gusu = store.read("districts").set_index("adcode").geometry["320508"]
    lon, lat = gusu.geoms[0].exterior.coords[0]
    glon, glat = (round(float(v), 5) for v in crs.wgs84_to_gcj02(lon, lat))
    coordinates = [
        (round(x, 5), round(y, 5))
        for x, y in re.findall(r"\[(1\d\d\.\d+), (3\d\.\d+)\]", html)
        for x, y in [(float(x), float(y))]
    ]
    assert any(abs(x - glon) < 2e-5 and abs(y - glat) < 2e-5 for x, y in coordinates)
    assert not any(abs(x - round(lon, 5)) < 2e-5 and abs(y - round(lat, 5)) < 2e-5 for x, y in coordinates)


def test_osm_and_no_basemap(client):
    osm = client.get("/?basemap=osm").get_data(as_text=True)
    assert "tile.openstreetmap.org" in osm and config_of(osm)["crs"] == "WGS84"
    none = client.get("/?basemap=none").get_data(as_text=True)
    assert "openstreetmap" not in none and "autonavi" not in none


def test_tianditu_needs_a_key(app, client):
    response = client.get("/?basemap=tianditu")
    assert response.status_code == 400 and "GEO_APP_TIANDITU_KEY" in response.get_data(as_text=True)
    app.config["TIANDITU_KEY"] = "abc123"
    html = client.get("/?basemap=tianditu").get_data(as_text=True)
    assert "tianditu.gov.cn" in html and "tk=abc123" in html


@pytest.mark.parametrize(
    "url, status, fragment",
    [
        ("/?basemap=google", 400, "'google' is not one of osm, amap, tianditu, none"),
        ("/?layers=toilets,lampposts", 400, "'lampposts' is not one of"),
        ("/?toilets.wheelchair=maybe", 400, "the only value is yes"),
        ("/?parking_lots.min_capacity=lots", 400, "is not a whole number"),
        ("/?nearest=airports", 400, "'airports' is not one of"),
        ("/grid?district=999999", 404, "is not a district code"),
        ("/districts?stat=happiness", 400, "'happiness' is not one of"),
        ("/districts/999999", 404, "unknown district"),
        ("/plan?type=grids", 400, "'grids' is not one of"),
        ("/nowhere", 404, "404 · 找不到该页面"),  # the page's language, not Werkzeug's English text
        ("/nowhere?lang=en", 404, "404 · Not found"),
    ],
)
def test_bad_page_parameters_get_a_page_saying_why(client, url, status, fragment):
    response = client.get(url)
    assert response.status_code == status and response.mimetype == "text/html"
    assert fragment in response.get_data(as_text=True).replace("&#39;", "'")


def test_public_state_comes_from_the_url(client):
    html = client.get(
        "/?layers=toilets&toilets.wheelchair=yes&parking_lots.min_capacity=200&nearest=bike_stations"
    ).get_data(as_text=True)
    state = config_of(html)["state"]
    assert state["layers"] == ["toilets"]
    assert state["filters"] == {"toilets.wheelchair": "yes", "parking_lots.min_capacity": "200"}
    assert re.search(r'data-param="wheelchair" value="yes" checked', html)
    assert re.search(r'<option value="bike_stations" selected>', html)


def test_districts_page_classes_and_table(client, store):
    html = client.get("/districts?stat=toilets_district_area_coverage_pct").get_data(as_text=True)
    legend = re.search(r'<div class="legend-box" id="legend">(.*?)</div>\s*</section>', html, re.S).group(1)
    assert legend.count("<i style") == 5 and legend.count(" %<") == 5  # five classes, with their unit
    stats = store.read("district_stats")
    for name in stats["name_zh"]:
        assert name in html
    assert "无边界数据" in html
    assert "37" in html and "510" in html and "7.3%" in html  # toilets: 37 completed of 510 planned


def test_district_page_lists_figures_with_sections(client, project):
    html = client.get("/districts/姑苏区").get_data(as_text=True)
    own = project.report[project.report["scope"] == "姑苏区"]
    for _, row in own.iterrows():
        assert row["indicator_zh"] in html and row["section"] in html
    assert "市区(不含吴江区)" in html and "不分摊" in html
    sip = client.get("/districts/工业园区").get_data(as_text=True)
    assert "边界数据尚未导入" in sip and "姑苏区+工业园区" in sip and "no boundary" not in sip and "– km²" not in sip
    assert "No boundary loaded" in client.get("/districts/工业园区?lang=en").get_data(as_text=True)


def test_district_page_shows_values_in_the_page_language(client):
    zh = client.get("/districts/320508").get_data(as_text=True)
    text = re.search(r'<div class="text-page">(.*?)</main>', zh, re.S).group(1)
    text = re.sub(r"<[^>]*>", " ", text)  # what is shown, not the links' and choices' codes (?period=2018H1)
    assert "个/km²" in text and "2018年上半年" in text and "个泊位" in text
    assert not re.search(r"\b(count|berths|per km²|rows|2018H1)\b", text)
    en = client.get("/districts/320508?lang=en").get_data(as_text=True)
    assert "per km²" in en and "2018 H1" in en and "berths" in en
    # the group figures start collapsed: the page is short on a phone
    assert '<details class="group-figures">' in zh and '<details class="group-figures" open' not in zh


def test_every_allowed_value_has_a_label_in_both_languages(project):
    for spec in project.catalog.layers.values():
        for field in spec.fields.values():
            if field.allowed:
                labelled = {value: (zh, en) for value, zh, en in field.labels}
                assert set(labelled) == set(field.allowed), (spec.id, field.name)
    status = project.catalog["toilets"].fields["status"]
    assert status.label("operational", "zh") == "运营中" and status.label("operational", "en") == "Operational"
    assert status.label("unheard-of", "zh") == "unheard-of"


def test_page_scripts_get_value_labels_in_the_page_language(client):
    toilets = next(
        layer for layer in config_of(client.get("/").get_data(as_text=True))["layers"] if layer["id"] == "toilets"
    )
    assert toilets["values"]["status"]["operational"] == "运营中" and toilets["values"]["fee"]["no"] == "免费"
    assert toilets["icon"] == "restroom"
    english = next(
        layer
        for layer in config_of(client.get("/?lang=en").get_data(as_text=True))["layers"]
        if layer["id"] == "toilets"
    )
    assert english["values"]["status"]["under_construction"] == "Under construction"


@pytest.mark.parametrize(
    "text, zh, en",
    [
        ("2018H1", "2018年上半年", "2018 H1"),
        ("2018", "2018年", "2018"),
        ("2018H2", "2018年下半年", "2018 H2"),
        ("2018-2020/yr", "2018—2020年(每年)", "2018–2020, per year"),
        ("2018-06/2019-06", "2018年6月至2019年6月", "2018-06 to 2019-06"),
        ("某时", "某时", "某时"),
    ],
)
def test_report_periods_in_both_languages(app, text, zh, en):
    from geo_app.web import i18n

    with app.test_request_context("/"):
        assert i18n.period(text) == zh
    with app.test_request_context("/?lang=en"):
        assert i18n.period(text) == en


def test_about_page_in_the_page_language(client):
    zh = client.get("/about").get_data(as_text=True)
    assert "由本项目的示例数据生成程序生成" in zh and "Generated by" not in zh and "Per-district" not in zh
    en = client.get("/about?lang=en").get_data(as_text=True)
    assert "Generated by" in en and "Per-district statistics" in en


def test_plan_page_coverage_table(client, store):
    html = client.get("/plan?type=bike_stations").get_data(as_text=True)
    stats = store.read("district_stats").set_index("code")
    table = re.search(r'<table id="coverage-table">(.*?)</table>', html, re.S).group(1)
    shown = [float(v) for v in re.findall(r'<td class="num">[\d,.]+</td><td class="num">([\d.]+)</td>', table)]
    expected = stats.loc[stats["has_boundary"].astype(bool), "bike_stations_district_area_coverage_pct"].to_numpy()
    assert len(shown) == 9 and np.allclose(sorted(shown), sorted(expected), atol=0.3)
