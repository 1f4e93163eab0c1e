"""Cases in the store: migration 6's tables on both backends, bytes (photos) kept exactly, the catalog checked."""

from __future__ import annotations

import pandas as pd
import pytest

from geo_app.cases.tables import CASE_COLUMNS, CASES, EVENTS, PHOTOS
from geo_app.project import case_classes as catalog
from geo_app.store import open_store
from geo_app.store.copy import copy_store
from tests.conftest import BOTH_BACKENDS, LAYERS

pytestmark = BOTH_BACKENDS


def test_migration_made_the_case_tables(store):
    assert {CASES, EVENTS, PHOTOS} <= set(store.tables())
    assert int(store.meta("schema_version")) >= 6
    assert {"id", "status", "grid_code", "adcode", "service_code", "reported_at"} <= set(store.indexes(CASES))
    # the work lists' index over two columns (migration 14), kept as one index by a copy to the other backend
    assert ("status", "due_at") in store.indexes(CASES)
    assert list(store.read(CASES).columns[: len(CASE_COLUMNS)]) == list(CASE_COLUMNS)


def test_bytes_are_stored_exactly(store, tmp_path):
    payload = bytes(range(256)) * 40 + b"\x00\\x00'\";--"
    row = {
        "case_id": "X1",
        "photo_id": "p1",
        "content_type": "image/png",
        "width": 1,
        "height": 1,
        "created_at": "2018-03-01T08:15:00Z",
        "data": payload,
    }
    with store.transaction() as tx:
        tx.insert(PHOTOS, pd.DataFrame([row]))
    back = store.read(PHOTOS, where={"case_id": "X1"})
    assert back.iloc[0]["data"] == payload and isinstance(back.iloc[0]["data"], bytes)
    # an empty blob column keeps its type through a copy to the other backend
    other = open_store(tmp_path / "copy.gpkg")
    copy_store(store, other)
    with other.transaction() as tx:
        tx.insert(PHOTOS, pd.DataFrame([{**row, "case_id": "X2"}]))
    assert other.read(PHOTOS, where={"case_id": "X2"}).iloc[0]["data"] == payload


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["classes"][0].update(code="X0101"), "must be C or E and four digits"),
        (lambda d: d["classes"][0].update(department="nobody"), "department 'nobody' is not one of"),
        (lambda d: d["classes"][1].update(code=d["classes"][0]["code"]), "code given twice"),
        (lambda d: d["classes"][0].update(code="C0901"), "major class 09 is not in [majors.component]"),
        (lambda d: d["limits"]["urgent"].update(handle_h=-1), "'handle_h' must be a number of working hours"),
        (lambda d: d["classes"][0].update(limits="someday"), "limits 'someday' is not one of"),
        (lambda d: d["sources"].pop("110"), "[sources] must be exactly"),
    ],
)
def test_a_bad_catalog_is_refused_with_where_and_why(change, message, backend):
    import tomllib

    data = tomllib.loads((LAYERS / catalog.FILE).read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(catalog.CaseCatalogError) as caught:
        catalog.parse(data, "case_classes.toml")
    assert message in str(caught.value)


def test_the_catalog_has_the_contracts_classes(project, backend):
    cases = project.cases
    assert len(cases.classes) >= 30
    for code, name in {
        "C0101": "井盖缺失",
        "C0201": "路灯不亮",
        "E0101": "暴露垃圾",
        "E0201": "乱张贴",
        "E0501": "占道经营",
        "E0502": "违章停车",
    }.items():
        assert cases[code].name_zh == name
    assert cases["C0101"].kind == "component" and cases["E0502"].kind == "event"
    assert all(c.limits.source for c in cases.classes.values())


def test_between_reads_a_range_of_a_column(store):
    rows = pd.DataFrame(
        {
            "case_id": ["a", "b", "c", "d"],
            "seq": [1, 2, 3, 4],
            "at": ["2018-01-01T00:00:00Z", "2018-02-01T00:00:00Z", "2018-03-01T00:00:00Z", None],
        }
    )
    with store.transaction() as tx:
        tx.insert(EVENTS, rows)
    found = store.read(EVENTS, between={"at": ("2018-02-01T00:00:00Z", "2018-03-01T00:00:00Z")}, columns=["case_id"])
    assert list(found["case_id"]) == ["b"]  # low inclusive, high exclusive
    assert store.count(EVENTS, between={"at": ("2018-02-01T00:00:00Z", None)}) == 2
    assert store.count(EVENTS, between={"seq": (None, 3)}, where={"case_id": ["a", "b", "c"]}) == 2
    with pytest.raises(Exception, match="no column 'nope'"):
        store.read(EVENTS, between={"nope": (1, 2)})


def test_the_extent_grows_with_appended_rows_and_is_measured_again_after_a_delete(store):
    import geopandas as gpd
    from shapely.geometry import Point

    def add(case_id, x, y):
        row = {c: None for c in CASE_COLUMNS} | {"id": case_id, "rework_count": 0, "version": 1, "demo": True}
        with store.transaction() as tx:
            tx.insert(
                CASES,
                gpd.GeoDataFrame([row], geometry=[Point(x, y)], crs=4326).astype(
                    {"rework_count": "int64", "version": "int64", "demo": bool}
                ),
            )

    with store.transaction() as tx:  # from an empty table (the built store may hold demo cases)
        tx.delete(CASES, {"demo": [True, False, None]})
    add("a", 120.5, 31.2)
    assert store.extent(CASES) == pytest.approx((120.5, 31.2, 120.5, 31.2))
    add("b", 120.7, 31.4)
    add("c", 120.6, 31.1)
    assert store.extent(CASES) == pytest.approx((120.5, 31.1, 120.7, 31.4))
    with store.transaction() as tx:
        tx.delete(CASES, {"id": ["b", "c"]})
    assert store.extent(CASES) == pytest.approx((120.5, 31.2, 120.5, 31.2))


def test_a_case_is_numbered_by_its_beijing_date(store, project, monkeypatch):
    from datetime import UTC, datetime

    from geo_app.cases import service
    from tests.cases_support import grid_place

    place = grid_place(store)
    # 07:11 on 12-08 in Beijing is still 12-07 in UTC
    monkeypatch.setattr(service, "_now", lambda: datetime(2026, 12, 7, 23, 11, tzinfo=UTC))
    case = service.report(
        store, project, service_code="E0101", lon=place.lon, lat=place.lat, source="patrol", reporter="fixture"
    )
    assert case["id"].startswith("SZ20261208") and len(case["id"]) == len("SZ20261208") + 7
    assert case["reported_at"] == "2026-12-07T23:11:00Z"


def test_a_restore_never_lets_a_case_number_come_again(runner, store_path, project, tmp_path):
    """Back up, report A, restore the backup (A is gone), report B: B does not get A's number, and A's number and
    its reporter's token (the follow link, Open311 tokens/{token}) show no case at all, not a stranger's."""
    from geo_app.cases import service
    from geo_app.errors import NotFound
    from tests.cases_support import grid_place

    store = open_store(store_path)
    backup = tmp_path / f"backup.{store.backup_suffix}"
    result = runner.invoke(args=["store-backup", str(backup)])
    assert result.exit_code == 0, result.output
    place = grid_place(store)
    first = service.report(
        store, project, service_code="E0101", lon=place.lon, lat=place.lat, source="patrol", reporter="fixture"
    )
    token = service.token_of(store, first["id"])
    store.close()
    result = runner.invoke(args=["store-restore", str(backup)])
    assert result.exit_code == 0, result.output
    store = open_store(store_path)
    with pytest.raises(NotFound):
        service.get(store, first["id"])
    assert service.by_token(store, token) is None
    second = service.report(
        store, project, service_code="E0101", lon=place.lon, lat=place.lat, source="patrol", reporter="fixture"
    )
    assert second["id"] != first["id"] and second["id"][-7:] > first["id"][-7:]
    with pytest.raises(NotFound):
        service.get(store, first["id"])
    assert service.by_token(store, token) is None
    store.close()


def test_a_copy_carries_the_case_sequence_and_never_lowers_it(store, tmp_path):
    with store.transaction() as tx:
        tx.set_meta("case_seq", "41")
    target = open_store(tmp_path / "copy.gpkg")
    copy_store(store, target)
    assert target.meta("case_seq") == "41"
    with target.transaction() as tx:
        tx.set_meta("case_seq", "99")
    copy_store(store, target, force=True)
    assert target.meta("case_seq") == "99"
