"""Hostile import files: each is refused with file, row or feature, field and reason, and the store is unchanged;
or, where the issue asks for it, accepted with what was changed said in the import report."""

import io
import json
import os
import zipfile

import pytest

from geo_app.data.ingest import ImportFailed
from tests.conftest import BOTH_BACKENDS, digest
from tests.data.test_import import assert_refused, feature, run_import, toilet

pytestmark = BOTH_BACKENDS  # every test here runs on GeoPackage and on PostGIS

POINT = {"type": "Point", "coordinates": [120.62, 31.31]}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def deeply_nested(depth: int) -> bytes:
    return b'{"type": "FeatureCollection", "features": [' + b"[" * depth + b"]" * depth + b"]}"


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("lots.shp", b"\0" * (60 * 1024 * 1024))  # 60 MB of zeros: about 60 kB zipped
    return buffer.getvalue()


# case: (layer, file name, content, import options, fragments the message must hold)
HOSTILE_INPUTS = {
    "nan_in_csv": (
        "toilets",
        "nan.csv",
        b"id,name,lon,lat\nA1,x,nan,31.31",
        {},
        ["nan.csv, row 2, field 'geometry'", "not finite numbers (NaN or infinity)"],
    ),
    "infinity_in_csv": (
        "toilets",
        "inf.csv",
        b"id,name,lon,lat\nA1,x,120.62,inf",
        {},
        ["inf.csv, row 2, field 'geometry'", "not finite"],
    ),
    "nan_in_geojson": (
        "toilets",
        "nan.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "A",'
        b' "name": "x"}, "geometry": {"type": "Point", "coordinates": [NaN, 31.3]}}]}',
        {},
        ["nan.geojson, feature 1, field 'geometry'", "not finite"],
    ),
    "infinity_in_geojson": (
        "toilets",
        "inf.geojson",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "A",'
        b' "name": "x"}, "geometry": {"type": "Point", "coordinates": [120.6, Infinity]}}]}',
        {},
        ["inf.geojson, feature 1, field 'geometry'", "not finite"],
    ),
    "gbfs_stations_not_objects": (
        "bike_stations",
        "station_information.json",
        b'{"data": {"stations": [1, "x", null]}}',
        {},
        ["station 1: is a number, not a station object", "station 2: is a string", "station 3: is null"],
    ),
    "gbfs_data_a_list": (
        "bike_stations",
        "station_information.json",
        b'{"data": [1, 2]}',
        {},
        ["station_information.json: not a GBFS station_information.json: no data.stations list"],
    ),
    "properties_a_list": (
        "toilets",
        "list.geojson",
        collection({"type": "Feature", "geometry": POINT, "properties": ["A", "x"]}),
        {},
        ["list.geojson, feature 1, field 'properties'", "is a list, not an object"],
    ),
    "deeply_nested_json": (
        "toilets",
        "deep.geojson",
        deeply_nested(100_000),
        {},
        ["deep.geojson", "nested too deeply"],
    ),
    "nested_property_value": (
        "toilets",
        "nested.geojson",
        collection(feature(POINT, id="A", name={"a": [1]}, source="t")),
        {},
        ["nested.geojson, feature 1, field 'name'", "nested value (an object)"],
    ),
    "big5_read_as_gb18030": (
        "toilets",
        "big5.csv",
        "id,name,lon,lat\nA1,公共廁所,120.62,31.31".encode("big5"),
        {},
        ["big5.csv, row 2, field 'name'", "private-use character", "--encoding"],
    ),
    "replacement_character": (
        "toilets",
        "fffd.csv",
        "id,name,lon,lat\nA1,公\ufffd厕,120.62,31.31".encode(),
        {},
        ["row 2, field 'name'", "replacement character U+FFFD", "--encoding"],
    ),
    "wrong_encoding_given": (
        "toilets",
        "utf8.csv",
        "id,name,lon,lat\nA1,公厕,120.62,31.31".encode(),
        {"encoding": "ascii"},
        ["utf8.csv, field 'encoding'", "cannot decode the text as ascii"],
    ),
    "unknown_encoding": (
        "toilets",
        "ok.csv",
        b"id,name,lon,lat\nA1,x,120.62,31.31",
        {"encoding": "klingon"},
        ["ok.csv, field 'encoding'", "unknown text encoding 'klingon'"],
    ),
    "control_character": (
        "toilets",
        "ctl.csv",
        b"id,name,lon,lat\nA1,a\x00b,120.62,31.31",
        {},
        ["row 2, field 'name'", "control character U+0000"],
    ),
    "bidi_override": (
        "toilets",
        "bidi.csv",
        "id,name,lon,lat\nA1,厕所\u202eexe.txt,120.62,31.31".encode(),
        {},
        ["row 2, field 'name'", "bidirectional control character U+202E"],
    ),
    "toilet_in_taihu": (
        "toilets",
        "lake.csv",
        b"id,name,lon,lat\nA1,x,120.25,31.20",
        {},
        ["lake.csv, row 2, field 'geometry'", "(120.25000, 31.20000) lies on open water (太湖)", "allow_water = true"],
    ),
    "geocentric_crs": (
        "toilets",
        "ok.csv",
        b"id,name,lon,lat\nA1,x,120.62,31.31",
        {"crs": "EPSG:4978"},
        ["ok.csv, field 'crs'", "not a horizontal coordinate system but geocentric"],
    ),
    "zip_bomb": (
        "parking_lots",
        "bomb.zip",
        zip_bomb(),
        {"max_bytes": 50 * 1024 * 1024},
        ["bomb.zip", "the zip unpacks to 62.9 MB, over the import limit of 52.4 MB"],
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_INPUTS))
def test_hostile_input_is_refused_with_a_reason_and_changes_nothing(project, store, store_path, tmp_path, case):
    assert_refused(project, store, store_path, tmp_path, HOSTILE_INPUTS[case])


def test_a_symlink_is_refused_without_showing_what_it_points_at(project, store, store_path, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n", encoding="utf-8")
    link = tmp_path / "toilets.csv"
    os.symlink(secret, link)
    before = digest(store_path)
    with pytest.raises(ImportFailed) as caught:
        run_import(project, store, "toilets", link)
    assert "toilets.csv: is a symbolic link" in str(caught.value)
    assert "hunter2" not in str(caught.value) and "password" not in str(caught.value)
    assert digest(store_path) == before


def test_the_right_encoding_imports_big5(project, store, tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes("id,name,lon,lat\nA1,公共廁所,120.62,31.31".encode("big5"))
    run_import(project, store, "toilets", path, encoding="big5")
    assert list(store.read("toilets")["name"]) == ["公共廁所"]


def test_three_d_points_are_kept_flat_and_the_report_says_so(project, store, tmp_path):
    path = tmp_path / "3d.geojson"
    path.write_bytes(
        collection(
            toilet(1, 120.62, 31.31),
            feature({"type": "Point", "coordinates": [120.63, 31.30, 4.5]}, id="T2", name="高处", source="t"),
        )
    )
    outcome = run_import(project, store, "toilets", path)
    stored = store.read("toilets").set_index("id")
    assert not stored.geometry.has_z.any()
    assert (stored.geometry["T2"].x, stored.geometry["T2"].y) == (120.63, 31.30)
    assert any("3-D coordinates: the height (z) was dropped from 1 features (feature 2)" in w for w in outcome.warnings)


def test_a_layer_that_allows_water_takes_a_point_on_the_lake(project, store, tmp_path, monkeypatch):
    monkeypatch.setattr(project.catalog["toilets"], "allow_water", True)
    path = tmp_path / "pier.csv"
    path.write_bytes(b"id,name,lon,lat\nA1,x,120.25,31.20")
    run_import(project, store, "toilets", path)
    assert list(store.read("toilets")["id"]) == ["A1"]


def test_the_cli_takes_an_encoding(runner, tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes("id,name,lon,lat\nA1,公共廁所,120.62,31.31".encode("big5"))
    refused = runner.invoke(args=["import-layer", "toilets", str(path)])
    assert refused.exit_code != 0 and "--encoding" in refused.output
    done = runner.invoke(args=["import-layer", "toilets", str(path), "--encoding", "big5"])
    assert done.exit_code == 0, done.output
    assert "the layer now has 1 features" in done.output


@pytest.mark.parametrize(
    "option, value, reason",
    [
        ("--source", "普查\u202eexe", "bidirectional control character U+202E"),
        ("--licence", "CC0\nfake line", "control character U+000A"),
        ("--source", "x" * 101, "1 to 100 characters"),
    ],
)
def test_the_cli_refuses_labels_with_control_characters(runner, store_path, tmp_path, option, value, reason):
    path = tmp_path / "ok.csv"
    path.write_bytes(b"id,name,lon,lat\nA1,x,120.62,31.31")
    before = digest(store_path)
    result = runner.invoke(args=["import-layer", "toilets", str(path), option, value])
    assert result.exit_code == 2 and reason in result.output and option in result.output
    assert digest(store_path) == before
