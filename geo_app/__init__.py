"""Suzhou city-management map service (苏州市市容市政管理局): app factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from .migrations import migrate
from .planning import CoverageCache
from .project import Project
from .settings import DEFAULTS
from .store import open_store


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, static_folder=str(Path(__file__).resolve().parent.parent / "static"),
                template_folder=str(Path(__file__).resolve().parent.parent / "templates"))
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_prefixed_env("GEO_APP")
    else:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # no request body beyond the largest a form can need (a case report with its photos), chunked ones included:
    # Werkzeug stops reading there and answers 413 before anything is parsed or spooled to disk
    from .cases.routes import MAX_REPORT_BYTES
    app.config["MAX_CONTENT_LENGTH"] = MAX_REPORT_BYTES
    store, project = open_store(app.config["STORE"]), Project(Path(app.config["LAYERS_DIR"]))
    if store.exists():
        migrate(store, project)     # schema changes are migrations applied at start-up, never a rebuild
        # after a calendar update or a bulk write: counted again once here, not in a visitor's request
        from .cases import service, statistics
        service.recount_deadlines(store, project)
        statistics.fresh(store, project.cases)
    app.extensions["geo_app"] = {
        "project": project,
        "store": store,
        "coverage": CoverageCache(),
    }

    from . import auth, caching, cases, cli, errors
    from .api import bp as api_bp
    from .api.ogc import bp as ogc_bp
    from .home import bp as home_bp
    from .maps import bp as maps_bp
    from .maps.assets import bp as vendor_bp
    from .maps.assets import use_local_assets
    from .tiles.routes import bp as tiles_bp
    from .cases.statistics_routes import bp as case_statistics_bp
    from .cases.tiles import bp as case_tiles_bp
    from .maps.page import page_globals, remember_language
    from .security import headers

    errors.init_app(app)
    headers.init_app(app)
    caching.init_app(app)
    cli.init_app(app)
    auth.init_app(app)
    use_local_assets()
    app.context_processor(page_globals)
    app.after_request(remember_language)
    app.register_blueprint(home_bp)
    app.register_blueprint(maps_bp)
    app.register_blueprint(vendor_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(ogc_bp)
    app.register_blueprint(tiles_bp)
    cases.init_app(app)
    app.register_blueprint(case_statistics_bp)
    app.register_blueprint(case_tiles_bp)
    return app
