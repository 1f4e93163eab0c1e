"""The city-scale demo set (`flask demo --scale city`), built small (scale factor 0.01) so the tests stay fast."""

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo_app import crs
from geo_app.data import demo, demo_city
from geo_app.data.ingest import read_layer_file
from geo_app.data.pipeline import city_extent
from tests.conftest import BOTH_BACKENDS, LAYERS, MAX_BYTES, digest

FACTOR = 0.01


@pytest.fixture(scope="module")
def districts():
    return gpd.read_file(LAYERS / "data" / "districts.geojson")


@pytest.fixture(scope="module")
def water():
    return demo_city.open_water(LAYERS)


@pytest.fixture(scope="module")
def city(districts, water):
    return demo_city.build(districts, water, factor=FACTOR)


def _facilities(city):
    return {name: frame for name, frame in city.items() if name != "grids"}


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(city, districts, water):
    again = demo_city.build(districts, water, factor=FACTOR)
    for name, frame in city.items():
        other = again[name]
        assert frame.drop(columns="geometry").equals(other.drop(columns="geometry")), name
        assert frame.geometry.geom_equals_exact(other.geometry, 0).all(), name
    reseeded = demo_city.build(districts, water, seed=7, factor=FACTOR)
    assert not reseeded["toilets"].geometry.geom_equals(city["toilets"].geometry).all()
    assert reseeded["grids"]["code"].equals(city["grids"]["code"])  # the grids depend on the area only


def test_counts_follow_the_scale_factor(city, districts, water):
    for name, (total, _) in demo_city.COUNTS.items():
        assert len(city[name]) == round(total * FACTOR), name
        assert city[name]["id"].is_unique, name
    # cells of 100 m / sqrt(factor) tile the built-up land (slivers under a fifth of a cell dropped), so at
    # factor 1 the one-hectare cells number at least 60,000 (万米单元网格)
    land_m2 = sum(
        crs.transform_geometry(demo.built_up(districts, code, water), crs.WGS84, demo_city.METRIC).area
        for code in demo_city.DISTRICTS
    )
    cells_m2 = crs.metric(city["grids"]).area
    cell_m2 = (demo_city.GRID_CELL_M / np.sqrt(FACTOR)) ** 2
    assert 0.95 * land_m2 < cells_m2.sum() < 1.0001 * land_m2
    assert cells_m2.median() == pytest.approx(cell_m2, rel=0.01) and cells_m2.min() > demo_city.MIN_CELL_SHARE * cell_m2
    assert land_m2 / demo_city.GRID_CELL_M**2 > 1.03 * 60_000


def test_shares_are_whole_and_add_up():
    assert demo_city.shares(10, [1, 1, 1]).tolist() == [4, 3, 3]
    assert demo_city.shares(20_000, [300, 160, 280, 120, 160]).sum() == 20_000


def test_a_scale_factor_outside_0_1_is_refused(districts, water):
    with pytest.raises(ValueError, match="scale factor"):
        demo_city.build(districts, water, factor=0)


def test_everything_is_on_land(city, water):
    for name, frame in _facilities(city).items():
        assert not shapely.intersects(water, frame.geometry.values).any(), name
    grids = crs.metric(city["grids"])
    wet = grids.intersection(crs.metric(gpd.GeoDataFrame(geometry=[water], crs=4326)).geometry.iloc[0]).area.sum()
    assert wet < 1e-6 * grids.area.sum()


def test_facilities_lie_in_the_district_their_id_names_and_only_in_gridded_districts(city, districts):
    area = districts.set_index("adcode").geometry
    for name, frame in _facilities(city).items():
        codes = frame["id"].str.split("-").str[1]
        assert set(codes) == set(demo_city.DISTRICTS), name
        assert all(area[code].contains(geom) for code, geom in zip(codes, frame.geometry)), name
    assert set(city["grids"]["code"].str[:6]) == set(demo_city.DISTRICTS)


def test_denser_in_the_old_town_than_in_wujiang(city, districts):
    area_km2 = crs.metric(districts.set_index("adcode")).area / 1e6
    toilets = city["toilets"]["id"].str.split("-").str[1].value_counts()
    assert toilets["320508"] / area_km2["320508"] > 10 * toilets["320509"] / area_km2["320509"]


def test_grid_codes_are_county_street_community_sequence(city):
    grids = city["grids"]
    assert grids["code"].str.fullmatch(r"\d{15}").all() and grids["code"].is_unique
    assert (grids["code"].str[12:].astype(int) <= demo_city.COMMUNITY_CELLS**2).all()
    # the sequence runs west to east, north to south within each community: a whole cell's corner gives its
    # (row, column) on the lattice
    size = demo_city.GRID_CELL_M / np.sqrt(FACTOR)
    metric = crs.metric(grids)
    whole = grids[metric.area > 0.999 * size**2]
    corners = metric.loc[whole.index].bounds
    whole = whole.assign(row=-np.round(corners["maxy"] / size), col=np.round(corners["minx"] / size))
    assert len(whole) > 0.4 * len(grids)
    for _, members in whole.groupby(whole["code"].str[:12]):
        order = list(members.sort_values("code")[["row", "col"]].itertuples(index=False, name=None))
        assert order == sorted(order)


def test_every_file_imports_cleanly_against_the_catalog(city, project, districts, tmp_path):
    paths = demo_city.write(city, tmp_path)
    for name, path in paths.items():
        imported = read_layer_file(
            project.catalog[name], path, max_bytes=MAX_BYTES, districts=districts, extent=city_extent(districts)
        )
        assert imported.warnings == [], name  # every column is a catalog field; nothing repaired
        assert len(imported.frame) == len(city[name])
        if name != "grids":
            assert (imported.frame["adcode"] == city[name]["id"].str.split("-").str[1]).all(), name
    assert (imported.frame["source"] == "demo").all()


@BOTH_BACKENDS
def test_the_command_generates_and_imports_grids_first(runner, store, tmp_path):
    result = runner.invoke(args=["demo", "--scale", "city", "--scale-factor", str(FACTOR), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    imported = [line.split()[1].rstrip(":") for line in result.output.splitlines() if line.startswith("imported")]
    assert imported == list(demo_city.IMPORT_ORDER)
    for name, (total, _) in demo_city.COUNTS.items():
        assert len(store.read(name)) == round(total * FACTOR), name
    assert len(store.read("grids")) == pyogrio.read_info(tmp_path / "grids.gpkg")["features"] > 500
    sources = store.read("layer_sources").set_index("layer")
    assert (
        sources.loc[list(demo_city.IMPORT_ORDER), "demo_features"]
        == sources.loc[list(demo_city.IMPORT_ORDER), "features"]
    ).all()
    assert sources.loc["toilets", "source"] == demo_city.PROVENANCE


def test_no_import_writes_the_files_and_leaves_the_store_alone(runner, store_path, tmp_path):
    before = digest(store_path)
    out = tmp_path / "city"
    result = runner.invoke(
        args=["demo", "--scale", "city", "--scale-factor", str(FACTOR), "--out", str(out), "--no-import"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.gpkg" for name in demo_city.IMPORT_ORDER)
    assert pyogrio.read_info(out / "toilets.gpkg")["features"] == round(20_000 * FACTOR)
    assert digest(store_path) == before and "imported" not in result.output


def test_the_command_refuses_city_options_at_demo_scale_and_a_missing_store(runner, store_path, tmp_path):
    result = runner.invoke(args=["demo", "--scale-factor", "0.5"])
    assert result.exit_code == 2 and "--scale city only" in result.output
    result = runner.invoke(args=["demo", "--scale", "city", "--scale-factor", "0"])
    assert result.exit_code == 2 and "--scale-factor" in result.output
    store_path.unlink()
    out = tmp_path / "city"
    result = runner.invoke(args=["demo", "--scale", "city", "--scale-factor", str(FACTOR), "--out", str(out)])
    assert result.exit_code == 1 and "run `make store` first" in result.output
    assert not store_path.exists() and not out.exists()
