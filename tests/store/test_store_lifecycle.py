"""The store is the record: `layers/` only seeds it. Creating, migrating, refusing rebuilds, backup and restore."""

import csv
from pathlib import Path

import pytest

from geo_app.data import migrations
from geo_app.store import open_store
from tests.conftest import digest


def _import_toilet(runner, tmp_path, ident="C1"):
    path = tmp_path / f"{ident}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["id", "name", "lon", "lat"], [ident, "观前街公厕", "120.6300", "31.3093"]])
    result = runner.invoke(args=["import-layer", "toilets", str(path)])
    assert result.exit_code == 0, result.output


def test_store_init_creates_and_seeds_only_when_there_is_none(runner, store_path, tmp_path):
    store_path.unlink()
    result = runner.invoke(args=["store-init"])
    assert result.exit_code == 0, result.output
    assert "created" in result.output and len(open_store(store_path).read("toilets")) > 1000
    _import_toilet(runner, tmp_path)
    result = runner.invoke(args=["store-init"])  # what `make run` does on every start
    assert result.exit_code == 0 and "kept as it is" in result.output
    assert open_store(store_path).read("toilets")["id"].tolist() == ["C1"]


def test_rebuild_refuses_over_imported_data_and_forcing_backs_up_first(runner, app, store_path, tmp_path):
    _import_toilet(runner, tmp_path)
    before = digest(store_path)
    result = runner.invoke(args=["build-store"])
    assert result.exit_code == 1 and "imported layer toilets" in result.output and "--force" in result.output
    assert digest(store_path) == before
    result = runner.invoke(args=["build-store", "--force"])
    assert result.exit_code == 0, result.output
    backups = list(Path(app.config["BACKUP_DIR"]).glob("store-*.gpkg"))
    assert backups and open_store(backups[0]).read("toilets")["id"].tolist() == ["C1"]
    assert len(open_store(store_path).read("toilets")) > 1000


def test_rebuild_keeps_saved_scenarios(store, project):
    from geo_app.data.pipeline import build_store
    from geo_app.planning import scenarios

    result = {
        "request": {"type": "toilets"},
        "coverage": {"before_pct": 1, "after_pct": 2},
        "sites": {"type": "FeatureCollection", "features": []},
    }
    kept = scenarios.save(store, "keep me", result)
    with pytest.raises(Exception, match="rows of scenarios"):
        build_store(project, store, max_bytes=10**8)
    build_store(project, store, max_bytes=10**8, force=True)
    assert scenarios.get(store, kept)["name"] == "keep me"


def test_backup_and_restore(runner, store_path, tmp_path):
    target = tmp_path / "backup.gpkg"
    result = runner.invoke(args=["store-backup", str(target)])
    assert result.exit_code == 0, result.output
    saved = digest(store_path)
    version = open_store(store_path).version()
    _import_toilet(runner, tmp_path)
    assert open_store(store_path).read("toilets")["id"].tolist() == ["C1"]
    result = runner.invoke(args=["store-restore", str(target)])
    assert result.exit_code == 0, result.output
    restored = open_store(store_path)
    assert len(restored.read("toilets")) > 1000
    assert restored.version() > version + 1  # moves forward: no cache can take it for an older state
    assert digest(store_path) != saved  # the same content, at a later version


def test_restore_refuses_a_file_that_is_not_a_backup(runner, tmp_path, store_path):
    bogus = tmp_path / "bogus.gpkg"
    bogus.write_text("not a database")
    before = digest(store_path)
    result = runner.invoke(args=["store-restore", str(bogus)])
    assert result.exit_code == 1 and "not a store backup" in result.output
    assert digest(store_path) == before


def test_migrations_run_once_and_record_the_schema_version(store, project):
    assert migrations.pending(store) == []
    assert int(store.meta("schema_version")) == migrations.MIGRATIONS[-1][0]
    assert migrations.migrate(store, project) == []


def test_a_store_of_an_earlier_schema_is_migrated_at_start_up(store_path, store, project):
    """A store made before grid comparisons were precomputed gets them from the migration, keeping its data."""
    from geo_app import create_app

    with store.transaction() as tx:
        old = tx.read("grid_stats")
        tx.replace("grid_stats", old[[c for c in old.columns if "rank" not in c and "district_per" not in c]])
        tx.set_meta("schema_version", "1")
    scenarios_before = store.count("scenarios")
    client = create_app({"STORE": str(store_path), "TESTING": True}).test_client()
    assert int(store.meta("schema_version")) == migrations.MIGRATIONS[-1][0]
    code = store.read("grid_stats", limit=1)["code"].iloc[0]
    assert client.get(f"/api/grids/{code}").status_code == 200
    assert store.count("scenarios") == scenarios_before and store.count("toilets") > 1000


def test_store_copy_to_postgis_never_prints_the_password(runner, store_path, postgis):
    name = postgis.fresh()
    url = postgis.url(name)
    try:
        result = runner.invoke(args=["store-copy", str(store_path), url, "--force"])
        assert result.exit_code == 0, result.output
        password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
        assert "copied" in result.output and f":{password}@" not in result.output and ":***@" in result.output
        assert open_store(url).count("toilets") == open_store(store_path).count("toilets")
    finally:
        open_store(url).close()
        postgis.drop(name)
