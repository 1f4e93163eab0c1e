"""Suzhou city-management map service (苏州市市容市政管理局): app factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from geo_app import cli, web
from geo_app.cases import service, statistics
from geo_app.data.migrations import migrate
from geo_app.planning.coverage import CoverageCache
from geo_app.project import Project
from geo_app.settings import DEFAULTS
from geo_app.store import open_store
from geo_app.web.asgi import Service


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
    )
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("GEO_APP")
    else:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config["MAX_CONTENT_LENGTH"] = web.MAX_REQUEST_BYTES
    store, project = open_store(app.config["STORE"]), Project(Path(app.config["LAYERS_DIR"]))
    if store.exists():
        migrate(store, project)  # schema changes are migrations applied at start-up, never a rebuild
        # after a calendar update or a bulk write: counted again once here, not in a visitor's request
        service.recount_deadlines(store, project)
        statistics.fresh(store, project.cases)
    app.extensions["geo_app"] = {
        "project": project,
        "store": store,
        "coverage": CoverageCache(),
    }

    web.init_app(app)
    cli.init_app(app)
    return app


def create_asgi(test_config: dict | None = None) -> Service:
    """The service as an ASGI application, what `make run` serves: gunicorn -k asgi 'geo_app:create_asgi()'."""
    return Service(create_app(test_config))
