"""Shared fixtures: the project's own layers/, a store built from them once per session, and per-test copies
(an app on a throw-away store, a client, a CLI runner)."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from geo_app import create_app
from geo_app.pipeline import build_store
from geo_app.project import Project
from geo_app.settings import ROOT
from geo_app.store import open_store

LAYERS = ROOT / "layers"
MAX_BYTES = 50 * 1024 * 1024


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(LAYERS)


@pytest.fixture(scope="session")
def built_store_path(tmp_path_factory, project) -> Path:
    path = tmp_path_factory.mktemp("built") / "suzhou.gpkg"
    build_store(project, open_store(path), max_bytes=MAX_BYTES)
    return path


@pytest.fixture
def store_path(tmp_path, built_store_path) -> Path:
    """A private copy of the built store that a test may change."""
    path = tmp_path / "store" / "suzhou.gpkg"
    path.parent.mkdir()
    shutil.copyfile(built_store_path, path)
    return path


@pytest.fixture
def store(store_path):
    return open_store(store_path)


@pytest.fixture
def app(store_path):
    return create_app({"STORE": str(store_path), "LAYERS_DIR": str(LAYERS), "MAX_IMPORT_BYTES": MAX_BYTES,
                       "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, built_store_path):
    """The app served over HTTP on its own copy of the store, opening pages without basemap tiles."""
    from .live import LiveServer
    path = tmp_path_factory.mktemp("live") / "suzhou.gpkg"
    shutil.copyfile(built_store_path, path)
    server = LiveServer(path, DEFAULT_BASEMAP="none")
    yield server
    server.stop()
