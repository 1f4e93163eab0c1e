"""Per-unit statistics checked against independent computations."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from geo_app import crs
from geo_app.features import statistics as stats
from geo_app.planning.coverage import covered_part


@pytest.fixture(scope="module")
def table(built_store_path):
    from geo_app.store import open_store

    return open_store(built_store_path).read("district_stats").set_index("code")


@pytest.fixture(scope="module")
def layers(built_store_path, project):
    from geo_app.store import open_store

    store = open_store(built_store_path)
    return {lid: store.read(lid) for lid in project.catalog.layers}


def test_all_ten_units_are_listed(table, project):
    assert list(table.index) == list(project.units.units)
    assert len(table) == 10
    sip = table.loc["320571"]
    assert not sip["has_boundary"] and "no boundary loaded" in sip["boundary_note"]
    assert pd.isna(sip["toilets_count"]) and pd.isna(sip["area_km2"])
    assert sip["report_group_figures"] > 0  # its report figures are still there


def test_counts_agree_with_a_spatial_join(table, layers):
    districts = layers["districts"][["adcode", "geometry"]]
    for lid in ("toilets", "bike_stations", "refuse_stations", "parking_lots"):
        operational = layers[lid][layers[lid]["status"] == "operational"]
        joined = gpd.sjoin(operational, districts, predicate="within")
        counts = joined.groupby("adcode_right").size()
        for code, count in counts.items():
            assert table.loc[code, f"{lid}_count"] == count, (lid, code)


def test_parking_capacity_sums_lots_and_street_berths(table, layers):
    lots, street = layers["parking_lots"], layers["street_parking"]
    code = "320508"
    expected = lots[lots["adcode"] == code]["capacity"].sum() + street[street["adcode"] == code]["capacity"].sum()
    assert table.loc[code, "parking_capacity_total"] == expected
    assert table.loc[code, "parking_lots_capacity"] + table.loc[code, "street_parking_capacity"] == expected


def test_areas_match_the_design_figures(table):
    # EPSG:4549 areas quoted in the design notes (computed there from the same source)
    for code, area in {"320508": 83.4, "320505": 407.8, "320506": 2403.8, "320509": 1226.8, "320583": 931.4}.items():
        assert abs(table.loc[code, "area_km2"] - area) / area < 0.005


@pytest.mark.parametrize("code, layer", [("320508", "toilets"), ("320507", "bike_stations")])
def test_coverage_agrees_with_point_sampling(table, layers, code, layer):
    """Independent check: the share of a 50 m lattice inside the district that lies within the radius of a
    facility (k-d tree), against the polygon-union computation."""
    district = crs.metric(layers["districts"].set_index("adcode").loc[[code]]).geometry.iloc[0]
    facilities = crs.metric(layers[layer][layers[layer]["status"] == "operational"])
    radius = table.loc[code, f"{layer}_radius_m"]
    minx, miny, maxx, maxy = district.bounds
    xs, ys = np.meshgrid(np.arange(minx, maxx, 50.0), np.arange(miny, maxy, 50.0))
    lattice = gpd.GeoSeries(gpd.points_from_xy(xs.ravel(), ys.ravel()))
    inside = lattice[lattice.within(district)]
    tree = cKDTree(np.column_stack([facilities.geometry.x, facilities.geometry.y]))
    distance, _ = tree.query(np.column_stack([inside.x, inside.y]))
    sampled = 100 * float(np.mean(distance <= radius))
    assert abs(sampled - table.loc[code, f"{layer}_district_area_coverage_pct"]) < 1.0


def test_radius_overrides_by_unit_come_from_the_standards(table, project):
    assert table.loc["320508", "toilets_radius_m"] == 300
    assert table.loc["320505", "toilets_radius_m"] == project.standards.radius("toilets").metres == 500
    assert "GB 55013-2021" in project.standards.radius("toilets", "320508").source


def test_covered_part_of_a_single_circle():
    square = box(0, 0, 1000, 1000)
    share = covered_part(gpd.GeoSeries([Point(500, 500)]), square, 100).area / square.area
    assert abs(share - math.pi * 100**2 / 1e6) < 1e-4
    assert covered_part(gpd.GeoSeries([], dtype="geometry"), square, 100).area == 0
    # a facility outside the area still covers the part of the area within its radius
    edge = covered_part(gpd.GeoSeries([Point(-50, 500)]), square, 100).area / square.area
    assert 0 < edge < share / 2


def test_every_statistics_column_is_described(table, project):
    described = stats.describe_columns(project.catalog, project.standards)
    plain = {"name_zh", "name_en", "kind", "has_boundary", "boundary_note"}
    assert set(table.reset_index().columns) - plain <= set(described)
    assert described["toilets_district_area_coverage_pct"]["unit"] == "%"
