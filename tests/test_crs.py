import eviltransform
import geopandas as gpd
import numpy as np
import prcoords
import pytest
from pyproj import Geod
from shapely.geometry import Polygon

from geo_app import crs

GEOD = Geod(ellps="WGS84")
# A grid over Suzhou and its surroundings (119.9-121.4 E, 30.7-32.1 N).
LON, LAT = np.meshgrid(np.linspace(119.9, 121.4, 31), np.linspace(30.7, 32.1, 29))
LON, LAT = LON.ravel(), LAT.ravel()


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def test_wgs84_to_gcj02_matches_prcoords_over_suzhou():
    lon, lat = crs.wgs84_to_gcj02(LON, LAT)
    expected = [prcoords.wgs_gcj(prcoords.Coords(la, lo)) for lo, la in zip(LON, LAT)]
    assert np.max(metres(lon, lat, [e.lon for e in expected], [e.lat for e in expected])) < 0.001


def test_wgs84_to_bd09_matches_prcoords_and_eviltransform():
    lon, lat = crs.wgs84_to_bd09(LON, LAT)
    pr = [prcoords.wgs_bd(prcoords.Coords(la, lo)) for lo, la in zip(LON, LAT)]
    ev = [eviltransform.wgs2bd(la, lo) for lo, la in zip(LON, LAT)]
    assert np.max(metres(lon, lat, [p.lon for p in pr], [p.lat for p in pr])) < 0.001
    assert np.max(metres(lon, lat, [e[1] for e in ev], [e[0] for e in ev])) < 0.05


def test_gcj02_inverse_reproduces_the_input_within_a_centimetre():
    gcj_lon, gcj_lat = crs.wgs84_to_gcj02(LON, LAT)
    back_lon, back_lat = crs.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert np.max(metres(back_lon, back_lat, LON, LAT)) < crs.INVERSE_TOLERANCE_M
    # and through the forward formula, as the specification states it
    again = crs.wgs84_to_gcj02(back_lon, back_lat)
    assert np.max(metres(*again, gcj_lon, gcj_lat)) < crs.INVERSE_TOLERANCE_M


def test_gcj02_inverse_agrees_with_independent_exact_inverses():
    gcj = [crs.wgs84_to_gcj02(lo, la) for lo, la in zip(LON, LAT)]
    ours = crs.gcj02_to_wgs84([g[0] for g in gcj], [g[1] for g in gcj])
    ev = [eviltransform.gcj2wgs_exact(float(g[1]), float(g[0])) for g in gcj]
    pr = [prcoords.gcj_wgs_bored(prcoords.Coords(float(g[1]), float(g[0]))) for g in gcj]
    assert np.max(metres(*ours, [p.lon for p in pr], [p.lat for p in pr])) < 0.01
    # eviltransform stops its iteration earlier (about 0.1 m here): a looser bound for it
    assert np.max(metres(*ours, [e[1] for e in ev], [e[0] for e in ev])) < 0.5


def test_bd09_inverse_round_trip():
    bd_lon, bd_lat = crs.wgs84_to_bd09(LON, LAT)
    back = crs.bd09_to_wgs84(bd_lon, bd_lat)
    assert np.max(metres(*back, LON, LAT)) < crs.INVERSE_TOLERANCE_M


def test_offset_in_suzhou_is_about_465_metres_east_and_south():
    lon, lat = 120.62, 31.30
    glon, glat = crs.wgs84_to_gcj02(lon, lat)
    assert glon > lon and glat < lat
    assert 400 < metres(lon, lat, glon, glat) < 550


def test_outside_china_gcj02_equals_wgs84():
    lon, lat = crs.wgs84_to_gcj02(2.35, 48.85)
    assert (float(lon), float(lat)) == (2.35, 48.85)


def test_geometries_and_frames_are_converted_vertex_by_vertex():
    square = Polygon([(120.6, 31.3), (120.61, 31.3), (120.61, 31.31), (120.6, 31.31)])
    moved = crs.transform_geometry(square, crs.WGS84, crs.GCJ02)
    expected_x, expected_y = crs.wgs84_to_gcj02(*np.array(square.exterior.coords).T)
    assert np.allclose(np.array(moved.exterior.coords), np.column_stack([expected_x, expected_y]))
    frame = gpd.GeoDataFrame({"n": [1]}, geometry=[moved], crs=4326)
    back = crs.to_wgs84(frame, "GCJ-02")
    assert back.crs.to_epsg() == 4326
    assert np.allclose(np.array(back.geometry[0].exterior.coords), np.array(square.exterior.coords), atol=1e-9)


def test_epsg_systems_go_through_pyproj():
    x, y = crs.convert(120.62, 31.30, "WGS84", "EPSG:4549")
    lon, lat = crs.convert(x, y, "EPSG:4549", "WGS84")
    assert abs(float(lon) - 120.62) < 1e-9 and abs(float(lat) - 31.30) < 1e-9
    # 4549 is a 3-degree Gauss-Kruger zone on 120 E with a 500 km false easting and no zone prefix
    assert 550_000 < float(x) < 570_000
    # a GCJ-02 point straight to metres equals converting to WGS-84 first
    gx, gy = crs.convert(120.62, 31.30, "GCJ02", "EPSG:4549")
    wx, wy = crs.convert(*crs.gcj02_to_wgs84(120.62, 31.30), "WGS84", "EPSG:4549")
    assert abs(float(gx) - float(wx)) < 1e-6 and abs(float(gy) - float(wy)) < 1e-6


def test_areas_in_epsg_4549_agree_with_the_geodesic_area():
    square = Polygon([(120.6, 31.3), (120.65, 31.3), (120.65, 31.35), (120.6, 31.35)])
    frame = gpd.GeoDataFrame(geometry=[square], crs=4326)
    planar = float(crs.metric(frame).area.iloc[0])
    geodesic = abs(GEOD.geometry_area_perimeter(square)[0])
    assert abs(planar - geodesic) / geodesic < 0.001


@pytest.mark.parametrize(
    "name, expected",
    [
        ("wgs84", crs.WGS84),
        ("GCJ-02", crs.GCJ02),
        ("bd09", crs.BD09),
        ("CGCS2000", crs.WGS84),
        ("EPSG:4490", crs.WGS84),
        ("epsg:4549", "EPSG:4549"),
        ("amap", crs.GCJ02),
    ],
)
def test_crs_names(name, expected):
    assert crs.normalise_crs(name) == expected


@pytest.mark.parametrize("name", ["mars", "EPSG:999999", "4549x", ""])
def test_unknown_crs_names_are_refused(name):
    with pytest.raises(crs.UnknownCRS):
        crs.normalise_crs(name)
