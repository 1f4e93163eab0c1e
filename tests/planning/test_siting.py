"""Siting: known optima on hand-made cases, agreement with PySAL spopt, fixed existing facilities, coverage
against brute force, and the planner API (run, export, scenarios)."""

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pulp
import pyogrio
import pytest
from scipy.spatial.distance import cdist
from shapely.geometry import Point, box
from shapely.ops import unary_union
from spopt.locate import LSCP, MCLP

from geo_app import crs
from geo_app.planning import siting
from geo_app.planning.siting import Limits, SitingError, SitingRequest
from tests.conftest import LAYERS as LAYERS_DIR
from tests.conftest import gdal_view, use_token

LIMITS = Limits(time_limit_s=20)


def three_clusters():
    """Demand in three clusters 5 km apart (weights 10, 6 and 3); candidates at each centre and between them."""
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [5000, 0], [0, 5000]], dtype=float)
    sizes = [10, 6, 3]
    demand = np.vstack([c + rng.normal(0, 60, (n, 2)) for c, n in zip(centres, sizes)])
    candidates = np.vstack([centres, [[2500, 2500], [2500, 0]]])
    return demand, np.ones(len(demand)), candidates


def test_mclp_three_clusters_k2_takes_the_two_largest():
    demand, weights, candidates = three_clusters()
    sets = siting.coverage_sets(demand, np.full(len(demand), 300.0), candidates)
    chosen, status = siting.mclp(sets, weights, len(candidates), 2, LIMITS)
    assert status == "optimal" and sorted(chosen) == [0, 1]


def test_lscp_three_clusters_needs_three():
    demand, _, candidates = three_clusters()
    sets = siting.coverage_sets(demand, np.full(len(demand), 300.0), candidates)
    chosen, _ = siting.lscp(sets, len(candidates), LIMITS)
    assert sorted(chosen) == [0, 1, 2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_and_lscp_agree_with_spopt(seed):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 3000, (150, 2))
    weights = rng.integers(1, 10, 150).astype(float)
    candidates = rng.uniform(0, 3000, (40, 2))
    radius = 500.0
    sets = siting.coverage_sets(demand, np.full(len(demand), radius), candidates)
    chosen, _ = siting.mclp(sets, weights, len(candidates), 4, LIMITS)
    ours = weights[[bool(set(chosen) & set(s)) for s in sets]].sum()
    costs = cdist(demand, candidates)
    model = MCLP.from_cost_matrix(costs, weights, service_radius=radius, p_facilities=4)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    theirs = pulp.value(model.problem.objective)
    assert ours == pytest.approx(theirs)
    coverable = [i for i, s in enumerate(sets) if s]
    chosen, _ = siting.lscp([sets[i] for i in coverable], len(candidates), LIMITS)
    lscp = LSCP.from_cost_matrix(costs[coverable], service_radius=radius)
    lscp.solve(pulp.PULP_CBC_CMD(msg=False))
    assert len(chosen) == pytest.approx(pulp.value(lscp.problem.objective))


# ---- solve() on a small synthetic city -------------------------------------------------------------------


def synthetic_layers(existing_xy=()):
    """One 3 x 3 km district near Suzhou (WGS-84), gridded whole, demand in three blobs made by weights."""
    # aligned to the 100 m lattice the siting lays over the demand area
    origin_x, origin_y = (round(float(v), -2) for v in crs.convert(120.60, 31.30, "WGS84", "EPSG:4549"))
    square = box(origin_x, origin_y, origin_x + 3000, origin_y + 3000)
    to_wgs = lambda g: crs.transform_geometry(g, "EPSG:4549", "WGS84")
    districts = gpd.GeoDataFrame({"adcode": ["999999"], "name_zh": ["测试区"]}, geometry=[to_wgs(square)], crs=4326)
    grids = gpd.GeoDataFrame({"code": ["999999001001001"], "adcode": ["999999"]}, geometry=[to_wgs(square)], crs=4326)
    toilets = gpd.GeoDataFrame(
        {"id": [f"E{i}" for i in range(len(existing_xy))], "status": ["operational"] * len(existing_xy)},
        geometry=[to_wgs(Point(origin_x + x, origin_y + y)) for x, y in existing_xy],
        crs=4326,
    )
    return {"districts": districts, "grids": grids, "toilets": toilets}, (origin_x, origin_y)


RADIUS = 420.0  # no lattice distance (multiples of 100 m) lies within 7 m of it: no ties at the edge


class Standards:
    def radius(self, layer, unit=None):
        from geo_app.project.standards import Radius

        return Radius(RADIUS, "test")


def brute_force_share(layers, origin, sites_lonlat, radius, spacing=100.0):
    """Share of the district's lattice within `radius` of an existing or proposed facility (shapely, no k-d tree)."""
    ox, oy = origin
    points = [
        Point(ox + x, oy + y)
        for x in np.arange(spacing / 2, 3000, spacing)
        for y in np.arange(spacing / 2, 3000, spacing)
    ]
    existing = crs.metric(layers["toilets"]).geometry.tolist()
    proposed = [Point(*(float(v) for v in crs.convert(lon, lat, "WGS84", "EPSG:4549"))) for lon, lat in sites_lonlat]
    facilities = existing + proposed
    covered = sum(1 for p in points if any(p.distance(f) <= radius for f in facilities))
    return 100 * covered / len(points)


def exact_share(layers, origin, sites_lonlat, radius):
    """Share of the district's area within `radius` of an existing or proposed facility: fine circles (256
    vertices), the published coordinates, nothing of the service's own code but the CRS conversion."""
    ox, oy = origin
    square = box(ox, oy, ox + 3000, oy + 3000)
    existing = crs.metric(layers["toilets"]).geometry.tolist()
    proposed = [Point(*(float(v) for v in crs.convert(lon, lat, "WGS84", "EPSG:4549"))) for lon, lat in sites_lonlat]
    circles = unary_union([f.buffer(radius, quad_segs=64) for f in existing + proposed])
    return 100 * circles.intersection(square).area / square.area


def test_existing_facilities_are_kept_and_counted(tmp_path):
    layers, origin = synthetic_layers(existing_xy=[(500, 500), (2500, 2500)])
    result = siting.solve(SitingRequest("toilets", ("999999",), k=2), layers, Standards(), LIMITS)
    sites = [f["geometry"]["coordinates"] for f in result["sites"]["features"]]
    assert len(sites) == 2
    # measured exactly on geometry (two whole circles of 420 m in 9 km²), reproducible from the coordinates
    assert result["coverage"]["before_pct"] == pytest.approx(200 * np.pi * RADIUS**2 / 9e6, abs=0.03)
    assert result["coverage"]["before_pct"] == pytest.approx(exact_share(layers, origin, [], RADIUS), abs=0.03)
    assert result["coverage"]["after_pct"] == pytest.approx(exact_share(layers, origin, sites, RADIUS), abs=0.03)
    assert "measured exactly" in result["method"] and "lattice" in result["method"]
    assert result["coverage"]["measure"] == "patrolled_area"
    existing = crs.metric(layers["toilets"]).geometry
    for lon, lat in sites:  # a new site never duplicates an existing one's reach
        x, y = crs.convert(lon, lat, "WGS84", "EPSG:4549")
        assert min(Point(float(x), float(y)).distance(e) for e in existing) > RADIUS
    adds = [f["properties"]["adds_pct"] for f in result["sites"]["features"]]
    assert adds == sorted(adds, reverse=True)  # numbered by what each adds


def test_lscp_reaches_full_coverage_when_feasible():
    layers, origin = synthetic_layers(existing_xy=[(1500, 1500)])
    result = siting.solve(
        SitingRequest("toilets", ("999999",), target_pct=100, spacing_m=200), layers, Standards(), LIMITS
    )
    sites = [f["geometry"]["coordinates"] for f in result["sites"]["features"]]
    assert brute_force_share(layers, origin, sites, RADIUS) == 100.0  # every lattice point: what was optimised
    # the area between lattice points is measured as it is, not rounded up to the target
    assert result["coverage"]["after_pct"] == pytest.approx(exact_share(layers, origin, sites, RADIUS), abs=0.03)
    assert 99 < result["coverage"]["after_pct"] <= 100


def test_target_coverage_takes_the_fewest_sites():
    layers, origin = synthetic_layers()
    result = siting.solve(
        SitingRequest("toilets", ("999999",), target_pct=50, spacing_m=200), layers, Standards(), LIMITS
    )
    sites = [f["geometry"]["coordinates"] for f in result["sites"]["features"]]
    assert brute_force_share(layers, origin, sites, RADIUS) >= 50
    fewer = siting.solve(
        SitingRequest("toilets", ("999999",), k=len(sites) - 1, spacing_m=200), layers, Standards(), LIMITS
    )
    assert (
        brute_force_share(layers, origin, [f["geometry"]["coordinates"] for f in fewer["sites"]["features"]], RADIUS)
        < 50
    )


def test_gains_are_measured_on_geometry_and_add_up():
    """A coarse candidate lattice (400 m) still reports gains no larger than one circle, summing to the rise."""
    layers, origin = synthetic_layers(existing_xy=[(1500, 1500)])
    result = siting.solve(SitingRequest("toilets", ("999999",), k=5, spacing_m=400), layers, Standards(), LIMITS)
    features = result["sites"]["features"]
    adds = [f["properties"]["adds_km2_or_weight"] for f in features]
    assert len(adds) == 5 and all(0 < a <= np.pi * RADIUS**2 / 1e6 for a in adds)
    assert adds == sorted(adds, reverse=True)
    rise = result["coverage"]["after_pct"] - result["coverage"]["before_pct"]
    assert sum(f["properties"]["adds_pct"] for f in features) == pytest.approx(rise, abs=0.05)
    # each gain is what its circle adds to the existing facility and the sites numbered before it
    ox, oy = origin
    square = box(ox, oy, ox + 3000, oy + 3000)
    points = [Point(ox + 1500, oy + 1500)] + [
        Point(*(float(v) for v in crs.convert(*f["geometry"]["coordinates"], "WGS84", "EPSG:4549"))) for f in features
    ]
    for n, f in enumerate(features, start=1):
        before = unary_union([p.buffer(RADIUS, quad_segs=64) for p in points[:n]]).intersection(square).area
        after = unary_union([p.buffer(RADIUS, quad_segs=64) for p in points[: n + 1]]).intersection(square).area
        assert f["properties"]["adds_km2_or_weight"] == pytest.approx((after - before) / 1e6, abs=2e-4)


def test_infeasible_full_coverage_says_how_far_it_can_go():
    layers, _ = synthetic_layers()
    # candidates: only two parking lots in one corner
    lots = gpd.GeoDataFrame({"id": ["L1", "L2"]}, geometry=[Point(120.601, 31.301), Point(120.602, 31.301)], crs=4326)
    layers["parking_lots"] = lots
    with pytest.raises(
        SitingError,
        match=r"full coverage is impossible: with these candidates a 420 m radius can cover at most \d+\.\d% of demand",
    ):
        siting.solve(
            SitingRequest("toilets", ("999999",), target_pct=100, candidates="parking_lots"),
            layers,
            Standards(),
            LIMITS,
        )


def test_large_problems_are_bounded_and_say_so():
    layers, _ = synthetic_layers()
    small = Limits(max_demand=200, max_candidates=100, time_limit_s=20, demand_spacing_m=50)
    result = siting.solve(SitingRequest("toilets", ("999999",), k=3, spacing_m=50), layers, Standards(), small)
    notes = " ".join(note["text"] for note in result["simplifications"])
    assert {note["code"] for note in result["simplifications"]} >= {"demand_lattice", "candidates_thinned"}
    assert "demand lattice at 220 m instead of 50 m" in notes and "thinned" in notes
    assert result["sizes"]["demand_points_solved"] <= 200 and result["sizes"]["candidates_solved"] <= 100


# ---- the planner API -------------------------------------------------------------------------------------


def test_run_ten_toilets_for_gusu(client, store):
    body = client.get("/api/plan/sites?type=toilets&districts=姑苏区&k=10").get_json()
    assert len(body["sites"]["features"]) == 10 and body["status"] == "optimal"
    gusu = body["coverage"]["districts"][0]
    assert gusu["code"] == "320508" and gusu["radius_m"] == 300 and gusu["after_pct"] > gusu["before_pct"]
    numbers = [f["properties"]["number"] for f in body["sites"]["features"]]
    assert numbers == list(range(1, 11))
    district = store.read("districts").set_index("adcode").geometry["320508"]
    assert all(district.contains(Point(*f["geometry"]["coordinates"])) for f in body["sites"]["features"])
    # every figure reproduces from the published coordinates: circles of 300 m around the operational toilets and
    # the new sites, over the patrolled area (the district's grids), in EPSG:4549
    assert all(f["properties"]["adds_km2_or_weight"] <= np.pi * 0.3**2 for f in body["sites"]["features"])
    toilets = store.read("toilets")
    existing = crs.metric(toilets[toilets["status"] == "operational"]).geometry.tolist()
    grids = store.read("grids")
    area = unary_union(crs.metric(grids[grids["adcode"] == "320508"]).geometry.tolist()).intersection(
        crs.metric(gpd.GeoSeries([district], crs=4326)).iloc[0]
    )
    sites = [
        Point(*(float(v) for v in crs.convert(*f["geometry"]["coordinates"], "WGS84", "EPSG:4549")))
        for f in body["sites"]["features"]
    ]
    for facilities, figure in ((existing, gusu["before_pct"]), (existing + sites, gusu["after_pct"])):
        near = [f for f in facilities if f.distance(area) <= 300]
        covered = unary_union([f.buffer(300, quad_segs=64) for f in near]).intersection(area).area
        assert 100 * covered / area.area == pytest.approx(figure, abs=0.011)


def test_exports(client):
    base = "/api/plan/sites?type=toilets&districts=320508&k=5"
    geojson = json.loads(client.get(base + "&format=geojson").get_data(as_text=True))
    assert len(geojson["features"]) == 5
    csv = client.get(base + "&format=csv").get_data(as_text=True).lstrip("\ufeff")
    table = pd.read_csv(io.StringIO(csv))
    assert list(table["number"]) == [1, 2, 3, 4, 5] and {"lon", "lat", "adcode"} <= set(table.columns)
    response = client.get(base + "&format=gpkg")
    assert response.mimetype == "application/geopackage+sqlite3"
    frame = pyogrio.read_dataframe(io.BytesIO(response.data))
    assert len(frame) == 5 and frame.crs.to_epsg() == 4326


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("type=toilets&districts=320508&k=0", "k"),
        ("type=toilets&districts=320508&k=5&radius=-300", "radius"),
        ("type=lampposts&districts=320508&k=5", "type"),
        ("type=toilets&districts=火星&k=5", "districts"),
        ("type=toilets&districts=工业园区&k=5", "districts"),
        ("type=toilets&k=5", "districts"),
        ("type=toilets&districts=320508", "k"),
        ("type=toilets&districts=320508&k=5&target=90", "k"),
        ("type=toilets&districts=320508&target=150", "target"),
        ("type=toilets&districts=320508&k=5&demand=people", "demand"),
        ("type=toilets&districts=320508&k=5&format=xlsx", "format"),
        ("type=toilets&districts=320508&k=5&colour=red", "colour"),
    ],
)
def test_bad_parameters_are_400(client, query, parameter):
    response = client.get(f"/api/plan/sites?{query}")
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == parameter


def test_unreachable_target_is_422_with_the_reason(client):
    response = client.get("/api/plan/sites?type=toilets&districts=320508&target=100&candidates=parking_lots")
    assert response.status_code == 422
    assert "can cover at most" in response.get_json()["error"]["message"]


def test_scenarios_are_saved_listed_reopened_and_deleted(client, planner, app, store_path, project, tmp_path):
    form = {"name": "10 new toilets for 姑苏区", "type": "toilets", "districts": "320508", "k": "10"}
    saved = client.post("/api/plan/scenarios", data=form)
    assert saved.status_code == 201
    scenario_id = saved.get_json()["id"]
    run = client.get("/api/plan/sites?type=toilets&districts=320508&k=10").get_json()
    # a restart: a new app on the same store file
    from geo_app import create_app

    fresh = create_app(
        {"STORE": str(store_path), "LAYERS_DIR": app.config["LAYERS_DIR"], "TESTING": True}
    ).test_client()
    use_token(fresh, "planner")
    listed = fresh.get("/api/plan/scenarios").get_json()["scenarios"]
    assert [s["name"] for s in listed] == ["10 new toilets for 姑苏区"] and listed[0]["owner"] == "test-planner"
    # anonymous visitors see the scenarios, not who saved them; the list comes a page at a time
    anonymous = app.test_client().get("/api/plan/scenarios?limit=1").get_json()
    assert anonymous["numberMatched"] == 1 and "owner" not in anonymous["scenarios"][0]
    assert app.test_client().get("/api/plan/scenarios?limit=1&offset=1").get_json()["scenarios"] == []
    assert app.test_client().get("/api/plan/scenarios?limit=100000").status_code == 400
    opened = fresh.get(f"/api/plan/scenarios/{scenario_id}").get_json()
    assert opened["result"]["coverage"] == run["coverage"]
    assert opened["result"]["sites"] == run["sites"]
    view = gdal_view(store_path, tmp_path)
    assert len(pyogrio.read_dataframe(view, layer="scenario_sites")) == 10  # visible in QGIS too
    # and a (forced) rebuild of the store from layers/ keeps it
    from geo_app.data.pipeline import build_store
    from geo_app.store import open_store

    build_store(project, open_store(store_path), max_bytes=50 * 1024 * 1024, force=True)
    assert fresh.get(f"/api/plan/scenarios/{scenario_id}?format=csv").status_code == 200
    assert fresh.delete(f"/api/plan/scenarios/{scenario_id}").status_code == 200
    assert fresh.get("/api/plan/scenarios").get_json()["scenarios"] == []
    assert fresh.get(f"/api/plan/scenarios/{scenario_id}").status_code == 404
    assert fresh.delete(f"/api/plan/scenarios/{scenario_id}").status_code == 404


@pytest.mark.parametrize(
    "form, parameter",
    [
        ({"type": "toilets", "districts": "320508", "k": "3"}, "name"),
        ({"name": "x" * 101, "type": "toilets", "districts": "320508", "k": "3"}, "name"),
        ({"name": "a", "type": "toilets", "districts": "320508", "k": "3", "colour": "red"}, "colour"),
    ],
)
def test_bad_scenarios_are_refused(client, planner, store_path, form, parameter):
    from tests.conftest import digest

    before = digest(store_path)
    response = client.post("/api/plan/scenarios", data=form)
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == parameter
    assert digest(store_path) == before


def test_weighted_demand_from_a_layer_is_aggregated_when_too_large():
    layers, (ox, oy) = synthetic_layers()
    rng = np.random.default_rng(5)
    xy = rng.uniform(100, 2900, (600, 2))
    lon, lat = crs.convert(ox + xy[:, 0], oy + xy[:, 1], "EPSG:4549", "WGS84")
    layers["population"] = gpd.GeoDataFrame(
        {"people": rng.integers(1, 50, 600)}, geometry=gpd.points_from_xy(lon, lat), crs=4326
    )
    small = Limits(max_demand=150, max_candidates=2000, time_limit_s=20)
    result = siting.solve(
        SitingRequest("toilets", ("999999",), k=3, spacing_m=200, demand="population:people"),
        layers,
        Standards(),
        small,
    )
    assert any("aggregated from 600" in note["text"] for note in result["simplifications"])
    assert result["sizes"]["demand_points_solved"] <= 150
    assert result["coverage"]["demand_unit"] == "population:people"
    # coverage is measured on the full demand, weighted by people
    sites = np.array(
        [crs.convert(*f["geometry"]["coordinates"], "WGS84", "EPSG:4549") for f in result["sites"]["features"]],
        dtype=float,
    )
    points = np.column_stack([ox + xy[:, 0], oy + xy[:, 1]])
    near = (cdist(points, sites) <= RADIUS).any(axis=1)
    people = layers["population"]["people"].to_numpy()
    assert result["coverage"]["after_pct"] == pytest.approx(100 * people[near].sum() / people.sum(), abs=0.01)


def test_demand_weighted_coverage_without_siting(client, store):
    stats = store.read("district_stats").set_index("code")
    by_area = client.get("/api/plan/coverage?type=toilets&districts=320508&demand=area").get_json()
    # measured on geometry like the statistics: the same figure, named for the same thing
    assert by_area["coverage"]["before_pct"] == pytest.approx(
        stats.loc["320508", "toilets_district_area_coverage_pct"], abs=0.011
    )
    assert by_area["coverage"]["measure"] == "district_area"
    patrolled = client.get("/api/plan/coverage?type=toilets&districts=320508,高新区").get_json()["coverage"]
    assert patrolled["measure"] == "patrolled_area" and "patrolled area" in patrolled["measures"]
    assert [d["code"] for d in patrolled["districts"]] == ["320508", "320505"]
    run = client.get("/api/plan/sites?type=toilets&districts=320508&k=1").get_json()
    assert run["coverage"]["districts"][0]["before_pct"] == patrolled["districts"][0]["before_pct"]
    assert client.get("/api/plan/coverage?type=toilets&districts=320508&k=3").status_code == 400


def test_each_coverage_figure_is_named_for_what_it_measures(client):
    columns = client.get("/api/districts").get_json()["columns"]
    assert "toilets_coverage_pct" not in columns
    described = columns["toilets_district_area_coverage_pct"]
    assert "占辖区面积" in described["zh"] and "share of the district's area" in described["en"]
    assert "占辖区面积" in client.get("/districts/320508").get_data(as_text=True)
    gaps = client.get("/api/coverage/toilets").get_json()
    assert "district_area_coverage_pct" in gaps["features"][0]["properties"]
    assert "辖区面积覆盖率" in client.get("/plan?type=toilets").get_data(as_text=True)
    patrolled = client.get("/api/plan/coverage?type=toilets&districts=320508").get_json()["coverage"]
    whole = client.get("/api/plan/coverage?type=toilets&districts=320508&demand=area").get_json()["coverage"]
    assert (patrolled["measure"], whole["measure"]) == ("patrolled_area", "district_area")
    assert patrolled["before_pct"] != whole["before_pct"]  # two figures, two names


def test_a_store_with_the_old_coverage_names_is_migrated_at_start_up(store_path, store):
    from geo_app import create_app
    from geo_app.data import migrations

    with store.transaction() as tx:
        current = tx.read("district_stats")
        tx.replace(
            "district_stats",
            current.rename(columns=lambda c: c.replace("_district_area_coverage_pct", "_coverage_pct")),
        )
        tx.set_meta("schema_version", "4")
    assert "toilets_coverage_pct" in store.read("district_stats").columns
    client = create_app({"STORE": str(store_path), "LAYERS_DIR": str(LAYERS_DIR), "TESTING": True}).test_client()
    assert int(store.meta("schema_version")) == migrations.MIGRATIONS[-1][0]
    migrated = store.read("district_stats").set_index("code")
    assert "toilets_coverage_pct" not in migrated.columns
    pd.testing.assert_series_equal(
        migrated["toilets_district_area_coverage_pct"], current.set_index("code")["toilets_district_area_coverage_pct"]
    )
    assert client.get("/districts/320508").status_code == 200
