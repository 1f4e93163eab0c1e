"""Imports: every format, coordinate systems, and every kind of bad input (which must change nothing)."""

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from geo_app import crs
from geo_app.data.ingest import ImportFailed
from geo_app.data.pipeline import import_file
from tests.conftest import BOTH_BACKENDS, MAX_BYTES, digest

pytestmark = BOTH_BACKENDS  # every test here runs on GeoPackage and on PostGIS

HEADER = "id,name,lon,lat,category,wheelchair,fee,opening_hours,family_room"


def run_import(project, store, layer, path, **kwargs):
    kwargs.setdefault("max_bytes", MAX_BYTES)
    return import_file(project, store, layer, path, **kwargs)


def csv_file(tmp_path, lines, name="toilets.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes("\n".join(lines).encode(encoding))
    return path


def geojson_file(tmp_path, features, name="layer.geojson"):
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8"
    )
    return path


def feature(geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": props}


def toilet(i, lon, lat, **extra):
    return feature(
        {"type": "Point", "coordinates": [lon, lat]},
        **{"id": f"T{i}", "name": f"测试公厕{i}", "source": "test", **extra},
    )


def point_crossing_a_border(districts, code="320508"):
    """A WGS-84 point inside `code` whose GCJ-02 coordinates, misread as WGS-84, fall in another district."""
    area = districts.set_index("adcode").geometry
    minx, miny, maxx, maxy = area[code].bounds
    for lon in np.arange(minx, maxx, 0.002):
        for lat in np.arange(miny, maxy, 0.002):
            if not area[code].contains(Point(lon, lat)):
                continue
            glon, glat = (float(v) for v in crs.wgs84_to_gcj02(lon, lat))
            other = [c for c, g in area.items() if g.contains(Point(glon, glat))]
            if other and other[0] != code:
                return (float(lon), float(lat)), (glon, glat), other[0]
    raise AssertionError("no border point found")


# ---- formats and coordinate systems --------------------------------------------------------------------------


def test_csv_in_gcj02_lands_in_the_right_districts(project, store, tmp_path):
    districts = store.read("districts")
    (lon, lat), (glon, glat), wrong_district = point_crossing_a_border(districts)
    centre_lon, centre_lat = 120.62, 31.31  # well inside 姑苏区
    c_glon, c_glat = crs.wgs84_to_gcj02(centre_lon, centre_lat)
    path = csv_file(
        tmp_path,
        [
            HEADER,
            f"G1,边界公厕,{glon:.9f},{glat:.9f},二类,yes,no,24/7,否",
            f"G2,中心公厕,{float(c_glon):.9f},{float(c_glat):.9f},一类,limited,no,06:00-22:00,是",
        ],
    )
    run_import(project, store, "toilets", path, crs="GCJ02")
    toilets = store.read("toilets").set_index("id")
    assert list(toilets["adcode"]) == ["320508", "320508"]
    moved = toilets.geometry["G1"]
    assert abs(moved.x - lon) < 1e-7 and abs(moved.y - lat) < 1e-7
    assert bool(toilets.loc["G2", "family_room"]) is True
    # the same file declared as WGS-84 puts the border toilet in the wrong district: the declaration matters
    run_import(project, store, "toilets", path, crs="WGS84")
    assert store.read("toilets").set_index("id").loc["G1", "adcode"] == wrong_district


def test_import_recomputes_the_statistics(project, store, tmp_path):
    before = store.read("district_stats").set_index("code")
    path = geojson_file(tmp_path, [toilet(1, 120.62, 31.31), toilet(2, 120.63, 31.30)])
    run_import(project, store, "toilets", path)
    after = store.read("district_stats").set_index("code")
    assert after.loc["320508", "toilets_count"] == 2
    assert after.loc["320505", "toilets_count"] == 0
    assert (
        after.loc["320508", "toilets_district_area_coverage_pct"]
        < before.loc["320508", "toilets_district_area_coverage_pct"]
    )
    sources = store.read("layer_sources").set_index("layer")
    assert sources.loc["toilets", "kind"] == "imported" and sources.loc["toilets", "files"] == "layer.geojson"
    assert sources.loc["toilets", "demo_features"] == 0


def test_gbk_csv_with_chinese_headers(project, store, tmp_path):
    lines = ["编号,名称,经度,纬度,类别,无障碍,收费,第三卫生间", "K1,观前街公厕,120.625,31.312,一类,yes,no,是"]
    path = csv_file(tmp_path, lines, encoding="gbk")
    outcome = run_import(project, store, "toilets", path, source="区环卫所普查")
    row = store.read("toilets").iloc[0]
    assert (row["name"], row["category"], row["source"]) == ("观前街公厕", "一类", "区环卫所普查")
    assert outcome.layers == {"toilets": 1}


def test_csv_with_bom(project, store, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff".encode() + f"{HEADER}\nB1,带BOM公厕,120.62,31.31,二类,no,yes,24/7,false".encode())
    run_import(project, store, "toilets", path)
    assert store.read("toilets")["fee"].tolist() == ["yes"]


def test_csv_in_a_projected_epsg_system(project, store, tmp_path):
    x, y = crs.convert(120.62, 31.31, "WGS84", "EPSG:4549")
    path = csv_file(tmp_path, ["id,name,x,y", f"P1,投影坐标公厕,{float(x):.3f},{float(y):.3f}"])
    run_import(project, store, "toilets", path, crs="EPSG:4549")
    point = store.read("toilets").geometry.iloc[0]
    assert abs(point.x - 120.62) < 1e-7 and abs(point.y - 31.31) < 1e-7


def test_csv_in_bd09(project, store, tmp_path):
    blon, blat = crs.wgs84_to_bd09(120.62, 31.31)
    path = csv_file(tmp_path, ["id,name,lng,lat", f"D1,百度坐标公厕,{float(blon):.9f},{float(blat):.9f}"])
    run_import(project, store, "toilets", path, crs="BD09")
    point = store.read("toilets").geometry.iloc[0]
    assert abs(point.x - 120.62) < 1e-7 and abs(point.y - 31.31) < 1e-7


def test_geopackage_and_zipped_shapefile(project, store, tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "id": ["S1", "S2"],
            "name": ["甲", "乙"],
            "parking": ["surface", "underground"],
            "capacity": [50, 300],
            "source": ["t", "t"],
        },
        geometry=[Point(120.62, 31.31), Point(120.54, 31.30)],
        crs=4326,
    )
    gpkg = tmp_path / "lots.gpkg"
    frame.to_file(gpkg, driver="GPKG")
    run_import(project, store, "parking_lots", gpkg)
    assert sorted(store.read("parking_lots")["adcode"]) == ["320505", "320508"]
    # a Shapefile in EPSG:4549, zipped: the .prj says the system
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_crs(4549).to_file(shp_dir / "lots.shp")
    archive = tmp_path / "lots.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp_dir.iterdir():
            zf.write(part, part.name)
    run_import(project, store, "parking_lots", archive)
    lots = store.read("parking_lots").set_index("id")
    assert abs(lots.geometry["S1"].x - 120.62) < 1e-6 and lots.loc["S2", "capacity"] == 300


def test_gbfs_station_information(project, store, tmp_path):
    doc = {
        "last_updated": 1530000000,
        "ttl": 60,
        "version": "2.3",
        "data": {
            "stations": [
                {
                    "station_id": "g1",
                    "name": "观前站",
                    "lat": 31.312,
                    "lon": 120.625,
                    "capacity": 24,
                    "address": "观前街",
                },
                {
                    "station_id": "g2",
                    "name": [{"text": "石路站", "language": "zh"}],
                    "lat": 31.316,
                    "lon": 120.598,
                    "capacity": 30,
                },
            ]
        },
    }
    path = tmp_path / "station_information.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run_import(project, store, "bike_stations", path, source="GBFS feed")
    bikes = store.read("bike_stations").set_index("id")
    assert bikes.loc["g2", "name"] == "石路站" and bikes.loc["g1", "capacity"] == 24


def test_append_keeps_existing_features(project, store, tmp_path):
    count = len(store.read("toilets"))
    run_import(project, store, "toilets", geojson_file(tmp_path, [toilet(1, 120.62, 31.31)]), append=True)
    assert len(store.read("toilets")) == count + 1


def test_a_field_filled_from_the_catalogs_default_is_said(project, store, tmp_path):
    """A toilet file without a fee column: every toilet becomes free by the catalog's default, and the import
    says so (not silently)."""
    outcome = run_import(project, store, "toilets", geojson_file(tmp_path, [toilet(1, 120.62, 31.31)]))
    assert any("no column for fee" in w and "'no'" in w for w in outcome.warnings)
    assert store.read("toilets")["fee"].tolist() == ["no"]
    said = run_import(project, store, "toilets", geojson_file(tmp_path, [toilet(1, 120.62, 31.31, fee="yes")]))
    assert not any("no column for fee" in w for w in said.warnings)


def test_invalid_polygon_is_repaired_and_said_so(project, store, tmp_path):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [[[120.60, 31.30], [120.61, 31.31], [120.61, 31.30], [120.60, 31.31], [120.60, 31.30]]],
    }
    path = geojson_file(tmp_path, [feature(bow_tie, code="320508001001001", name="网格", source="t")])
    outcome = run_import(project, store, "grids", path)
    assert any("repaired 1 invalid geometries" in w and "Self-intersection" in w for w in outcome.warnings)
    grid = store.read("grids").geometry.iloc[0]
    assert grid.is_valid and grid.area > 0


SIP = Polygon([(120.66, 31.25), (120.82, 31.25), (120.82, 31.37), (120.66, 31.37)])


def import_sip_boundary(project, store, tmp_path, cut_from_wuzhong: bool):
    """Import the districts plus a (rough, test-only) SIP boundary, optionally cut out of 吴中区."""
    districts = store.read("districts")
    if cut_from_wuzhong:
        wuzhong = districts["adcode"] == "320506"
        districts.loc[wuzhong, "geometry"] = districts.loc[wuzhong, "geometry"].difference(SIP)
    extra = gpd.GeoDataFrame(
        {"adcode": ["320571"], "name_zh": ["苏州工业园区"], "kind": ["功能区"], "source": ["test boundary"]},
        geometry=[SIP],
        crs=4326,
    )
    path = tmp_path / "districts.geojson"
    gpd.GeoDataFrame(pd.concat([districts[extra.columns], extra], ignore_index=True), crs=4326).to_file(path)
    run_import(project, store, "districts", path)


def test_new_district_boundaries_rederive_every_layer(project, store, tmp_path):
    import_sip_boundary(project, store, tmp_path, cut_from_wuzhong=True)
    stats = store.read("district_stats").set_index("code")
    assert bool(stats.loc["320571", "has_boundary"]) and stats.loc["320571", "toilets_count"] > 0
    toilets = store.read("toilets")
    inside = toilets[toilets.within(SIP)]
    assert (inside["adcode"] == "320571").all()
    assert (inside["status"] == "operational").sum() == stats.loc["320571", "toilets_count"]


def test_an_overlapping_zone_takes_the_features_inside_it(project, store, tmp_path):
    import_sip_boundary(project, store, tmp_path, cut_from_wuzhong=False)
    toilets = store.read("toilets")
    assert (toilets[toilets.within(SIP)]["adcode"] == "320571").all()
    outside = toilets[~toilets.within(SIP) & toilets["id"].str.contains("-320506-")]
    assert (outside["adcode"] == "320506").all() and len(outside) > 0


# ---- bad input: a clear error naming file, place, field and reason; the store byte-for-byte unchanged ------------

BAD_INPUTS = {
    "malformed_json": (
        "toilets",
        "bad.geojson",
        b'{"type": "FeatureCollection", "features": [',
        {},
        ["bad.geojson", "malformed JSON at line 1"],
    ),
    "malformed_csv": (
        "toilets",
        "bad.csv",
        f"{HEADER}\nA1,甲,120.62,31.31,二类,yes,no,24/7,是,extra".encode(),
        {},
        ["bad.csv", "row 2", "has 10 cells, the header has 9"],
    ),
    "missing_required_field": (
        "toilets",
        "noname.csv",
        b"id,lon,lat\nA1,120.62,31.31",
        {},
        ["noname.csv", "field 'name'", "required field is missing"],
    ),
    "empty_required_value": (
        "toilets",
        "emptyname.csv",
        b"id,name,lon,lat\nA1,,120.62,31.31",
        {},
        ["row 2", "field 'name'", "required value is empty"],
    ),
    "wrong_type": (
        "bike_stations",
        "bikes.csv",
        "id,name,lon,lat,capacity\nB1,甲,120.62,31.31,很多".encode(),
        {},
        ["bikes.csv", "row 2", "field 'capacity'", "wrong type (integer)", "'很多' is not a number"],
    ),
    "not_allowed": (
        "toilets",
        "fee.csv",
        b"id,name,lon,lat,fee\nA1,x,120.62,31.31,maybe",
        {},
        ["row 2", "field 'fee'", "'maybe' is not one of yes, no"],
    ),
    "below_minimum": (
        "bike_stations",
        "neg.csv",
        b"id,name,lon,lat,capacity\nB1,x,120.62,31.31,-3",
        {},
        ["row 2", "field 'capacity'", "below the minimum 0"],
    ),
    "empty_geometry_geojson": (
        "toilets",
        "nogeom.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": None, "properties": {"id": "A", "name": "x", "source": "t"}}
                ],
            }
        ).encode(),
        {},
        ["nogeom.geojson", "feature 1", "field 'geometry'", "empty geometry"],
    ),
    "empty_geometry_csv": (
        "toilets",
        "nocoord.csv",
        b"id,name,lon,lat\nA1,x,,",
        {},
        ["row 2", "empty geometry: no coordinates"],
    ),
    "wrong_geometry_type": (
        "toilets",
        "poly.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature(
                        {
                            "type": "Polygon",
                            "coordinates": [[[120.6, 31.3], [120.61, 31.3], [120.61, 31.31], [120.6, 31.3]]],
                        },
                        id="A",
                        name="x",
                        source="t",
                    )
                ],
            }
        ).encode(),
        {},
        ["feature 1", "wrong geometry type Polygon: layer toilets takes Point"],
    ),
    "outside_suzhou": (
        "toilets",
        "beijing.csv",
        b"id,name,lon,lat\nA1,x,116.40,39.90",
        {},
        ["row 2", "field 'geometry'", "lie outside the city"],
    ),
    "lat_lon_swapped": (
        "toilets",
        "swapped.csv",
        b"id,name,lon,lat\nA1,x,31.31,120.62",
        {},
        ["row 2", "look like lat/lon swapped"],
    ),
    "duplicate_ids": (
        "toilets",
        "dup.csv",
        b"id,name,lon,lat\nA1,x,120.62,31.31\nA1,y,120.63,31.30",
        {},
        ["row 3", "field 'id'", "duplicate id 'A1' (first at row 2)"],
    ),
    "empty_file": ("toilets", "empty.csv", b"", {}, ["empty.csv", "the file is empty"]),
    "header_only": ("toilets", "header.csv", b"id,name,lon,lat\n", {}, ["header.csv", "holds no features"]),
    "too_big": (
        "toilets",
        "big.csv",
        b"id,name,lon,lat\n" + b"A1,x,120.62,31.31\n" * 100,
        {"max_bytes": 1000},
        ["big.csv", "over the import limit of 0.0 MB", "MAX_IMPORT_BYTES"],
    ),
    "unknown_crs": (
        "toilets",
        "ok.csv",
        b"id,name,lon,lat\nA1,x,120.62,31.31",
        {"crs": "mars"},
        ["ok.csv", "field 'crs'", "unknown coordinate system 'mars'"],
    ),
    "unknown_layer": (
        "lampposts",
        "ok.csv",
        b"id,name,lon,lat\nA1,x,120.62,31.31",
        {},
        ["ok.csv", "unknown layer 'lampposts'"],
    ),
    "no_coordinate_columns": (
        "toilets",
        "nocols.csv",
        "id,name,地址\nA1,x,观前街".encode(),
        {},
        ["nocols.csv", "no coordinate columns"],
    ),
    "not_a_featurecollection": (
        "toilets",
        "list.geojson",
        b"[1, 2, 3]",
        {},
        ["list.geojson", "not a GeoJSON FeatureCollection"],
    ),
    "not_a_zip": (
        "parking_lots",
        "broken.zip",
        b"PK\x03\x04 this is not really a zip",
        {},
        ["broken.zip", "not a readable GeoPackage or Shapefile"],
    ),
    "undecodable_text": (
        "toilets",
        "binary.csv",
        b"id,name,lon,lat\nA1,\xff\xfe\xfa\x80\x81,120.62,31.31",
        {},
        ["binary.csv", "cannot decode the text as UTF-8 or GBK/GB18030"],
    ),
    "bad_pattern": (
        "grids",
        "grid.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    feature(
                        {
                            "type": "Polygon",
                            "coordinates": [[[120.6, 31.3], [120.61, 31.3], [120.61, 31.31], [120.6, 31.3]]],
                        },
                        code="12345",
                        name="网格",
                        source="t",
                    )
                ],
            }
        ).encode(),
        {},
        ["feature 1", "field 'code'", "does not match the pattern"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_and_changes_nothing(project, store, store_path, tmp_path, case):
    assert_refused(project, store, store_path, tmp_path, BAD_INPUTS[case])


def assert_refused(project, store, store_path, tmp_path, case: tuple) -> None:
    """The import of (layer, file name, content, options, expected fragments) is refused, says why, changes nothing."""
    layer, name, content, options, expected = case
    path = tmp_path / name
    path.write_bytes(content)
    before = digest(store_path)
    with pytest.raises(ImportFailed) as caught:
        run_import(project, store, layer, path, **options)
    message = str(caught.value)
    assert message.startswith("import refused, nothing changed")
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert "Traceback" not in message
    assert digest(store_path) == before


def test_duplicate_of_an_existing_id_when_appending(project, store, store_path, tmp_path):
    existing = store.read("toilets")["id"].iloc[0]
    path = geojson_file(tmp_path, [toilet(1, 120.62, 31.31, id=existing)])
    before = digest(store_path)
    with pytest.raises(ImportFailed, match=f"duplicate ids with features already in the layer: {existing}"):
        run_import(project, store, "toilets", path, append=True)
    assert digest(store_path) == before


def test_many_problems_are_reported_together_with_a_count(project, store, tmp_path):
    rows = ["id,name,lon,lat,fee"] + [f"A{i},x,120.62,31.31,maybe" for i in range(80)]
    path = csv_file(tmp_path, rows)
    with pytest.raises(ImportFailed) as caught:
        run_import(project, store, "toilets", path)
    assert caught.value.total == 80 and len(caught.value.problems) == 50
    assert "... and 30 more problems" in str(caught.value)


def test_a_failed_store_write_leaves_the_old_file(project, store, store_path, tmp_path, monkeypatch):
    from geo_app.store import StoreError, geopackage, postgis

    def failing(self):
        raise StoreError("disk full (simulated)")

    for backend in (geopackage.GeoPackageTransaction, postgis.PostGISTransaction):
        monkeypatch.setattr(backend, "finish", failing)  # after every table was written
    before = digest(store_path)
    with pytest.raises(StoreError, match="disk full"):
        run_import(project, store, "toilets", geojson_file(tmp_path, [toilet(1, 120.62, 31.31)]))
    monkeypatch.undo()
    assert digest(store_path) == before


@pytest.mark.parametrize("layer", ["toilets", "parking_lots"])
def test_statistics_after_an_import_equal_a_full_recomputation(project, store, tmp_path, layer):
    """An import computes only its own layer's statistics again and keeps the others' columns."""
    from geo_app.features import statistics as stats

    lots = {"parking_lots": {"capacity": 120, "parking": "surface"}}.get(layer, {})
    features = [toilet(i, 120.60 + i / 200, 31.30, **lots) for i in range(6)]
    run_import(project, store, layer, geojson_file(tmp_path, features))
    layers = {lid: store.read(lid) for lid in project.catalog.layers}
    full = stats.compute(layers, project.catalog, project.units, project.standards, project.report)
    stored = store.read("district_stats")
    pd.testing.assert_frame_equal(
        stored[full.columns].set_index("code").sort_index(),
        full.set_index("code").sort_index(),
        check_dtype=False,
        check_index_type=False,
    )
    grid = stats.grid_counts(layers, project.catalog)
    pd.testing.assert_frame_equal(
        store.read("grid_stats")[grid.columns].set_index("code").sort_index(),
        grid.set_index("code").sort_index(),
        check_dtype=False,
        check_index_type=False,
    )
