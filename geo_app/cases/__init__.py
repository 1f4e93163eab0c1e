"""Cases on the grid (数字城管): problems from report to closure.

catalog.py (the classes, layers/case_classes.toml), lifecycle.py (the transitions as data, due times),
service.py (report, act, get, search, queue: what the HTTP API, the pages and the demo generator call),
photos.py (checked, re-encoded photos), routes.py (/api/cases), open311.py (/open311/v2)."""
from __future__ import annotations

from flask import Flask, request
from flask_login import current_user


def init_app(app: Flask) -> None:
    """The case routes and Open311; the case catalog is checked now, so a bad one stops the start."""
    from . import open311, routes
    app.extensions["geo_app"]["project"].cases     # noqa: B018 (loads and checks layers/case_classes.toml)
    app.register_blueprint(routes.bp)
    app.register_blueprint(open311.bp)
    routes.limit_reports(app, "cases.report", exempt_when=lambda: current_user.is_authenticated)
    # Open311 never acts on a session: only a partner's api_key exempts (a wrong key is refused with 403)
    routes.limit_reports(app, "open311.post_request", exempt_when=lambda: bool(request.form.get("api_key")))
    routes.limit_partner_writes(app, "open311.post_request")
