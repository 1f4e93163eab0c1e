"""Every setting is documented, in the code and in docs/operations.md (a setting nobody can find is a bug)."""

from geo_app import create_app
from geo_app.settings import DEFAULTS, DOCUMENTED, ROOT


def test_every_setting_is_documented():
    assert set(DEFAULTS) == set(DOCUMENTED)
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in DEFAULTS:
        assert f"GEO_APP_{name}" in operations, name


def test_settings_come_from_the_environment_when_the_app_is_created(monkeypatch, tmp_path):
    monkeypatch.setenv("GEO_APP_MAX_IMPORT_BYTES", "1234")
    monkeypatch.setenv("GEO_APP_STORE", str(tmp_path / "x.gpkg"))
    app = create_app()
    assert app.config["MAX_IMPORT_BYTES"] == 1234
    assert str(app.extensions["geo_app"]["store"].path) == str(tmp_path / "x.gpkg")
