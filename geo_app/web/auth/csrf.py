"""Cross-site request forgery: every state-changing request from a browser must come from this service's own
origin (the Origin header, when the browser sends one) and carry the session's CSRF token (Flask-WTF), as the
form field `csrf_token` or the header `X-CSRFToken`. Requests authenticated by an API token are exempt from the
token (a browser never adds that header on its own) but not from roles. Refusals are 403 with the reason."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from geo_app.web.auth.identity import SAFE_METHODS, required_roles, via_token
from geo_app.web.errors import error_body

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    app.config.update(
        WTF_CSRF_CHECK_DEFAULT=False,  # checked below, after the origin and the login
        WTF_CSRF_TIME_LIMIT=None,  # a token lasts as long as its session
        WTF_CSRF_SSL_STRICT=False,
    )  # the Origin check below does this, proxy-aware
    csrf.init_app(app)
    app.before_request(_protect)

    @app.errorhandler(CSRFError)
    def refused(exc: CSRFError):
        return error_body(
            403, f"request refused as possibly cross-site: {exc.description} (reload the page and try again)"
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def own_origin() -> str:
    """The origin browsers see this service at: PUBLIC_BASE_URL when set, else the request's own."""
    configured = current_app.config.get("PUBLIC_BASE_URL") or ""
    return _origin(configured) if configured else _origin(request.host_url)


def exempt(view):
    """A view that takes requests from other sites and other programs (Open311 POST requests): it must act only
    on what the request itself carries (its api_key), never on the session cookie a browser adds."""
    view.csrf_exempt = True
    return view


def _protect():
    if request.method in SAFE_METHODS or via_token():
        return
    if getattr(current_app.view_functions.get(request.endpoint), "csrf_exempt", False):
        return
    origin = request.headers.get("Origin")
    if origin is not None and origin.lower() != own_origin():
        abort(403, f"cross-site request refused: it comes from {origin!r}, not from {own_origin()}")
    view = current_app.view_functions.get(request.endpoint)
    if required_roles(view) is not None and not current_user.is_authenticated:
        return  # the view answers 401: there is no session to forge a request with
    csrf.protect()
