"""The layer catalog: what it describes, how it refuses mistakes, and that a new layer needs no code."""

import json
import re
import shutil

import pyogrio
import pytest

from geo_app import create_app
from geo_app.data.pipeline import build_store
from geo_app.project import Project
from geo_app.project.catalog import CatalogError, load_catalog
from geo_app.store import open_store
from tests.conftest import LAYERS, MAX_BYTES, copy_store_file, gdal_view


def test_the_six_kinds_of_layer_are_described(project):
    catalog = project.catalog
    assert list(catalog.layers) == [
        "districts",
        "grids",
        "refuse_stations",
        "toilets",
        "bike_stations",
        "parking_lots",
        "street_parking",
    ]
    assert catalog.units_layer.id == "districts"
    toilets = catalog["toilets"]
    assert toilets.fields["source"].required and toilets.fields["adcode"].derived == "adcode"
    assert toilets.fields["fee"].allowed == ("yes", "no") and toilets.fields["wheelchair"].osm == "wheelchair"
    assert toilets.is_demo and not catalog["districts"].is_demo
    assert catalog["street_parking"].accepts("MultiLineString") and not catalog["toilets"].accepts("Polygon")
    for spec in catalog.layers.values():
        assert spec.provenance.get("licence") and spec.provenance.get("source"), spec.id
        assert all(src.path.is_file() for src in spec.sources), spec.id


def _copy(tmp_path):
    root = tmp_path / "layers"
    shutil.copytree(LAYERS, root)
    return root


CATEGORY = '[fields.category]\ntype = "string"'


@pytest.mark.parametrize(
    "replacement, message",
    [
        ('[fields.category]\ntype = "text"', "type must be one of"),
        (CATEGORY + '\nderived = "colour"', "derived must be one of"),
        (CATEGORY + '\npattern = "[unclosed"', "pattern is not a regular expression"),
        (CATEGORY + '\ncolour = "red"', "unknown keys ['colour']"),
    ],
)
def test_field_mistakes_name_the_file_and_field(tmp_path, replacement, message):
    root = _copy(tmp_path)
    path = root / "catalog" / "toilets.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(CATEGORY, replacement, 1), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    assert "toilets.toml" in str(caught.value) and "'category'" in str(caught.value) and message in str(caught.value)


def test_layer_mistakes(tmp_path):
    root = _copy(tmp_path)
    (root / "catalog" / "lamps.toml").write_text('id = "lamp"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="lamps.toml: missing key 'title_zh'"):
        load_catalog(root)
    (root / "catalog" / "lamps.toml").write_text(
        'id = "lamp"\ntitle_zh = "路灯"\ntitle_en = "Lamps"\ngeometry_type = "Point"\nid_field = "id"\n'
        '[provenance]\nkind = "demo"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="id 'lamp' must equal the file name 'lamps'"):
        load_catalog(root)


SEVENTH = """
id = "waste_sorting_points"
title_zh = "垃圾分类投放点"
title_en = "Sorted-refuse drop-off points"
geometry_type = "Point"
id_field = "id"
field_sets = ["facility"]
order = 7

[[sources]]
path = "data/waste_sorting_points.csv"
crs = "GCJ02"

[provenance]
kind = "demo"
source = "test"
licence = "CC0-1.0"

[style]
color = "#00aa88"

[fields.bins]
type = "integer"
min = 1
aliases = ["桶数"]
label_zh = "桶数"
label_en = "Bins"
"""


def test_a_seventh_layer_needs_only_a_catalog_entry_and_a_file(tmp_path):
    root = _copy(tmp_path)
    (root / "catalog" / "waste_sorting_points.toml").write_text(SEVENTH, encoding="utf-8")
    (root / "data" / "waste_sorting_points.csv").write_text(
        "编号,名称,经度,纬度,桶数,来源\nW1,平江路投放点,120.6349,31.3127,4,demo\nW2,狮山投放点,120.5530,31.2980,2,demo\n",
        encoding="utf-8",
    )
    project = Project(root)
    store_path = tmp_path / "store.gpkg"
    build_store(project, open_store(store_path), max_bytes=MAX_BYTES)

    view = gdal_view(store_path, tmp_path)
    frame = pyogrio.read_dataframe(view, layer="waste_sorting_points")
    assert frame.set_index("id")["adcode"].to_dict() == {"W1": "320508", "W2": "320505"}
    assert frame["bins"].tolist() == [4, 2]
    stats = pyogrio.read_dataframe(view, layer="district_stats").set_index("code")
    assert stats.loc["320508", "waste_sorting_points_count"] == 1
    client = create_app({"STORE": str(store_path), "LAYERS_DIR": str(root), "TESTING": True}).test_client()
    layers = client.get("/api/layers").get_json()["layers"]
    assert layers[-1]["id"] == "waste_sorting_points" and layers[-1]["store"]["features"] == 2
    columns = client.get("/api/districts").get_json()["columns"]
    assert columns["waste_sorting_points_count"]["zh"] == "垃圾分类投放点数量"


def test_a_broken_source_file_keeps_the_old_store(tmp_path, built_store_path):
    root = _copy(tmp_path)
    bad = root / "data" / "demo" / "toilets.geojson"
    doc = json.loads(bad.read_text(encoding="utf-8"))
    doc["features"][5]["properties"]["fee"] = "sometimes"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    store_path = tmp_path / "store.gpkg"
    copy_store_file(built_store_path, store_path)
    before = store_path.read_bytes()
    from geo_app.data.ingest import ImportFailed

    with pytest.raises(
        ImportFailed, match="toilets.geojson, feature 6, field 'fee': 'sometimes' is not one of yes, no"
    ):
        build_store(Project(root), open_store(store_path), max_bytes=MAX_BYTES)
    assert store_path.read_bytes() == before


@pytest.mark.parametrize(
    "labels, message",
    [
        ('[fields.fee.labels]\nmaybe = ["也许", "Maybe"]', "label for 'maybe', which is not one of yes, no"),
        ('[fields.fee.labels]\nyes = ["收费"]', "the label of 'yes' must be"),
    ],
)
def test_value_labels_must_fit_the_field(tmp_path, labels, message):
    root = _copy(tmp_path)
    toilets = root / "catalog" / "toilets.toml"
    text = toilets.read_text(encoding="utf-8")
    start = text.index("[fields.fee.labels]")
    end = text.index("\n\n", start)
    toilets.write_text(text[:start] + labels + text[end:], encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(message)):
        load_catalog(root)
