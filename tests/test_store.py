"""The GeoPackage store: what it holds, that GDAL reads it as it is, and that writes are all or nothing."""
import sqlite3

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point

from geo_app.store import StoreError, open_store

from .conftest import digest

EXPECTED_TABLES = {"districts", "grids", "refuse_stations", "toilets", "bike_stations", "parking_lots",
                   "street_parking", "report_indicators", "district_stats", "grid_stats", "layer_sources"}


def test_every_table_is_listed_and_readable_through_gdal(built_store_path, project):
    listed = {str(name): geometry for name, geometry in pyogrio.list_layers(built_store_path)}
    assert set(listed) == EXPECTED_TABLES
    for layer_id, spec in project.catalog.layers.items():
        info = pyogrio.read_info(built_store_path, layer=layer_id)
        assert info["crs"] == "EPSG:4326"
        assert info["features"] > 0
        frame = pyogrio.read_dataframe(built_store_path, layer=layer_id)
        assert set(spec.fields) <= set(frame.columns)
    assert listed["report_indicators"] is None       # an attribute table, as GeoPackage allows


def test_it_is_a_standard_geopackage(built_store_path):
    with sqlite3.connect(built_store_path) as db:
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
    assert application_id == 0x47504B47            # "GPKG"
    assert contents["toilets"] == "features" and contents["district_stats"] == "attributes"


def test_bbox_read_returns_only_features_in_the_box(store):
    box = (120.60, 31.30, 120.62, 31.32)
    inside = store.read("toilets", bbox=box)
    everything = store.read("toilets")
    assert 0 < len(inside) < len(everything)
    expected = everything.cx[box[0]:box[2], box[1]:box[3]]
    assert sorted(inside["id"]) == sorted(expected["id"])


def test_write_replaces_tables_and_keeps_the_others(store):
    frame = gpd.GeoDataFrame({"id": ["x"]}, geometry=[Point(120.6, 31.3)], crs=4326)
    store.write({"toilets": frame})
    assert store.read("toilets")["id"].tolist() == ["x"]
    assert len(store.read("bike_stations")) > 0


def test_fresh_write_holds_only_the_new_tables(store):
    store.write({"only": pd.DataFrame({"a": [1]})}, fresh=True)
    assert store.tables() == ["only"]


def test_a_failing_write_leaves_the_file_as_it_was(store, store_path):
    before = digest(store_path)
    bad = pd.DataFrame({"a": [1 + 2j]})              # GDAL has no field type for complex numbers
    with pytest.raises(StoreError, match="writing table 'broken'"):
        store.write({"toilets": gpd.GeoDataFrame({"id": ["y"]}, geometry=[Point(120.6, 31.3)], crs=4326),
                     "broken": bad})
    assert digest(store_path) == before


def test_reads_see_writes_made_through_another_handle(store_path):
    first, second = open_store(store_path), open_store(store_path)
    assert len(first.read("toilets")) > 1
    second.write({"toilets": gpd.GeoDataFrame({"id": ["z"]}, geometry=[Point(120.6, 31.3)], crs=4326)})
    assert first.read("toilets")["id"].tolist() == ["z"]


def test_missing_store_and_table(tmp_path, store):
    with pytest.raises(StoreError, match="has not been built"):
        open_store(tmp_path / "none.gpkg").read("toilets")
    with pytest.raises(KeyError):
        store.read("nope")


def test_postgis_is_not_offered_yet():
    with pytest.raises(StoreError, match="PostGIS backend is not built yet"):
        open_store("postgresql://localhost/suzhou")
