"""The demo dataset: deterministic, regenerable, marked, plausible."""

import json

import geopandas as gpd
import pytest
import shapely

from geo_app import crs
from geo_app.data import demo
from tests.conftest import LAYERS


@pytest.fixture(scope="module")
def districts():
    return gpd.read_file(LAYERS / "data" / "districts.geojson")


@pytest.fixture(scope="module")
def generated(districts):
    return demo.build(districts)


def test_the_committed_files_are_what_the_generator_makes(generated, tmp_path):
    paths = demo.write(generated, tmp_path)
    for path in paths:
        committed = LAYERS / "data" / "demo" / path.name
        assert json.loads(path.read_text(encoding="utf-8")) == json.loads(committed.read_text(encoding="utf-8")), (
            path.name
        )


def test_another_seed_gives_other_data(districts, generated):
    other = demo.build(districts, seed=7)
    assert not other["toilets"].geometry.geom_equals(generated["toilets"].geometry).all()


def test_every_feature_says_it_is_demo(generated):
    for name, frame in generated.items():
        assert (frame["source"] == "demo").all(), name
    doc = json.loads((LAYERS / "data" / "demo" / "toilets.geojson").read_text(encoding="utf-8"))
    assert "示例数据" in doc["description"]
    assert all("示例" in f["properties"]["name"] or "近似" in f["properties"]["name"] for f in doc["features"])


def test_points_are_on_land_in_the_district_their_id_names(generated, districts):
    area = districts.set_index("adcode").geometry
    for name in ("toilets", "bike_stations", "parking_lots"):
        frame = generated[name]
        sampled = frame[frame["id"].str.match(r"^[A-Z]{2}-\d{6}-")]
        assert not shapely.intersects(demo.WATER_MASK, sampled.geometry.values).any(), name
        codes = sampled["id"].str.split("-").str[1]
        assert all(area[code].contains(point) for code, point in zip(codes, sampled.geometry)), name


def test_old_town_is_denser_than_rural_wujiang(generated, districts):
    area_km2 = crs.metric(districts.set_index("adcode")).area / 1e6
    toilets = generated["toilets"]
    per_km2 = {code: toilets["id"].str.contains(f"-{code}-").sum() / area_km2[code] for code in ("320508", "320509")}
    assert per_km2["320508"] > 10 * per_km2["320509"]
    assert 2.5 < per_km2["320508"] < 6  # within the 3-5 per km² of residential land, give or take


def test_calibrated_to_the_report(generated):
    bikes = generated["bike_stations"]
    gusu_building = bikes[(bikes["status"] == "under_construction") & bikes["id"].str.contains("-320508-")]
    assert len(gusu_building) == 50 and gusu_building["position_approximate"].all()
    refuse = generated["refuse_stations"].set_index("id")
    centres = refuse[refuse["kind"] == "collection_transfer_centre"]
    assert sorted(centres["name"].str[:3]) == ["双桥(", "杏秀桥", "白洋湾"]
    assert centres["position_approximate"].all() and (centres["size_class"] == "large").all()
    street = generated["street_parking"].set_index("id")
    assert (
        street.loc["SP-320508-XSJN", "capacity"] == 41 and street.loc["SP-320508-XSJN", "charging"] == "级差式计时收费"
    )
    assert generated["parking_lots"]["park_ride"].eq("yes").sum() == len(demo.PARK_AND_RIDE)


def test_size_classes_follow_capacity(generated, project):
    thresholds = project.standards.raw["transfer_station_class"]
    stations = generated["refuse_stations"].dropna(subset=["capacity_tpd"])
    small = stations["capacity_tpd"] < thresholds["small_below_tpd"]
    assert (stations[small]["size_class"] == "small").all() and (stations[~small]["size_class"] == "medium").all()


def test_grids_have_unique_15_digit_codes_and_avoid_water(generated, districts):
    grids = generated["grids"]
    assert grids["code"].str.fullmatch(r"\d{15}").all() and grids["code"].is_unique
    assert set(grids["code"].str[:6]) == set(demo.URBAN_DISTRICTS)
    water = crs.metric(gpd.GeoDataFrame(geometry=[demo.WATER_MASK], crs=4326)).geometry.iloc[0]
    overlap = crs.metric(grids).intersection(water).area.sum()
    assert overlap < 1e-3 * crs.metric(grids).area.sum()
    # the sequence runs west to east, north to south within each community: cells lie on a grid aligned to
    # multiples of the cell size, so a centroid's cell gives its (row, column)
    centroids = crs.metric(grids).geometry.centroid
    size = grids["code"].str[:6].map(lambda code: demo.GRID_CELL_M.get(code, 1000))
    grids = grids.assign(row=-(centroids.y // size), col=centroids.x // size)
    for _, members in grids.groupby(grids["code"].str[:12]):
        cells = list(members.sort_values("code")[["row", "col"]].itertuples(index=False, name=None))
        assert cells == sorted(cells)
