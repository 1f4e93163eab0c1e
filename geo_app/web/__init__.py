"""Everything HTTP: the map pages (pages/), the JSON API (api/), OGC API (ogc.py), Open311 (open311.py), vector tile
endpoints (tiles.py), sessions, CSRF and rate limits (auth/), the interface language (i18n.py) and the typed errors
mapped to HTTP answers (errors.py). Nothing below this package imports Flask."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user

from geo_app.web import auth, caching, case_tiles, errors, events, headers, home, ogc, open311, tiles
from geo_app.web.api import bp as api_bp
from geo_app.web.api import case_statistics, cases, coverage, districts, facilities, grids, layers, plan, report  # noqa: F401 (their routes register on api_bp)
from geo_app.web.api import work as work_api
from geo_app.web.api import work_export as work_export_api
from geo_app.web.pages import bp as pages_bp
from geo_app.web.pages import views  # noqa: F401 (the page routes register on pages_bp)
from geo_app.web.pages.assets import bp as vendor_bp
from geo_app.web.pages.assets import use_local_assets
from geo_app.web.pages.page import page_globals, remember_language

# no request body beyond the largest a form can need (a case report with its photos), chunked ones included:
# Werkzeug stops reading there and answers 413 before anything is parsed or spooled to disk
MAX_REQUEST_BYTES = cases.MAX_REPORT_BYTES


def init_app(app: Flask) -> None:
    """Every route, handler and header of the service, on the app the factory made."""
    errors.init_app(app)
    headers.init_app(app)
    caching.init_app(app)
    auth.init_app(app)
    use_local_assets()
    app.context_processor(page_globals)
    app.after_request(remember_language)
    # the case catalog is checked now, so a bad layers/case_classes.toml stops the start
    app.extensions["geo_app"]["project"].cases  # noqa: B018
    for blueprint in (
        home.bp,
        pages_bp,
        vendor_bp,
        api_bp,
        ogc.bp,
        tiles.bp,
        cases.bp,
        open311.bp,
        case_statistics.bp,
        case_tiles.bp,
        work_api.bp,
        work_export_api.bp,
        events.bp,
    ):
        app.register_blueprint(blueprint)
    cases.limit_reports(app, "cases.report", exempt_when=lambda: current_user.is_authenticated)
    # Open311 never acts on a session: only a partner's api_key exempts (a wrong key is refused with 403)
    cases.limit_reports(app, "open311.post_request", exempt_when=lambda: bool(request.form.get("api_key")))
    cases.limit_partner_writes(app, "open311.post_request")
