"""The store on both backends: what it holds, reads through the index, transactions all or nothing."""

import os
import sqlite3
import stat

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import Point, box

from geo_app.store import StoreError, open_store
from tests.conftest import BOTH_BACKENDS, digest, gdal_view

EXPECTED_TABLES = {
    "districts",
    "grids",
    "refuse_stations",
    "toilets",
    "bike_stations",
    "parking_lots",
    "street_parking",
    "report_indicators",
    "district_stats",
    "grid_stats",
    "layer_sources",
    "scenarios",
    "scenario_sites",
}


def _toilet(ident: str, lon=120.6, lat=31.3) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [ident]}, geometry=[Point(lon, lat)], crs=4326)


@BOTH_BACKENDS
def test_every_table_is_there_with_its_rows(store, project):
    assert EXPECTED_TABLES <= set(store.tables())
    for layer_id, spec in project.catalog.layers.items():
        frame = store.read(layer_id)
        assert len(frame) > 0 and set(spec.fields) <= set(frame.columns)
        assert frame.crs.to_epsg() == 4326


def test_the_geopackage_is_standard_and_gdal_reads_it(built_store_path, project, tmp_path):
    view = gdal_view(built_store_path, tmp_path)
    listed = {str(name): geometry for name, geometry in pyogrio.list_layers(view)}
    assert EXPECTED_TABLES <= set(listed)
    ours = open_store(built_store_path)
    for layer_id in project.catalog.layers:
        info = pyogrio.read_info(view, layer=layer_id)
        assert info["crs"] == "EPSG:4326" and info["features"] == ours.count(layer_id)
        through_gdal = pyogrio.read_dataframe(view, layer=layer_id)
        assert through_gdal.geometry.equals(ours.read(layer_id).geometry)
    assert listed["report_indicators"] is None
    with sqlite3.connect(view) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents").fetchall())
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert contents["toilets"] == "features" and contents["district_stats"] == "attributes"


@BOTH_BACKENDS
def test_bbox_read_returns_exactly_the_features_in_the_box(store):
    area = (120.60, 31.30, 120.62, 31.32)
    everything = store.read("toilets")
    expected = everything[everything.intersects(box(*area))]
    inside = store.read("toilets", bbox=area)
    assert 0 < len(inside) < len(everything)
    assert sorted(inside["id"]) == sorted(expected["id"])
    records = store.records("toilets", bbox=area, columns=["id"], limit=5, offset=2)
    assert [r["id"] for r in records] == inside["id"].tolist()[2:7]
    assert all(r["geometry"].intersects(box(*area)) for r in records)
    assert store.count("toilets", bbox=area) == len(expected)
    grids = store.read("grids")
    point = Point(120.62, 31.31)
    hit = store.read("grids", bbox=point.bounds, columns=["code"])
    assert set(hit[hit.intersects(point)]["code"]) == set(grids[grids.intersects(point)]["code"])


@BOTH_BACKENDS
def test_where_columns_order_and_paging(store):
    some = store.read("toilets", where={"adcode": ["320508", "320505"]}, columns=["id", "adcode"])
    assert set(some["adcode"]) == {"320508", "320505"} and list(some.columns) == ["id", "adcode", "geometry"]
    everything = store.read("toilets", order_by="id")
    page = store.read("toilets", order_by="id", limit=10, offset=20)
    assert page["id"].tolist() == everything["id"].tolist()[20:30]
    one = store.read("toilets", where={"id": everything["id"].iloc[5]})
    assert len(one) == 1 and one.geometry.iloc[0].equals(everything.geometry.iloc[5])
    with pytest.raises(StoreError, match="no column"):
        store.read("toilets", where={"nope": 1})
    with pytest.raises(KeyError):
        store.read("nope")


@BOTH_BACKENDS
def test_types_survive_a_round_trip(store):
    frame = gpd.GeoDataFrame(
        {
            "t": ["甲", None],
            "i": [1, 2],
            "n": pd.array([3, None], dtype="Int64"),
            "r": [0.5, float("nan")],
            "b": [True, False],
        },
        geometry=[Point(120.6, 31.3), None],
        crs=4326,
    )
    with store.transaction() as tx:
        tx.replace("kinds", frame)
    back = store.read("kinds")
    assert back["t"].tolist() == ["甲", None] and back["i"].tolist() == [1, 2]
    assert back["n"].iloc[0] == 3 and back["n"].isna().iloc[1]
    assert back["r"].iloc[0] == 0.5 and back["b"].tolist() == [True, False]
    assert back.geometry.iloc[0].equals(Point(120.6, 31.3)) and back.geometry.iloc[1] is None
    # records (the small-read path) type the same values as read()
    records = store.records("kinds")
    assert [{k: v for k, v in r.items() if k not in ("geometry", "r")} for r in records] == [
        {"t": "甲", "i": 1, "n": 3, "b": True},
        {"t": None, "i": 2, "n": None, "b": False},
    ]
    assert records[0]["r"] == 0.5 and records[1]["r"] is None and records[1]["geometry"] is None
    assert records[0]["geometry"].equals(Point(120.6, 31.3)) and type(records[0]["b"]) is bool


@BOTH_BACKENDS
def test_a_transaction_lands_whole_and_bumps_the_version(store):
    version = store.version()
    with store.transaction() as tx:
        tx.replace("toilets", _toilet("x"))
        tx.insert("toilets", _toilet("y"))
        assert sorted(tx.read("toilets")["id"]) == ["x", "y"]  # a transaction reads its own writes
    assert sorted(store.read("toilets")["id"]) == ["x", "y"]
    assert store.version() == version + 1 and store.table_version("toilets") == version + 1
    assert store.read("toilets", bbox=(120.59, 31.29, 120.61, 31.31))["id"].tolist() == ["x", "y"]
    with store.transaction() as tx:
        assert tx.delete("toilets", {"id": "x"}) == 1
        assert tx.update("toilets", {"id": "y"}, {"geometry": Point(120.7, 31.4)}) == 1
    assert store.read("toilets", bbox=(120.69, 31.39, 120.71, 31.41))["id"].tolist() == ["y"]
    assert store.read("toilets", bbox=(120.59, 31.29, 120.61, 31.31)).empty  # the index moved too
    assert store.extent("toilets") == pytest.approx((120.7, 31.4, 120.7, 31.4))


@BOTH_BACKENDS
def test_a_failing_transaction_changes_nothing(store, store_path):
    before, version = digest(store_path), store.version()
    with pytest.raises(StoreError, match="complex"):
        with store.transaction() as tx:
            tx.replace("toilets", _toilet("y"))
            tx.replace("broken", pd.DataFrame({"a": [1 + 2j]}))  # no column type for complex numbers
    with pytest.raises(ZeroDivisionError):
        with store.transaction() as tx:
            tx.delete("toilets", {"adcode": "320508"})
            raise ZeroDivisionError  # anything failing inside the transaction
    assert digest(store_path) == before and store.version() == version


@BOTH_BACKENDS
def test_another_handle_sees_committed_writes(store_path):
    first, second = open_store(store_path), open_store(store_path)
    assert len(first.read("toilets")) > 1
    with second.transaction() as tx:
        tx.replace("toilets", _toilet("z"))
    assert first.read("toilets")["id"].tolist() == ["z"] and first.version() == second.version()


@BOTH_BACKENDS
def test_copy_between_backends_keeps_every_row(store, tmp_path):
    from geo_app.store.copy import copy_store

    target = open_store(tmp_path / "copy.gpkg")
    copied = copy_store(store, target)
    assert copied["toilets"] == store.count("toilets") and set(target.tables()) == set(store.tables())
    assert target.read("grids", order_by="code").geometry.equals(store.read("grids", order_by="code").geometry)
    assert target.indexes("grids") and target.meta("schema_version") == store.meta("schema_version")
    assert set(target.indexes("cases")) == set(store.indexes("cases")) and ("status", "due_at") in target.indexes(
        "cases"
    )
    with pytest.raises(StoreError, match="already has"):
        copy_store(store, target)


@BOTH_BACKENDS
def test_a_reader_survives_a_table_recreated_with_other_columns(store, store_path):
    """A server reads a table many times (prepared plans, cached layouts), then an import re-creates it with
    other columns: the next read sees the new table, no error."""
    for _ in range(8):
        assert len(store.read("toilets", bbox=(120.5, 31.2, 120.7, 31.4))) > 0
    other = open_store(store_path)
    changed = other.read("toilets")
    changed["family_room"] = changed["family_room"].map({True: "yes", False: "no"})  # same name, other type
    with other.transaction() as tx:
        tx.replace("toilets", changed)
    for _ in range(3):
        back = store.read("toilets", bbox=(120.5, 31.2, 120.7, 31.4))
        assert set(back["family_room"]) <= {"yes", "no"} and len(back) > 0
        assert {r["family_room"] for r in store.records("toilets", bbox=(120.5, 31.2, 120.7, 31.4))} <= {"yes", "no"}


@BOTH_BACKENDS
def test_a_transaction_reads_the_tables_it_reshapes(store):
    """A transaction that creates, re-creates with other columns and drops a table reads each shape it made;
    after it, a store whose layouts were cached before sees the last one."""
    with store.transaction() as tx:
        tx.replace("reshaped", pd.DataFrame({"a": [1]}))
        assert list(tx.read("reshaped").columns) == ["a"]
    assert list(store.read("reshaped").columns) == ["a"]
    with store.transaction() as tx:
        tx.replace("reshaped", pd.DataFrame({"b": ["x"], "c": [2.5]}))
        tx.insert("reshaped", pd.DataFrame({"b": ["y"], "c": [1.0]}))
        assert tx.records("reshaped") == [{"b": "x", "c": 2.5}, {"b": "y", "c": 1.0}]
        tx.drop("reshaped")
        assert "reshaped" not in tx.tables()
        tx.replace("reshaped", pd.DataFrame({"d": [True]}))
    assert store.records("reshaped") == [{"d": True}]


@BOTH_BACKENDS
def test_records_append_as_records_read_them(store):
    """Rows appended as dicts come back as records() reads them, typed by their values (all-missing columns by the
    table's types); a missing table or rows with different keys are refused and change nothing."""
    with store.transaction() as tx:
        tx.create(
            "notes",
            {"title": "text", "count": "integer", "share": "real", "open": "boolean", "data": "blob"},
            geometry=True,
        )
        tx.insert_records(
            "notes",
            [
                {
                    "title": "甲 <b>",
                    "count": 3,
                    "share": None,
                    "open": True,
                    "data": b"\x00\xff",
                    "geometry": Point(120.6, 31.3),
                },
                {
                    "title": None,
                    "count": None,
                    "share": None,
                    "open": False,
                    "data": None,
                    "geometry": Point(120.7, 31.4),
                },
            ],
        )
    back = store.records("notes")
    assert [{k: v for k, v in r.items() if k != "geometry"} for r in back] == [
        {"title": "甲 <b>", "count": 3, "share": None, "open": True, "data": b"\x00\xff"},
        {"title": None, "count": None, "share": None, "open": False, "data": None},
    ]
    assert [(g.x, g.y) for g in (r["geometry"] for r in back)] == [(120.6, 31.3), (120.7, 31.4)]
    assert store.extent("notes") == pytest.approx((120.6, 31.3, 120.7, 31.4), abs=1e-4)  # R-tree: float32
    with pytest.raises(StoreError, match="no table 'absent'"), store.transaction() as tx:
        tx.insert_records("absent", [{"a": 1}])
    with pytest.raises(StoreError, match="same keys"), store.transaction() as tx:
        tx.insert_records(
            "notes", [{"title": "a", "geometry": Point(120, 31)}, {"geometry": Point(120, 31), "title": "b"}]
        )
    with pytest.raises(StoreError, match="no column 'colour'"), store.transaction() as tx:
        tx.insert_records("notes", [{"colour": "red", "geometry": Point(120, 31)}])
    assert store.count("notes") == 2


@BOTH_BACKENDS
def test_records_without_geometries(store):
    """geometry=False reads the columns only, also through a bbox (which still selects by the real shapes)."""
    box = (120.5, 31.2, 120.7, 31.4)
    full = store.records("toilets", bbox=box, columns=["id"])
    bare = store.records("toilets", bbox=box, columns=["id"], geometry=False, limit=3, offset=1)
    assert bare == [{"id": r["id"]} for r in full[1:4]]
    assert store.records("toilets", columns=["id", "name"], geometry=False) == [
        {k: r[k] for k in ("id", "name")} for r in store.records("toilets")
    ]


@BOTH_BACKENDS
def test_a_column_is_added_without_rewriting_the_rows(store, store_path):
    """add_column: the rows keep their fid and get nothing in the new column; a second add changes nothing; a
    reader that cached the table's layout sees the column."""
    before = store.records("toilets", columns=["id"])
    assert "note" not in store.read("toilets", limit=1).columns
    with store.transaction() as tx:
        tx.add_column("toilets", "note", "text")
        tx.add_column("toilets", "note", "text")
        assert tx.records("toilets", columns=["id", "note"], geometry=False, limit=2) == [
            {"id": r["id"], "note": None} for r in before[:2]
        ]
        tx.update("toilets", {"id": before[0]["id"]}, {"note": "<b>新</b>"})
    assert open_store(store_path).records(
        "toilets", where={"id": before[0]["id"]}, columns=["note"], geometry=False
    ) == [{"note": "<b>新</b>"}]
    assert [r["id"] for r in store.records("toilets", columns=["id", "note"])] == [r["id"] for r in before]
    with pytest.raises(StoreError), store.transaction() as tx:
        tx.add_column("toilets", "bad name", "text")


def test_a_page_of_a_big_box_reads_a_chunk_at_a_time(store, monkeypatch):
    """GeoPackage bbox pages read the R-tree's candidates a chunk at a time until the page is full: the same rows
    as filtering every candidate, also where envelopes meet but shapes do not (grids are polygons)."""
    from geo_app.store.geopackage import GeoPackageStore

    box = (120.55, 31.25, 120.65, 31.35)
    everything = store.records("grids", bbox=box, columns=["code"], order_by="code", descending=True)
    monkeypatch.setattr(GeoPackageStore, "_EXACT_CHUNK", 3)
    for limit, offset in ((1, 0), (4, 2), (7, len(everything) - 3), (5, len(everything) + 10)):
        page = store.records(
            "grids", bbox=box, columns=["code"], order_by="code", descending=True, limit=limit, offset=offset
        )
        assert [r["code"] for r in page] == [r["code"] for r in everything[offset : offset + limit]]
    assert store.count("grids", bbox=box) == len(everything) > 10


def test_writes_keep_the_file_mode(store, store_path):
    os.chmod(store_path, 0o664)
    with store.transaction() as tx:
        tx.replace("toilets", _toilet("m"))
    assert stat.S_IMODE(os.stat(store_path).st_mode) == 0o664


def test_missing_store(tmp_path):
    missing = open_store(tmp_path / "none.gpkg")
    assert not missing.exists()
    with pytest.raises(StoreError, match="no store"):
        missing.read("toilets")
