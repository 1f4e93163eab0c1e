"""The case heat layer: the cell summary (case_cells) equals a count computed independently from the cases, on
both backends, and stays right after new reports (same transaction) and after a rebuild; /api/cases/heat
validates its parameters, filters by bbox and offsets for GCJ-02; /districts draws the layer with its legend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo_app import crs
from geo_app.cases import heat, service, statistics
from geo_app.cases.tables import CASES
from geo_app.data import demo_cases as demo
from geo_app.store import open_store
from tests.cases_support import DEMO_CASES as N
from tests.cases_support import H1, grid_place
from tests.conftest import BOTH_BACKENDS, copy_store_file
from tests.live import LiveServer


def expected_cells(store) -> pd.DataFrame:
    """Cases per (month, class, cell) straight from the case rows: geopandas to EPSG:4549, floor to km, Beijing
    month, pandas groupby; '*' rows for all classes."""
    cases = store.read(CASES, columns=["service_code", "reported_at"])
    metric = cases.to_crs(4549)
    frame = pd.DataFrame(
        {
            "month": (pd.to_datetime(cases["reported_at"], utc=True) + pd.Timedelta(hours=8)).dt.strftime("%Y-%m"),
            "service_code": cases["service_code"],
            "cx": np.floor(metric.geometry.x / 1000).astype(int),
            "cy": np.floor(metric.geometry.y / 1000).astype(int),
        }
    )
    both = pd.concat([frame, frame.assign(service_code="*")])
    return both.groupby(["month", "service_code", "cx", "cy"]).size().rename("reported").reset_index()


def stored_cells(store) -> pd.DataFrame:
    cells = pd.DataFrame(store.read(heat.CELLS))
    cells = cells[cells["reported"] > 0].astype({"cx": int, "cy": int, "reported": int})
    return cells.sort_values(["month", "service_code", "cx", "cy"]).reset_index(drop=True)


def assert_cells_right(store) -> None:
    expected = expected_cells(store).sort_values(["month", "service_code", "cx", "cy"]).reset_index(drop=True)
    stored = stored_cells(store)
    pd.testing.assert_frame_equal(
        stored[["month", "service_code", "cx", "cy", "reported"]], expected, check_dtype=False
    )


@BOTH_BACKENDS
def test_the_cells_equal_an_independent_count_of_the_cases(loaded):
    assert_cells_right(loaded)
    cells = stored_cells(loaded)
    everything = cells[cells["service_code"] == "*"]
    assert everything["reported"].sum() == N
    assert (everything["demo"] == everything["reported"]).all()  # demo cases, said as such
    assert cells[cells["service_code"] != "*"]["reported"].sum() == N  # each case once in its own class


@BOTH_BACKENDS
def test_a_report_counts_in_its_cell_in_the_same_transaction(loaded, project):
    place = grid_place(loaded, 3)
    before = loaded.version()
    case = service.report(
        loaded,
        project,
        service_code="C0101",
        lon=place.lon,
        lat=place.lat,
        source="patrol",
        reporter="test",
        description="heat",
    )
    assert loaded.version() == before + 1  # one transaction: case, summary, cells
    assert loaded.table_version(heat.CELLS) == loaded.table_version(CASES)
    assert_cells_right(loaded)
    cx, cy = heat.cell_of([place.lon], [place.lat])
    month = (pd.Timestamp(case["reported_at"]) + pd.Timedelta(hours=8)).strftime("%Y-%m")
    for code in ("C0101", "*"):
        row = loaded.records(
            heat.CELLS, where={"month": month, "service_code": code, "cx": int(cx[0]), "cy": int(cy[0])}
        )
        assert len(row) == 1 and row[0]["reported"] >= 1
    # a later step of the case leaves the cells alone, and the summary (fresh) needs no rebuild
    with loaded.transaction() as tx:
        old = tx.records(CASES, where={"id": case["id"]})[0]
        tx.update(CASES, {"id": case["id"]}, {"status": "accepted"})
        statistics.record(tx, project.cases, old, {**old, "status": "accepted"})
    cells_version = loaded.table_version(heat.CELLS)
    statistics.fresh(loaded, project.cases)
    assert loaded.table_version(heat.CELLS) == cells_version
    assert_cells_right(loaded)


@BOTH_BACKENDS
def test_cases_written_without_the_summary_are_counted_by_a_rebuild(loaded, project):
    gone = loaded.read(CASES, columns=["id"], limit=50)["id"].tolist()
    with loaded.transaction() as tx:  # a write that skips record(): the summary is now stale
        tx.delete(CASES, {"id": gone})
    statistics.fresh(loaded, project.cases)
    assert loaded.table_version(heat.CELLS) >= loaded.table_version(CASES)
    assert_cells_right(loaded)
    assert stored_cells(loaded).query("service_code == '*'")["reported"].sum() == N - 50


def test_a_store_without_the_cells_gets_them_from_fresh(loaded, project):
    with loaded.transaction() as tx:
        tx.drop(heat.CELLS)
    place = grid_place(loaded, 1)  # a report meanwhile is not lost: the rebuild counts it
    service.report(
        loaded, project, service_code="C0101", lon=place.lon, lat=place.lat, source="patrol", reporter="test"
    )
    statistics.fresh(loaded, project.cases)
    assert_cells_right(loaded)


# ---- /api/cases/heat -------------------------------------------------------------------------------------------


@pytest.fixture
def heat_client(app, client, project):
    demo.load(app.extensions["geo_app"]["store"], project, N)
    return client


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("period=2018H3", "period"),
        ("period=18", "period"),
        ("class=X9999", "class"),
        ("class=", "class"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=121,31,120,32", "bbox"),
        ("bbox=0,95,1,96", "bbox"),
        ("bbox=118,29,123,34", "bbox"),
        ("crs=EPSG:3857", "crs"),
        ("crs=nowhere", "crs"),
        ("grid=1", "grid"),
    ],
)
def test_heat_refuses_bad_parameters_naming_them(client, query, parameter):
    answer = client.get(f"/api/cases/heat?{query}")
    assert answer.status_code == 400
    assert answer.json["error"]["parameter"] == parameter


def test_heat_answers_cells_of_the_period_and_class_with_an_etag(heat_client, app):
    store = app.extensions["geo_app"]["store"]
    expected = expected_cells(store)
    answer = heat_client.get("/api/cases/heat?period=2018Q1")
    body = answer.json
    q1 = expected[(expected["service_code"] == "*") & expected["month"].isin(["2018-01", "2018-02", "2018-03"])]
    per_cell = q1.groupby(["cx", "cy"])["reported"].sum()
    assert body["total"] == per_cell.sum() and body["max"] == per_cell.max() and len(body["cells"]) == len(per_cell)
    assert body["demo"] is True and body["data_notice"] and body["cell_size_m"] == 1000
    assert body["period"] == "2018Q1" and body["months"] == ["2018-01", "2018-02", "2018-03"] and body["class"] is None
    # each [lat, lon, count] is the centre of its 1 km cell of EPSG:4549
    lat, lon, count = body["cells"][0]
    x, y = crs.convert([lon], [lat], crs.WGS84, "EPSG:4549")
    cell = (int(x[0] // 1000), int(y[0] // 1000))
    assert count == per_cell[cell]
    assert x[0] % 1000 == pytest.approx(500, abs=0.01) and y[0] % 1000 == pytest.approx(500, abs=0.01)
    one_class = heat_client.get("/api/cases/heat?class=C0101").json
    assert (
        one_class["total"]
        == expected[(expected["service_code"] == "C0101") & expected["month"].isin(H1)]["reported"].sum()
    )
    again = heat_client.get("/api/cases/heat?period=2018Q1", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_heat_bbox_keeps_the_cells_whose_centre_lies_in_it(heat_client):
    everything = heat_client.get("/api/cases/heat").json["cells"]
    lats, lons = np.array([c[0] for c in everything]), np.array([c[1] for c in everything])
    bbox = (
        float(np.median(lons)) - 0.05,
        float(np.median(lats)) - 0.05,
        float(np.median(lons)) + 0.05,
        float(np.median(lats)) + 0.05,
    )
    inside = [c for c in everything if bbox[0] <= c[1] <= bbox[2] and bbox[1] <= c[0] <= bbox[3]]
    answer = heat_client.get("/api/cases/heat?bbox=" + ",".join(map(str, bbox))).json
    assert 0 < len(answer["cells"]) < len(everything)
    assert sorted(map(tuple, answer["cells"])) == sorted(map(tuple, inside))
    assert heat_client.get("/api/cases/heat?bbox=10,10,10.5,10.5").json["cells"] == []  # far away: nothing


def test_heat_for_the_amap_basemap_is_offset_to_gcj02(heat_client):
    wgs = heat_client.get("/api/cases/heat").json["cells"]
    gcj = heat_client.get("/api/cases/heat?crs=GCJ02").json["cells"]
    assert [c[2] for c in wgs] == [c[2] for c in gcj]
    lon, lat = crs.wgs84_to_gcj02(np.array([c[1] for c in wgs]), np.array([c[0] for c in wgs]))
    assert np.allclose(lon, [c[1] for c in gcj], atol=2e-6) and np.allclose(lat, [c[0] for c in gcj], atol=2e-6)
    shift = np.hypot(
        np.array([c[1] for c in gcj]) - [c[1] for c in wgs], np.array([c[0] for c in gcj]) - [c[0] for c in wgs]
    )
    assert (shift > 0.002).all()  # a few hundred metres in Suzhou


# ---- the page ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def heat_server(tmp_path_factory, built_store_path, project):
    path = tmp_path_factory.mktemp("heat-live") / "suzhou.gpkg"
    copy_store_file(built_store_path, path)
    store = open_store(path)
    demo.load(store, project, 1500)
    store.close()
    server = LiveServer(
        path,
        DEFAULT_BASEMAP="none",
        SECRET_KEY_FILE=path.parent / "secret_key",
        RATE_LIMIT_ANONYMOUS="100000 per minute",
    )
    yield server
    server.stop()


COLOURED = """() => {
  const canvas = document.querySelector("canvas.leaflet-heatmap-layer");
  const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
}"""


@pytest.mark.parametrize(
    "lang, words",
    [
        ("zh", ["热力图", "每平方公里上报案件数", "全部类别", "2018年上半年", "1 公里网格", "演示数据"]),
        (
            "en",
            ["Heat map", "Cases reported per km²", "C0101 Manhole cover missing", "2018 H1", "1 km grid", "demo data"],
        ),
    ],
)
def test_districts_draw_the_heat_layer_with_a_legend(browser, heat_server, lang, words):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    query = "stat=cases_per_km2" + ("&class=C0101" if lang == "en" else "")
    page.goto(f"{heat_server.url}/districts?{query}&lang={lang}")
    assert page.is_hidden("#heat-legend") and page.locator("canvas.leaflet-heatmap-layer").count() == 0
    page.check("#heat-toggle")
    page.wait_for_selector("body[data-heat-cells]")
    assert "heat=1" in page.url  # the link keeps it on
    assert int(page.get_attribute("body", "data-heat-cells")) > 0
    page.wait_for_function(f"({COLOURED})() > 1000")
    legend = page.text_content("#heat-legend")
    assert all(word in legend for word in words), legend
    assert int(page.text_content("#heat-max")) >= 1
    assert page.evaluate("document.querySelector('script[src*=\"leaflet-heat\"]').src").startswith(heat_server.url)
    page.uncheck("#heat-toggle")
    assert page.is_hidden("#heat-legend") and page.locator("canvas.leaflet-heatmap-layer").count() == 0
    assert errors == []
    page.close()
